"""The standards group: list, show, export to Excel, draft from a notice, import, verify, diff."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from ecozone._files import write_text_atomic
from ecozone.cli.app import Format, app, err, out
from ecozone.cli.printing import plain_row
from ecozone.errors import EcozoneError, Location, UsageError
from ecozone.vocabulary import ATTRIBUTE, ORIGIN

if TYPE_CHECKING:
    from ecozone.catalogue.model import Indicator

__all__ = ["standards_app"]

standards_app = typer.Typer(help="指标标准包：查看、导出为 Excel、从通知原文起草、导入、核实、比较。",
                            invoke_without_command=True)
app.add_typer(standards_app, name="standards")


@standards_app.callback()
def standards(ctx: typer.Context) -> None:
    """列出标准包（内置的和用户的）：编号、来源、名称、文号、级别、指标数、是否完整、已核实数。"""
    from rich.table import Table

    from ecozone.catalogue import load_standard

    if ctx.invoked_subcommand is not None:
        return
    from ecozone.catalogue.library import pack_entries, user_folders

    table = Table(title="指标标准包")
    for column in ("编号", "来源", "名称", "文号", "级别", "指标数", "完整", "已核实/全部"):
        table.add_column(column)
    for entry in pack_entries():
        if entry.problem:
            plain_row(table, entry.id, ORIGIN[entry.origin], entry.problem, "", "", "", "", "", styles={2: "red"})
            continue
        try:
            loaded = load_standard(entry.id)
        except EcozoneError as exc:  # one broken user file must not hide the others
            plain_row(table, entry.id, ORIGIN[entry.origin], f"无法加载：{exc.message}", "", "", "", "", "",
                      styles={2: "red"})
            continue
        pack = loaded.standard
        origin = ORIGIN[entry.origin] + (f"（扩展 {loaded.extends}）" if loaded.extends else "")
        plain_row(
            table, pack.id, origin, pack.title, pack.document or "（未见）", "/".join(pack.levels),
            str(len(pack.indicators)), "是" if pack.complete else "否",
            f"{loaded.verified_count}/{len(pack.indicators)}",
            styles={6: "" if pack.complete else "yellow"},
        )
    out.print(table)
    out.print(f"用户标准包文件夹：{os.pathsep.join(str(f) for f in user_folders())}"
              f"（可用环境变量 ECOZONE_STANDARDS_PATH 指定）")


@standards_app.command("show")
def standards_show(standard_id: Annotated[str, typer.Argument(help="标准编号，如 mee-2019")]) -> None:
    """显示一个标准包的完整指标表。"""
    from rich.table import Table
    from rich.text import Text

    from ecozone.catalogue import load_standard
    from ecozone.catalogue.verification import coverage

    loaded = load_standard(standard_id)
    pack = loaded.standard
    out.print(Text.assemble((pack.title, "bold"), f"  {pack.document or ''}  {pack.issuer}  {pack.date or ''}"))
    out.print(f"编号 {pack.id}   内容指纹 {loaded.hash}", highlight=False)
    out.print(f"文件：{loaded.source}" + (f"（扩展 {loaded.extends}）" if loaded.extends else ""))
    out.print(f"完整：{'是' if pack.complete else '否 — ' + (pack.missing_rows or '')}")
    out.print(f"核实：{coverage(loaded).text}（与正式文本核对过的指标；未核实的在结果中标 ✗）")
    share = pack.pass_rule.reference_min_share
    out.print(
        f"通过规则：约束性指标全部达标；参考性指标最低达标比例："
        f"{'未规定' if share is None else f'{share:.0%}'}；"
        f"评价年度：{pack.parameters.judged_year}；趋势判定期：{pack.parameters.trend_window} 年"
    )
    out.print(f"来源：{pack.provenance.source}（{pack.provenance.confidence}）")
    table = Table(show_lines=True)
    for column in ("序号", "领域/任务", "指标名称", "单位", "指标值", "属性", "适用范围", "判定规则", "核实"):
        table.add_column(column, no_wrap=column in ("序号", "指标名称"), overflow="fold")
    for indicator in pack.indicators:
        for row in _indicator_rows(indicator):
            plain_row(table, *row)
    out.print(table)


def _indicator_rows(indicator: Indicator) -> list[list[str]]:
    from ecozone.catalogue.describe import describe

    applies = "、".join(indicator.applies_to.levels)
    if indicator.applies_to.requires:
        applies += "（" + "、".join(indicator.applies_to.requires) + "）"
    check = "✓" if indicator.provenance.verified else f"✗ {indicator.provenance.confidence}"
    head = [indicator.id, f"{indicator.domain}/{indicator.task or ''}", indicator.name, indicator.unit,
            indicator.target_text or "", ATTRIBUTE[indicator.attribute], applies,
            describe(indicator.criterion) if indicator.criterion else "", check]
    rows = [head]
    for item in indicator.items:
        rows.append(["  " + item.id, "", item.name, item.unit, item.target_text, "", "",
                     describe(item.criterion), ""])
    return rows


@standards_app.command("evidence")
def standards_evidence(
    standard_id: Annotated[str, typer.Argument(help="标准编号，如 mee-2019")],
    output: Annotated[Path | None, typer.Option("--output", "-o",
                                                help="写出资料清单工作簿 .xlsx（按部门、按指标两张表）")] = None,
) -> None:
    """佐证材料清单：每项指标要哪些材料、谁出具，按牵头部门和配合部门列出（发给各部门收集资料用）。"""
    from rich.table import Table

    from ecozone.catalogue import load_standard
    from ecozone.catalogue.evidence import evidence_rows

    loaded = load_standard(standard_id)
    evidence = loaded.evidence
    if evidence is None:
        raise UsageError(f"标准包 {loaded.id} 没有佐证材料清单", Location(field="standard"),
                         expected="有清单的标准包，如 mee-2019；或在 catalogue/data/evidence/ 下为它写一份")
    rows = evidence_rows(loaded)
    out.print(evidence.title, style="bold")
    out.print(f"来源：{evidence.provenance.source}（{evidence.provenance.confidence}，"
              f"{'已核实' if evidence.provenance.verified else '未核实，请按本地要求调整'}）")
    table = Table(show_lines=True)
    for column in ("部门", "角色", "序号", "指标", "佐证材料", "出具单位"):
        table.add_column(column, no_wrap=column in ("部门", "角色", "序号"), overflow="fold")
    for row in rows:
        plain_row(table, *(row[c] for c in ("department", "role", "id", "name", "evidence", "issuer")))
    out.print(table)
    if output is not None:
        from ecozone.io.pack_workbook import write_evidence_workbook

        write_evidence_workbook(loaded, output)
        out.print(f"已写出 {output}（{len({r['department'] for r in rows})} 个部门，{len(rows)} 行）")


@standards_app.command("evidence-import")
def standards_evidence_import(
    workbook: Annotated[Path, typer.Argument(help="由 standards evidence -o 导出并修改过的工作簿")],
    standard_id: Annotated[str, typer.Option("--standard", "-s", help="清单所属的标准编号，如 mee-2019")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="写出的清单 .yaml")] = None,
    install: Annotated[bool, typer.Option("--install", help="存入用户标准包文件夹，之后代替内置清单使用")] = False,
) -> None:
    """把修改过的佐证材料清单（牵头部门、配合部门、数据来源、材料）导入：逐格检查，出错时指出工作表和单元格。"""
    from ecozone.catalogue import load_standard
    from ecozone.catalogue.dump import dump_evidence
    from ecozone.catalogue.evidence import load_evidence_file
    from ecozone.catalogue.library import user_folders
    from ecozone.io.pack_workbook import read_evidence_workbook

    if output is None and not install:
        raise UsageError("请用 -o 指定输出文件，或用 --install 存入用户标准包文件夹", Location(field="-o"))
    loaded = load_standard(standard_id)
    catalogue = read_evidence_workbook(workbook, loaded)
    targets = [output] if output is not None else []
    if install:
        targets.append(user_folders()[0] / "evidence" / f"{loaded.id}.yaml")
    text = dump_evidence(catalogue)
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(target, text)
        load_evidence_file(target, frozenset(i.id for i in loaded.standard.indicators))  # reads back as written
    items = sum(len(n.evidence) for n in catalogue.indicators.values())
    out.print(f"已导入 {loaded.id} 的佐证材料清单：{len(catalogue.indicators)} 项指标，{items} 项材料，"
              f"{len(catalogue.departments)} 个部门（{'已核实' if catalogue.provenance.verified else '未核实'}）")
    for target in targets:
        out.print(f"已写入 {target}")


@standards_app.command("export")
def standards_export(
    standard_id: Annotated[str, typer.Argument(help="标准编号")],
    output: Annotated[Path, typer.Option("--output", "-o", help="导出的工作簿 .xlsx")],
) -> None:
    """把标准包导出为 Excel 工作簿，供审阅、补全、更正（改完用 standards import 导入）。"""
    from ecozone.catalogue import load_standard
    from ecozone.io.pack_workbook import write_pack_workbook

    loaded = load_standard(standard_id)
    write_pack_workbook(loaded, output)
    out.print(f"已导出 {loaded.id}（{len(loaded.standard.indicators)} 项指标）到 {output}")


@standards_app.command("draft")
def standards_draft(
    notice: Annotated[Path, typer.Argument(help="通知或附件：Word（.docx）、PDF、Excel/WPS（.xlsx/.xls/.ods）或 CSV")],
    output: Annotated[Path, typer.Option("--output", "-o", help="写出的草稿工作簿 .xlsx")],
    pack_id: Annotated[str | None, typer.Option(
        "--id", help="草稿的标准编号（默认由文件名生成，如 mee-2019-draft）")] = None,
    title: Annotated[str | None, typer.Option("--title", help="标准名称（默认取原文标题）")] = None,
    issuer: Annotated[str | None, typer.Option("--issuer", help="发布机关（默认由文号推断）")] = None,
    document: Annotated[str | None, typer.Option("--document", help="文号（默认取原文中的文号）")] = None,
) -> None:
    """从部里的通知原文起草标准包：读出指标表，逐项解析指标值、对应统计量，写成可导入的工作簿；读不出的留给人填写。"""
    from rich.table import Table

    from ecozone import api

    written = api.draft_pack(notice, output, pack_id=pack_id, title=title, issuer=issuer, document=document)
    if len(written) > 1:
        out.print(f"文件中有 {len(written)} 张指标表，各写一份草稿。", highlight=False)
    for target, draft in written:
        pack = {row["key"]: row["value"] for row in draft.header}
        if len(written) > 1:
            out.print(f"\n{pack['title'] or '（标题未读到）'}（{pack['id']}）", highlight=False)
        for line in draft.report.lines():
            out.print(line, highlight=False)
        if draft.pending:
            table = Table(title=f"待处理 {len(draft.pending)} 处（详见工作簿「待处理」表）")
            for column in ("原文位置", "指标", "内容", "原文", "原因"):
                table.add_column(column, overflow="fold")
            for pending in draft.pending[:30]:
                plain_row(table, pending.where, pending.subject, pending.what, pending.text, pending.why)
            out.print(table)
            if len(draft.pending) > 30:
                out.print(f"……另有 {len(draft.pending) - 30} 处")
        out.print(f"已写入草稿 {target}：核对黄色单元格、填写橙色单元格后，用 ecozone standards import {target} "
                  "-o 标准包.yaml 导入", highlight=False)


@standards_app.command("import")
def standards_import(
    workbook: Annotated[Path, typer.Argument(help="由 standards export 导出并修改过的工作簿")],
    output: Annotated[Path | None, typer.Option("--output", "-o", help="写出的标准包 .yaml")] = None,
    install: Annotated[bool, typer.Option("--install", help="存入用户标准包文件夹，之后可按编号使用")] = False,
) -> None:
    """把工作簿导入为标准包：按与内置标准包相同的规则检查，出错时指出工作表和单元格。"""
    from ecozone.catalogue import load_metrics
    from ecozone.catalogue.dump import dump_standard
    from ecozone.catalogue.library import find_pack, user_folders
    from ecozone.catalogue.verification import coverage
    from ecozone.io.pack_workbook import read_pack_workbook

    if output is None and not install:
        raise UsageError("请用 -o 指定输出文件，或用 --install 存入用户标准包文件夹", Location(field="-o"))
    loaded = read_pack_workbook(workbook, load_metrics())
    targets = [output] if output is not None else []
    if install:
        existing = find_pack(loaded.id)
        if existing is not None and existing.origin == "shipped":
            raise UsageError(f"编号「{loaded.id}」是内置标准包的编号", Location(file=str(workbook), sheet="标准信息",
                             field="id"), expected="在「标准信息」表中把编号改为新的编号，如 " + f"{loaded.id}-gz")
        targets.append(user_folders()[0] / f"{loaded.id}.yaml")
    text = dump_standard(loaded.standard)
    for target in targets:
        target.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(target, text)
    pack = loaded.standard
    out.print(f"已导入 {pack.id}：{len(pack.indicators)} 项指标，{coverage(loaded).text}，"
              f"{'完整' if pack.complete else '不完整'}；内容指纹 {loaded.hash}", highlight=False)
    for target in targets:
        out.print(f"已写入 {target}")


@standards_app.command("verify")
def standards_verify(
    standard_id: Annotated[str, typer.Argument(help="标准编号")],
    workbook: Annotated[Path, typer.Option("--from", help="标有「已核实」和「来源」的工作簿（standards export 导出）")],
    as_id: Annotated[str | None, typer.Option(
        "--as", help="记录到哪个标准编号（默认：用户包本身，或 编号-verified）")] = None,
) -> None:
    """记录核实：把工作簿中各指标的「已核实」「来源」「可信度」「核实说明」记入标准包。"""
    from ecozone.catalogue import load_metrics, load_standard
    from ecozone.catalogue.verification import coverage, record, reviewed_provenance
    from ecozone.io.pack_workbook import read_pack_workbook

    pack = load_standard(standard_id)
    reviewed = read_pack_workbook(workbook, load_metrics())
    changes, other = reviewed_provenance(pack, reviewed)
    if other:
        err.print(f"提示：工作簿中还有 {len(other)} 项指标的其他内容与 {pack.id} 不同"
                  f"（如 {'、'.join(other[:5])}），未记录；要采用这些修改请用 standards import。", style="yellow")
    if not changes:
        out.print(f"工作簿中的核实情况与 {pack.id} 相同，无需记录；{coverage(pack).text}")
        return
    done = record(pack.id, changes, as_id)
    newly = sum(1 for p in changes.values() if p.verified)
    out.print(f"已记录 {len(changes)} 项指标的核实情况（其中已核实 {newly} 项）到 {done.standard_id}（{done.path}）；"
              f"{coverage(done.loaded).text}")


@standards_app.command("diff")
def standards_diff(
    a: Annotated[str, typer.Argument(help="原标准编号")],
    b: Annotated[str, typer.Argument(help="新标准编号")],
    fmt: Annotated[Format, typer.Option("--format", "-f", help="table 或 json")] = Format.table,
) -> None:
    """比较两个标准包：删除、新增、改名（按统计量对应）、指标值与规则、属性、适用范围的变化。"""
    from ecozone.catalogue import load_standard
    from ecozone.catalogue.diff import diff_standards

    result = diff_standards(load_standard(a), load_standard(b))
    if fmt == Format.json:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    for line in result.lines():
        out.print(line, highlight=False)
