"""The errors workbook: the user's own workbook with each bad cell highlighted and explained.

openpyxl is used here because the copy must keep the user's layout and styles; a clerk
fixes the cells in place and imports the file again.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.worksheet.worksheet import Worksheet
from python_calamine import CalamineWorkbook

from ecozone._files import atomic_path
from ecozone._text import wrapped_lines
from ecozone.io.excel import layout as L
from ecozone.io.excel.guard import cell_text
from ecozone.io.problems import ERROR, NOTE, WARNING, Problem, ProblemList

__all__ = ["ERROR_SHEET", "write_errors_workbook"]

ERROR_SHEET = "错误清单"
FILLS = {
    ERROR: PatternFill("solid", fgColor="FFC7CE"),
    WARNING: PatternFill("solid", fgColor="FFEB9C"),
    NOTE: PatternFill("solid", fgColor="DDEBF7"),
}


def write_errors_workbook(source: Path | str, problems: ProblemList, target: Path | str) -> int:
    """Write the annotated copy; returns how many cells were marked.

    For an .xls or .ods source (which openpyxl cannot copy) only the error list is written.
    """
    source, target = Path(source), Path(target)
    copyable = source.suffix.lower() in (".xlsx", ".xlsm")
    book = load_workbook(source) if copyable else Workbook()
    if not copyable:
        book.remove(book.active)
    marked = _mark_cells(book, problems.sorted()) if copyable else 0
    _error_list(book, problems.sorted(), _RowContext(source), linked=copyable)
    book.move_sheet(ERROR_SHEET, offset=-(len(book.sheetnames) - 1))
    book.active = 0
    _save_atomic(book, target)
    return marked


def _mark_cells(book: Workbook, problems: list[Problem]) -> int:
    notes: dict[tuple[str, str], list[Problem]] = {}
    for problem in problems:
        if problem.sheet is not None and problem.sheet in book.sheetnames and problem.cell:
            notes.setdefault((problem.sheet, problem.cell), []).append(problem)
    for (sheet, cell), found in notes.items():
        target = _writable(book[sheet], cell)
        target.fill = FILLS[found[0].severity]  # problems are sorted: the most severe first
        text = "\n".join(
            f"【{p.severity}】{p.message}" + (f"\n应为：{p.expected}" if p.expected else "") for p in found
        )
        target.comment = Comment(text, "ecozone", width=320, height=120)
    return len(notes)


def _writable(sheet: Worksheet, cell: str) -> Cell:
    """The cell that holds what the user sees at ``cell``: inside a merged range, its top-left cell (the
    others are placeholders that take neither a comment nor a fill)."""
    for merged in sheet.merged_cells.ranges:
        if cell in merged:
            return sheet.cell(row=merged.min_row, column=merged.min_col)
    found: Cell = sheet[cell]
    return found


class _RowContext:
    """The region, indicator and year a problem's cell belongs to, read from the user's own sheet (its
    header row and the row of the cell), so the list reads 「青岚县 林草覆盖率 2023」 and not only M14."""

    def __init__(self, source: Path) -> None:
        self._book = CalamineWorkbook.from_path(str(source))
        self._sheets: dict[str, tuple[list[list[Any]], dict[str, int]]] = {}

    def of(self, problem: Problem) -> tuple[str, str, str]:
        if not problem.sheet or not problem.cell or problem.sheet not in self._book.sheet_names:
            return "", "", ""
        grid, header = self._grid(problem.sheet)
        row, col = (n - 1 for n in coordinate_to_tuple(problem.cell))
        if not grid or row < 1 or row >= len(grid):
            return "", "", ""
        values = grid[row]

        def at(*names: str) -> str:
            for name in names:
                if name in header and header[name] < len(values):
                    return cell_text(values[header[name]])
            return ""

        region = " ".join(x for x in (at(L.COL_REGION), at(L.COL_REGION_NAME)) if x)
        year = cell_text(grid[0][col]) if col < len(grid[0]) else ""
        return region, at(L.COL_NAME, "条件", "事件名称"), year if _YEAR.match(year) else ""

    def _grid(self, name: str) -> tuple[list[list[Any]], dict[str, int]]:
        """The sheet's cells and its header (text → column), read once per sheet."""
        if name not in self._sheets:
            grid = self._book.get_sheet_by_name(name).to_python(skip_empty_area=False)
            self._sheets[name] = grid, {cell_text(v): i for i, v in enumerate(grid[0] if grid else [])}
        return self._sheets[name]


_YEAR = re.compile(r"^\d{4}$")


def _error_list(book: Workbook, problems: list[Problem], context: _RowContext, *, linked: bool) -> None:
    sheet = book.create_sheet(ERROR_SHEET)
    sheet.append(["级别", "工作表", "单元格", "地区", "指标或条目", "年份", "问题", "应为"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for problem in problems:
        region, name, year = context.of(problem)
        sheet.append([problem.severity, problem.sheet or "", problem.cell or "", region, name,
                      int(year) if year else "", problem.message, problem.expected or ""])
        row = sheet.max_row
        sheet.cell(row, 1).fill = FILLS[problem.severity]
        if linked and problem.sheet and problem.cell and problem.sheet in book.sheetnames:
            link = sheet.cell(row, 3)
            link.hyperlink = f"#'{problem.sheet}'!{problem.cell}"
            link.font = Font(color="0563C1", underline="single")
    for column, width in zip("ABCDEFGH", (6, 12, 8, 16, 30, 6, 60, 40), strict=True):
        sheet.column_dimensions[column].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=cell.column > 6, vertical="top")
        texts = (str(cell.value or "") for cell in row[6:8])
        needed = max(wrapped_lines(text, width) for text, width in zip(texts, (60, 40), strict=True))
        if needed > 1:
            sheet.row_dimensions[row[0].row].height = needed * L.LINE_HEIGHT
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:H{max(sheet.max_row, 2)}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"


def _save_atomic(book: Workbook, target: Path) -> None:
    with atomic_path(target) as tmp:
        book.save(tmp)
