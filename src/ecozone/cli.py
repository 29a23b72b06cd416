"""The command line: parse, call the public API, print. No rule lives here."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import polars as pl
import typer
from rich.console import Console
from rich.table import Table

from ecozone import api
from ecozone.catalogue import LoadedStandard, load_standard
from ecozone.catalogue.describe import describe
from ecozone.catalogue.model import Indicator
from ecozone.engine import Assessment
from ecozone.engine.board import domain_counts, shared_weak_points
from ecozone.engine.explain import ATTRIBUTE_TEXT, STATUS_TEXT, VERDICT_TEXT
from ecozone.engine.plan import PLAN_STATUS_TEXT
from ecozone.engine.plan import plan as make_plan
from ecozone.engine.selfcheck import SelfCheck
from ecozone.engine.trend import OUTLOOK_METHOD, TREND_CLASS_TEXT
from ecozone.engine.weakpoints import SCORE_METHOD, WEAK_CLASS_TEXT, Outlook
from ecozone.errors import EcozoneError, Location, UsageError
from ecozone.io.atomic import write_text_atomic
from ecozone.io.excel_errors import write_errors_workbook
from ecozone.io.excel_results import write_results_workbook
from ecozone.io.excel_template import write_template
from ecozone.io.results_json import assessment_to_dict, selfcheck_to_dict
from ecozone.io.tables import Dataset, read_regions
from ecozone.reports import FORMATS
from ecozone.reports.charts import board_heatmap

app = typer.Typer(
    help="ecozone：生态文明建设示范区指标评估（标准即数据，逐项判定并说明理由）。",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
standards_app = typer.Typer(help="指标标准包：查看、导出为 Excel、导入、核实、比较。", invoke_without_command=True)
app.add_typer(standards_app, name="standards")

# piped or redirected output has no terminal width: give tables room instead of 80 columns
out = Console(width=None if sys.stdout.isatty() else 160)
# Messages name files and cells: never wrap them, a broken path cannot be copied.
err = Console(stderr=True, soft_wrap=True, width=None if sys.stderr.isatty() else 160)

VERDICT_STYLE = {"ready": "green", "not_ready": "red", "incomplete": "yellow", "vetoed": "magenta",
                 "keep": "green", "warning": "yellow", "revocation": "red"}
ANSWER_STYLE = {"yes": "[red]是[/]", "no": "[green]否[/]", "unknown": "[yellow]未回答[/]"}
STATUS_STYLE = {"met": "green", "not_met": "red", "missing": "yellow", "needs_review": "yellow",
                "not_applicable": "dim"}


class Format(StrEnum):
    table = "table"
    json = "json"


def main() -> None:
    """Console-script entry point: user errors become a Chinese message and exit status 1."""
    try:
        app()
    except EcozoneError as exc:
        err.print(f"[bold red]错误：[/]{exc.message}", highlight=False)
        sys.exit(1)
    except PermissionError as exc:  # the store's permission check, with its reason
        err.print(f"[bold red]无权操作：[/]{exc}", highlight=False)
        sys.exit(1)


# --- standards -------------------------------------------------------------------------


@standards_app.callback()
def standards(ctx: typer.Context) -> None:
    """列出标准包（内置的和用户的）：编号、来源、名称、文号、级别、指标数、是否完整、已核实数。"""
    if ctx.invoked_subcommand is not None:
        return
    from ecozone.catalogue.library import ORIGIN_TEXT, pack_entries, user_folders

    table = Table(title="指标标准包")
    for column in ("编号", "来源", "名称", "文号", "级别", "指标数", "完整", "已核实/全部"):
        table.add_column(column)
    for entry in pack_entries():
        if entry.problem:
            table.add_row(entry.id, ORIGIN_TEXT[entry.origin], f"[red]{entry.problem}[/]", "", "", "", "", "")
            continue
        try:
            loaded = load_standard(entry.id)
        except EcozoneError as exc:  # one broken user file must not hide the others
            table.add_row(entry.id, ORIGIN_TEXT[entry.origin], f"[red]无法加载：{exc.message}[/]", "", "", "", "", "")
            continue
        pack = loaded.standard
        origin = ORIGIN_TEXT[entry.origin] + (f"（扩展 {loaded.extends}）" if loaded.extends else "")
        table.add_row(
            pack.id, origin, pack.title, pack.document or "（未见）", "/".join(pack.levels),
            str(len(pack.indicators)),
            "是" if pack.complete else "[yellow]否[/]",
            f"{loaded.verified_count}/{len(pack.indicators)}",
        )
    out.print(table)
    out.print(f"用户标准包文件夹：{os.pathsep.join(str(f) for f in user_folders())}"
              f"（可用环境变量 ECOZONE_STANDARDS_PATH 指定）")


@standards_app.command("show")
def standards_show(standard_id: Annotated[str, typer.Argument(help="标准编号，如 mee-2019")]) -> None:
    """显示一个标准包的完整指标表。"""
    from ecozone.catalogue.verification import coverage

    loaded = load_standard(standard_id)
    pack = loaded.standard
    out.print(f"[bold]{pack.title}[/]  {pack.document or ''}  {pack.issuer}  {pack.date or ''}")
    out.print(f"编号 {pack.id}   内容指纹 {loaded.hash}")
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
            table.add_row(*row)
    out.print(table)


def _indicator_rows(indicator: Indicator) -> list[list[str]]:
    applies = "、".join(indicator.applies_to.levels)
    if indicator.applies_to.requires:
        applies += "（" + "、".join(indicator.applies_to.requires) + "）"
    check = "✓" if indicator.provenance.verified else f"✗ {indicator.provenance.confidence}"
    head = [indicator.id, f"{indicator.domain}/{indicator.task or ''}", indicator.name, indicator.unit,
            indicator.target_text or "", ATTRIBUTE_TEXT[indicator.attribute], applies,
            describe(indicator.criterion) if indicator.criterion else "", check]
    rows = [head]
    for item in indicator.items:
        rows.append(["  " + item.id, "", item.name, item.unit, item.target_text, "", "",
                     describe(item.criterion), ""])
    return rows


@standards_app.command("export")
def standards_export(
    standard_id: Annotated[str, typer.Argument(help="标准编号")],
    output: Annotated[Path, typer.Option("--output", "-o", help="导出的工作簿 .xlsx")],
) -> None:
    """把标准包导出为 Excel 工作簿，供审阅、补全、更正（改完用 standards import 导入）。"""
    from ecozone.io.pack_workbook import write_pack_workbook

    loaded = load_standard(standard_id)
    write_pack_workbook(loaded, output)
    out.print(f"已导出 {loaded.id}（{len(loaded.standard.indicators)} 项指标）到 {output}")


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
              f"{'完整' if pack.complete else '不完整'}；内容指纹 {loaded.hash}")
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
    from ecozone.catalogue import load_metrics
    from ecozone.catalogue.verification import coverage, record, reviewed_provenance
    from ecozone.io.pack_workbook import read_pack_workbook

    pack = load_standard(standard_id)
    reviewed = read_pack_workbook(workbook, load_metrics())
    changes, other = reviewed_provenance(pack, reviewed)
    if other:
        err.print(f"[yellow]提示：工作簿中还有 {len(other)} 项指标的其他内容与 {pack.id} 不同"
                  f"（如 {'、'.join(other[:5])}），未记录；要采用这些修改请用 standards import。[/]")
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
    from ecozone.catalogue.diff import diff_standards

    result = diff_standards(load_standard(a), load_standard(b))
    if fmt == Format.json:
        sys.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n")
        return
    for line in result.lines():
        out.print(line, highlight=False)


# --- assess ----------------------------------------------------------------------------


@app.command()
def assess(
    path: Annotated[
        Path, typer.Argument(help="填报工作簿（.xlsx/.xls/.ods）、数据文件夹或数据文件")
    ],
    standard: Annotated[
        str | None, typer.Option("--standard", "-s", help="标准编号，如 mee-2019，或标准包文件路径；工作簿可省略")
    ] = None,
    year: Annotated[int | None, typer.Option("--year", "-y", help="评价年度（默认：数据中最近的年度）")] = None,
    regions: Annotated[Path | None, typer.Option("--regions", help="地区登记表（PATH 为单个数据文件时需要）")] = None,
    fmt: Annotated[
        Format, typer.Option("--format", "-f", help="输出格式（-o 以 .xlsx 结尾时写结果工作簿）")
    ] = Format.table,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="写入文件：.json、.xlsx 或文本")] = None,
    accept_warnings: Annotated[
        bool, typer.Option("--accept-warnings", help="确认工作簿中需要确认的警告（如疑似小数的百分比）无误")
    ] = False,
    sets: SetOption = None,
) -> None:
    """按标准逐项评估一个或多个地区，给出每项指标的判定、差距和理由，以及每个地区的结论。"""
    run = _prepare(path, standard, year, sets, accept_warnings, regions)
    checked, result, dataset = run.checked, run.assessment, run.dataset
    if output is not None and output.suffix.lower() == ".xlsx":
        write_results_workbook(result, output, checked)
        err.print(f"已写入结果工作簿 {output}")
        return
    if fmt is Format.json:
        view = api.outlook_for(result, dataset)
        _emit_json(selfcheck_to_dict(checked, view) if checked else assessment_to_dict(result, view), output)
        return
    console = Console(record=True, width=160) if output else out
    _print_assessment(console, result, checked.regions if checked else None)
    if checked is None:
        console.print("[dim]未提供否决项自查回答：以上结论只针对指标。完整自查请用 ecozone selfcheck。[/]")
    _emit(console, output)


# --- self-check ------------------------------------------------------------------------


class Mode(StrEnum):
    apply = "apply"
    monitor = "monitor"


@app.command()
def selfcheck(
    path: Annotated[Path, typer.Argument(help="填报工作簿或数据文件夹（含 vetoes.csv / incidents.csv）")],
    standard: StandardOption = None,
    year: Annotated[int | None, typer.Option("--year", "-y", help="评价年度（默认：数据中最近的年度）")] = None,
    mode: Annotated[Mode, typer.Option("--mode", help="apply 申报前自查；monitor 命名后年度自评")] = Mode.apply,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="自查日期，决定事件回溯期（默认：评价年度次年12月31日）")
    ] = None,
    fmt: FormatOption = Format.table,
    output: OutputOption = None,
    accept_warnings: Annotated[bool, typer.Option("--accept-warnings", help="确认工作簿中需要确认的警告")] = False,
    sets: SetOption = None,
) -> None:
    """申报前自查（一票否决）：逐项列出否决条件的回答、依据和影响，给出每个地区能否推荐及原因。"""
    loaded = api.standard_for(path, standard)
    dataset = _with_sets(api.load_dataset(path, standard=loaded, accept_warnings=accept_warnings), loaded, year, sets)
    when = _date_option(as_of)
    checked = api.selfcheck_dataset(loaded, dataset, year, mode=mode.value, as_of=when)
    if fmt is Format.json:
        _emit_json(selfcheck_to_dict(checked), output)
        return
    console = Console(record=True, width=160) if output else out
    _print_selfcheck(console, checked)
    if output is not None:
        _write_atomic(output, console.export_text())
        err.print(f"已写入 {output}")


def _date_option(text: str | None) -> dt.date | None:
    if text is None:
        return None
    from ecozone.io.answers import parse_date

    parsed = parse_date(text)
    if parsed is None:
        raise UsageError(f"日期「{text}」无法识别", Location(field="--as-of"), expected="如 2024-12-31")
    return parsed


def _print_selfcheck(console: Console, checked: SelfCheck) -> None:
    result = checked.assessment
    _print_header(console, result)
    title = "申报前自查" if checked.mode == "apply" else "命名后年度自评"
    catalogue = checked.catalogue
    named = "[red]未关联[/]"
    if catalogue is not None:
        named = f"{catalogue.title}（{catalogue.id}，{catalogue.document or '文号未见'}）"
    console.print(f"[bold]{title}[/]：自查日期 {checked.as_of}；否决项目录 {named}")
    for region in checked.regions.iter_rows(named=True):
        rows = checked.checklist.filter(pl.col("region") == region["region"])
        table = Table(title=f"{region['name']}（{region['region']}）：{VERDICT_TEXT[region['verdict']]}")
        for column in ("条件", "回答", "来源", "影响", "回溯期限", "依据 / 触发数据"):
            table.add_column(column, overflow="fold")
        table.add_row("约束性指标全部达标", "[green]是[/]" if region["indicator_verdict"] == "ready" else
                      f"[red]{VERDICT_TEXT[region['indicator_verdict']]}[/]", "指标评估", "不得申报", "评价年度",
                      f"达标 {region['met'] or 0} / 适用 {region['applicable'] or 0}")
        for item in rows.iter_rows(named=True):
            source = {"question": "自查回答", "incidents": "事件清单", "derived": "数据推算"}[item["answered_by"]]
            if item["overridden"]:
                source += f"（已推翻：{item['override_reason']}）"
            table.add_row(item["wording"], ANSWER_STYLE[item["answer"]], source, item["effect_text"],
                          item["window_text"], item["triggered_by"] or item["evidence"] or "")
        console.print(table)
        for reason in region["reasons"]:
            console.print(f"  · {reason['message']}")
    _print_prescreen(console, checked)


def _print_prescreen(console: Console, checked: SelfCheck) -> None:
    table = Table(title="推荐预审：可推荐 / 暂停" if checked.mode == "apply" else "年度自评总表")
    for column in ("代码", "名称", "结论", "指标结论", "原因"):
        table.add_column(column, overflow="fold")
    for row in checked.regions.iter_rows(named=True):
        style = VERDICT_STYLE[row["verdict"]]
        reasons = "；".join(r["message"] for r in row["reasons"]
                           if r["code"] not in ("unverified_targets", "all_gates_met", "reference_not_met"))
        table.add_row(row["region"], row["name"], f"[{style}]{VERDICT_TEXT[row['verdict']]}[/]",
                      VERDICT_TEXT[row["indicator_verdict"]], reasons or "—")
    console.print(table)


# --- outlook: weak points, board, plan ------------------------------------------------

SetOption = Annotated[
    list[str] | None,
    typer.Option("--set", help="假设：[地区代码:]统计量=数值[@年份]，可多次给出，如 urban_sewage_treatment_rate=88"),
]
StandardOption = Annotated[str | None, typer.Option("--standard", "-s", help="标准编号（工作簿可省略）")]
YearOption = Annotated[int | None, typer.Option("--year", "-y", help="评价年度")]
FormatOption = Annotated[Format, typer.Option("--format", "-f", help="输出格式")]
OutputOption = Annotated[Path | None, typer.Option("--output", "-o", help="写入文件")]


@dataclass
class _Run:
    loaded: LoadedStandard
    dataset: Dataset
    assessment: Assessment
    checked: SelfCheck | None


def _with_sets(dataset: Dataset, loaded: LoadedStandard, year: int | None, sets: list[str] | None) -> Dataset:
    if not sets:
        return dataset
    return api.what_if(dataset, sets, api.judged_year(loaded, dataset, year))


def _prepare(path: Path, standard: str | None, year: int | None, sets: list[str] | None,
             accept_warnings: bool = False, regions: Path | None = None) -> _Run:
    """Load, apply what-ifs, assess — and self-check when the data carry answers."""
    loaded = api.standard_for(path, standard)
    dataset = api.load_dataset(path, regions, standard=loaded, accept_warnings=accept_warnings)
    dataset = _with_sets(dataset, loaded, year, sets)
    if dataset.answers is not None or dataset.incidents is not None:
        checked = api.selfcheck_dataset(loaded, dataset, year)
        return _Run(loaded, dataset, checked.assessment, checked)
    return _Run(loaded, dataset, api.assess_dataset(loaded, dataset, year), None)


def _emit(console: Console, output: Path | None) -> None:
    if output is not None:
        _write_atomic(output, console.export_text())
        err.print(f"已写入 {output}")


def _emit_json(document: Any, output: Path | None) -> None:
    text = json.dumps(document, ensure_ascii=False, indent=2, default=str)
    if output is None:
        typer.echo(text)
    else:
        _write_atomic(output, text)
        err.print(f"已写入 {output}")


@app.command()
def weakpoints(
    path: Annotated[Path, typer.Argument(help="填报工作簿或数据文件夹")],
    standard: StandardOption = None,
    year: YearOption = None,
    top: Annotated[int, typer.Option("--top", help="每个地区显示前 N 项")] = 10,
    fmt: FormatOption = Format.table,
    output: OutputOption = None,
    sets: SetOption = None,
) -> None:
    """短板弱项：每个地区按 约束性未达标 → 缺数据 → 参考性未达标 → 风险（余量小、趋势背离）排序。"""
    run = _prepare(path, standard, year, sets)
    view = api.outlook_for(run.assessment, run.dataset)
    if fmt is Format.json:
        _emit_json({"standard": run.loaded.id, "year": run.assessment.year, "method": OUTLOOK_METHOD,
                    "weak_points": view.weak_points.to_dicts()}, output)
        return
    console = Console(record=True, width=160) if output else out
    _print_header(console, run.assessment)
    names = dict(zip(run.assessment.regions["region"], run.assessment.regions["name"], strict=True))
    for (region,), rows in view.weak_points.group_by("region", maintain_order=True):
        shown = min(top, rows.height)
        table = Table(title=f"{names[str(region)]}（{region}）短板弱项（共 {rows.height} 项，显示前 {shown} 项）")
        for column in ("序", "类别", "指标", "判定", "数值", "目标", "差距", "趋势", "预计达标", "牵头部门"):
            table.add_column(column, overflow="fold")
        for w in rows.head(top).iter_rows(named=True):
            table.add_row(str(w["rank"]), WEAK_CLASS_TEXT[w["weak_class"]], f"{w['unit_id']} {w['unit_name']}",
                          STATUS_TEXT[w["status"]], _fmt(w["value"]), _fmt(w["target"]), _fmt(w["gap"]),
                          TREND_CLASS_TEXT.get(w["trend_class"] or "", "—"), _fmt(w["projected_year"]),
                          w["lead_department"] or "（标准包未登记）")
        console.print(table)
    console.print(f"[dim]{OUTLOOK_METHOD}[/]")
    _emit(console, output)


@app.command()
def board(
    path: Annotated[Path, typer.Argument(help="填报工作簿或数据文件夹（一个州的全部县）")],
    standard: StandardOption = None,
    year: YearOption = None,
    fmt: FormatOption = Format.table,
    output: OutputOption = None,
    sets: SetOption = None,
) -> None:
    """州（市）总览：地区 × 指标判定矩阵、多地共有的短板、分领域达标数、得分排名（得分不改变结论）。"""
    run = _prepare(path, standard, year, sets)
    view = api.outlook_for(run.assessment, run.dataset)
    verdicts = run.checked.regions if run.checked else run.assessment.regions
    shared = shared_weak_points(view)
    domains = domain_counts(run.assessment)
    if fmt is Format.json:
        _emit_json({
            "standard": run.loaded.id, "year": run.assessment.year, "score_method": SCORE_METHOD,
            "matrix": run.assessment.indicators.select("region", "indicator_id", "status").to_dicts(),
            "shared_weak_points": shared.to_dicts(), "by_domain": domains.to_dicts(),
            "ranking": _ranking(verdicts, view).to_dicts(),
        }, output)
        return
    console = Console(record=True, width=200) if output else out
    _print_header(console, run.assessment)
    _print_matrix(console, run.assessment)
    table = Table(title="多地共有的短板（宜由州级统筹）")
    for column in ("指标", "类别", "涉及地区数", "地区"):
        table.add_column(column, overflow="fold")
    for row in shared.iter_rows(named=True):
        table.add_row(f"{row['unit_id']} {row['unit_name']}", WEAK_CLASS_TEXT[row["weak_class"]], str(row["regions"]),
                      "、".join(row["names"]))
    console.print(table if shared.height else "[green]没有多地共有的短板。[/]")
    table = Table(title="分领域达标情况（达标 / 适用）")
    table.add_column("地区")
    domain_names = domains["domain"].unique(maintain_order=True).to_list()
    for domain in domain_names:
        table.add_column(domain)
    for (name,), rows in domains.group_by("region_name", maintain_order=True):
        cells = {r["domain"]: f"{r['met']}/{r['applicable']}" for r in rows.iter_rows(named=True)}
        table.add_row(str(name), *(cells.get(d, "—") for d in domain_names))
    console.print(table)
    table = Table(title="得分排名（得分仅供排序参考，不改变申报结论）")
    for column in ("名次", "地区", "结论", "总分", "覆盖率"):
        table.add_column(column)
    for i, row in enumerate(_ranking(verdicts, view).iter_rows(named=True), start=1):
        table.add_row(str(i), row["name"], VERDICT_TEXT[row["verdict"]], _fmt(row["overall"]),
                      f"{row['coverage']:.0%}" if row["coverage"] is not None else "—")
    console.print(table)
    console.print(f"[dim]{SCORE_METHOD}[/]")
    _emit(console, output)


def _ranking(verdicts: pl.DataFrame, view: Outlook) -> pl.DataFrame:
    return (verdicts.select("region", "name", "verdict").join(view.scores.select("region", "overall", "coverage"),
                                                               on="region", how="left")
            .sort("overall", descending=True, nulls_last=True))


def _print_matrix(console: Console, result: Assessment) -> None:
    symbols = {"met": "[green]●[/]", "not_met": "[red]✗[/]", "missing": "[yellow]?[/]",
               "needs_review": "[yellow]![/]", "not_applicable": "[dim]·[/]"}
    ids = result.indicators.filter(pl.col("region") == result.regions["region"][0])["indicator_id"].to_list()
    table = Table(title="判定矩阵（● 达标  ✗ 未达标  ? 缺数据  ! 待核实  · 不适用）", padding=(0, 0))
    table.add_column("地区", no_wrap=True)
    for indicator_id in ids:
        table.add_column(indicator_id, justify="center")
    names = dict(zip(result.regions["region"], result.regions["name"], strict=True))
    for (region,), rows in result.indicators.group_by("region", maintain_order=True):
        table.add_row(names[str(region)], *(symbols[s] for s in rows["status"].to_list()))
    console.print(table)


@app.command()
def plan(
    path: Annotated[Path, typer.Argument(help="填报工作簿或数据文件夹（一个州的全部县）")],
    standard: StandardOption = None,
    year: YearOption = None,
    from_year: Annotated[int | None, typer.Option("--from-year", help="最早申报年份（默认：评价年度次年）")] = None,
    cap: Annotated[int | None, typer.Option("--cap", help="每年最多推荐的地区数（总量控制）", min=1)] = None,
    fmt: FormatOption = Format.table,
    output: OutputOption = None,
    sets: SetOption = None,
) -> None:
    """分期分批：按当前趋势推算每个地区最早可申报的年份，按年分批；说明无法排期的原因。"""
    run = _prepare(path, standard, year, sets)
    view = api.outlook_for(run.assessment, run.dataset)
    result = make_plan(view, run.checked.regions if run.checked else None, from_year=from_year, cap=cap)
    if fmt is Format.json:
        _emit_json({"standard": run.loaded.id, "year": run.assessment.year, "cap": cap, "method": OUTLOOK_METHOD,
                    "vetoes_checked": run.checked is not None, "plan": result.to_dicts()}, output)
        return
    console = Console(record=True, width=160) if output else out
    _print_header(console, run.assessment)
    if run.checked is None:
        console.print("[yellow]未提供否决项自查回答：排期未考虑否决项。[/]")
    table = Table(title="分期分批申报计划" + (f"（每年最多 {cap} 个）" if cap else ""))
    for column in ("批次", "年份", "地区", "当前结论", "排期", "说明"):
        table.add_column(column, overflow="fold")
    for row in result.iter_rows(named=True):
        table.add_row(_fmt(row["batch"]) or "—", _fmt(row["planned_year"]) or "—", f"{row['name']}（{row['region']}）",
                      VERDICT_TEXT[row["verdict"]], PLAN_STATUS_TEXT[row["plan_status"]], row["reason"])
    console.print(table)
    console.print(f"[dim]{OUTLOOK_METHOD}[/]")
    _emit(console, output)


# --- reports ---------------------------------------------------------------------------


@app.command()
def report(
    path: Annotated[Path, typer.Argument(help="填报工作簿或数据文件夹")],
    formats: Annotated[
        list[str] | None, typer.Option("--format", "-f", help="docx、xlsx、pdf、html（可多次给出；默认四种）")
    ] = None,
    region: Annotated[list[str] | None, typer.Option("--region", "-r", help="地区代码（默认：全部地区）")] = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="报告写入的文件夹")] = Path("ecozone-reports"),
    standard: StandardOption = None,
    year: YearOption = None,
    template: Annotated[Path | None, typer.Option("--template", help="自定义 Word 模板（字段同内置模板）")] = None,
    sets: SetOption = None,
) -> None:
    """写出上交用的报告：自评报告（Word）、结果工作簿（Excel）、PDF 和单文件网页（HTML），内容一致。"""
    run = _prepare(path, standard, year, sets)
    written = write_region_reports(run, formats or list(FORMATS), region, output, template)
    for region_code, files in written.items():
        out.print(f"{region_code}：" + "、".join(str(p) for p in files.values()))


def write_region_reports(run: _Run, formats: list[str], regions: list[str] | None, folder: Path,
                         template: Path | None = None) -> dict[str, dict[str, Path]]:
    return api.write_region_reports(run.assessment, run.dataset, run.checked, formats, regions, folder, template)


# --- database and users ----------------------------------------------------------------

db_app = typer.Typer(help="数据库：迁移、备份、恢复、载入示例。默认 SQLite；ECOZONE_DATABASE_URL 指向 PostgreSQL。")
user_app = typer.Typer(help="用户管理。")
app.add_typer(db_app, name="db")
app.add_typer(user_app, name="user")


@db_app.command("upgrade")
def db_upgrade() -> None:
    """把数据库结构升级到最新版本（Alembic 迁移）。"""
    from ecozone.store import db

    db.upgrade()
    out.print(f"数据库已是最新结构：{db.database_url().split('@')[-1]}")


@db_app.command("backup")
def db_backup(target: Annotated[Path, typer.Argument(help="备份文件")]) -> None:
    """一致性备份（SQLite 在线备份；PostgreSQL 用 pg_dump）。"""
    from ecozone.store import db

    db.backup(target)
    out.print(f"已备份到 {target}")


@db_app.command("restore")
def db_restore(source: Annotated[Path, typer.Argument(help="备份文件")]) -> None:
    """从备份恢复（覆盖当前数据）。"""
    from ecozone.store import db

    db.restore(source)
    out.print(f"已从 {source} 恢复")


@db_app.command("load")
def db_load(
    path: Annotated[Path | None, typer.Argument(help="数据文件夹或工作簿（默认：内置示例）")] = None,
    as_user: Annotated[str, typer.Option("--as", help="以哪个用户的名义载入（记入审计）")] = "system",
    reason: Annotated[str, typer.Option("--reason", help="载入原因（记入审计）")] = "载入数据",
) -> None:
    """把数据（默认：示例州）整体载入数据库：全部成功或全部不写。"""
    from ecozone.store import db
    from ecozone.store.repository import Actor, import_dataset

    dataset = api.load_dataset(path or sample_path())
    db.upgrade()
    engine = db.engine_for()
    province = dataset.regions["code"][0][:2] + "0000"
    with db.session_factory(engine)() as session, session.begin():
        counts = import_dataset(session, dataset, Actor(as_user, "province", province), reason)
    out.print("已载入：" + "，".join(f"{k} {v}" for k, v in counts.items()))


DEMO_USERS = (("shimen", "county", "990104", "石门县填报员"), ("shizhou", "prefecture", "990100", "示例州审核员"),
              ("sheng", "province", "990000", "省级管理员"))


def _load_demo() -> None:
    """The sample in the database, with one account per role (new random passwords, printed once)."""
    import secrets

    from sqlalchemy import select

    from ecozone.store import db
    from ecozone.store.models import User
    from ecozone.store.repository import Actor, add_user, import_dataset

    dataset = api.load_dataset(sample_path())
    db.upgrade()
    engine = db.engine_for()
    created = []
    with db.session_factory(engine)() as session, session.begin():
        counts = import_dataset(session, dataset, Actor("system", "province", "990000"), "载入演示数据")
        for name, role, region, label in DEMO_USERS:
            if session.scalar(select(User).where(User.name == name)) is None:
                password = secrets.token_urlsafe(9)
                add_user(session, name, role, region, password)
                created.append((name, label, region, password))
    engine.dispose()
    out.print(f"已载入演示数据到 {db.database_url()}：" + "，".join(f"{k} {v}" for k, v in counts.items()))
    for name, label, region, password in created:
        out.print(f"  演示账号 [bold]{name}[/]（{label}，{region}）密码 [bold]{password}[/]")
    if not created:
        out.print("  演示账号已存在（shimen / shizhou / sheng），密码未改。")
    out.print("启动网页：ecozone serve，然后在浏览器打开 http://127.0.0.1:8000/")


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="用户名")],
    role: Annotated[str, typer.Option("--role", help="county、prefecture 或 province")],
    region: Annotated[str, typer.Option("--region", help="所属地区代码（6位）")],
    password: Annotated[str, typer.Option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
                                          envvar="ECOZONE_PASSWORD", help="密码（至少8位；交互输入）")],
) -> None:
    """新建用户（密码以 argon2 散列保存）。"""
    from ecozone.store import db
    from ecozone.store.repository import add_user

    db.upgrade()
    with db.session_factory(db.engine_for())() as session, session.begin():
        add_user(session, name, role, region, password)
    out.print(f"已新建用户 {name}（{role}，{region}）")


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="监听地址")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="端口")] = 8000,
    standard: Annotated[str, typer.Option("--standard", "-s", help="评估所用标准")] = "mee-2019",
    workers: Annotated[int, typer.Option("--workers", min=1, help="工作进程数（PostgreSQL 时可设为 CPU 核数）")] = 1,
    proxy: Annotated[bool, typer.Option("--behind-proxy", help="在本机反向代理（TLS）之后：采信其转发头")] = False,
) -> None:
    """启动网页服务（默认 SQLite；ECOZONE_DATABASE_URL 指向 PostgreSQL；ECOZONE_SECRET 设定会话密钥）。"""
    import os
    import secrets

    import uvicorn

    from ecozone.store import db

    load_standard(standard)
    db.upgrade()
    # every worker must sign sessions with the same key, or a login holds only on one of them
    os.environ.setdefault("ECOZONE_SECRET", secrets.token_hex(32))
    os.environ["ECOZONE_STANDARD"] = standard
    if workers > 1 and db.database_url().startswith("sqlite"):
        err.print("[yellow]提示：SQLite 同一时刻只允许一个写入者；多个工作进程请使用 PostgreSQL。[/]")
    uvicorn.run("ecozone.web.app:app_from_environment", factory=True, host=host, port=port, workers=workers,
                proxy_headers=proxy)  # forwarded headers are trusted from 127.0.0.1 only (FORWARDED_ALLOW_IPS)


# --- Excel: template and check ---------------------------------------------------------


@app.command()
def template(
    standard: Annotated[str, typer.Option("--standard", "-s", help="标准编号，如 mee-2019")],
    output: Annotated[Path, typer.Option("--output", "-o", help="生成的填报工作簿 .xlsx")],
    region: Annotated[
        list[str] | None, typer.Option("--region", "-r", help="地区代码（可多次给出）；从地区登记表中查找")
    ] = None,
    regions: Annotated[
        Path | None, typer.Option("--regions", help="地区登记表 regions.csv（默认：内置示例登记表）")
    ] = None,
    years: Annotated[str | None, typer.Option("--years", help="年份范围，如 2019-2023（默认：近5年）")] = None,
) -> None:
    """生成填报工作簿：说明、地区信息、指标数据（按地区适用的指标和目标）、上级目标、来源与备注。"""
    loaded = load_standard(standard)
    register = read_regions(regions or sample_path() / "regions.csv")
    if region:
        unknown = [code for code in region if code not in set(register["code"].to_list())]
        if unknown:
            raise UsageError(
                f"地区代码「{unknown[0]}」不在地区登记表中",
                Location(field="--region"),
                expected="地区登记表中的代码；用 --regions 指定包含该地区的 regions.csv",
            )
        register = register.filter(pl.col("code").is_in(region))
    elif regions is None:
        raise UsageError("请用 --region 指定地区代码，或用 --regions 给出地区登记表", Location(field="--region"))
    levels = list(loaded.standard.levels)
    outside = register.filter(~pl.col("level").is_in(levels))
    if outside.height:
        raise UsageError(
            f"地区「{outside['name'][0]}」的级别为{outside['level'][0]}，"
            f"标准 {loaded.id} 只适用于{'、'.join(levels)}级",
            Location(field="--region"), expected="级别相符的地区",
        )
    span = _years(years)
    counts = write_template(loaded, register, span, output)
    out.print(
        f"已生成 {output}：{counts['regions']} 个地区，指标数据 {counts['figure_rows']} 行，"
        f"上级目标 {counts['assigned_rows']} 行，年份 {span[0]}–{span[-1]}"
    )


def _years(text: str | None) -> list[int]:
    if text is None:
        this_year = dt.date.today().year
        return list(range(this_year - 5, this_year))
    parts = text.replace("—", "-").replace("–", "-").split("-")
    try:
        first, last = (int(parts[0]), int(parts[-1]))
    except ValueError:
        raise UsageError(f"年份范围「{text}」无法识别", Location(field="--years"), expected="如 2019-2023") from None
    if not 1990 <= first <= last <= 2100 or last - first > 30:
        raise UsageError(f"年份范围「{text}」不合理", Location(field="--years"), expected="如 2019-2023，最多30年")
    return list(range(first, last + 1))


@app.command()
def check(
    path: Annotated[Path, typer.Argument(help="填报工作簿（.xlsx/.xls/.ods）")],
    standard: Annotated[
        str | None, typer.Option("--standard", "-s", help="标准编号（默认：工作簿生成时的标准）")
    ] = None,
    errors_out: Annotated[
        Path | None, typer.Option("--errors-out", help="写一份标出问题单元格的工作簿副本（含错误清单）")
    ] = None,
) -> None:
    """只检查不评估：列出工作簿中的全部问题（级别、工作表、单元格、问题、应为）。有错误时退出码为 1。"""
    loaded = load_standard(standard) if standard else None
    report = api.check_workbook(path, loaded)
    problems = report.problems
    counts = problems.counts()
    if problems.items:
        table = Table(title=f"检查结果：错误 {counts['错误']} 个，警告 {counts['警告']} 个，提示 {counts['提示']} 个")
        for column in ("级别", "位置", "问题", "应为"):
            table.add_column(column, overflow="fold")
        style = {"错误": "red", "警告": "yellow", "提示": "cyan"}
        for problem in problems.sorted():
            table.add_row(f"[{style[problem.severity]}]{problem.severity}[/]", problem.where, problem.message,
                          problem.expected or "")
        out.print(table)
    else:
        out.print("[green]检查通过：没有发现问题。[/]")
    if errors_out is not None:
        marked = write_errors_workbook(path, problems, errors_out)
        out.print(f"已写入 {errors_out}（标出 {marked} 个单元格，另有「错误清单」工作表）")
    if problems.errors:
        raise typer.Exit(1)
    if problems.to_confirm:
        out.print("[yellow]有需要确认的警告：确认无误后，评估时加 --accept-warnings。[/]")


def _print_header(console: Console, result: Assessment) -> None:
    pack = result.standard.standard
    console.print(f"[bold]{pack.title}[/]（{pack.id}，{pack.document or '文号未见'}）  评价年度 {result.year}")
    console.print(f"内容指纹 {result.standard.hash}")
    if not pack.complete:
        console.print(f"[yellow]注意：本标准包不完整（{pack.missing_rows}），任何地区都不会被判定为可申报。[/]")
    unverified = len(pack.unverified_indicators)
    if unverified:
        console.print(f"[yellow]注意：{unverified} 项指标的指标值未经正式文本核实（核实列标 ✗）。[/]")
    console.print(f"趋势判定：{result.window[0]}–{result.window[1]} 年，{result.trend_method}")


def _print_assessment(console: Console, result: Assessment, verdicts: pl.DataFrame | None = None) -> None:
    _print_header(console, result)
    _print_board(console, result, verdicts)
    indicators = result.indicators
    for region in result.regions.iter_rows(named=True):
        table = Table(title=f"{region['name']}（{region['region']}）：{VERDICT_TEXT[region['verdict']]}",
                      show_lines=False)
        for column in ("序号", "指标", "属性", "判定", "数值", "指标值", "差距", "说明", "核实"):
            table.add_column(column, overflow="fold")
        rows = indicators.filter(indicators["region"] == region["region"])
        for row in rows.iter_rows(named=True):
            style = STATUS_STYLE[row["status"]]
            value = row["state"] if row["value"] is None else _fmt(row["value"])
            table.add_row(
                row["indicator_id"], row["name"], ATTRIBUTE_TEXT[row["attribute"]],
                f"[{style}]{STATUS_TEXT[row['status']]}[/]", value or "", row["target_text"] or "",
                _fmt(row["gap"]), row["explanation"] or "", "✓" if row["verified"] else "✗",
            )
        console.print(table)
        for reason in region["reasons"]:
            console.print(f"  · {reason['message']}")


def _print_board(console: Console, result: Assessment, verdicts: pl.DataFrame | None = None) -> None:
    table = Table(title=f"评估总表（{result.year} 年，{result.standard.id}）")
    for column in ("代码", "名称", "结论", "适用", "达标", "未达标", "缺数据", "待核实", "短板数", "理由"):
        table.add_column(column, overflow="fold")
    for row in (verdicts if verdicts is not None else result.regions).iter_rows(named=True):
        style = VERDICT_STYLE[row["verdict"]]
        weak = (row["not_met"] or 0) + (row["missing"] or 0) + (row["needs_review"] or 0)
        reasons = "；".join(
            r["message"] for r in row["reasons"] if r["code"] not in ("unverified_targets", "all_gates_met")
        )
        table.add_row(
            row["region"], row["name"], f"[{style}]{VERDICT_TEXT[row['verdict']]}[/]",
            *(str(row[k] or 0) for k in ("applicable", "met", "not_met", "missing", "needs_review")),
            str(weak), reasons,
        )
    console.print(table)


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def _write_atomic(path: Path, text: str) -> None:
    write_text_atomic(path, text)


# --- demo ------------------------------------------------------------------------------


DEMO_REPORT_REGION = "990104"  # 石门县: a county with a shortfall, a trend and a plan to show


def sample_path() -> Path:
    """The bundled sample: inside the installed wheel, or in the source tree."""
    packaged = Path(str(resources.files("ecozone"))) / "_examples" / "shizhou"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[2] / "examples" / "shizhou"


@app.command()
def demo(
    output: Annotated[Path, typer.Option("--output", "-o", help="结果 JSON 写入的文件夹")] = Path("ecozone-demo"),
    standard: Annotated[str, typer.Option("--standard", "-s", help="标准编号")] = "mee-2019",
    load: Annotated[bool, typer.Option("--load", help="同时载入数据库并建立演示账号（供 ecozone serve）")] = False,
) -> None:
    """用内置示例（虚构的示例州，8 个县）跑一遍评估，打印总表并把结果写成 JSON。"""
    if load:
        _load_demo()
    dataset = api.load_dataset(sample_path())
    checked = api.selfcheck_dataset(standard, dataset)
    result = checked.assessment
    out.print("[dim]示例数据为虚构（示例州及其 8 个县均不存在），仅用于演示。[/]")
    _print_header(out, result)
    _print_board(out, result, checked.regions)
    document = selfcheck_to_dict(checked)
    _write_atomic(output / "assessment.json", json.dumps(document, ensure_ascii=False, indent=2))
    for region in document["regions"]:
        single = {**document, "regions": [region]}
        _write_atomic(output / f"{region['code']}.json", json.dumps(single, ensure_ascii=False, indent=2))
    run = _Run(checked.assessment.standard, dataset, result, checked)
    files = write_region_reports(run, list(FORMATS), [DEMO_REPORT_REGION], output / "reports")
    write_results_workbook(result, output / "reports" / "示例州_总表.xlsx", checked,
                           make_plan(api.outlook_for(result, dataset), checked.regions),
                           {"指标判定矩阵": board_heatmap(result.indicators, dict(
                               zip(result.regions["region"], result.regions["name"], strict=True)))})
    out.print(f"结果已写入 {output}/（assessment.json 及每县一个文件）")
    out.print("示例报告：" + "、".join(str(p) for p in files[DEMO_REPORT_REGION].values())
              + f"、{output / 'reports' / '示例州_总表.xlsx'}")


if __name__ == "__main__":  # pragma: no cover
    main()


# --- the whole country: synthetic panel and batch ----------------------------------------


@app.command()
def synth(
    output: Annotated[Path, typer.Option("--output", "-o", help="写出的数据文件夹（regions 等 .parquet）")],
    regions: Annotated[str, typer.Option("--regions", help="all，或逗号分隔的省级代码前两位，如 52,53")] = "all",
    years: Annotated[str, typer.Option("--years", help="年份范围")] = "2014-2023",
    standard: Annotated[str, typer.Option("--standard", "-s", help="按哪个标准包的统计量生成")] = "mee-2019",
    seed: Annotated[int, typer.Option("--seed", help="随机种子（相同种子得到相同数据）")] = 1,
) -> None:
    """生成合成的全国面板（真实的区划代码，虚构的数值），用于性能测试和压力测试。"""
    from ecozone.io.atomic import atomic_path
    from ecozone.synth import synthetic_panel

    provinces = None if regions == "all" else [p.strip()[:2] for p in regions.split(",") if p.strip()]
    panel = synthetic_panel(load_standard(standard), provinces, _years(years), seed)
    output.mkdir(parents=True, exist_ok=True)
    # the data files' form (docs/data-format.md): one value column, a number or a state's text
    figures = panel.observations.select("region", "year", "metric", value=pl.coalesce(
        pl.col("value").cast(pl.String), pl.col("state")), source="source", note="note")
    for name, frame in (("regions", panel.regions), ("observations", figures), ("assigned", panel.assigned)):
        assert frame is not None
        with atomic_path(output / f"{name}.parquet") as tmp:
            frame.write_parquet(tmp)
    out.print(f"已写入 {output}/：地区 {panel.regions.height:,} 个，数值 {panel.observations.height:,} 条"
              f"（合成数据，非真实统计）")


@app.command()
def batch(
    path: Annotated[Path, typer.Argument(help="数据文件夹（regions 与 observations，.parquet 或 .csv）")],
    output: Annotated[Path, typer.Option("--output", "-o", help="逐地区逐指标的结果 .parquet")],
    standard: Annotated[str, typer.Option("--standard", "-s", help="标准编号")] = "mee-2019",
    year: Annotated[int | None, typer.Option("--year", help="评价年度（默认：最近有数据的年份）")] = None,
    top: Annotated[int, typer.Option("--top", help="全国最常见的短板列出几项")] = 10,
    profiles: Annotated[Path | None, typer.Option(
        "--profiles", help="只给数据文件时：地区属性表（code 及地形、区域、沿海等列），名称级别取自区划登记表")] = None,
) -> None:
    """批量评估（全国或一省的全部县）：按省分块评估并显示进度，写出结果 Parquet，打印分省结论与全国常见短板。"""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from ecozone.catalogue import load_metrics
    from ecozone.io.atomic import atomic_path
    from ecozone.io.panel import open_figures_file, open_panel, panel_of, reads_in_chunks, regions_from_register
    from ecozone.io.tables import read_observations
    from ecozone.regions.register import (
        fill_zones,
        follow_code_changes,
        load_register,
        retired_codes,
        unknown_codes,
    )

    loaded = load_standard(standard)
    if reads_in_chunks(path):
        panel = open_panel(path, load_metrics())
    elif path.is_file() and path.suffix.lower() == ".parquet":  # a bare figures file: the register
        panel = open_figures_file(path, load_metrics(), profiles)
    elif path.is_file() and path.suffix.lower() == ".csv":  # a CSV is parsed once, whole
        figures = follow_code_changes(read_observations(path, load_metrics()))
        regions = regions_from_register(figures["region"].unique().sort().to_list(), profiles)
        panel = panel_of(Dataset(regions, figures, None))
    else:
        panel = panel_of(api.load_dataset(path, standard=loaded))
    unknown = unknown_codes(panel.regions["code"])
    if unknown:
        err.print(f"[yellow]提示：{len(unknown)} 个地区代码不在区划登记表（统计用区划代码 2023）中，"
                  f"如 {'、'.join(unknown[:5])}；照常评估，分省汇总按代码前两位。[/]")
        retired = [f"{code} {retired_codes()[code]}" for code in unknown if code in retired_codes()]
        if retired:
            err.print(f"[yellow]其中 {len(retired)} 个是已撤销、无法按名称对应新代码的旧代码"
                      f"（如 {'、'.join(retired[:3])}），其数据不会并入现行地区；请按国务院批复改用现行代码。[/]")
    judged = api.judged_year_among(loaded, panel.years, year)
    names = dict(zip(load_register()["code"], load_register()["name"], strict=True))
    regions_out, indicators_out = [], []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=False) as progress:
        task = progress.add_task("读取与评估", total=panel.regions.height)
        for chunk in panel.chunks():  # one chunk of figures in memory at a time
            provinces = chunk.regions["code"].str.slice(0, 2).unique(maintain_order=True).to_list()
            label = "、".join(names.get(f"{p}0000", p) for p in provinces[:3]) + ("等" if len(provinces) > 3 else "")
            progress.update(task, description=f"评估 {label}")
            part = Dataset(fill_zones(chunk.regions), follow_code_changes(chunk.observations), chunk.assigned)
            result = api.assess_dataset(loaded, part, judged, years=panel.years)
            regions_out.append(result.regions)
            indicators_out.append(result.indicators)
            progress.advance(task, chunk.regions.height)
    verdicts = pl.concat(regions_out)
    indicators = pl.concat(indicators_out).join(
        verdicts.select("region", region_name="name", verdict="verdict"), on="region")
    with atomic_path(output) as tmp:
        indicators.write_parquet(tmp)
    _print_batch_summary(verdicts, indicators, names, top, judged, loaded)
    err.print(f"已写入 {output}（{indicators.height:,} 行：地区 × 指标）")


def _print_batch_summary(verdicts: pl.DataFrame, indicators: pl.DataFrame, names: dict[str, str], top: int,
                         year: int, loaded: LoadedStandard) -> None:
    counts = (verdicts.with_columns(province=pl.col("region").str.slice(0, 2) + "0000")
              .pivot(on="verdict", index="province", values="region", aggregate_function="len")
              .fill_null(0).sort("province"))
    table = Table(title=f"{loaded.id} {year} 年：分省结论（地区数）")
    table.add_column("省级")
    order = [v for v in ("ready", "not_ready", "incomplete") if v in counts.columns]
    for verdict in order:
        table.add_column(VERDICT_TEXT[verdict], justify="right")
    for row in counts.iter_rows(named=True):
        table.add_row(names.get(row["province"], row["province"]), *(f"{row[v]:,}" for v in order))
    table.add_row("[bold]全国[/]", *(f"[bold]{counts[v].sum():,}[/]" for v in order))
    out.print(table)
    common = (indicators.filter((pl.col("status") == "not_met") & pl.col("gates"))
              .group_by("indicator_id", "number", "name").agg(regions=pl.len())
              .sort("regions", "number", descending=[True, False]).head(top))
    weak = Table(title=f"全国最常见的约束性短板（前 {top} 项）")
    for column in ("序号", "指标", "未达标地区数", "占比"):
        weak.add_column(column)
    total = verdicts.height
    for row in common.iter_rows(named=True):
        weak.add_row(str(row["number"]), row["name"], f"{row['regions']:,}", f"{row['regions'] / total:.1%}")
    out.print(weak)
