"""Write the fill-in workbook (XlsxWriter): instructions, profiles, figures, assigned targets.

One workbook holds one region or a whole prefecture: the figures sheet has one row per
(region, indicator or sub-item, metric) with the region code in the first column, so a
prefecture filters by region and a county clerk sees only their own rows.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import polars as pl
import xlsxwriter
from xlsxwriter.utility import xl_col_to_name, xl_rowcol_to_cell
from xlsxwriter.worksheet import Worksheet

from ecozone._text import wrapped_lines
from ecozone.catalogue import LoadedStandard
from ecozone.catalogue.vetoes import GRADES, VetoCatalogue, load_veto_catalogue
from ecozone.engine.plan_rows import figure_plan, omitted_units
from ecozone.io.excel import layout as L
from ecozone.regions.profile import CITY_SIZES, FLAGS, LEVELS, TERRAINS, ZONES
from ecozone.vocabulary import EFFECT

__all__ = ["write_template"]

_GUIDE = """\
本工作簿用于填报《{title}》（{document}，标准编号 {standard}）的指标数据，由 ecozone 生成于 {today}。

填报步骤
1. 「地区信息」：核对每个地区的级别、地形、区域、是否沿海等属性（下拉选择）。
   这些属性决定适用哪一档目标、哪些指标不适用。
2. 「指标数据」：每行一个指标（或分项）的一个统计量，按年份逐列填写。
   · 数值直接填数字，百分比填 0–100 之间的数（如 85 或 85%，不要填 0.85）。
   · 状态类指标从下拉列表选择（如 建立 / 未建立）。
   · 确实没有数据填「无」；认为不适用填「不适用」（系统会按地区属性核对）。留空表示尚未填报。
   · 灰色列由系统生成，请勿修改；「统计量编号（勿改）」一列是导入时识别指标的依据。
   · 检查提示「疑似把百分比填成了小数」等需要确认的警告，而数值确实如此时，在该行「确认无误」列选「是」。
   · 按地区属性不适用的指标不列入本表，见「不适用指标」表（属性有误时改「地区信息」后重新生成模板）。
3. 「上级目标」：填写上级下达的年度目标值（对应"完成上级规定的目标任务"类指标），单位与指标相同。
4. 「来源与备注」：可逐项注明数据来源（文件、统计年鉴、部门）和备注。
5. 「否决项自查」：逐条回答 是 / 否 / 不清楚，并填写依据（文号、日期、说明）。任何一条未回答，自查即不完整；
   "由数据推算"的条目留空即可，如认为推算结果不对，回答"否"并必须填写推翻理由。
6. 「突发环境事件」：列出回溯期内发生的突发环境事件及其官方定级（Ⅰ–Ⅳ级），是否计入由系统按级别和日期判断。
7. 填完后运行  ecozone check 本文件.xlsx  检查；有错时加 --errors-out 错误标注.xlsx 得到标出错误单元格的副本。
   检查通过后运行  ecozone assess 本文件.xlsx  得到评估结果。

注意
· 标准包中未经正式文本核实的指标值（{unverified} 项）在结果中标 ✗，请以正式文本为准。
{incomplete}· 请勿改动工作表名称和表头文字；可以调整列宽、筛选和排序。
"""


class _Formats:
    def __init__(self, book: xlsxwriter.Workbook) -> None:
        font = {"font_name": "宋体", "font_size": 10, "valign": "vcenter"}
        self.header = book.add_format({**font, "bold": True, "bg_color": "#D9E1F2", "border": 1,
                                       "text_wrap": True, "locked": True})
        self.fixed = book.add_format({**font, "bg_color": "#F2F2F2", "border": 1, "text_wrap": True,
                                      "locked": True})
        self.input = book.add_format({**font, "border": 1, "locked": False})
        self.input_text = book.add_format({**font, "border": 1, "locked": False, "num_format": "@"})
        self.input_wrapped = book.add_format({**font, "border": 1, "locked": False, "text_wrap": True})
        self.guide = book.add_format({**font, "text_wrap": True, "valign": "top"})
        self.title = book.add_format({"font_name": "宋体", "font_size": 14, "bold": True})


def write_template(
    standard: LoadedStandard, profiles: pl.DataFrame, years: list[int], path: Path | str
) -> dict[str, int]:
    """Write the workbook; returns counts (regions, figure rows, assigned rows) for the caller."""
    plan = figure_plan(standard, profiles)
    path = Path(path)
    book = xlsxwriter.Workbook(str(path))
    fmt = _Formats(book)
    _guide(book.add_worksheet(L.SHEET_GUIDE), standard, fmt)
    _regions(book.add_worksheet(L.SHEET_REGIONS), profiles, fmt)
    figures_rows = _figures(book.add_worksheet(L.SHEET_FIGURES), standard, plan, years, fmt)
    omitted = omitted_units(standard, profiles)
    _omitted(book.add_worksheet(L.SHEET_OMITTED), omitted, fmt)
    assigned_rows = _assigned(book.add_worksheet(L.SHEET_ASSIGNED), plan.filter(pl.col("assigned")), years, fmt)
    _sources(book.add_worksheet(L.SHEET_SOURCES), fmt)
    if standard.standard.veto_catalogue:
        catalogue = load_veto_catalogue(standard.standard.veto_catalogue)
        _vetoes(book.add_worksheet(L.SHEET_VETOES), catalogue, profiles, fmt)
        _incidents(book.add_worksheet(L.SHEET_INCIDENTS), fmt)
    _evidence(book.add_worksheet(L.SHEET_EVIDENCE), fmt)
    for sheet in book.worksheets():
        _print_setup(sheet)
    meta = book.add_worksheet(L.SHEET_META)
    meta.write(0, 0, json.dumps({"template": L.TEMPLATE_VERSION, "standard": standard.id, "hash": standard.hash,
                                 "years": years}, ensure_ascii=False))
    meta.hide()
    book.close()
    return {"regions": profiles.height, "figure_rows": figures_rows, "assigned_rows": assigned_rows,
            "omitted_rows": omitted.height}


def _evidence(sheet: Worksheet, fmt: _Formats) -> None:
    """The 佐证材料 list, as evidence.csv holds it: each file beside the workbook, what it proves, who issued it."""
    headers = list(L.EVIDENCE_SHEET_COLUMNS)
    _header(sheet, headers, fmt, {L.COL_EVIDENCE_FILE: 44, "指标序号或否决项编号": 12, "出具单位": 22, "文号": 20,
                                  "材料类型": 12, "日期": 12})
    for r in range(1, 201):
        for c in range(len(headers)):
            sheet.write_blank(r, c, None, fmt.input_text)
    file_col = headers.index(L.COL_EVIDENCE_FILE)
    sheet.data_validation(1, file_col, 200, file_col, {
        "validate": "any", "input_title": "佐证材料文件",
        "input_message": "相对于本工作簿所在文件夹的路径，如 佐证材料/林草覆盖率2023.pdf；"
                         "只接受 PDF、JPEG、PNG、Word、Excel、OFD，单个不超过 20 MB"})
    sheet.freeze_panes(1, 0)


def _print_setup(sheet: Worksheet) -> None:
    """Printed as a clerk hands it on: A4 landscape, every column on one page width, the header row on
    every page, the sheet name and page number in the footer."""
    sheet.set_paper(9)  # A4
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    sheet.set_footer("&L&A&R第 &P 页，共 &N 页")


def _guide(sheet: Worksheet, standard: LoadedStandard, fmt: _Formats) -> None:
    pack = standard.standard
    incomplete = "" if pack.complete else f"· 本标准包不完整：{pack.missing_rows}据此不能判定为可申报。\n"
    text = _GUIDE.format(
        title=pack.title, document=pack.document or "文号未见", standard=pack.id, today=dt.date.today().isoformat(),
        unverified=len(pack.unverified_indicators), incomplete=incomplete,
    )
    sheet.set_column(0, 0, 120)
    sheet.write(0, 0, "ecozone 指标数据填报表", fmt.title)
    for i, line in enumerate(text.splitlines(), start=2):
        sheet.write(i, 0, line, fmt.guide)


def _header(sheet: Worksheet, columns: list[str], fmt: _Formats, widths: dict[str, int]) -> list[int]:
    """Write the header row; returns the width of each column, for ``_fit_row``."""
    for col, name in enumerate(columns):
        sheet.write(0, col, name, fmt.header)
        sheet.set_column(col, col, widths.get(name, 12))
    sheet.set_row(0, 30)
    return [widths.get(name, 12) for name in columns]


def _fit_row(sheet: Worksheet, row: int, texts: list[str], widths: list[int]) -> None:
    """Give a row the height its wrapped texts need, so long names do not overlap the next row."""
    needed = max((wrapped_lines(text, width) for text, width in zip(texts, widths, strict=False)), default=1)
    if needed > 1:
        sheet.set_row(row, needed * L.LINE_HEIGHT)


def _regions(sheet: Worksheet, profiles: pl.DataFrame, fmt: _Formats) -> None:
    headers = list(L.REGION_COLUMNS)
    _header(sheet, headers, fmt, {"地区名称": 16})
    yes_no = {flag: True for flag in FLAGS}
    for r, row in enumerate(profiles.iter_rows(named=True), start=1):
        for c, header in enumerate(headers):
            column = L.REGION_COLUMNS[header]
            value = row.get(column)
            if column in yes_no:
                value = "是" if value else "否"
            sheet.write_string(r, c, "" if value is None else str(value), fmt.input_text)
    last = max(profiles.height, 1) + 200  # room for regions added by hand
    lists: dict[str, tuple[str, ...]] = {"level": LEVELS, "terrain": TERRAINS, "zone": ZONES,
                                         "city_size": CITY_SIZES}
    for c, header in enumerate(headers):
        column = L.REGION_COLUMNS[header]
        choices = lists.get(column) or (("是", "否") if column in FLAGS else None)
        if choices:
            sheet.data_validation(1, c, last, c, {"validate": "list", "source": list(choices),
                                                  "error_title": "请从下拉列表选择",
                                                  "error_message": "可选：" + "、".join(choices)})
    sheet.data_validation(1, 0, last, 0, {"validate": "length", "criteria": "==", "value": 6,
                                          "error_message": "地区代码为6位数字（GB/T 2260）"})
    sheet.freeze_panes(1, 2)


def _figures(
    sheet: Worksheet, standard: LoadedStandard, plan: pl.DataFrame, years: list[int], fmt: _Formats
) -> int:
    year_headers = [str(y) for y in years]
    headers = [*L.FIGURE_COLUMNS_BEFORE, *year_headers, *L.FIGURE_COLUMNS_AFTER]
    widths = _header(sheet, headers, fmt, {L.COL_NAME: 30, L.COL_TARGET: 26, L.COL_SOURCE: 30,
                                           L.COL_METRIC: 30, L.COL_CONFIRM: 8, L.COL_ID: 7, L.COL_UNIT: 10,
                                           L.COL_REGION: 9, L.COL_REGION_NAME: 14, L.COL_DOMAIN: 9})
    first_year = len(L.FIGURE_COLUMNS_BEFORE)
    confirm_col = headers.index(L.COL_CONFIRM)
    indicators = {i.id: i for i in standard.standard.indicators}
    plan = plan.with_columns(metrics_in_unit=pl.len().over("region", "unit_id"))
    for r, row in enumerate(plan.iter_rows(named=True), start=1):
        indicator = indicators[row["indicator_id"]]
        metric = standard.metric(row["metric"])
        name = row["unit_name"] if row["item_id"] is None else f"{indicator.name}：{row['unit_name']}"
        name += _what_to_fill(row["unit_name"], metric.name, row["kinds"], row["metrics_in_unit"])
        target = row["target_display"] or row["target_text"]
        if row["assigned"]:
            target += "（上级目标填「上级目标」表）"
        # the pack's own, else the evidence list's: a clerk sees whom to ask before the first figure
        source = "；".join(x for x in (standard.data_source(indicator), standard.lead_department(indicator)) if x)
        fixed = [row["region"], row["region_name"], row["unit_id"], indicator.domain, name,
                 metric.unit, target]
        for c, value in enumerate(fixed):
            sheet.write_string(r, c, value, fmt.fixed)
        sheet.write_string(r, len(fixed), source, fmt.input_wrapped)  # its height is written: it must wrap
        _fit_row(sheet, r, [*fixed, source], widths)
        for c in range(first_year, first_year + len(years)):
            sheet.write_blank(r, c, None, fmt.input)
        sheet.write_blank(r, confirm_col, None, fmt.input_text)
        sheet.write_blank(r, headers.index(L.COL_NOTE), None, fmt.input)
        sheet.write_string(r, headers.index(L.COL_METRIC), row["metric"], fmt.fixed)
        _validate_row(sheet, r, first_year, first_year + len(years) - 1, metric)
    sheet.data_validation(1, confirm_col, max(plan.height, 1), confirm_col, {
        "validate": "list", "source": [L.CONFIRM_YES],
        "input_title": L.COL_CONFIRM,
        "input_message": "检查提示本行数值疑似有误（如百分比填成小数）而数值确实如此时，选「是」",
        "error_message": f"选「{L.CONFIRM_YES}」或留空"})
    sheet.freeze_panes(1, first_year)
    sheet.autofilter(0, 0, max(plan.height, 1), len(headers) - 1)
    sheet.print_area(0, 0, max(plan.height, 1), headers.index(L.COL_NOTE))  # the ids are for the importer
    sheet.protect("", {"autofilter": True, "sort": True, "format_columns": True, "format_rows": True})
    return plan.height


def _what_to_fill(unit_name: str, metric_name: str, kinds: list[str], metrics_in_unit: int) -> str:
    """Name the figure the row asks for where the published name does not: 「PM2.5浓度下降幅度」 is judged
    from the yearly PM2.5 concentration, which the clerk fills, not from a decline they work out."""
    if unit_name in metric_name and metrics_in_unit == 1:
        return ""
    if "trend" in kinds:
        return f"（填各年{metric_name}，升降幅度由系统计算）"
    return f"（填{metric_name}）"


def _validate_row(sheet: Worksheet, row: int, first: int, last: int, metric: Any) -> None:
    if metric.kind == "state":
        choices = [*metric.states, "无", "不适用"]
        sheet.data_validation(row, first, row, last, {
            "validate": "list", "source": choices, "error_title": "请从下拉列表选择",
            "error_message": "可选：" + "、".join(choices)})
        return
    cell = xl_rowcol_to_cell(row, first, row_abs=False, col_abs=False)
    bounds = []
    if metric.min is not None:
        bounds.append(f"{cell}>={metric.min:g}")
    if metric.max is not None:
        bounds.append(f"{cell}<={metric.max:g}")
    number_ok = f"AND(ISNUMBER({cell}){''.join(',' + b for b in bounds)})"
    sheet.data_validation(row, first, row, last, {
        "validate": "custom", "value": f'=OR({number_ok},{cell}="无",{cell}="不适用")',
        "input_title": metric.name[:32], "input_message": _range_text(metric)[:255],
        "error_type": "warning", "error_title": "请填数字",
        "error_message": _range_text(metric) + "；没有数据填「无」"})


def _range_text(metric: Any) -> str:
    unit = "" if metric.unit == "-" else metric.unit
    low = f"{metric.min:g}" if metric.min is not None else "−∞"
    high = f"{metric.max:g}" if metric.max is not None else "+∞"
    percent = "，百分比填 0–100" if metric.unit == "%" else ""
    return f"单位 {unit or '无'}，合理范围 {low}–{high}{percent}"


def _assigned(sheet: Worksheet, plan: pl.DataFrame, years: list[int], fmt: _Formats) -> int:
    headers = [L.COL_REGION, L.COL_REGION_NAME, L.COL_ID, L.COL_NAME, L.COL_UNIT,
               *[str(y) for y in years], L.COL_SOURCE, L.COL_METRIC]
    widths = _header(sheet, headers, fmt, {L.COL_NAME: 30, L.COL_METRIC: 30, L.COL_SOURCE: 18,
                                           L.COL_REGION_NAME: 14})
    for r, row in enumerate(plan.iter_rows(named=True), start=1):
        fixed = [row["region"], row["region_name"], row["unit_id"], row["unit_name"], row["unit"]]
        for c, value in enumerate(fixed):
            sheet.write_string(r, c, value, fmt.fixed)
        _fit_row(sheet, r, fixed, widths)
        for c in range(len(fixed), len(fixed) + len(years) + 1):
            sheet.write_blank(r, c, None, fmt.input)
        sheet.write_string(r, len(headers) - 1, row["metric"], fmt.fixed)
        first = len(fixed)
        cell = xl_col_to_name(first) + str(r + 1)
        sheet.data_validation(r, first, r, first + len(years) - 1, {
            "validate": "custom", "value": f"=ISNUMBER({cell})", "error_type": "warning",
            "error_message": "上级目标请填数字，单位与指标相同"})
    sheet.freeze_panes(1, 5)
    sheet.protect("", {"autofilter": True, "sort": True, "format_columns": True})
    return plan.height


def _omitted(sheet: Worksheet, omitted: pl.DataFrame, fmt: _Formats) -> None:
    """The indicators not in 「指标数据」 for each region, with the profile field that rules them out, so a
    clerk who misses 近岸海域水质 sees why, and which 地区信息 cell to correct if the profile is wrong."""
    widths = _header(sheet, list(L.OMITTED_COLUMNS), fmt, {L.COL_NAME: 36, "不适用原因": 60,
                                                           L.COL_REGION_NAME: 14, L.COL_ID: 7})
    if omitted.height == 0:
        sheet.write_string(1, 0, "本工作簿中各地区适用标准的全部指标，没有不适用的指标。", fmt.fixed)
    for r, row in enumerate(omitted.iter_rows(named=True), start=1):
        values = [row["region"], row["region_name"], row["unit_id"], row["unit_name"], row["reason"]]
        for c, value in enumerate(values):
            sheet.write_string(r, c, value, fmt.fixed)
        _fit_row(sheet, r, values, widths)
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(omitted.height, 1), len(L.OMITTED_COLUMNS) - 1)


def _sources(sheet: Worksheet, fmt: _Formats) -> None:
    _header(sheet, list(L.SOURCE_COLUMNS), fmt, {L.COL_METRIC: 30, "数据来源": 40, "备注": 40})
    for r in range(1, 201):
        for c in range(len(L.SOURCE_COLUMNS)):
            sheet.write_blank(r, c, None, fmt.input_text)
    sheet.freeze_panes(1, 0)


def _vetoes(sheet: Worksheet, catalogue: VetoCatalogue, profiles: pl.DataFrame, fmt: _Formats) -> None:
    headers = list(L.VETO_COLUMNS)
    widths = _header(sheet, headers, fmt, {"条件": 40, L.COL_CONDITION: 22, "影响": 18, "回溯期限": 20,
                                           "说明": 30, "推翻理由": 30, "文号": 16, "附件路径": 20,
                                           L.COL_REGION_NAME: 14})
    answer_col = headers.index("回答")
    r = 0
    for region in profiles.iter_rows(named=True):
        for condition in catalogue.conditions:
            r += 1
            effects = "、".join(EFFECT[e] for e in condition.effects.apply) or "命名后适用"
            wording = condition.wording
            if condition.answered_by == "derived":
                wording += "（由数据推算，可留空）"
            elif condition.answered_by == "incidents":
                wording += "（按「突发环境事件」表判断；无事件请答「否」）"
            fixed = [region["code"], region["name"], condition.id, wording, condition.window_text(), effects]
            for c, value in enumerate(fixed):
                sheet.write_string(r, c, value, fmt.fixed)
            _fit_row(sheet, r, fixed, widths)
            for c in range(len(fixed), len(headers)):
                sheet.write_blank(r, c, None, fmt.input_text)
    if r:
        sheet.data_validation(1, answer_col, r, answer_col, {
            "validate": "list", "source": ["是", "否", "不清楚"], "error_message": "请选择 是、否 或 不清楚"})
    sheet.freeze_panes(1, 4)
    sheet.protect("", {"autofilter": True, "sort": True, "format_columns": True})


def _incidents(sheet: Worksheet, fmt: _Formats) -> None:
    headers = list(L.INCIDENT_COLUMNS)
    _header(sheet, headers, fmt, {"事件名称": 40, "定级文件": 24, "发生日期": 12})
    for r in range(1, 101):
        for c in range(len(headers)):
            sheet.write_blank(r, c, None, fmt.input_text)
    sheet.data_validation(1, 2, 100, 2, {"validate": "list", "source": list(GRADES),
                                         "error_message": "官方定级：Ⅰ（特别重大）、Ⅱ（重大）、Ⅲ（较大）、Ⅳ（一般）"})
    remove = headers.index(L.COL_INCIDENT_REMOVE)
    sheet.data_validation(1, remove, 100, remove, {
        "validate": "list", "source": ["是"], "input_title": "删除已登记的事件",
        "input_message": "填「是」并照登记内容填写地区、日期、级别、名称，载入时删除库中这起事件；"
                         "未列出的已登记事件保持不变"})
    sheet.freeze_panes(1, 0)
