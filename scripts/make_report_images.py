"""Render the sample county's reports as a reader sees them, for docs/images/: the PDF's first page and
its first 附件一 page, and the same two pages of the Word report as LibreOffice prints it.

Run after changing a report's layout:  python scripts/make_report_images.py
Needs pdftoppm (poppler-utils) and LibreOffice (libreoffice-writer), neither of which the tests need.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pdfplumber

from ecozone import api, load_standard

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "images"
REGION = "990104"


def _first_annex_page(pdf: Path) -> int:
    with pdfplumber.open(pdf) as document:
        return next(n for n, page in enumerate(document.pages, start=1)
                    if page.width > page.height and "附件一" in (page.extract_text() or ""))


def _page(pdf: Path, number: int, target: Path) -> None:
    stem = target.with_suffix("")
    subprocess.run(["pdftoppm", "-r", "70", "-f", str(number), "-l", str(number), "-png", "-singlefile", str(pdf),
                    str(stem)], check=True, timeout=120)
    print("written", target)


def main() -> None:
    evaluation = api.evaluate(load_standard("mee-2019"), api.load_dataset(ROOT / "examples" / "shizhou"), vetoes=True)
    with tempfile.TemporaryDirectory() as folder:
        written = api.write_region_reports(evaluation, ["pdf", "docx"], [REGION], Path(folder))[REGION]
        office = shutil.which("libreoffice") or shutil.which("soffice")
        assert office, "LibreOffice is needed to render the Word report"
        subprocess.run([office, "--headless", "--convert-to", "pdf", "--outdir", str(Path(folder) / "word"),
                        str(written["docx"])], check=True, timeout=300, capture_output=True)
        word = next((Path(folder) / "word").glob("*.pdf"))
        IMAGES.mkdir(parents=True, exist_ok=True)
        for name, pdf in (("pdf", written["pdf"]), ("docx", word)):
            _page(pdf, 1, IMAGES / f"report-{name}-page1.png")
            _page(pdf, _first_annex_page(pdf), IMAGES / f"report-{name}-annex.png")


if __name__ == "__main__":
    main()
