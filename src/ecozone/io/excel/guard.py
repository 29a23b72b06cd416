"""Opening a workbook safely, before anything parses it: size, encryption, damage and zip bombs are
refused with a Chinese reason; a cell becomes text the way the clerk sees it."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import zipfile
from pathlib import Path
from typing import Any, Final

from python_calamine import CalamineWorkbook

from ecozone.errors import InputError, Location

__all__ = ["EXCEL_SUFFIXES", "MAX_FILE_BYTES", "cell_text", "guard_workbook", "is_workbook", "open_workbook",
           "sheet_parts"]

MAX_FILE_BYTES: Final = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES: Final = 400 * 1024 * 1024
MAX_ZIP_RATIO: Final = 100  # xlsx XML compresses ~5–20×; a far higher ratio is a zip bomb
# calamine holds a sheet as a dense grid (~32 bytes a cell) from A1 to its last used cell, whatever lies
# between: one cell at XFD150000 asks for 78 GB. The extent is read from the cell references first.
MAX_ROWS: Final = 200_000
MAX_COLUMNS: Final = 1_000
MAX_CELLS: Final = 4_000_000  # ~130 MB as a grid; a 100-county board is ~70,000
EXCEL_SUFFIXES: Final = (".xlsx", ".xlsm", ".xls", ".ods")
_EXCEL_SUFFIXES = EXCEL_SUFFIXES
_NUMERIC = re.compile(r"[\d\s.,%+\-]+")  # what a code or a number is made of, after NFKC


def is_workbook(path: Path | str) -> bool:
    return Path(path).suffix.lower() in _EXCEL_SUFFIXES


# --- opening safely --------------------------------------------------------------------


def guard_workbook(path: Path) -> None:
    """Refuse missing, oversized, encrypted, corrupted and zip-bomb files before parsing."""
    file = str(path)
    if not path.exists():
        raise InputError("文件不存在", Location(file=file))
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InputError(
            f"文件过大（{size / 1024 / 1024:.1f} MB），超过 {MAX_FILE_BYTES // 1024 // 1024} MB 的上限",
            Location(file=file), expected="拆分为多个工作簿，或改用 CSV/Parquet 长表导入",
        )
    with path.open("rb") as fh:
        magic = fh.read(8)
    suffix = path.suffix.lower()
    if magic.startswith(b"\xd0\xcf\x11\xe0") and suffix in (".xlsx", ".xlsm"):
        raise InputError("工作簿设置了打开密码（已加密），无法读取", Location(file=file),
                         expected="在 Excel/WPS 中取消打开密码后另存为 .xlsx 再导入")
    if suffix in (".xlsx", ".xlsm", ".ods"):
        if not magic.startswith(b"PK"):
            raise InputError("文件已损坏或不是 Excel 工作簿", Location(file=file),
                             expected="用 Excel 或 WPS 另存为 .xlsx 后再导入")
        try:
            with zipfile.ZipFile(path) as archive:
                unzipped = sum(info.file_size for info in archive.infolist())
        except zipfile.BadZipFile:
            raise InputError("文件已损坏（压缩结构无效）", Location(file=file),
                             expected="用 Excel 或 WPS 另存为 .xlsx 后再导入") from None
        if unzipped > MAX_UNZIPPED_BYTES or (unzipped > 20 * 1024 * 1024 and unzipped > size * MAX_ZIP_RATIO):
            raise InputError(
                f"文件解压后达 {unzipped / 1024 / 1024:.0f} MB（压缩比 {unzipped / max(size, 1):.0f} 倍），"
                "疑似异常文件，已拒绝读取",
                Location(file=file), expected="正常大小的填报工作簿",
            )
        if suffix in (".xlsx", ".xlsm"):
            _guard_extent(path, file)


_CELL_REF = re.compile(rb'\sr="([A-Z]{1,3})(\d{1,7})"')  # a cell's reference (a row's r has no letters)


def _guard_extent(path: Path, file: str) -> None:
    """Refuse a sheet whose used area (A1 to its farthest cell) is too large to hold, before calamine
    allocates it, and any XML part that declares a DTD or entities (no workbook Excel writes has one)."""
    from xlsxwriter.utility import xl_cell_to_rowcol, xl_col_to_name  # 70 ms of import: only for a workbook

    extents: dict[str, tuple[int, int]] = {}
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if not info.filename.endswith((".xml", ".rels")):
                continue
            data = archive.read(info)  # each part's size is bounded by the zip checks above
            if b"<!DOCTYPE" in data or b"<!ENTITY" in data:  # XML spells both keywords in capitals
                raise InputError(f"工作簿的组成部分「{info.filename}」含有 DTD 或实体声明，疑似异常文件，已拒绝读取",
                                 Location(file=file), expected="用 Excel 或 WPS 另存为 .xlsx 后再导入")
            if info.filename.startswith("xl/worksheets/"):
                start, end = data.find(b"sheetData"), data.rfind(b"sheetData")  # cells live only in there
                refs = _CELL_REF.findall(data, max(start, 0), end if end > start else len(data))
                letters = {ref[0].decode() for ref in refs}
                columns = max((xl_cell_to_rowcol(f"{name}1")[1] + 1 for name in letters), default=0)
                extents[info.filename] = (max((int(ref[1]) for ref in refs), default=0), columns)
        for part, (rows, columns) in extents.items():
            if rows > MAX_ROWS or columns > MAX_COLUMNS or rows * columns > MAX_CELLS:
                far = f"{xl_col_to_name(columns - 1)}{rows}"
                raise InputError(
                    f"工作表的已用区域过大（A1 到 {far}：{rows} 行 × {columns} 列），超过上限"
                    f"（{MAX_ROWS} 行、{MAX_COLUMNS} 列、共 {MAX_CELLS} 个单元格），已拒绝读取",
                    Location(file=file, sheet=next((n for n, p in sheet_parts(archive).items() if p == part), None)),
                    expected="删除远处误填的单元格（Ctrl+End 可定位到最后一个已用单元格）后保存",
                )


def sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → its part in the archive (``xl/worksheets/sheet3.xml``), from the workbook and its
    relations; empty for an archive without them."""
    from xml.etree import ElementTree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    try:
        ids = {s.get(f"{rel}id"): s.get("name") for s in ElementTree.fromstring(
            archive.read("xl/workbook.xml")).iter(f"{main}sheet")}
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    parts = {}
    for relation in rels:
        target, name = relation.get("Target") or "", ids.get(relation.get("Id"))
        if name:
            parts[name] = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    return parts


def open_workbook(path: Path) -> CalamineWorkbook:
    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for every broken format
        raise InputError(f"无法读取工作簿（{type(exc).__name__}）：文件可能已损坏或格式不受支持",
                         Location(file=str(path)), expected=".xlsx、.xls 或 .ods 工作簿") from None


def cell_text(value: Any) -> str:
    """A cell as text: 990101.0 → "990101", dates as ISO, blanks as "".

    Full-width digits of a code or a number typed in a Chinese input method (９９０１０１, ８５％) become ASCII;
    any other text is kept as the clerk wrote it (其它文字中的全角标点「，：！」不改)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    text = str(value).strip()
    if text.isascii():  # NFKC leaves ASCII as it is: most cells (codes, ids, numbers) stop here
        return text
    normal = unicodedata.normalize("NFKC", text)
    return normal if _NUMERIC.fullmatch(normal) else text
