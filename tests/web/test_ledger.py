"""A review → ledger → rectification → re-review cycle in Chromium against PostgreSQL: an expert assigned to 石门县
records a technical assessment and a problem; the county rectifies with a document; the expert fails the first
re-review with a reason, closes the second; the ledger's workbook and Word report are downloaded and read back. And a
现场核查 filled on a phone: results, notes, a photo, a mismatch turned into a ledger problem, the filled checklist
downloaded and read back."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from PIL import Image
from playwright.sync_api import Browser, Page, expect

from ecozone.catalogue import load_metrics
from ecozone.io.tables import read_dataset
from ecozone.store import db
from ecozone.store.named import import_named
from ecozone.store.repository import Actor, add_user
from ecozone.web.app import create_app
from tests.conftest import SAMPLE
from tests.databases import _postgres
from tests.web.conftest import ARTIFACTS, PASSWORD, fits, log_in, log_out, opened, served, stocked

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
        import_named(session, Actor("zhou", "prefecture", "990100"), SAMPLE / "named.csv")
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
    p.locator("#named-board-link").click()
    expect(p.locator("#named-board tr[data-standing]")).to_have_count(2)
    fits(p, "board-named", 1366)


def test_an_onsite_check_is_filled_on_a_phone_with_a_photo_and_a_mismatch_becomes_a_problem(
        browser: Browser, base: str, console: list[str], tmp_path: Path) -> None:
    photo = tmp_path / "污水厂进水口.jpg"
    Image.new("RGB", (64, 48), (90, 120, 160)).save(photo, "JPEG")
    deadline = dt.date.today() + dt.timedelta(days=60)
    with opened(browser, base, console, viewport={"width": 390, "height": 844}, is_mobile=True) as p:
        log_in(p, "zhuanjia")
        p.goto("/regions/990104/ledger")
        p.locator("#review-form select[name=kind]").select_option(label="现场核查")
        p.locator("#review-form input[name=experts]").fill("王工（省环境监测中心）")
        p.get_by_role("button", name="记录评审").click()
        expect(p.locator("h1")).to_have_text("现场核查表：石门县（990104）")  # straight to the checklist
        rows = p.locator("section.onsite-row")
        assert rows.count() >= 30  # every applicable indicator of the pack, as the printed checklist lists them
        sewage = p.locator("#i-29")
        expect(sewage.locator("h2")).to_contain_text("城镇污水处理率")
        expect(sewage).to_contain_text("判定：未达标")
        sewage.get_by_label("与填报不符").check()
        sewage.get_by_role("button", name="保存第29项").click()  # a mismatch without its note
        expect(p.locator("#i-29 .error")).to_contain_text("核查情况")
        console.clear()  # that 422, expected
        sewage = p.locator("#i-29")
        sewage.get_by_label("与填报不符").check()
        sewage.locator("textarea[name=note]").fill("厂区进水流量计读数低于台账记录约 15%")
        sewage.get_by_role("button", name="保存第29项").click()
        expect(p.locator(".notice")).to_have_text("核查结果已保存。")
        expect(p.locator("#i-29 .o-result")).to_have_text("与填报不符")
        p.locator("#i-29 .photo-form input[type=file]").set_input_files(str(photo))
        p.locator("#i-29 .photo-form").get_by_role("button", name="上传").click()
        expect(p.locator("#i-29 .photos")).to_contain_text(photo.name)
        p.locator("#i-29 details:has-text('记入问题台账') summary").click()
        form = p.locator("#i-29 .finding-form")
        expect(form.locator("textarea[name=problem]")).to_have_value("厂区进水流量计读数低于台账记录约 15%")
        form.locator("select[name=severity]").select_option(label="重要")
        form.locator("input[name=deadline]").fill(str(deadline))
        form.get_by_role("button", name="记入台账").click()
        expect(p.locator(".notice")).to_have_text("问题已记入台账。")
        expect(p.locator("#i-29 .o-finding")).to_contain_text("待整改")
        forest = p.locator("#i-11")
        forest.get_by_label("与填报相符").check()
        forest.get_by_role("button", name="保存第11项").click()
        expect(p.locator("#onsite-summary")).to_contain_text(
            "已核查 2 项：与填报相符 1 项，与填报不符 1 项，无法核实 0 项")
        fits(p, "onsite", 390)

        filled = p.request.get(p.url.split("?")[0] + ".xlsx")
        assert filled.status == 200
        (ARTIFACTS / "onsite-filled.xlsx").write_bytes(filled.body())  # to render and look at
        sheet = load_workbook(io.BytesIO(filled.body()))["现场核查"]
        assert "核查人：王工（省环境监测中心）" in sheet["A1"].value
        lines = {r[0]: r for r in sheet.iter_rows(min_row=3, values_only=True) if r[0]}
        assert lines["29"][6] == "与填报不符：厂区进水流量计读数低于台账记录约 15%"
        assert "（重要，待整改）：厂区进水流量计读数" in lines["29"][7] and lines["29"][8] == photo.name
        assert lines["11"][6] == "与填报相符" and lines["1"][6] is None
        checklist = p.url.split("?")[0]
        log_out(p)

        # the county reads the checklist, the problem is in its ledger, and it cannot fill the checklist
        log_in(p, "shimen")
        p.goto(checklist)
        expect(p.locator("#i-29 .o-result")).to_have_text("与填报不符")
        expect(p.locator(".check-form")).to_have_count(0)
        p.goto("/regions/990104/ledger")
        expect(p.locator("#ledger")).to_contain_text("流量计读数")
        expect(p.locator("#onsite-links")).to_contain_text("王工")
        log_out(p)

        # the prefecture's named-places board on a phone
        log_in(p, "zhou")
        p.goto("/board/named")
        expect(p.locator("#named-board tr[data-standing]")).to_have_count(2)
        fits(p, "board-named", 390)
        log_out(p)
