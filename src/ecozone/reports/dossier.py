"""The application dossier (申报材料) of one region as one zip: the self-assessment report (Word, PDF), the county
workbook (指标完成情况表, 短板弱项, 否决项自查, 判定依据), the evidence arranged by indicator in numbered folders, a
目录 of every file with its sha256 (xlsx and pdf), and the list of evidence still missing.

Deterministic: the same evaluation and the same evidence give the same bytes — entries sorted, every timestamp
fixed (the zip's, and the Word and Excel files' own), so a reviewer can check a dossier against the hash a
submission recorded.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import polars as pl
import xlsxwriter

from ecozone._files import atomic_path
from ecozone._text import row_lines
from ecozone.evaluation import Evaluation

__all__ = ["Dossier", "write_dossier"]

EPOCH = (1980, 1, 1, 0, 0, 0)  # the zip format's first instant: no clock in the bytes
_FIXED = dt.datetime(2000, 1, 1)  # the Word and Excel files' own created/modified
_PART_KIND = {"01": "自评报告", "02": "指标完成情况表", "04": "尚缺材料清单"}
_CORE_TIME = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:(?:created|modified)>)")


@dataclass(frozen=True)
class Dossier:
    path: Path
    sha256: str
    files: int
    evidence: int
    missing: int


def write_dossier(evaluation: Evaluation, region: str, evidence: pl.DataFrame | None, target: Path) -> Dossier:
    """Write the zip for ``region``; ``evidence``: rows of ``io.evidence_files.read_evidence_table`` (or None)."""
    from ecozone.reports.context import build_context
    from ecozone.reports.render import write_reports

    name = evaluation.names.get(region, region)
    indicators = {i.id: i for i in evaluation.standard.standard.indicators}
    parts: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as folder:
        stem = f"{name}{region}"
        written = write_reports(["docx", "pdf", "xlsx"], build_context(evaluation, region, stamped=False), folder,
                                stem)
        parts[f"01 自评报告/{stem}_自评报告.docx"] = _steady_ooxml(written["docx"].read_bytes())
        parts[f"01 自评报告/{stem}_自评报告.pdf"] = written["pdf"].read_bytes()
        parts[f"02 指标完成情况表与否决项自查/{stem}_指标完成情况表.xlsx"] = _steady_ooxml(written["xlsx"].read_bytes())
    listed = _evidence_of(evidence, region)
    contents: list[list[object]] = []
    for n, row in enumerate(listed.iter_rows(named=True), start=1):
        indicator = indicators.get(row["indicator"])
        # numbered by the indicator's place in the table, so the folders sort as the table reads
        folder_name = (f"{indicator.number:02d} 第{row['indicator']}项 {indicator.name}" if indicator
                       else f"99 否决项 {row['indicator']}")
        path = f"03 佐证材料/{folder_name}/{n:03d} {Path(row['path']).name}"
        data = Path(row["path"]).read_bytes()
        parts[path] = data
        contents.append([n, path, row["indicator"], indicator.name if indicator else row["indicator"], row["year"],
                         row["kind"] or row["type"], row["issuer"] or "", row["document"] or "", row["date"] or "",
                         len(data), hashlib.sha256(data).hexdigest()])
    missing = [[n, m["indicator"], m["status"], m["lead"], m["documents"]]
               for n, m in enumerate(evaluation.missing_evidence(region, set(listed["indicator"].to_list())), 1)]
    parts["04 尚缺的佐证材料.xlsx"] = _table(
        ["序号", "指标", "判定", "牵头部门", "应提供的材料"], missing,
        f"{name}（{region}）尚缺佐证材料的指标：按标准包的佐证材料清单（{_provenance(evaluation)}）",
        [6, 30, 8, 16, 90])
    columns = ["序号", "文件", "指标", "名称", "年度", "材料类型", "出具单位", "文号", "日期", "字节", "sha256"]
    rows = [*([0, p, "", "", "", _PART_KIND[p[:2]], "", "", "", len(b), hashlib.sha256(b).hexdigest()]
              for p, b in sorted(parts.items()) if not p.startswith("03 ")), *contents]
    title = (f"{name}（{region}）申报材料目录：评价年度 {evaluation.year}，标准 {evaluation.standard.id}"
             f"（{evaluation.standard.hash[:23]}）")
    # the same list twice: a workbook to sort and filter, a PDF to print and sign
    parts["00 目录.xlsx"] = _table(columns, rows, title, [6, 60, 8, 24, 6, 10, 20, 20, 11, 10, 66])
    parts["00 目录.pdf"] = _table_pdf(columns, rows, title)
    with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as archive:
        for path, data in sorted(parts.items()):
            info = zipfile.ZipInfo(path, date_time=EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    return Dossier(target, digest, len(parts), len(contents), len(missing))


def _evidence_of(evidence: pl.DataFrame | None, region: str) -> pl.DataFrame:
    if evidence is None:
        return pl.DataFrame(schema={"indicator": pl.String, "year": pl.Int32, "path": pl.String, "kind": pl.String,
                                    "type": pl.String, "issuer": pl.String, "document": pl.String, "date": pl.String})
    order = pl.col("indicator").str.extract(r"^(\d+)").cast(pl.Int32, strict=False)
    return evidence.filter(pl.col("region") == region).sort(order, "indicator", "year", "path", nulls_last=True)


def _provenance(evaluation: Evaluation) -> str:
    catalogue = evaluation.standard.evidence
    if catalogue is None:
        return "本标准包没有清单"
    return "已核实" if catalogue.provenance.verified else "ecozone 建议，未核实"


def _table(columns: list[str], rows: list[list[object]], title: str, widths: list[int]) -> bytes:
    """A one-sheet workbook with a fixed creation date (XlsxWriter's zip entries carry no clock)."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"created": _FIXED, "title": title})
    sheet = book.add_worksheet("目录" if "目录" in title else "尚缺材料")
    bold = book.add_format({"bold": True, "bg_color": "#E8F5E9", "border": 1, "text_wrap": True})
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    sheet.write(0, 0, title)
    sheet.write_row(1, 0, columns, bold)
    for r, row in enumerate(rows, start=2):
        sheet.write_row(r, 0, row, cell)
        sheet.set_row(r, 15 * row_lines(row, widths))
    for c, width in enumerate(widths):
        sheet.set_column(c, c, width)
    sheet.freeze_panes(2, 0)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    book.close()
    return buffer.getvalue()


def _table_pdf(columns: list[str], rows: list[list[object]], title: str) -> bytes:
    """The 目录 as a landscape A4 PDF in the reports' own fonts (WeasyPrint writes no clock into it)."""
    from html import escape

    from weasyprint import HTML

    from ecozone.reports.fonts import css_families, font_file_css

    fonts = css_families()
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(v if v is not None else ''))}</td>" for v in row) + "</tr>"
                   for row in rows)
    page = f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><style>{font_file_css()}
@page {{ size: A4 landscape; margin: 12mm 10mm;
  @bottom-center {{ content: "第 " counter(page) " 页，共 " counter(pages) " 页"; font-family: {fonts["table"]};
                    font-size: 8pt; }} }}
body {{ font-family: {fonts["table"]}; font-size: 8pt; }}
h1 {{ font-family: {fonts["heading"]}; font-size: 12pt; font-weight: normal; margin: 0 0 4mm; }}
table {{ border-collapse: collapse; width: 100%; }} thead {{ display: table-header-group; }}
th, td {{ border: 0.5pt solid #555; padding: 1mm; vertical-align: top; }} th {{ background: #E8F5E9; }}
td:nth-child(2) {{ width: 30%; }} td:nth-child(11) {{ font-size: 6.5pt; word-break: break-all; width: 17%; }}
tr {{ page-break-inside: avoid; }}
</style></head><body><h1>{escape(title)}</h1><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>
</body></html>"""
    return bytes(HTML(string=page).write_pdf())


def _steady_ooxml(data: bytes) -> bytes:
    """A Word or Excel file with the clock taken out: core.xml's created/modified fixed, zip entries at EPOCH."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            body = source.read(item.filename)
            if item.filename == "docProps/core.xml":
                body = _CORE_TIME.sub(rb"\g<1>2000-01-01T00:00:00Z\g<2>", body)
            info = zipfile.ZipInfo(item.filename, date_time=EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, body)
    return out.getvalue()


