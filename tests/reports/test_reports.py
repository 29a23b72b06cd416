"""Every report format, written and read back: the same facts in Word, Excel, PDF and HTML."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pdfplumber
import pytest
from docx import Document
from openpyxl import load_workbook

from ecozone import api, load_standard
from ecozone.errors import UsageError
from ecozone.reports.render import lint_docx_template
from tests.conftest import SAMPLE

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"  # for a human look; not committed
REGION = "990104"  # 石门县: 城镇污水处理率 82 % against 85 %


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    dataset = api.load_dataset(SAMPLE)
    run = api.evaluate(load_standard("mee-2019"), dataset, vetoes=True)
    folder = tmp_path_factory.mktemp("reports")
    return api.write_region_reports(run, ["docx", "xlsx", "pdf", "html"], [REGION], folder)[REGION]


def test_word_report_has_the_verdict_and_the_annex_tables(reports: dict[str, Path]) -> None:
    document = Document(str(reports["docx"]))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "石门县生态文明建设示范区建设自评报告" in text and "结论：暂不具备" in text
    # first page: the standard and how much of it was checked against the official text
    assert "环生态〔2019〕76号" in text and "已与正式文本核对 1 项（2%）" in text
    assert "其余 39 项的指标值尚未与正式文本核对" in text
    annex = next(t for t in document.tables if t.rows[0].cells[0].text == "序号" and len(t.columns) == 9)
    row = next(r for r in annex.rows if r.cells[0].text == "29")
    cells = [c.text for c in row.cells]
    assert cells[2] == "城镇污水处理率" and cells[5] == "82" and cells[6] == "未达标" and "差 3个百分点" in cells[7]
    why = next(t for t in document.tables if t.rows[0].cells[0].text == "序号" and len(t.columns) == 5)
    why_row = next(r for r in why.rows if r.cells[0].text == "29")
    assert "85（县级）" in why_row.cells[2].text and "县级 ≥85" in why_row.cells[3].text
    vetoes = next(t for t in document.tables if t.rows[0].cells[0].text == "条件")
    assert any("突发环境事件" in r.cells[0].text for r in vetoes.rows)


def test_excel_report_has_board_plan_and_charts(reports: dict[str, Path]) -> None:
    book = load_workbook(reports["xlsx"])
    assert {"总表", "否决项", "分期分批", "图表", "指标矩阵"} <= set(book.sheetnames)
    board = {row[0]: row for row in book["总表"].iter_rows(min_row=3, values_only=True)}
    assert board[REGION][2] == "暂不具备"
    assert "核对：已核实 1/40 项（2%）" in book["总表"]["A1"].value  # how much of the standard was checked
    plan = {row[2]: row for row in book["分期分批"].iter_rows(min_row=2, values_only=True)}
    assert plan[REGION][1] == 2030 and "2029 年达标" in plan[REGION][6]
    assert len(book["图表"]._images) == 1


def test_pdf_report_reads_back_in_chinese(reports: dict[str, Path]) -> None:
    with pdfplumber.open(reports["pdf"]) as pdf:
        first = pdf.pages[0].extract_text()
        text = "\n".join(page.extract_text() or "" for page in pdf.pages)
        ARTIFACTS.mkdir(exist_ok=True)
        pdf.pages[0].to_image(resolution=60).save(ARTIFACTS / "report-page1.png")
        pages = len(pdf.pages)
    assert "石门县生态文明建设示范区建设自评报告" in first and "结论：暂不具备" in first
    assert "mee-2019" in first and "其余 39 项的指标值尚未与正式文本核对" in first
    assert "城镇污水处理率" in text and "第 1 页 / 共" in text and pages > 1
    assert "\ufffd" not in text and "□" not in text  # no replacement characters, no boxes


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_report_is_self_contained(reports: dict[str, Path]) -> None:
    page = reports["html"].read_text(encoding="utf-8")
    parser = _Links()
    parser.feed(page)
    assert parser.urls and all(url.startswith("data:") for url in parser.urls)
    assert "http://" not in page and "https://" not in page and "@import" not in page
    assert "url(data:font/ttf;base64," in page  # the font travels with the page
    text = "".join(parser.text)
    assert "结论：暂不具备" in text and "城镇污水处理率" in text and "85（县级）" in text


def test_a_custom_word_template_with_an_unknown_field_is_refused(tmp_path: Path, reports: dict[str, Path]) -> None:
    template = tmp_path / "mine.docx"
    document = Document()
    document.add_paragraph("{{ region.name }} {{ county_head }}")
    document.save(str(template))
    assert lint_docx_template(template, {"region": {"name": "x"}}) == ["county_head"]
    dataset = api.load_dataset(SAMPLE)
    run = api.evaluate(load_standard("mee-2019"), dataset, vetoes=True)
    with pytest.raises(UsageError) as caught:
        api.write_region_reports(run, ["docx"], [REGION], tmp_path / "out", template)
    assert "county_head" in caught.value.message
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())
