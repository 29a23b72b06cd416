"""The indicator table of an official notice, read from the file a bureau has: Word (.docx), a PDF with a text
layer, a spreadsheet (.xlsx/.xls/.ods, as Excel or WPS stores it) or CSV.

Each table is found by its header (序号 / 指标名称 / 指标值 …, in the wordings of the 2016, 2019 and 2024 tables);
merged cells are carried down (a 领域 or 任务 spanning rows, a 序号 spanning an indicator's sub-items, a 指标值
shared by them), a header repeated on every page is dropped, and a table broken by a page continues. Every row keeps
where it was (file, page, table, row) for the pack's provenance.

Refused with a Chinese reason before anything is parsed: a file too large, encrypted, damaged, a zip bomb, a PDF with
too many pages or without text (a scan: ecozone does no OCR), and a file with no table whose header it recognises.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from ecozone.catalogue.drafting import FIELDS, Notice, NoticeRow, serial_number
from ecozone.errors import InputError, Location
from ecozone.io.excel.guard import MAX_UNZIPPED_BYTES, MAX_ZIP_RATIO, cell_text, guard_workbook, open_workbook
from ecozone.io.tables import decoded

__all__ = ["MAX_NOTICE_BYTES", "MAX_PDF_PAGES", "NOTICE_SUFFIXES", "read_notice", "read_notices"]

MAX_NOTICE_BYTES: Final = 30 * 1024 * 1024   # a notice with its attachments is well under 10 MB
MAX_PDF_PAGES: Final = 300
MAX_ROWS: Final = 5_000                        # an indicator table has tens of rows
NOTICE_SUFFIXES: Final = (".docx", ".pdf", ".xlsx", ".xls", ".ods", ".csv")
CARRIED: Final = ("domain", "task", "number", "attribute", "scope")  # blank under a merge means "as above"
_DOCUMENT_NO: Final = re.compile(r"[\u4e00-\u9fff]{1,10}〔\d{4}〕\d{1,4}号")
_FOOTNOTE: Final = re.compile(r"^注\s*\d*\s*[:：]")
_TITLE: Final = re.compile(r"^[\u4e00-\u9fff（）()]{4,40}(?:建设指标|指标)(?:[（(][\u4e00-\u9fff]{0,8}[）)])?$")

Grid = list[list[str | None]]  # None: a cell a merge covers (a PDF's), "" an empty one


@dataclass
class _Table:
    grid: Grid
    where: list[str]  # per row: 「表1 第3行」 / 「第2页 表1 第3行」
    preface: str = ""  # the text just above the table: its title (「附件2 …（县）建设指标」), if any


def read_notice(path: Path | str) -> Notice:
    """The one indicator table of a notice (its rows, title, document number); a notice with several (a city and a
    county table) is read with ``read_notices``."""
    found = read_notices(path)
    if len(found) > 1:
        raise InputError(f"文件中有 {len(found)} 张指标表", Location(file=str(path)),
                         expected="逐张起草（read_notices）")
    return found[0]


def read_notices(path: Path | str) -> tuple[Notice, ...]:
    """Each indicator table in the notice — a new table where the header changes or the 序号 starts again at 1 —
    with its title (the line above it, else the notice's) and the document number found in the text."""
    path = Path(path)
    file = str(path)
    suffix = path.suffix.lower()
    if suffix not in NOTICE_SUFFIXES:
        raise InputError(f"不支持「{suffix or '无扩展名'}」文件", Location(file=file),
                         expected="Word（.docx）、PDF、Excel/WPS（.xlsx/.xls/.ods）或 CSV；旧版 .doc 请另存为 .docx")
    if not path.is_file():
        raise InputError("文件不存在", Location(file=file))
    size = path.stat().st_size
    if size > MAX_NOTICE_BYTES:
        raise InputError(f"文件过大（{size / 1048576:.1f} MB），超过 {MAX_NOTICE_BYTES // 1048576} MB 的上限",
                         Location(file=file), expected="只含指标表的通知正文或附件")
    if size == 0:
        raise InputError("文件是空的", Location(file=file))
    if suffix == ".docx":
        tables, text = _docx(path, file)
    elif suffix == ".pdf":
        tables, text = _pdf(path, file)
    elif suffix == ".csv":
        tables, text = _csv(path, file), ""
    else:
        tables = _spreadsheet(path, file)
        text = "\n".join(_clean(c) for table in tables for line in table.grid[:4] for c in line if c)
    return _notices(file, tables, text)


# --- formats -----------------------------------------------------------------------------------


def _docx(path: Path, file: str) -> tuple[list[_Table], str]:
    from docx import Document

    with path.open("rb") as fh:
        magic = fh.read(8)
    if magic.startswith(b"\xd0\xcf\x11\xe0"):
        raise InputError("文件已加密（设置了打开密码），或是旧版 Word（.doc）", Location(file=file),
                         expected="取消打开密码，或用 Word/WPS 另存为 .docx 后再读")
    _guard_zip(path, file, "Word 文档")
    try:
        document = Document(str(path))
    except Exception as exc:  # python-docx raises KeyError, ValueError or lxml's errors for a damaged file
        raise InputError(f"无法读取 Word 文档（{type(exc).__name__}）：文件可能已损坏", Location(file=file),
                         expected="用 Word/WPS 另存为 .docx 后再读") from None
    prefaces, lines = [], []
    for element in document.element.body.iterchildren():  # paragraphs and tables in the order they are printed
        if element.tag.endswith("}p"):
            said = "".join(t.text or "" for t in element.iter() if t.tag.endswith("}t")).strip()
            if said:
                lines.append(said)
        elif element.tag.endswith("}tbl"):
            prefaces.append("\n".join(lines[-3:]))
            lines = []
    tables = []
    for t, table in enumerate(document.tables, start=1):
        grid: Grid = []
        for row in table.rows:
            grid.append([cell.text for cell in row.cells])
            if len(grid) > MAX_ROWS:
                raise _too_many(file)
        tables.append(_Table(grid, [f"表{t} 第{r}行" for r in range(1, len(grid) + 1)],
                             prefaces[t - 1] if t - 1 < len(prefaces) else ""))
    text = "\n".join(p.text for p in document.paragraphs[:200])
    return tables, text


def _pdf(path: Path, file: str) -> tuple[list[_Table], str]:
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    try:
        pdf = pdfplumber.open(str(path))
    except (PDFPasswordIncorrect, PDFEncryptionError):
        raise _encrypted_pdf(file) from None
    except Exception as exc:  # pdfminer's PSSyntaxError, PDFSyntaxError … on a damaged file
        if "password" in str(exc).lower() or "encrypt" in str(exc).lower():
            raise _encrypted_pdf(file) from None
        raise InputError(f"无法读取 PDF（{type(exc).__name__}）：文件可能已损坏", Location(file=file),
                         expected="有文字层的 PDF（由 Word/WPS 导出，而不是扫描件）") from None
    with pdf:
        if len(pdf.pages) > MAX_PDF_PAGES:
            raise InputError(f"PDF 有 {len(pdf.pages)} 页，超过 {MAX_PDF_PAGES} 页的上限", Location(file=file),
                             expected="只含指标表的通知或附件")
        tables: list[_Table] = []
        texts: list[str] = []
        for p, page in enumerate(pdf.pages, start=1):
            texts.append(page.extract_text() or "")
            above = 0.0
            for t, found in enumerate(page.find_tables(), start=1):
                grid: Grid = [[_pdf_cell(c) for c in row] for row in found.extract()]
                top = found.bbox[1]
                preface = page.crop((0, above, page.width, top)).extract_text() if top > above + 1 else ""
                above = found.bbox[3]
                tables.append(_Table(grid, [f"第{p}页 表{t} 第{r}行" for r in range(1, len(grid) + 1)],
                                     "\n".join((preface or "").splitlines()[-3:])))
                if sum(len(x.grid) for x in tables) > MAX_ROWS:
                    raise _too_many(file)
    text = "\n".join(texts)
    if not text.strip():
        raise InputError("PDF 没有文字层（可能是扫描件或图片），ecozone 不做文字识别（OCR）", Location(file=file),
                         expected="通知的 Word 原件或由 Word/WPS 导出的 PDF；只有扫描件时，请把指标表录入 Excel 后再读")
    return tables, text


def _pdf_cell(value: Any) -> str | None:
    """A PDF cell's lines joined: in a PDF a wrapped line and a line break look the same, and Chinese wraps
    anywhere (「生态文明建设规\n划」)."""
    return None if value is None else "".join(line.strip() for line in str(value).split("\n"))


def _encrypted_pdf(file: str) -> InputError:
    return InputError("PDF 已加密（设置了打开密码），无法读取", Location(file=file),
                      expected="取消密码后另存，或使用通知的 Word 原件")


def _spreadsheet(path: Path, file: str) -> list[_Table]:
    guard_workbook(path)
    book = open_workbook(path)
    tables = []
    for name in book.sheet_names:
        sheet = book.get_sheet_by_name(name)
        if sheet.height > MAX_ROWS:
            raise _too_many(file)
        rows = sheet.to_python(skip_empty_area=False)
        grid: Grid = [[cell_text(v) for v in row] for row in rows]
        for merged in sheet.merged_cell_ranges or []:  # Excel and WPS keep a merged value in its first cell
            (top, left), (bottom, right) = merged
            if top < len(grid) and left < len(grid[top]):
                for r in range(top, min(bottom, len(grid) - 1) + 1):
                    for c in range(left, min(right, len(grid[r]) - 1) + 1):
                        grid[r][c] = grid[top][left]
        tables.append(_Table(grid, [f"工作表「{name}」第{r}行" for r in range(1, len(grid) + 1)]))
    return tables


def _csv(path: Path, file: str) -> list[_Table]:
    grid: Grid = []
    for row in csv.reader(io.StringIO(decoded(path))):
        grid.append(list(row))
        if len(grid) > MAX_ROWS:
            raise _too_many(file)
    return [_Table(grid, [f"第{r}行" for r in range(1, len(grid) + 1)])]


def _guard_zip(path: Path, file: str, what: str) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            unzipped = sum(info.file_size for info in infos)
            if unzipped > MAX_UNZIPPED_BYTES or (unzipped > 20 * 1048576
                                                 and unzipped > path.stat().st_size * MAX_ZIP_RATIO):
                raise InputError(f"{what}解压后达 {unzipped / 1048576:.0f} MB，疑似异常文件，已拒绝读取",
                                 Location(file=file), expected=f"正常大小的{what}")
            for info in infos:
                if info.filename.endswith((".xml", ".rels")):
                    data = archive.read(info)
                    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
                        raise InputError(f"{what}的组成部分「{info.filename}」含有 DTD 或实体声明，疑似异常文件",
                                         Location(file=file), expected=f"用 Word/WPS 另存的{what}")
    except zipfile.BadZipFile:
        raise InputError(f"{what}已损坏（压缩结构无效）", Location(file=file),
                         expected="用 Word/WPS 另存为 .docx 后再读") from None


def _too_many(file: str) -> InputError:
    return InputError(f"表格超过 {MAX_ROWS} 行，不像一份指标表", Location(file=file), expected="只含指标表的通知或附件")


# --- tables → rows ------------------------------------------------------------------------------


@dataclass
class _Part:
    columns: dict[str, int]
    title: str | None
    rows: list[NoticeRow]


def _notices(file: str, tables: list[_Table], text: str) -> tuple[Notice, ...]:
    parts: list[_Part] = []
    seen_headers: list[str] = []
    header: list[str] | None = None
    previous: dict[str, str] = {}
    for table in tables:
        found = None
        for r, line in enumerate(table.grid[:6]):  # a header is at the top of its table (a title row may precede)
            mapped = _header(line)
            if mapped is not None:
                found = (r, mapped)
                break
        if found is None:
            if not parts or len(table.grid[0] if table.grid else []) != len(header or []):
                seen_headers.append("、".join(_clean(c) for c in (table.grid[0] if table.grid else []) if c)[:60])
                continue
            start = 0  # a table the page broke: it continues the one before, without its header
        else:
            start = found[0] + 1
            again = [_clean(c) for c in table.grid[found[0]]]
            heading = ["".join(_clean(c) for c in line if c) for line in table.grid[:found[0]]]  # a sheet's title rows
            above = "\n".join([table.preface, *heading])
            if again != header:  # a new table; the same header again is the next page of the same one
                previous = {}
                parts.append(_Part(found[1], _title_in(above), []))
            header = again
        part = parts[-1]
        first = True
        for line, where in zip(table.grid[start:], table.where[start:], strict=True):
            if [_clean(c) for c in line] == header:
                continue  # the header again, repeated on a new page
            cells = _cells(line, part.columns, previous)
            if cells is None:
                continue
            if serial_number(cells["number"]) == 1 and any((serial_number(r.number) or 0) > 1 for r in part.rows):
                part = _Part(part.columns, _title_in(table.preface) if first else None, [])
                parts.append(part)  # 序号 starts again: the next table (市 then 县)
                previous.clear()
                cells = _cells(line, part.columns, previous) or cells
            part.rows.append(NoticeRow(where=where, **cells))
            first = False
    parts = [p for p in parts if p.rows]
    if not parts:
        said = "；".join(h for h in seen_headers if h) or "无"
        raise InputError("没有找到指标表", Location(file=file),
                         expected="表头含「序号」「指标名称」「指标值」等列的表格（已见表头：" + said + "）")
    titles = [line.strip() for line in text.splitlines() if _TITLE.match(line.strip())]
    document = _DOCUMENT_NO.search(text)
    footnotes = tuple(line.strip() for line in text.splitlines() if _FOOTNOTE.match(line.strip()))[:10]
    return tuple(Notice(file=Path(file).name, rows=tuple(part.rows),
                        title=part.title or (titles[k] if k < len(titles) and len(parts) > 1 else None)
                        or (titles[0] if titles else None),
                        document=document.group(0) if document else None,
                        columns=frozenset(k for k in FIELDS if k in part.columns), footnotes=footnotes)
                 for k, part in enumerate(parts))


def _title_in(text: str) -> str | None:
    """The table's title among the lines above it (「附件1 生态文明建设示范区（市）建设指标」 → without 「附件1」)."""
    for line in reversed(text.splitlines()):
        clean = re.sub(r"^附件\s*\d*\s*[:：]?\s*", "", line.strip())
        if _TITLE.match(clean):
            return clean
    return None


def _header(line: Sequence[str | None]) -> dict[str, int] | None:
    """Field → column, when the row names the table's columns (at least 序号 or 指标名称, and 指标值)."""
    mapped: dict[str, int] = {}
    for c, cell in enumerate(line):
        text = _clean(cell)
        for key, words in FIELDS.items():
            if text in words and key not in mapped:
                mapped[key] = c
                break
    if "target" in mapped and "name" in mapped and len(mapped) >= 3:
        return mapped
    return None


def _cells(line: Sequence[str | None], columns: dict[str, int], previous: dict[str, str]) -> dict[str, str] | None:
    """One row's fields, merged cells carried down; None for an empty row or a section row (一、生态制度) that only
    sets the 领域 below it."""
    values = {key: (line[c] if c < len(line) else "") for key, c in columns.items()}
    texts = [_clean(v) for v in line if v]
    if not texts:
        return None
    if (len(set(texts)) == 1 and len(texts) >= max(3, len(line) // 2)) or _is_section(line):
        previous["domain"] = re.sub(r"^[一二三四五六七八九十]+[、.]\s*", "", texts[0])
        previous.pop("task", None)
        return None
    out: dict[str, str] = {}
    for key in FIELDS:
        value = values.get(key)
        text = _lines(value)
        if key in CARRIED and (value is None or not text) and key in previous:
            text = previous[key]
        out[key] = text
    if not out["name"] and not out["target"]:
        return None
    for key in CARRIED:
        if out[key]:
            previous[key] = out[key]
    return out


def _is_section(line: Sequence[str | None]) -> bool:
    """A row spanning the table (a PDF gives its text once, then covered cells)."""
    return bool(line) and line[0] is not None and bool(_clean(line[0])) and all(c is None for c in line[1:]) \
        and len(line) > 2


def _clean(value: str | None) -> str:
    """A header or a cell compared as words: NFKC, no spaces or line breaks."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value or ""))


def _lines(value: str | None) -> str:
    """A cell's text with its line breaks kept (a name cell may stack an indicator's sub-items)."""
    lines = [re.sub(r"[ \t\u3000]+", " ", line).strip() for line in (value or "").replace("\r", "\n").split("\n")]
    return "\n".join(line for line in lines if line)

