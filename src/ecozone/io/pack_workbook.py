"""A standard pack as a workbook a reviewer edits in Excel or WPS, and the workbook read back.

Written with XlsxWriter (dropdowns, read-only columns shaded, notes on every header); read with
python-calamine behind the same guards as a figures workbook (size, encryption, zip bombs). The
tables themselves, and every check made when reading them, live in ``catalogue.tabular``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import xlsxwriter
from pydantic import ValidationError
from xlsxwriter.utility import xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from ecozone._files import atomic_path
from ecozone._text import row_lines
from ecozone.catalogue import LoadedStandard, Metric
from ecozone.catalogue.drafting import Draft
from ecozone.catalogue.from_tables import standard_from_tables
from ecozone.catalogue.model import EvidenceCatalogue
from ecozone.catalogue.tabular import (
    HEADER_SHEET,
    INDICATOR_COLUMNS,
    INDICATOR_SHEET,
    RULE_COLUMNS,
    RULE_SHEET,
    Column,
    Row,
    Tables,
    tables_of,
)
from ecozone.errors import InputError, Location
from ecozone.io.excel.guard import guard_workbook, open_workbook

__all__ = ["read_evidence_workbook", "read_pack_workbook", "write_draft_workbook", "write_evidence_workbook",
           "write_pack_workbook"]

GUIDE_SHEET = "说明"
METRIC_SHEET = "统计量"
HEADER_COLUMNS = (Column("key", "字段", 34, note="导入时据此识别字段，勿改"),
                  Column("label", "名称", 26, read_only=True), Column("value", "值", 60))
SPARE_ROWS = 300  # dropdowns reach this far below the last row, for indicators a reviewer adds

_GUIDE = """\
本工作簿是标准包「{title}」（编号 {id}）的全部内容，由 ecozone 导出于 {today}。
可在 Excel 或 WPS 中审阅、补全、更正，然后导入为新的标准包：

    ecozone standards import 本文件.xlsx -o 我的标准包.yaml

导入时按与内置标准包相同的规则检查，出错时指出工作表和单元格。

各工作表
· 标准信息：标准名称、文号、发布机关、适用级别、领域、是否完整、通过规则和判定参数。改为新标准时请改「编号」
  （小写字母、数字和 -，如 gz-2025-county），补全了全部指标时把「指标表完整」改为 是 并清空「缺少的指标」。
· 指标：每个指标一行，分项紧随其后、在「所属指标」填指标编号。「属性」「可信度」「已核实」等列有下拉选项。
  核对正式文本后，把「已核实」改为 是，并在「来源」写明文件、页码或条款（如 环生态〔2019〕76号 附件 第3页）。
· 判定规则：每个指标（或分项）的规则，一行一个节点。节点 1 是根，1.1、1.2 是它的下级：
    门槛值      统计量 比较 目标值，如 forest_grass_coverage ≥ 60；目标因地而异时不填目标值，
                在下级逐行列出「分类目标」：条件（如 山区、西部、沿海）、目标值、标签，第一个条件成立的生效。
    状态        统计量 与 可取状态（如 建立、开展）。
    趋势        统计量 与 趋势规则（不降低 / 保持稳定或持续改善 / 持续改善）。
    上级目标    统计量（与上级下达的目标比较）。
    变化量      统计量 比较 目标值（评价年与判定期首年之差，如 ΔEQI > -1）。
    全部满足 / 任一满足   下级节点全部 / 任一达标。
    按条件      下级节点是分支，各填「条件」，如「市」一支、「县」一支。
· 统计量：可用的统计量编号、名称、单位和状态值（只读）。新的统计量须先登记，本工作簿不能新增。

灰色列为只读（由程序生成，导入时忽略）。请勿改动工作表名称和表头文字。
本包：{count} 项指标，已核实 {verified} 项；{complete}
"""


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        font = {"font_name": "宋体", "font_size": 10, "valign": "top", "text_wrap": True}
        self.header = book.add_format({**font, "bold": True, "bg_color": "#D9E1F2", "border": 1})
        self.fixed = book.add_format({**font, "bg_color": "#F2F2F2", "border": 1})
        self.input = book.add_format({**font, "border": 1})
        self.guide = book.add_format({"font_name": "宋体", "font_size": 11, "text_wrap": True, "valign": "top"})
        self.drafted = book.add_format({**font, "border": 1, "bg_color": "#FFF9C4"})  # a draft's cell read: check it
        self.todo = book.add_format({**font, "border": 1, "bg_color": "#FFCC80"})  # a draft's cell left: fill it


def write_pack_workbook(loaded: LoadedStandard, path: Path | str) -> Path:
    """The whole pack as a workbook (written atomically)."""
    path = Path(path)
    header, indicators, rules = tables_of(loaded)
    pack = loaded.standard
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp))
        formats = _Formats(book)
        guide = book.add_worksheet(GUIDE_SHEET)
        guide.set_column(0, 0, 120)
        verified = sum(1 for i in pack.indicators if i.provenance.verified)
        text = _GUIDE.format(title=pack.title, id=pack.id, today=dt.date.today().isoformat(),
                             count=len(pack.indicators), verified=verified,
                             complete="指标表完整。" if pack.complete else f"指标表不完整：{pack.missing_rows}")
        for r, line in enumerate(text.splitlines()):
            guide.write_string(r, 0, line, formats.guide)
        _pack_sheets(book, formats, header, indicators, rules, loaded.metrics)
        book.close()
    return path


def _pack_sheets(book: xlsxwriter.Workbook, formats: _Formats, header: Sequence[Mapping[str, Any]],
                 indicators: Sequence[Mapping[str, Any]], rules: Sequence[Mapping[str, Any]],
                 metrics: Mapping[str, Metric], marks: Mapping[str, Mapping[tuple[int, str], Any]] | None = None,
                 ) -> None:
    """The sheets ``read_pack_workbook`` reads (标准信息, 指标, 判定规则) and the 统计量 list the rules' metric column
    chooses from; ``marks``: per sheet, a cell's own format (a draft's 草稿 and 待填 cells)."""
    marks = marks or {}
    _table(book.add_worksheet(HEADER_SHEET), HEADER_COLUMNS, header, formats, spare=0, marks=marks.get(HEADER_SHEET))
    _table(book.add_worksheet(INDICATOR_SHEET), INDICATOR_COLUMNS, indicators, formats, spare=SPARE_ROWS,
           marks=marks.get(INDICATOR_SHEET))
    rules_sheet = book.add_worksheet(RULE_SHEET)
    _table(rules_sheet, RULE_COLUMNS, rules, formats, spare=SPARE_ROWS, marks=marks.get(RULE_SHEET))
    _metrics_sheet(book.add_worksheet(METRIC_SHEET), metrics, formats)
    metric_col = next(i for i, c in enumerate(RULE_COLUMNS) if c.key == "metric")
    rules_sheet.data_validation(1, metric_col, len(rules) + SPARE_ROWS, metric_col, {
        "validate": "list", "source": f"='{METRIC_SHEET}'!$A$2:$A${len(metrics) + 1}",
        "error_title": "未登记的统计量", "error_message": "请从「统计量」表中选择统计量编号"})


def _table(sheet: Worksheet, columns: Sequence[Column], rows: Sequence[Mapping[str, Any]], formats: _Formats,
           spare: int, marks: Mapping[tuple[int, str], Any] | None = None) -> None:
    """``marks``: a cell's own format by (row index, column key) — a draft's 草稿 and 待填 cells."""
    for c, column in enumerate(columns):
        sheet.set_column(c, c, column.width, formats.fixed if column.read_only else formats.input)
        sheet.write_string(0, c, column.title, formats.header)
        if column.note:
            sheet.write_comment(0, c, column.note, {"x_scale": 2})
        if column.choices:
            sheet.data_validation(1, c, len(rows) + spare, c, {
                "validate": "list", "source": list(column.choices),
                "error_title": "不在可选范围内", "error_message": "可选：" + "、".join(column.choices)})
    for r, row in enumerate(rows, start=1):
        for c, column in enumerate(columns):
            style = formats.fixed if column.read_only else formats.input
            if marks is not None and not column.read_only:
                style = marks.get((r - 1, column.key), style)
            _write_cell(sheet, r, c, row.get(column.key), style)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(len(rows), 1), len(columns) - 1)


_DRAFT_GUIDE = """\
本工作簿是从「{file}」读出的标准包草稿（编号 {id}），由 ecozone standards draft 生成于 {today}。
所有内容都未经核实：黄色单元格是程序从原文读出的草稿，橙色单元格是程序未能读出、须由人填写的内容，
「待处理」表逐条列出了这些内容、原文和应填写的位置。

{report}

步骤
1. 按「待处理」表逐条补全（「判定规则」表的写法见下方说明），并对照原文逐项核对黄色单元格。
2. 在「标准信息」表核对编号、标准名称、文号、发布机关、发布日期；指标表不完整时填写「缺少的指标」。
3. 导入并检查（出错时指出工作表和单元格）：
       ecozone standards import 本文件.xlsx -o {id}.yaml
4. 与已有标准比较：ecozone standards diff mee-2019 {id}.yaml
5. 逐项核对原文后，在「指标」表把「已核实」改为 是、在「来源」写明页码，再用 standards verify 记录。
「建议新增统计量」表中的统计量须先由维护者登记到统计量登记表，才能导入使用它们的规则。

判定规则的写法（与 standards export 导出的工作簿相同）
"""
_TODO_COLUMNS = (Column("where", "原文位置", 22), Column("subject", "指标", 30), Column("what", "内容", 10),
                 Column("text", "原文", 40), Column("why", "未能读出的原因", 44), Column("fill", "请填写在", 40))
_PROPOSAL_COLUMNS = (Column("id", "建议编号", 16), Column("name", "名称", 30), Column("unit", "单位", 10),
                     Column("kind", "类型", 8), Column("states", "状态值", 20), Column("direction", "方向", 26))


def write_draft_workbook(draft: Draft, metrics: Mapping[str, Metric], path: Path | str, file: str) -> Path:
    """A draft pack as the workbook ``standards import`` reads, with the cells read from the notice marked 草稿,
    the cells left for a person marked 待填, and the list of what is left (written atomically)."""
    path = Path(path)
    pack_id = next((row["value"] for row in draft.header if row["key"] == "id"), "")
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp))
        formats = _Formats(book)
        guide = book.add_worksheet(GUIDE_SHEET)
        guide.set_column(0, 0, 120)
        text = _DRAFT_GUIDE.format(file=file, id=pack_id, today=dt.date.today().isoformat(),
                                   report="\n".join([*draft.report.lines(), f"待处理 {len(draft.pending)} 处。"]))
        rules_help = _GUIDE[_GUIDE.index("· 判定规则"):_GUIDE.index("· 统计量")]
        for r, line in enumerate((text + rules_help).splitlines()):
            guide.write_string(r, 0, line, formats.guide)
        todo_sheet = book.add_worksheet("待处理")
        _table(todo_sheet, _TODO_COLUMNS, [vars(p) for p in draft.pending], formats, spare=0)
        todo_sheet.set_landscape()
        todo_sheet.set_paper(9)
        todo_sheet.fit_to_pages(1, 0)  # a list to print and work through: one page wide
        todo_sheet.repeat_rows(0)
        widths = [c.width for c in _TODO_COLUMNS]
        for r, pending in enumerate(draft.pending, start=1):
            todo_sheet.set_row(r, 14 * row_lines([vars(pending)[c.key] for c in _TODO_COLUMNS], widths))
        marks: dict[str, dict[tuple[int, str], Any]] = {}
        for sheet_name, columns, rows in ((HEADER_SHEET, HEADER_COLUMNS, draft.header),
                                          (INDICATOR_SHEET, INDICATOR_COLUMNS, draft.indicators),
                                          (RULE_SHEET, RULE_COLUMNS, draft.rules)):
            marks[sheet_name] = {(r, c.key): formats.drafted for r, row in enumerate(rows) for c in columns
                                 if row.get(c.key) not in (None, "")
                                 and not (sheet_name == HEADER_SHEET and c.key != "value")}
            marks[sheet_name] |= {(r, key): formats.todo for sheet, r, key in draft.todo if sheet == sheet_name}
        _pack_sheets(book, formats, draft.header, draft.indicators, draft.rules, metrics, marks)
        if draft.proposals:
            _table(book.add_worksheet("建议新增统计量"), _PROPOSAL_COLUMNS, draft.proposals, formats, spare=0)
        book.close()
    return path


def _metrics_sheet(sheet: Worksheet, metrics: Mapping[str, Metric], formats: _Formats) -> None:
    titles = ("统计量编号", "名称", "单位", "类型", "方向", "状态值", "合理下限", "合理上限")
    widths = (30, 36, 12, 8, 10, 24, 10, 10)
    for c, (title, width) in enumerate(zip(titles, widths, strict=True)):
        sheet.set_column(c, c, width, formats.fixed)
        sheet.write_string(0, c, title, formats.header)
    for r, (metric_id, metric) in enumerate(sorted(metrics.items()), start=1):
        direction = {"higher": "越高越好", "lower": "越低越好"}.get(metric.direction or "", "")
        values = (metric_id, metric.name, metric.unit, "状态" if metric.kind == "state" else "数值", direction,
                  "、".join(metric.states), metric.min, metric.max)
        for c, value in enumerate(values):
            _write_cell(sheet, r, c, value, formats.fixed)
    sheet.freeze_panes(1, 1)


def _write_cell(sheet: Worksheet, r: int, c: int, value: Any, style: Any) -> None:
    if value is None or value == "":
        sheet.write_blank(r, c, None, style)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        sheet.write_number(r, c, value, style)
    else:
        sheet.write_string(r, c, str(value), style)  # ids such as "1" stay text


def read_pack_workbook(path: Path | str, metrics: Mapping[str, Metric]) -> LoadedStandard:
    """The pack a workbook describes, checked like a pack file; errors name sheet and cell."""
    path = Path(path)
    file = str(path)
    guard_workbook(path)
    book = open_workbook(path)
    tables = Tables(
        header=_rows(book, HEADER_SHEET, HEADER_COLUMNS, file),
        indicators=_rows(book, INDICATOR_SHEET, INDICATOR_COLUMNS, file),
        rules=_rows(book, RULE_SHEET, RULE_COLUMNS, file),
    )
    return standard_from_tables(tables, file, metrics)


def _rows(book: Any, sheet_name: str, columns: Sequence[Column], file: str) -> list[Row]:
    if sheet_name not in book.sheet_names:
        raise InputError(f"缺少工作表「{sheet_name}」", Location(file=file),
                         expected="由 ecozone standards export 导出的工作簿，工作表名称未改动")
    grid = book.get_sheet_by_name(sheet_name).to_python(skip_empty_area=False)
    titles = [str(v).strip() if v is not None else "" for v in (grid[0] if grid else [])]
    where: dict[str, int] = {}
    for column in columns:
        if column.title in titles:
            where[column.key] = titles.index(column.title)
        elif not column.read_only:
            raise InputError(f"缺少列「{column.title}」", Location(file=file, sheet=sheet_name, cell="1"),
                             expected="表头包含 " + "、".join(c.title for c in columns))
    rows = []
    for r, line in enumerate(grid[1:], start=2):
        values = {key: _value(line[c]) if c < len(line) else None for key, c in where.items()}
        cells = {key: f"{xl_col_to_name(c)}{r}" for key, c in where.items()}
        rows.append(Row(values, r, cells))
    return rows


def _value(raw: Any) -> Any:
    if isinstance(raw, str):
        return raw.strip() or None
    if isinstance(raw, dt.datetime):
        return raw.date()
    return raw


EVIDENCE_INFO_SHEET = "清单信息"
EVIDENCE_LEAD_SHEET = "指标与部门"
EVIDENCE_ITEM_SHEET = "材料"
_YES_NO = ("是", "否")
EVIDENCE_INFO_COLUMNS: tuple[Column, ...] = (
    Column("key", "项目", 14, read_only=True), Column("value", "内容", 90))
EVIDENCE_LEAD_COLUMNS: tuple[Column, ...] = (
    Column("id", "序号", 8, read_only=True, note="指标序号（勿改）"),
    Column("name", "指标", 34, read_only=True),
    Column("lead", "牵头部门", 16, note="按本地机构名称填写"),
    Column("support", "配合部门", 34, note="多个部门以顿号（、）分隔"),
    Column("data_source", "数据来源", 40, note="数值出自何处，如 统计年鉴、监测年报"))
EVIDENCE_ITEM_COLUMNS: tuple[Column, ...] = (
    Column("id", "序号", 8, note="证明哪项指标：指标序号，如 11"),
    Column("kind", "材料类型", 12, note="如 批复文件、监测报告、统计资料、会议纪要、照片"),
    Column("what", "材料内容", 60),
    Column("issuer", "出具单位", 24),
    Column("required", "必须", 6, choices=_YES_NO,
           note="是：标准或技术评估通知明确要求的材料（在清单和尚缺材料中标为必须）"))
_INFO_LABELS = {"title": "清单名称", "source": "来源", "confidence": "可信度（OFF/UNV/INF）",
                "verified": "已核实（是/否）", "note": "说明"}


def write_evidence_workbook(loaded: LoadedStandard, path: Path | str) -> Path:
    """The 佐证材料清单 as a workbook: 按部门 and 按指标 to send to departments (read only), and 清单信息, 指标与部门
    and 材料 to edit — read back by :func:`read_evidence_workbook`, the way a pack's workbook is."""
    from ecozone.catalogue.evidence import evidence_rows

    evidence = loaded.evidence
    assert evidence is not None
    path = Path(path)
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp))
        head = book.add_format({"bold": True, "bg_color": "#E8F5E9", "border": 1, "text_wrap": True, "valign": "top"})
        cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
        note = book.add_format({"italic": True, "font_color": "#666666"})
        sheets = {
            "按部门": (["部门", "角色", "序号", "指标", "佐证材料", "出具单位", "数据来源"],
                     [[r["department"], r["role"], r["id"], r["name"], r["evidence"], r["issuer"], r["source"]]
                      for r in evidence_rows(loaded)], [16, 6, 6, 34, 70, 26, 36]),
            "按指标": (["序号", "指标", "牵头部门", "配合部门", "数据来源", "佐证材料"],
                     [[i.id, i.name, need.lead, "、".join(need.support), need.data_source or "",
                       "\n".join(f"{e.kind}：{e.what}（{e.issuer or '—'}）{'（必须）' if e.required else ''}"
                                 for e in need.evidence)]
                      for i in loaded.standard.indicators if (need := evidence.of(i.id)) is not None],
                     [6, 34, 16, 34, 36, 90]),
        }
        for name, (columns, rows, widths) in sheets.items():
            sheet = book.add_worksheet(name)
            sheet.write_row(0, 0, columns, head)
            for r, row in enumerate(rows, start=1):
                sheet.write_row(r, 0, row, cell)
                # wrapped text: Excel and WPS keep a written row at one line unless its height is given
                sheet.set_row(r, 15 * row_lines(row, widths))
            for c, width in enumerate(widths):
                sheet.set_column(c, c, width)
            sheet.freeze_panes(1, 0)
            sheet.repeat_rows(0)
            sheet.set_landscape()
            sheet.set_paper(9)  # A4
            sheet.fit_to_pages(1, 0)  # as wide as one page, as long as it takes
            sheet.autofilter(0, 0, len(rows), len(columns) - 1)
            checked = "已核实" if evidence.provenance.verified else "未核实"
            sheet.write(len(rows) + 2, 0, f"{evidence.title}。来源：{evidence.provenance.source}（{checked}）。"
                        f"修改请在「{EVIDENCE_LEAD_SHEET}」和「{EVIDENCE_ITEM_SHEET}」表中进行，"
                        "再用 ecozone standards evidence-import 导入", note)
        formats = _Formats(book)
        provenance = evidence.provenance
        _table(book.add_worksheet(EVIDENCE_INFO_SHEET), EVIDENCE_INFO_COLUMNS, [
            {"key": _INFO_LABELS["title"], "value": evidence.title},
            {"key": _INFO_LABELS["source"], "value": provenance.source},
            {"key": _INFO_LABELS["confidence"], "value": provenance.confidence},
            {"key": _INFO_LABELS["verified"], "value": "是" if provenance.verified else "否"},
            {"key": _INFO_LABELS["note"], "value": provenance.note or ""}], formats, 0)
        _table(book.add_worksheet(EVIDENCE_LEAD_SHEET), EVIDENCE_LEAD_COLUMNS, [
            {"id": i.id, "name": i.name, "lead": need.lead, "support": "、".join(need.support),
             "data_source": need.data_source or ""}
            for i in loaded.standard.indicators if (need := evidence.of(i.id)) is not None], formats, 0)
        _table(book.add_worksheet(EVIDENCE_ITEM_SHEET), EVIDENCE_ITEM_COLUMNS, [
            {"id": indicator_id, "kind": e.kind, "what": e.what, "issuer": e.issuer or "",
             "required": "是" if e.required else "否"}
            for indicator_id, need in evidence.indicators.items() for e in need.evidence], formats, 200)
        book.close()
    return path


def _in_known_order(named: list[str], loaded: LoadedStandard) -> list[str]:
    """The departments named, those of the current list first in its order (an unedited list reads back equal)."""
    known = list(loaded.evidence.departments) if loaded.evidence is not None else []
    return [d for d in known if d in named] + [d for d in named if d not in known]


def read_evidence_workbook(path: Path | str, loaded: LoadedStandard) -> EvidenceCatalogue:
    """The 佐证材料清单 a workbook describes, for ``loaded``'s indicators; errors name sheet and cell."""
    path = Path(path)
    file = str(path)
    guard_workbook(path)
    book = open_workbook(path)
    info = {row.text("key"): row for row in _rows(book, EVIDENCE_INFO_SHEET, EVIDENCE_INFO_COLUMNS, file)}
    known = {i.id for i in loaded.standard.indicators}

    def refuse(row: Row, key: str, problem: str, expected: str, sheet: str) -> InputError:
        return InputError(problem, Location(file=file, sheet=sheet, cell=row.cells.get(key)), expected)

    items: dict[str, list[dict[str, Any]]] = {}
    for row in _rows(book, EVIDENCE_ITEM_SHEET, EVIDENCE_ITEM_COLUMNS, file):
        if not any(row.values.values()):
            continue
        indicator_id = row.text("id")
        if indicator_id not in known:
            raise refuse(row, "id", f"{loaded.id} 没有第「{indicator_id}」项指标", "指标序号，如 11",
                         EVIDENCE_ITEM_SHEET)
        for key in ("kind", "what"):
            if not row.text(key):
                raise refuse(row, key, "没有填写", "材料类型和材料内容都要填写", EVIDENCE_ITEM_SHEET)
        required = row.text("required") or "否"
        if required not in _YES_NO:
            raise refuse(row, "required", f"「{required}」不是 是 或 否", "是 或 否", EVIDENCE_ITEM_SHEET)
        items.setdefault(indicator_id, []).append({"kind": row.text("kind"), "what": row.text("what"),
                                                   "issuer": row.text("issuer") or None,
                                                   "required": required == "是"})
    indicators: dict[str, Any] = {}
    departments: dict[str, None] = {}
    for row in _rows(book, EVIDENCE_LEAD_SHEET, EVIDENCE_LEAD_COLUMNS, file):
        indicator_id = row.text("id")
        if not indicator_id:
            continue
        if indicator_id not in known:
            raise refuse(row, "id", f"{loaded.id} 没有第「{indicator_id}」项指标", "导出时的序号，勿改",
                         EVIDENCE_LEAD_SHEET)
        if not row.text("lead"):
            raise refuse(row, "lead", "没有填写牵头部门", "如 林业和草原局", EVIDENCE_LEAD_SHEET)
        if indicator_id not in items:
            raise refuse(row, "id", f"第{indicator_id}项在「{EVIDENCE_ITEM_SHEET}」表中没有任何材料",
                         f"在「{EVIDENCE_ITEM_SHEET}」表为它列出至少一项材料，或删去本行", EVIDENCE_LEAD_SHEET)
        support = [d.strip() for d in re.split(r"[、,，;；]", row.text("support")) if d.strip()]
        for department in (row.text("lead"), *support):
            departments.setdefault(department)
        indicators[indicator_id] = {"lead": row.text("lead"), "support": support,
                                    "data_source": row.text("data_source") or None, "evidence": items[indicator_id]}
    orphans = sorted(set(items) - set(indicators))
    if orphans:
        raise InputError(f"第 {'、'.join(orphans)} 项有材料但在「{EVIDENCE_LEAD_SHEET}」表中没有牵头部门",
                         Location(file=file, sheet=EVIDENCE_LEAD_SHEET), expected="为这些指标各加一行")

    def said(label: str) -> str:
        row = info.get(label)
        return row.text("value") if row is not None else ""

    verified = said(_INFO_LABELS["verified"]) or "否"
    data = {"format": 1, "pack": loaded.id, "title": said(_INFO_LABELS["title"]) or f"{loaded.id} 佐证材料清单",
            "provenance": {"source": said(_INFO_LABELS["source"]) or f"由 {path.name} 导入",
                           "confidence": said(_INFO_LABELS["confidence"]) or "INF", "verified": verified == "是",
                           **({"note": said(_INFO_LABELS["note"])} if said(_INFO_LABELS["note"]) else {})},
            "departments": _in_known_order(list(departments), loaded), "indicators": indicators}
    try:
        return EvidenceCatalogue.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise InputError(f"清单不合格式：{first['msg']}", Location(file=file, sheet=EVIDENCE_INFO_SHEET,
                                                              field=".".join(str(p) for p in first["loc"])),
                         expected="可信度为 OFF、UNV 或 INF；已核实为 是 或 否") from None
