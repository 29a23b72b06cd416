"""Which cells of a sheet Excel (or WPS) shows as a percentage.

Typing ``87.96%`` in Excel stores 0.8796 and gives the cell a percent number format; the clerk sees
87.96 %. calamine, which reads the values, does not report formats, so the styles are read here from the
.xlsx archive with the standard library's XML parser (the archive was already checked by ``guard``):
``xl/styles.xml`` says which cell styles use a percent format (built-in 9 and 10, or a custom code
with a ``%`` outside quotes), and the sheet's XML says which cells use those styles.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

__all__ = ["percent_cells"]

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_BUILTIN_PERCENT = {9, 10}  # 0% and 0.00%
_QUOTED = re.compile(r'"[^"]*"|\\.')


def percent_cells(path: Path | str, sheet_name: str) -> set[str]:
    """The coordinates (``M14``) of the cells of ``sheet_name`` shown with a percent format; empty for
    a workbook that is not .xlsx/.xlsm or has no such sheet."""
    path = Path(path)
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        return set()
    with zipfile.ZipFile(path) as archive:
        names = set(archive.namelist())
        styles = _percent_styles(archive) if "xl/styles.xml" in names else set()
        if not styles:
            return set()
        target = _sheet_path(archive, sheet_name)
        if target is None or target not in names:
            return set()
        found = set()
        with archive.open(target) as sheet:
            for _, element in ElementTree.iterparse(sheet):
                if element.tag == f"{_MAIN}c":
                    style = element.get("s")
                    if style is not None and int(style) in styles and element.get("r"):
                        found.add(str(element.get("r")))
                    element.clear()
        return found


def _percent_styles(archive: zipfile.ZipFile) -> set[int]:
    root = ElementTree.fromstring(archive.read("xl/styles.xml"))
    custom = {int(f.get("numFmtId", "-1")): f.get("formatCode", "") for f in root.iter(f"{_MAIN}numFmt")}
    percent_formats = _BUILTIN_PERCENT | {i for i, code in custom.items() if "%" in _QUOTED.sub("", code)}
    xfs = root.find(f"{_MAIN}cellXfs")
    if xfs is None:
        return set()
    return {i for i, xf in enumerate(xfs.iter(f"{_MAIN}xf")) if int(xf.get("numFmtId", "0")) in percent_formats}


def _sheet_path(archive: zipfile.ZipFile, sheet_name: str) -> str | None:
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    relation = next((s.get(f"{_REL}id") for s in workbook.iter(f"{_MAIN}sheet") if s.get("name") == sheet_name),
                    None)
    if relation is None:
        return None
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    target = next((r.get("Target") for r in rels.iter(f"{_PACKAGE_REL}Relationship") if r.get("Id") == relation),
                  None)
    if target is None:
        return None
    return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
