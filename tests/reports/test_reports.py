"""Every report format, written and read back as a clerk or a reviewer would read it: every page of the PDF
rendered, the Word and Excel files opened; the same rows, numbers and words in each."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import pdfplumber
import pytest
from docx import Document
from openpyxl import load_workbook
from PIL import Image

from ecozone import api, load_standard
from ecozone.errors import UsageError
from ecozone.reports import build_context
from ecozone.reports.render import lint_docx_template
from tests.conftest import SAMPLE

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"  # for a human look; not committed
REGION = "990104"  # 石门县: 城镇污水处理率 82 % against 85 %
# what a reader must never meet in a report: pack ids, code, Python's None, a unit glued to a state
_ID = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
_NEVER = ("None", "开展%", "StatCan", "score_floor", "得分", "∈", "nan")
# the fonts Windows (and WPS) ship under these East Asian names
WINDOWS_FONTS = {"宋体", "黑体", "楷体", "仿宋", "新宋体", "微软雅黑"}


@pytest.fixture(scope="module")
def evaluation():  # type: ignore[no-untyped-def]
    return api.evaluate(load_standard("mee-2019"), api.load_dataset(SAMPLE), vetoes=True)


@pytest.fixture(scope="module")
def context(evaluation) -> dict:  # type: ignore[no-untyped-def, type-arg]
    return build_context(evaluation, REGION)


@pytest.fixture(scope="module")
def reports(evaluation, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("reports")
    return api.write_region_reports(evaluation, ["docx", "xlsx", "pdf", "html"], [REGION], folder)[REGION]


def _rows(context: dict) -> list[tuple[str, str]]:  # type: ignore[type-arg]
    """(number, name) of every indicator and sub-item the report must show, in order."""
    return [(line["id"], line["name"]) for line in context["annex"]]


def _clean(text: str) -> None:
    for word in _NEVER:
        assert word not in text, word
    assert not _ID.search(text.replace("sha256:", "")), _ID.search(text)


def test_every_pdf_page_renders_and_reads_as_a_report(reports: dict[str, Path], context: dict,  # type: ignore[type-arg]
                                                     tmp_path: Path) -> None:
    assert shutil.which("pdftoppm"), "poppler-utils (scripts/setup-system --test) is needed to look at the pages"
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(reports["pdf"]), str(tmp_path / "page")], check=True,
                   timeout=120)
    pictures = sorted(tmp_path.glob("page-*.png"))
    with pdfplumber.open(reports["pdf"]) as pdf:
        pages = [page.extract_text() or "" for page in pdf.pages]
        landscape = [page.width > page.height for page in pdf.pages]
    assert len(pictures) == len(pages) > 4
    for picture in pictures:  # every page has ink on it (no blank page, no page of boxes only)
        grey = Image.open(picture).convert("L")
        assert grey.getextrema()[0] < 100, picture.name
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(pictures[0], ARTIFACTS / "report-page1.png")
    text = "\n".join(pages)
    first = re.sub(r"\s+", "", pages[0])
    assert "石门县生态文明建设示范区" in first and "自评结论：暂不具备" in first
    assert "环生态〔2019〕76号" in first and "北京时间" in first
    assert "— 1 —" in pages[0] and "— 2 —" in pages[1]  # GB/T 9704 page numbers
    assert any(landscape) and not landscape[0]  # the 附件 are on landscape pages
    # every applicable indicator and sub-item of 附件一, by number and name, in the table's own cells
    with pdfplumber.open(reports["pdf"]) as pdf:
        cells = {re.sub(r"\s+", "", cell or "") for page in pdf.pages for table in page.extract_tables()
                 for row in table for cell in row}
    for number, name in _rows(context):
        assert number in cells and re.sub(r"\s+", "", name) in cells, (number, name)
    assert "7.1" in text and "12.1" in text and "25.1" in text
    _clean(text)
    assert "\ufffd" not in text and "□" not in text  # no replacement characters, no boxes


def test_word_report_has_the_same_rows_and_words(reports: dict[str, Path], context: dict) -> None:  # type: ignore[type-arg]
    document = Document(str(reports["docx"]))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "石门县生态文明建设示范区建设自评报告" in text and "自评结论：暂不具备" in text
    assert "有 39 项指标（共 40 项）的指标值尚未与正式发布文本逐项核对" in text  # about the standard, not the data
    annex = next(t for t in document.tables if t.rows[0].cells[0].text == "序号" and len(t.columns) == 11)
    numbers = [r.cells[0].text for r in annex.rows[1:]]
    assert numbers == [n for n, _ in _rows(context)]  # sub-items included, in the PDF's order
    row = next(r for r in annex.rows if r.cells[0].text == "29")
    cells = [c.text for c in row.cells]
    assert cells[2] == "城镇污水处理率" and cells[5] == "≥85%（县级）" and cells[6] == "82%" and cells[7] == "未达标"
    assert cells[8] == "差 3个百分点"
    why = next(t for t in document.tables if t.rows[0].cells[3].text == "判定规则")
    rule = next(r for r in why.rows if r.cells[0].text == "29").cells[3].text
    assert rule == "城镇污水处理率：市级 ≥95%，县级 ≥85%"
    every = text + "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    _clean(every)
    # the header row repeats on every page and no row splits across a page
    assert all(t.rows[0]._tr.trPr is not None and t.rows[0]._tr.trPr.find(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}tblHeader") is not None
        for t in document.tables)


def test_word_names_only_fonts_a_windows_office_has(reports: dict[str, Path]) -> None:
    with zipfile.ZipFile(reports["docx"]) as package:
        xml = "".join(package.read(name).decode("utf-8") for name in package.namelist()
                      if name.startswith("word/") and name.endswith(".xml"))
    east = set(re.findall(r'<w:rFonts [^>]*w:eastAsia="([^"]+)"', xml))
    assert east and east <= WINDOWS_FONTS, east - WINDOWS_FONTS
    assert "WenQuanYi" not in xml and "Zen Hei" not in xml


def test_excel_report_has_the_same_rows_and_prints_on_a4(reports: dict[str, Path], context: dict) -> None:  # type: ignore[type-arg]
    book = load_workbook(reports["xlsx"])
    assert book.sheetnames[:2] == ["指标完成情况表", "短板弱项"] and "判定依据" in book.sheetnames
    sheet = book["指标完成情况表"]
    rows = [r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0]]
    assert [r[0] for r in rows] == [n for n, _ in _rows(context)]
    row = next(r for r in rows if r[0] == "29")
    assert row[5] == "≥85%（县级）" and row[6] == "82%" and row[7] == "未达标" and row[8] == "差 3个百分点"
    assert sheet.print_title_rows == "$2:$2" and sheet.page_setup.paperSize == 9
    weak = [r for r in book["短板弱项"].iter_rows(min_row=3, values_only=True) if r[0]]
    assert [r[1] for r in weak[:2]] == ["29 城镇污水处理率", "33 城镇新建绿色建筑比例"]
    _clean("\n".join(str(v) for s in book.worksheets for r in s.iter_rows(values_only=True) for v in r if v))


def test_weak_points_are_weak_and_name_who_gave_the_figure(evaluation) -> None:  # type: ignore[no-untyped-def]
    """青岚县 meets everything: no 「余 0」 padding; 金川县 lacks a figure: no year of reaching a target."""
    met = build_context(evaluation, "990101")
    assert met["weak_points"] == [] and met["verdict"]["text"] == "可申报"
    assert met["watch"] and all(not re.fullmatch(r"余 0\D*", w["gap"]) for w in met["watch"])
    assert all(w["class"] == "达标但余量小" for w in met["watch"])
    missing = build_context(evaluation, "990106")
    for w in missing["weak_points"]:
        if w["status"] in ("缺数据", "待核实"):
            assert w["projected_year"] == "—" and w["gap"] == "—" and "补充" in w["direction"] + "核实"
    trend = next(w for w in build_context(evaluation, "990105")["weak_points"] if w["id"] == "10")
    assert trend["gap"] == "数值已达目标，趋势未达要求" and trend["target"] == "≥55（其他地区）"
    shimen = build_context(evaluation, REGION)
    sewage = next(w for w in shimen["weak_points"] if w["id"] == "29")
    # the pack's 佐证材料清单 names the 牵头部门 (its suggestion, unverified); never （未登记）
    assert sewage["lead_department"] == "住房和城乡建设局"
    assert sewage["value"] == "82%" and sewage["target"] == "≥85%（县级）" and "2029" in sewage["direction"]


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [v for k, v in attrs if k in ("src", "href") and v]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_report_is_self_contained(reports: dict[str, Path], context: dict) -> None:  # type: ignore[type-arg]
    page = reports["html"].read_text(encoding="utf-8")
    parser = _Links()
    parser.feed(page)
    assert parser.urls and all(url.startswith("data:") for url in parser.urls)
    assert "http://" not in page and "https://" not in page and "@import" not in page
    assert page.count("url(data:font/ttf;base64,") == 3  # 宋, 黑, 楷 stand-ins travel with the page
    text = "".join(parser.text)
    assert "自评结论：暂不具备" in text and "≥85%（县级）" in text
    for number, name in _rows(context):
        assert f">{number}<" in page and name in text


def test_the_shipped_word_template_uses_only_fields_of_the_context(context: dict) -> None:  # type: ignore[type-arg]
    from ecozone.reports.render import _templates

    assert lint_docx_template(_templates() / "report.docx", context) == []


def test_a_custom_word_template_with_an_unknown_field_is_refused(tmp_path: Path, evaluation) -> None:  # type: ignore[no-untyped-def]
    template = tmp_path / "mine.docx"
    document = Document()
    document.add_paragraph("{{ region.name }} {{ county_head }}")
    document.save(str(template))
    assert lint_docx_template(template, {"region": {"name": "x"}}) == ["county_head"]
    with pytest.raises(UsageError) as caught:
        api.write_region_reports(evaluation, ["docx"], [REGION], tmp_path / "out", template)
    assert "county_head" in caught.value.message
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").iterdir())


def test_no_county_of_the_sample_reads_code_or_none(evaluation) -> None:  # type: ignore[no-untyped-def]
    """Every word any format shows, for all eight counties (the renderers print only the context)."""
    for code in evaluation.regions["region"].to_list():
        context = build_context(evaluation, code)
        shown = [context["verdict"]["text"], *context["reasons"], context["standard"]["verification_note"],
                 context["methods"]["outlook"], context["generated"]]
        for line in context["annex"]:
            shown += [str(v) for k, v in line.items() if k not in ("items", "status_code", "level")]
        for w in context["weak_points"] + context["watch"]:
            shown += [w[k] for k in ("class", "name", "value", "target", "gap", "trend", "projected_year",
                                     "lead_department", "direction")]
        for v in context["vetoes"] or []:
            shown += [v[k] for k in ("wording", "answer", "source", "effect", "window", "evidence")]
        _clean("\n".join(shown))
        assert all(w["class_code"] != "risk_margin" for w in context["weak_points"]), code


def test_several_counties_are_written_in_parallel_with_the_same_content(evaluation, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    codes = ["990101", REGION]
    said: list[str] = []
    parallel = api.write_region_reports(evaluation, ["docx", "xlsx"], codes, tmp_path / "p", workers=2,
                                        progress=said.append)
    serial = api.write_region_reports(evaluation, ["docx", "xlsx"], codes, tmp_path / "s", workers=1)
    assert sorted(said) == sorted(codes) and list(parallel) == codes
    for code in codes:
        texts = [[c.text for t in Document(str(files[code]["docx"])).tables for r in t.rows for c in r.cells]
                 for files in (parallel, serial)]
        assert texts[0] == texts[1]
        sheets = [[r for r in load_workbook(files[code]["xlsx"])["指标完成情况表"].iter_rows(values_only=True)]
                  for files in (parallel, serial)]
        assert sheets[0][2:] == sheets[1][2:]
