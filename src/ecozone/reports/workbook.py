"""The results workbook (XlsxWriter): a board, a regions × indicators matrix, a sheet per region."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import xlsxwriter

from ecozone._files import atomic_path
from ecozone.catalogue.verification import coverage
from ecozone.engine.selfcheck import SelfCheck
from ecozone.evaluation import Evaluation
from ecozone.vocabulary import ANSWER, ANSWERED_BY, ATTRIBUTE, FINAL_VERDICT, PLAN_STATUS, STATUS

__all__ = ["write_results_workbook"]

COLOURS = {  # traffic lights: fill, font
    "met": ("#C6EFCE", "#006100"), "ready": ("#C6EFCE", "#006100"),
    "not_met": ("#FFC7CE", "#9C0006"), "not_ready": ("#FFC7CE", "#9C0006"),
    "missing": ("#FFEB9C", "#9C5700"), "needs_review": ("#FFEB9C", "#9C5700"), "incomplete": ("#FFEB9C", "#9C5700"),
    "not_applicable": ("#EDEDED", "#7F7F7F"),
    "vetoed": ("#E1BEE7", "#4A148C"), "keep": ("#C6EFCE", "#006100"), "warning": ("#FFEB9C", "#9C5700"),
    "revocation": ("#FFC7CE", "#9C0006"),
}


def write_results_workbook(
    evaluation: Evaluation,
    target: Path | str,
    charts: dict[str, bytes] | None = None,
    *,
    with_plan: bool = False,
    plan_cap: int | None = None,
) -> None:
    """Write the workbook: the board and every region's sheet show the evaluation's verdict; with a
    self-check, a 否决项 sheet; ``with_plan``, a 分期分批 sheet (``plan_cap``: at most that many regions a
    year); with charts (PNG bytes by title), a 图表 sheet."""
    plan = evaluation.replan(cap=plan_cap) if with_plan else None
    with atomic_path(target) as tmp:
        _write(evaluation, tmp)
        if plan is not None or charts:
            _append(tmp, plan, charts or {}, plan_cap)


def _write(evaluation: Evaluation, path: Path) -> None:
    result, checked = evaluation.assessment, evaluation.checked
    book = xlsxwriter.Workbook(str(path))
    base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "border": 1}
    header = book.add_format({**base, "bold": True, "bg_color": "#D9E1F2", "text_wrap": True})
    plain = book.add_format({**base, "text_wrap": True})
    number = book.add_format({**base, "num_format": "0.##"})
    light = {k: book.add_format({**base, "bg_color": f, "font_color": c}) for k, (f, c) in COLOURS.items()}
    pack = result.standard.standard
    title = (f"{pack.title}（{pack.id}，{pack.document or '文号未见'}）评价年度 {result.year}；"
             f"指标值与正式文本核对：{coverage(result.standard).text}；内容指纹 {result.standard.hash}")

    board = book.add_worksheet("总表")
    board.write(0, 0, title)
    columns = ["地区代码", "地区名称", "结论", "适用", "达标", "未达标", "缺数据", "待核实", "理由"]
    board.write_row(1, 0, columns, header)
    for r, row in enumerate(evaluation.regions.iter_rows(named=True), start=2):
        board.write_string(r, 0, row["region"], plain)
        board.write_string(r, 1, row["name"], plain)
        board.write_string(r, 2, FINAL_VERDICT[row["verdict"]], light[row["verdict"]])
        for c, key in enumerate(("applicable", "met", "not_met", "missing", "needs_review"), start=3):
            board.write_number(r, c, row[key] or 0, plain)
        board.write_string(r, 8, "；".join(x["message"] for x in row["reasons"]), plain)
    board.set_column(0, 1, 10)
    board.set_column(8, 8, 80)
    board.freeze_panes(2, 2)

    if checked is not None:
        _vetoes_sheet(book, checked, header, plain)

    matrix = book.add_worksheet("指标矩阵")
    indicators = result.indicators
    ids = indicators.filter(pl.col("region") == indicators["region"][0])["indicator_id"].to_list() if len(
        indicators) else []
    matrix.write_row(0, 0, ["地区代码", "地区名称", *[f"{i}" for i in ids]], header)
    names = evaluation.names
    for r, (code, group) in enumerate(indicators.group_by("region", maintain_order=True), start=1):
        matrix.write_string(r, 0, str(code[0]), plain)
        matrix.write_string(r, 1, names[str(code[0])], plain)
        for c, status in enumerate(group["status"].to_list(), start=2):
            matrix.write_string(r, c, STATUS[status], light[status])
    matrix.freeze_panes(1, 2)
    matrix.set_column(2, 2 + len(ids), 6)

    used: set[str] = set()
    for row in evaluation.regions.iter_rows(named=True):
        name = _sheet_name(f"{row['name']}{row['region']}", used)
        sheet = book.add_worksheet(name)
        sheet.write(0, 0, f"{row['name']}（{row['region']}）：{FINAL_VERDICT[row['verdict']]}"
                          f"（指标结论：{FINAL_VERDICT[row['indicator_verdict']]}）")
        heads = ["序号", "领域", "指标", "属性", "判定", "数值", "单位", "指标值", "适用目标", "差距", "说明", "核实"]
        sheet.write_row(1, 0, heads, header)
        rows = indicators.filter(pl.col("region") == row["region"])
        for r, ind in enumerate(rows.iter_rows(named=True), start=2):
            sheet.write_string(r, 0, ind["indicator_id"], plain)
            sheet.write_string(r, 1, ind["domain"], plain)
            sheet.write_string(r, 2, ind["name"], plain)
            sheet.write_string(r, 3, ATTRIBUTE[ind["attribute"]], plain)
            sheet.write_string(r, 4, STATUS[ind["status"]], light[ind["status"]])
            if ind["value"] is not None:
                sheet.write_number(r, 5, ind["value"], number)
            else:
                sheet.write_string(r, 5, ind["state"] or "", plain)
            sheet.write_string(r, 6, ind["unit"] or "", plain)
            sheet.write_string(r, 7, ind["target_text"] or "", plain)
            if ind["target_value"] is not None:
                sheet.write_number(r, 8, ind["target_value"], number)
            else:
                sheet.write_blank(r, 8, None, plain)
            if ind["gap"] is not None:
                sheet.write_number(r, 9, ind["gap"], number)
            else:
                sheet.write_blank(r, 9, None, plain)
            sheet.write_string(r, 10, ind["explanation"] or "", plain)
            sheet.write_string(r, 11, "✓" if ind["verified"] else "✗", plain)
        for c, width in enumerate((6, 8, 28, 7, 7, 9, 8, 22, 9, 8, 70, 5)):
            sheet.set_column(c, c, width)
        sheet.freeze_panes(2, 3)
    book.close()


def _vetoes_sheet(book: xlsxwriter.Workbook, checked: SelfCheck, header: object, plain: object) -> None:
    sheet = book.add_worksheet("否决项")
    columns = ["地区代码", "条件", "回答", "来源", "影响", "回溯期限", "依据 / 触发数据", "推翻理由"]
    sheet.write_row(0, 0, columns, header)
    source = ANSWERED_BY
    for r, row in enumerate(checked.checklist.iter_rows(named=True), start=1):
        values = [row["region"], row["wording"], ANSWER[row["answer"]], source[row["answered_by"]],
                  row["effect_text"], row["window_text"], row["triggered_by"] or row["evidence"] or "",
                  row["override_reason"] or ""]
        sheet.write_row(r, 0, values, plain)
    for c, width in enumerate((9, 40, 7, 9, 18, 20, 50, 30)):
        sheet.set_column(c, c, width)
    sheet.freeze_panes(1, 1)


def _sheet_name(wanted: str, used: set[str]) -> str:
    """Excel sheet names: at most 31 characters, none of []:*?/\\, unique."""
    name = "".join(ch for ch in wanted if ch not in "[]:*?/\\")[:31]
    base, n = name, 2
    while name in used:
        suffix = f"_{n}"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name)
    return name


def _append(path: Path, plan: pl.DataFrame | None, charts: dict[str, bytes], cap: int | None = None) -> None:
    """Add the plan and chart sheets (openpyxl: XlsxWriter cannot reopen a written file)."""
    import io

    from openpyxl import load_workbook
    from openpyxl.drawing.image import Image
    from openpyxl.styles import Font

    book = load_workbook(path)
    if plan is not None:
        sheet = book.create_sheet("分期分批", 2)
        sheet.append(["批次", "申报年份", "地区代码", "地区名称", "当前结论", "排期", "说明"])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in plan.iter_rows(named=True):
            sheet.append([row["batch"], row["planned_year"], row["region"], row["name"], FINAL_VERDICT[row["verdict"]],
                          PLAN_STATUS[row["plan_status"]], row["reason"]])
        if cap is not None:
            sheet.append([])
            sheet.append([f"每年申报数量上限：{cap} 个（超出的顺延至下一年，差距小的优先）"])
        for column, width in zip("ABCDEFG", (6, 9, 9, 10, 10, 9, 80), strict=True):
            sheet.column_dimensions[column].width = width
    if charts:
        sheet = book.create_sheet("图表", 3)
        line = 1
        for title, png in charts.items():
            sheet.cell(line, 1, title).font = Font(bold=True)
            image = Image(io.BytesIO(png))
            sheet.add_image(image, f"A{line + 1}")
            line += int(image.height / 20) + 3
    book.save(path)
