"""The problem ledger (问题台账) as a workbook and as a Word 整改情况报告 (one table, the same rows in both), and the
现场核查 checklist a reviewer prints and fills on site."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
import xlsxwriter

from ecozone._files import atomic_path
from ecozone._text import row_lines
from ecozone.evaluation import Evaluation

__all__ = ["COLUMNS", "LedgerLine", "LedgerTable", "OnsiteFill", "onsite_rows", "write_ledger_docx",
           "write_ledger_xlsx", "write_onsite_checklist"]

COLUMNS = ["序号", "来源", "评审日期", "指标/否决项", "问题", "级别", "牵头部门", "整改期限", "状态", "整改情况",
           "复核意见", "整改材料"]
_WIDTHS = [5, 9, 12, 16, 30, 8, 12, 12, 12, 28, 20, 18]


@dataclass(frozen=True)
class LedgerLine:
    number: int
    source: str
    held_on: dt.date
    subject: str
    problem: str
    severity: str
    lead: str
    deadline: dt.date
    status: str
    response: str
    check_note: str
    files: str

    def cells(self) -> list[object]:
        return [self.number, self.source, str(self.held_on), self.subject, self.problem, self.severity, self.lead,
                str(self.deadline), self.status, self.response, self.check_note, self.files]


@dataclass(frozen=True)
class LedgerTable:
    region: str
    region_name: str
    as_of: dt.date
    lines: list[LedgerLine] = field(default_factory=list)

    def summary(self) -> str:
        """The counts a 整改情况报告 opens with, by status."""
        counts = Counter(line.status.split("（")[0] for line in self.lines)
        late = sum(1 for line in self.lines if "逾期" in line.status)
        parts = "，".join(f"{status} {n} 项" for status, n in counts.items())
        return (f"截至 {self.as_of}，{self.region_name}（{self.region}）问题台账共 {len(self.lines)} 项"
                + (f"：{parts}" if parts else "") + (f"；其中逾期未整改 {late} 项" if late else "") + "。")


def write_ledger_xlsx(table: LedgerTable, path: Path) -> Path:
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp))
        title = book.add_format({"bold": True, "font_size": 14})
        head = book.add_format({"bold": True, "bg_color": "#E8F5E9", "border": 1, "text_wrap": True, "valign": "top"})
        cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
        late = book.add_format({"border": 1, "text_wrap": True, "valign": "top", "font_color": "#B71C1C"})
        sheet = book.add_worksheet("问题台账")
        sheet.write(0, 0, f"{table.region_name}（{table.region}）问题台账", title)
        sheet.write(1, 0, table.summary())
        sheet.write_row(2, 0, COLUMNS, head)
        for r, line in enumerate(table.lines, start=3):
            cells = line.cells()
            sheet.write_row(r, 0, cells, late if "逾期" in line.status else cell)
            sheet.set_row(r, 15 * row_lines(cells, _WIDTHS))  # wrapped text: the height is written
        for c, width in enumerate(_WIDTHS):
            sheet.set_column(c, c, width)
        sheet.freeze_panes(3, 0)
        sheet.repeat_rows(2)
        sheet.autofilter(2, 0, max(len(table.lines), 1) + 2, len(COLUMNS) - 1)
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        book.close()
    return path


def write_ledger_docx(table: LedgerTable, path: Path) -> Path:
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for margin in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, margin, Mm(15))
    normal = document.styles["Normal"]
    normal.font.name = "SimSun"
    normal.font.size = Pt(10.5)
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), "宋体")  # Chinese text in 宋体 in Word and WPS
    heading = document.add_paragraph()
    run = heading.add_run(f"{table.region_name}（{table.region}）问题整改情况报告")
    run.bold, run.font.size = True, Pt(16)
    document.add_paragraph(table.summary())
    grid = document.add_table(rows=1, cols=len(COLUMNS))
    grid.style = "Table Grid"
    for c, title in enumerate(COLUMNS):
        grid.rows[0].cells[c].text = title
    for line in table.lines:
        cells = grid.add_row().cells
        for c, value in enumerate(line.cells()):
            cells[c].text = str(value)
    for row in grid.rows:  # a table of twelve columns reads at 9 pt on A4 landscape
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)
    grid.autofit = False
    widths = [Mm(width * 267 / sum(_WIDTHS)) for width in _WIDTHS]
    for c, width in enumerate(widths):  # the grid's columns (LibreOffice, WPS) and every cell (Word)
        grid.columns[c].width = width
        for cell in grid.columns[c].cells:
            cell.width = width
    with atomic_path(path) as tmp:
        document.save(str(tmp))
    return path


ONSITE_COLUMNS = ["序号", "指标", "适用目标", "填报值", "判定", "现场应查看的材料和情况", "核查情况", "发现的问题",
                  "照片/附件"]
_ONSITE_WIDTHS = [6, 24, 18, 10, 8, 48, 30, 30, 16]


@dataclass(frozen=True)
class OnsiteFill:
    """What a reviewer recorded in the browser: who and when, and per indicator the last three columns
    (核查情况, 发现的问题, 照片/附件)."""

    experts: str
    held_on: dt.date
    cells: dict[str, tuple[str, str, str]]


def onsite_rows(evaluation: Evaluation, region: str, filled: OnsiteFill | None = None) -> list[list[object]]:
    """One row per applicable indicator of the region: what the table asks, what was reported and judged, and —
    from the pack's evidence list — what to see on site; the last three columns are the reviewer's."""
    from ecozone.vocabulary import STATUS

    catalogue = evaluation.standard.evidence
    rows = []
    for row in evaluation.indicators.filter((pl.col("region") == region) & (pl.col("status") != "not_applicable")
                                            ).iter_rows(named=True):
        need = catalogue.of(row["indicator_id"]) if catalogue is not None else None
        look = "\n".join(f"{e.kind}：{e.what}（{e.issuer or '—'}）" for e in need.evidence) if need else ""
        value = row["state"] if row["value"] is None else f"{row['value']:.6g}{row['unit'] or ''}"
        mine = filled.cells.get(row["indicator_id"], ("", "", "")) if filled is not None else ("", "", "")
        rows.append([row["indicator_id"], row["name"], row["target_text"] or "", value or "—", STATUS[row["status"]],
                     look, *mine])
    return rows


def write_onsite_checklist(evaluation: Evaluation, region: str, path: Path, filled: OnsiteFill | None = None
                           ) -> Path:
    """The 现场核查 checklist of one region, to print and fill on site (A4 landscape, wrapped rows, the header on
    every page); with ``filled``, as the reviewer filled it in the browser."""
    name = evaluation.names.get(region, region)
    rows = onsite_rows(evaluation, region, filled)
    signed = (f"核查人：{filled.experts or '—'}  日期：{filled.held_on}" if filled is not None
              else "核查人：__________  日期：__________")
    with atomic_path(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp))
        title = book.add_format({"bold": True, "font_size": 14})
        head = book.add_format({"bold": True, "bg_color": "#E8F5E9", "border": 1, "text_wrap": True, "valign": "top"})
        cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
        sheet = book.add_worksheet("现场核查")
        heading = f"{name}（{region}）现场核查表：{evaluation.year} 年，{evaluation.standard.id}；{signed}"
        sheet.write(0, 0, heading, title)
        sheet.write_row(1, 0, ONSITE_COLUMNS, head)
        for r, row in enumerate(rows, start=2):
            sheet.write_row(r, 0, row, cell)
            sheet.set_row(r, max(45, 15 * row_lines(row, _ONSITE_WIDTHS)))  # room to write by hand
        for c, width in enumerate(_ONSITE_WIDTHS):
            sheet.set_column(c, c, width)
        sheet.freeze_panes(2, 0)
        sheet.repeat_rows(1)
        sheet.set_landscape()
        sheet.set_paper(9)
        sheet.fit_to_pages(1, 0)
        book.close()
    return path
