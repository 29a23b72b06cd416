"""A review → ledger → rectification → re-review cycle in Chromium against PostgreSQL: an expert assigned to 石门县
records a technical assessment and a problem; the county rectifies with a document; the expert fails the first
re-review with a reason, closes the second; the ledger's workbook and Word report are downloaded and read back."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator

import pytest
from docx import Document
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page, expect

from ecozone.catalogue import load_metrics
from ecozone.io.tables import read_dataset
from ecozone.store import db
from ecozone.store.repository import add_user
from ecozone.web.app import create_app
from tests.conftest import SAMPLE
from tests.databases import _postgres
from tests.web.conftest import PASSWORD, fits, log_in, log_out, opened, served, stocked

REPORT = SAMPLE / "佐证材料" / "990104_污水处理运行台账2023.pdf"


@pytest.fixture(scope="module")
def base(postgres_admin_url: str | None) -> Iterator[str]:
    databases = _postgres(postgres_admin_url)
    url = next(databases)
    stocked(url, read_dataset(SAMPLE, load_metrics()), "问题台账测试",
            {"zhou": ("prefecture", "990100"), "shimen": ("county", "990104")})
    engine = db.engine_for(url)
    with db.session_factory(engine)() as session, session.begin():
        add_user(session, "zhuanjia", "expert", "990000", PASSWORD, assigned=["990104"])
    engine.dispose()
    app = create_app(url, secret="ledger-test-0123456789abcdef0123456789abcdef")
    try:
        with served(app) as found:
            yield found
    finally:
        next(databases, None)


@pytest.fixture()
def page(browser: Browser, base: str, console: list[str]) -> Iterator[Page]:
    with opened(browser, base, console, viewport={"width": 1366, "height": 900}) as found:
        yield found


def test_a_problem_found_in_review_is_rectified_rechecked_and_closed(page: Page, console: list[str]) -> None:
    p = page
    deadline = dt.date.today() + dt.timedelta(days=30)
    # the expert: the assigned county only
    log_in(p, "zhuanjia")
    expect(p.locator("h1")).to_have_text("问题台账")
    assert p.request.get("/regions/990101/ledger").status == 403
    p.goto("/regions/990104/ledger")
    p.locator("#review-form select[name=kind]").select_option(label="技术评估")
    p.locator("#review-form input[name=experts]").fill("张工（省环科院）、李工")
    p.get_by_role("button", name="记录评审").click()
    expect(p.locator(".notice")).to_have_text("评审已记录。")
    form = p.locator(".finding-form").first
    form.locator("select[name=subject]").select_option(label="第29项 城镇污水处理率")
    form.locator("select[name=severity]").select_option(label="影响申报")
    form.locator("textarea[name=problem]").fill("县城污水处理厂进水浓度偏低，污水收集管网存在雨污混接")
    form.locator("input[name=lead]").fill("住房和城乡建设局")
    form.locator("input[name=deadline]").fill(str(deadline))
    form.get_by_role("button", name="记入台账").click()
    expect(p.locator("#ledger")).to_contain_text("雨污混接")
    expect(p.locator("#ledger")).to_contain_text("待整改")
    finding = p.locator("#ledger a").first.get_attribute("href")
    assert finding is not None and re.fullmatch(r"/findings/\d+", finding)
    log_out(p)

    # the county: the region page says one open problem; it rectifies with a document
    log_in(p, "shimen")
    expect(p.locator("#ledger-summary + p")).to_contain_text("未销号 1 项")
    p.goto(finding)
    p.locator("#finding-file-form input[type=file]").set_input_files(str(REPORT))
    p.get_by_role("button", name="上传").click()
    expect(p.locator("#finding-files")).to_contain_text(REPORT.name)
    p.locator("#rectify-form textarea[name=note]").fill("已完成老城区雨污分流改造 3.2 公里")
    p.get_by_role("button", name="提交整改情况，申请复核").click()
    expect(p.locator("#finding-status")).to_have_text("已整改待复核")
    log_out(p)

    # the expert: a re-review that fails needs its reason; then the county again; then closed
    log_in(p, "zhuanjia")
    p.goto(finding)
    p.get_by_role("button", name="复核未通过").click()
    expect(p.locator("#move-error")).to_contain_text("没有填写")
    console.clear()  # that 422, expected
    p.locator("#check-form textarea[name=note]").fill("进水 COD 仍低于 200 mg/L，请补充管网排查报告")
    p.get_by_role("button", name="复核未通过").click()
    expect(p.locator("#finding-status")).to_have_text("复核未通过")
    log_out(p)
    log_in(p, "shimen")
    p.goto(finding)
    p.locator("#rectify-form textarea[name=note]").fill("补充管网排查报告，进水 COD 升至 236 mg/L")
    p.get_by_role("button", name="提交整改情况，申请复核").click()
    expect(p.locator("#finding-status")).to_have_text("已整改待复核")
    log_out(p)
    log_in(p, "zhuanjia")
    p.goto(finding)
    p.locator("#check-form textarea[name=note]").fill("现场复核通过")
    p.get_by_role("button", name="复核通过，销号").click()
    expect(p.locator("#finding-status")).to_have_text("已销号")
    steps = p.locator("#finding-steps")  # every step kept, the failed re-review's reason among them
    expect(steps).to_contain_text("进水 COD 仍低于 200 mg/L")
    expect(steps).to_contain_text("已完成老城区雨污分流改造")
    expect(steps.locator("tr")).to_have_count(6)  # header, recorded, done, failed, done, closed
    fits(p, "finding", 1366)

    # the exports, opened and read back
    workbook = p.request.get("/regions/990104/ledger.xlsx")
    assert workbook.status == 200
    sheet = load_workbook(io.BytesIO(workbook.body()))["问题台账"]
    rows = [r for r in sheet.iter_rows(min_row=4, values_only=True) if r[0]]
    assert len(rows) == 1
    row = rows[0]
    assert (row[1], row[3], row[5], row[6], row[8]) == (
        "技术评估", "第29项 城镇污水处理率", "影响申报", "住房和城乡建设局", "已销号")
    assert "雨污混接" in row[4] and "236 mg/L" in row[9] and row[10] == "现场复核通过" and REPORT.name in row[11]
    assert "共 1 项：已销号 1 项" in sheet["A2"].value
    report = p.request.get("/regions/990104/ledger.docx")
    document = Document(io.BytesIO(report.body()))
    assert document.paragraphs[0].text == "石门县（990104）问题整改情况报告"
    cells = [c.text for c in document.tables[0].rows[1].cells]
    assert "雨污混接" in cells[4] and cells[8] == "已销号"
    onsite = load_workbook(io.BytesIO(p.request.get("/regions/990104/onsite-checklist.xlsx").body()))["现场核查"]
    sewage = next(r for r in onsite.iter_rows(min_row=3, values_only=True) if r[0] == "29")
    assert sewage[1] == "城镇污水处理率" and sewage[4] == "未达标" and "运行台账" in sewage[5] and sewage[6] is None
    log_out(p)

    # the prefecture's board counts it closed
    log_in(p, "zhou")
    summary = p.locator("#findings-summary")
    expect(summary).to_contain_text("石门县（990104）")
    assert [c.strip() for c in summary.locator("tr").nth(1).locator("td").all_inner_texts()][1:] == ["0", "0", "1"]
