"""The errors workbook: the user's own workbook with each bad cell highlighted and explained.

openpyxl is used here because the copy must keep the user's layout and styles; a clerk
fixes the cells in place and imports the file again.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from ecozone._files import atomic_path
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
    _error_list(book, problems.sorted(), linked=copyable)
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


def _error_list(book: Workbook, problems: list[Problem], *, linked: bool) -> None:
    sheet = book.create_sheet(ERROR_SHEET)
    sheet.append(["级别", "工作表", "单元格", "问题", "应为"])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for problem in problems:
        sheet.append([problem.severity, problem.sheet or "", problem.cell or "", problem.message,
                      problem.expected or ""])
        row = sheet.max_row
        sheet.cell(row, 1).fill = FILLS[problem.severity]
        if linked and problem.sheet and problem.cell and problem.sheet in book.sheetnames:
            link = sheet.cell(row, 3)
            link.hyperlink = f"#'{problem.sheet}'!{problem.cell}"
            link.font = Font(color="0563C1", underline="single")
    for column, width in zip("ABCDE", (6, 12, 10, 60, 40), strict=True):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A2"


def _save_atomic(book: Workbook, target: Path) -> None:
    with atomic_path(target) as tmp:
        book.save(tmp)
