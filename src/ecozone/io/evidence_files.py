"""Evidence files (佐证材料) as they arrive — from a web upload or listed in ``evidence.csv`` — checked before
anything keeps them: a safe name, a size limit, a known document type read from the bytes themselves (not the
name), nothing executable, no macros, and no PDF that runs script when opened.

And ``evidence.csv`` itself: which file proves which indicator (or veto condition) of which region and year,
who issued it, its 文号 and date.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from ecozone.errors import InputError, Location
from ecozone.io.listing import read_listing

__all__ = ["EVIDENCE_COLUMNS", "EVIDENCE_SCHEMA", "MAX_EVIDENCE_BYTES", "EvidenceFile", "check_evidence_file",
           "evidence_frame", "evidence_row", "read_evidence_table"]

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
MAX_LISTED = 5_000  # rows of evidence.csv
EVIDENCE_COLUMNS = {"region": "地区代码", "indicator": "指标序号或否决项编号", "year": "年度",
                    "file": "文件（相对路径）", "kind": "材料类型", "issuer": "出具单位", "document": "文号",
                    "date": "日期"}
_UNSAFE_NAME = re.compile(r"[\\/:*?\"<>|\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]|^\.|\.\.")
_RUNNABLE = {".exe", ".com", ".bat", ".cmd", ".msi", ".scr", ".dll", ".js", ".jse", ".vbs", ".vbe", ".wsf",
             ".ps1", ".sh", ".jar", ".apk", ".lnk", ".hta", ".docm", ".xlsm", ".pptm", ".html", ".htm", ".svg"}
# what a PDF may not carry: script run on opening, launching programs, embedded files to be opened
_PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFile|RichMedia|XFA)\b")


@dataclass(frozen=True)
class EvidenceFile:
    name: str
    kind: str  # the document type read from its bytes: PDF, JPEG, PNG, Word, Excel, OFD
    size: int


def check_evidence_file(name: str, data: bytes) -> EvidenceFile:
    """The file as it may be kept, or an InputError in Chinese naming the file and what is accepted."""
    shown = name.strip()[:80]
    where = Location(file=shown or "（无文件名）", field="佐证材料")
    if not shown or len(name.strip()) > 200 or _UNSAFE_NAME.search(name.strip()):
        raise InputError(f"文件名不可接受：「{shown}」", where,
                         expected="不含 / \\ : * ? \" < > | 或 ..、不含控制字符和文字方向控制符、"
                                  "不以点开头、不超过 200 字")
    suffix = Path(name.strip()).suffix.lower()
    if suffix in _RUNNABLE:
        raise InputError(f"「{suffix}」文件可以执行或含宏，不能作为佐证材料", where, expected=_ACCEPTED)
    if len(data) > MAX_EVIDENCE_BYTES:
        raise InputError(f"文件太大（{len(data) / 1048576:.1f} MB）", where,
                         expected=f"不超过 {MAX_EVIDENCE_BYTES // 1048576} MB；扫描件请降低分辨率或分成几个文件")
    if not data:
        raise InputError("文件是空的", where)
    kind = _kind(data)
    if kind is None:
        raise InputError("无法识别的文件类型（按文件内容判断，不看扩展名）", where, expected=_ACCEPTED)
    if kind == "PDF" and _PDF_ACTIVE.search(data):
        raise InputError("PDF 中含有脚本、启动程序或嵌入文件，打开时可能执行代码，不能作为佐证材料", where,
                         expected="重新导出或“打印为 PDF”得到不含脚本的文件")
    return EvidenceFile(name.strip(), kind, len(data))


_ACCEPTED = "PDF、JPEG、PNG 图片、Word（.docx）、Excel（.xlsx）或 OFD 文件，不超过 20 MB"


def _kind(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "PDF"
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data.startswith(b"PK\x03\x04"):
        return _zip_kind(data)
    return None


def _zip_kind(data: bytes) -> str | None:
    """Word, Excel or OFD by the parts inside; never one with a macro project."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return None
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return None
    if "[Content_Types].xml" in names:
        if any(n.startswith("word/") for n in names):
            return "Word"
        if any(n.startswith("xl/") for n in names):
            return "Excel"
    if "OFD.xml" in names:
        return "OFD"
    return None


def read_evidence_table(path: Path) -> pl.DataFrame:
    """``evidence.csv``: one row per file; every file must lie in the folder of the table (no climbing out), exist,
    and pass ``check_evidence_file``. Errors name the row and the column."""
    file = path.name
    frame = read_listing(path, EVIDENCE_COLUMNS, ("region", "indicator", "year", "file"), MAX_LISTED,
                         "按县拆分为多个文件")
    folder = path.parent.resolve()
    rows = []
    for line, row in enumerate(frame.iter_rows(named=True), start=2):
        try:
            rows.append(evidence_row(row, folder, "evidence.csv"))
        except InputError as exc:
            raise InputError(exc.problem, Location(file=file, line=line, field=exc.location.field),
                             exc.expected) from None
    return evidence_frame(rows)


EVIDENCE_SCHEMA = {**dict.fromkeys(EVIDENCE_COLUMNS, pl.String), "year": pl.Int32, "path": pl.String,
                   "type": pl.String, "size": pl.Int64}


def evidence_frame(rows: list[dict[str, object]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=EVIDENCE_SCHEMA)


def evidence_row(row: Mapping[str, str | None], folder: Path, listed_in: str) -> dict[str, object]:
    """One listed file, checked: the region code, the year, an indicator named, a path inside ``folder`` (the
    folder of the list: of ``evidence.csv`` or of the workbook) to a file that passes ``check_evidence_file``.
    Raises InputError whose location names the column (``region``, ``year``, ``indicator`` or ``file``)."""
    def where(column: str) -> Location:
        return Location(field=column)

    region, year = (row.get("region") or "").strip(), (row.get("year") or "").strip()
    if not (len(region) == 6 and region.isdigit()):
        raise InputError(f"「{region}」不是 6 位地区代码", where("region"), expected="如 990104")
    if not (year.isdigit() and 1990 <= int(year) <= dt.date.today().year):
        raise InputError(f"「{year}」不是年度", where("year"), expected="如 2023")
    if not (row.get("indicator") or "").strip():
        raise InputError("没有填写指标序号或否决项编号", where("indicator"), expected="如 11、7.1 或 data_fraud")
    named = (row.get("file") or "").strip()
    target = (folder / named).resolve()
    if not named or folder not in target.parents:
        raise InputError(f"文件「{named}」不在 {listed_in} 所在文件夹之内", where("file"),
                         expected=f"相对于 {listed_in} 的路径，如 佐证材料/林草覆盖率2023.pdf")
    if not target.is_file():
        raise InputError(f"找不到文件「{named}」", where("file"), expected=f"相对于 {listed_in} 的路径")
    with target.open("rb") as handle:  # bounded before it is read whole
        data = handle.read(MAX_EVIDENCE_BYTES + 1)
    try:
        checked = check_evidence_file(target.name, data)
    except InputError as exc:
        raise InputError(exc.problem, where("file"), exc.expected) from None
    return {**{k: (v.strip() if isinstance(v, str) and v.strip() else None) for k, v in row.items()
               if k in EVIDENCE_COLUMNS},
            "region": region, "indicator": (row.get("indicator") or "").strip(), "year": int(year),
            "path": str(target), "type": checked.kind, "size": checked.size}
