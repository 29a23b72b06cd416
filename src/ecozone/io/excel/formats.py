"""What a sheet's XML says beyond its values: which cells Excel (or WPS) shows as a percentage, which
rows and columns are hidden, whether any cell holds a formula.

Typing ``87.96%`` in Excel stores 0.8796 and gives the cell a percent number format; the clerk sees
87.96 %. calamine, which reads the values, does not report formats, so the styles are read here from the
.xlsx archive with the standard library's XML parser (the archive was already checked by ``guard``):
``xl/styles.xml`` says which cell styles use a percent format (built-in 9 and 10, or a custom code
with a ``%`` outside quotes), and the sheet's XML says which cells use those styles. Hidden (or
filtered-out) rows and hidden columns are read in the same pass: their figures are imported like any
other, and the check says so, because a clerk who hid a row may believe it is left out.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from ecozone.io.excel.guard import sheet_parts

__all__ = ["SheetLook", "sheet_look"]

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_BUILTIN_PERCENT = {9, 10}  # 0% and 0.00%
_QUOTED = re.compile(r'"[^"]*"|\\.')


@dataclass
class SheetLook:
    percent: set[str] = field(default_factory=set)  # coordinates such as M14
    hidden_rows: list[int] = field(default_factory=list)  # 1-based, as Excel numbers them
    hidden_columns: set[int] = field(default_factory=set)  # 0-based, as calamine's grid
    has_formulas: bool = False  # a cell formula <f>…</f>: only then is the slow formula read worth it


def sheet_look(path: Path | str, sheet_name: str) -> SheetLook:
    """Percent-formatted cells and hidden rows and columns of ``sheet_name``; empty for a workbook that is
    not .xlsx/.xlsm or has no such sheet."""
    path = Path(path)
    look = SheetLook()
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return look
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        styles = _percent_styles(archive) if "xl/styles.xml" in names else set()
        target = sheet_parts(archive).get(sheet_name)
        if target is None or target not in names:
            return look
        raw = archive.read(target)  # its size was bounded by guard_workbook
    look.has_formulas = _FORMULA.search(raw) is not None
    # rows and columns by a pattern over the tags (a full XML parse of a 100-county sheet costs ~1 s)
    for tag in _HIDDEN_ROW.finditer(raw):
        number = _ROW_NUMBER.search(tag.group(0))
        if number:
            look.hidden_rows.append(int(number.group(1)))
    for tag in _HIDDEN_COL.finditer(raw):
        low, high = _COL_MIN.search(tag.group(0)), _COL_MAX.search(tag.group(0))
        if low and high:
            look.hidden_columns.update(range(int(low.group(1)) - 1, min(int(high.group(1)), 16384)))
    if styles:  # only a workbook that has a percent format pays for the parse of its cells
        for _, element in ElementTree.iterparse(io.BytesIO(raw)):
            if element.tag == f"{_MAIN}c":
                style = element.get("s")
                if style is not None and int(style) in styles and element.get("r"):
                    look.percent.add(str(element.get("r")))
                element.clear()
    return look


_FORMULA = re.compile(rb"<(?:\w+:)?f[ >/]")  # a cell formula <f>…</f>; not <formula1> of a drop-down list
_HIDDEN = rb'\s(?:[^>]*\s)?hidden="(?:1|true)"[^>]*>'
_HIDDEN_ROW = re.compile(rb"<(?:\w+:)?row" + _HIDDEN)
_HIDDEN_COL = re.compile(rb"<(?:\w+:)?col" + _HIDDEN)
_ROW_NUMBER = re.compile(rb'\sr="(\d+)"')
_COL_MIN = re.compile(rb'\smin="(\d+)"')
_COL_MAX = re.compile(rb'\smax="(\d+)"')


def _percent_styles(archive: zipfile.ZipFile) -> set[int]:
    root = ElementTree.fromstring(archive.read("xl/styles.xml"))
    custom = {int(f.get("numFmtId", "-1")): f.get("formatCode", "") for f in root.iter(f"{_MAIN}numFmt")}
    percent_formats = _BUILTIN_PERCENT | {i for i, code in custom.items() if "%" in _QUOTED.sub("", code)}
    xfs = root.find(f"{_MAIN}cellXfs")
    if xfs is None:
        return set()
    return {i for i, xf in enumerate(xfs.iter(f"{_MAIN}xf")) if int(xf.get("numFmtId", "0")) in percent_formats}
