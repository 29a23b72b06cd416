"""The whole workflow in a real browser: Debian's Chromium driven by Playwright, against PostgreSQL.

A real server (uvicorn) runs in a thread on a free loopback port. The browser is Debian's
``/usr/bin/chromium`` (never ``playwright install``); without it the tests fail under CI and are
skipped elsewhere, with the reason.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from docx import Document
from playwright.sync_api import Browser, Page, expect, sync_playwright

from ecozone.catalogue import load_metrics
from ecozone.dataset import Dataset
from ecozone.io.tables import read_dataset
from ecozone.store import db
from ecozone.store.repository import Actor, add_user, import_dataset
from ecozone.web.app import create_app
from tests.conftest import SAMPLE
from tests.databases import _postgres
from tests.web.conftest import PASSWORD, served

CHROMIUM = os.environ.get("ECOZONE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
EXCEL = Path(__file__).parents[1] / "fixtures" / "excel"


@pytest.fixture(scope="module")
def server(postgres_admin_url: str | None) -> Iterator[str]:
    """The sample in a fresh PostgreSQL database, users of each role, and the app on a free port."""
    databases = _postgres(postgres_admin_url)
    url = next(databases)

    sample: Dataset = read_dataset(SAMPLE, load_metrics())
    db.upgrade(url)
    engine = db.engine_for(url)
    with db.session_factory(engine)() as session, session.begin():
        import_dataset(session, sample, Actor("t", "province", "990000"), "浏览器测试")
        add_user(session, "shimen", "county", "990104", PASSWORD)
        add_user(session, "zhou", "prefecture", "990100", PASSWORD)
        add_user(session, "sheng", "province", "990000", PASSWORD)
    engine.dispose()
    app = create_app(url, secret="browser-test-0123456789abcdef0123456789abcdef")
    try:
        with served(app) as base:
            yield base
    finally:
        next(databases, None)  # drop the database


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        reason = f"没有 Chromium（{CHROMIUM}）：运行 bash scripts/setup-system --test"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as play:
        launched = play.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture()
def console() -> list[str]:
    """Errors the browser reported; a test that expects one (a 403 page) removes it."""
    return []


@pytest.fixture()
def page(browser: Browser, server: str, console: list[str]) -> Iterator[Page]:
    context = browser.new_context(base_url=server, accept_downloads=True, locale="zh-CN")
    opened = context.new_page()
    opened.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda e: console.append(str(e)))
    yield opened
    context.close()
    # a script error or a CSP refusal in the console is a broken page, even if the test's steps passed
    assert not console, console


def log_in(page: Page, name: str) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)


def log_out(page: Page) -> None:
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/login")


def test_a_clerk_enters_a_figure_and_sees_the_status_change(page: Page) -> None:
    p = page
    log_in(p, "shimen")
    row = p.locator('#assessment tr[data-indicator="29"]')
    assert row.locator("td.status").inner_text() == "未达标"
    cell = p.get_by_label("城镇污水处理率 2023")
    cell.fill("91")
    cell.press("Tab")
    expect(p.locator('#assessment tr[data-indicator="29"] td.status')).to_have_text("达标")
    p.reload()
    assert p.get_by_label("城镇污水处理率 2023").input_value() == "91"
    p.locator('details[data-indicator="29"] summary').click()
    expect(p.locator('details[data-indicator="29"] .chart canvas')).to_have_count(1)


def test_a_bad_figure_is_refused_in_place(page: Page) -> None:
    p = page
    log_in(p, "shimen")
    cell = p.get_by_label("城镇新建绿色建筑比例 2023")
    cell.fill("四十六")
    cell.press("Tab")
    expect(p.get_by_role("alert").first).to_contain_text("不是数字")


def test_a_province_uploads_a_workbook_previews_and_confirms(page: Page, tmp_path: Path) -> None:
    p = page
    workbook = tmp_path / "青岚县填报.xlsx"
    shutil.copy(EXCEL / "filled.xlsx", workbook)
    log_in(p, "sheng")
    p.get_by_role("link", name="上传工作簿").click()
    p.get_by_label("工作簿").set_input_files(str(workbook))
    p.get_by_role("button", name="检查").click()
    expect(p.get_by_text("检查结果（尚未写入）")).to_be_visible()
    expect(p.locator("#preview")).to_contain_text("青岚县")
    p.get_by_role("button", name="确认载入").click()
    expect(p.locator("#imported")).to_contain_text("已载入「青岚县填报.xlsx」")


def the_county_submits_and_the_reviewer_logs_in(p: Page) -> None:
    log_in(p, "shimen")
    p.get_by_role("button", name="提交审核").click()
    expect(p.locator("#submission-status")).to_have_text("已提交")
    log_out(p)
    log_in(p, "zhou")


def test_submit_return_with_a_comment_and_the_clerk_sees_it(page: Page, console: list[str]) -> None:
    p = page
    the_county_submits_and_the_reviewer_logs_in(p)
    expect(p.locator("#heatmap canvas")).to_have_count(1)
    expect(p.locator("#notice-990104")).to_contain_text("石门县已提交，待审核")  # the board's list
    p.get_by_role("link", name="990104").click()
    # a return without a comment is refused beside the comment box, the page otherwise as it was
    p.get_by_role("button", name="退回（须写意见）").click()
    expect(p.locator("#review-error")).to_have_text("退回必须写明意见（需要修改的内容）")
    expect(p.locator("#submission-status")).to_have_text("已提交")
    console.remove("Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)")
    p.get_by_label("审核意见").fill("第29项请附污水厂运行台账")
    p.get_by_role("button", name="退回（须写意见）").click()
    expect(p.locator("#submission-status")).to_have_text("已退回")
    log_out(p)
    log_in(p, "shimen")
    # the county's home page opens with the notice at the top: who returned it, when, and why
    notice = p.locator("#notice-990104")
    expect(notice).to_contain_text("石门县的提交被退回")
    expect(notice).to_contain_text("zhou")
    expect(notice).to_contain_text("北京时间")
    expect(notice.locator(".review-comment")).to_have_text("第29项请附污水厂运行台账")
    assert notice.bounding_box()["y"] < 300  # type: ignore[index]  # at the top, not at the foot of the page
    expect(p.locator("#review-comment")).to_have_text("第29项请附污水厂运行台账")
    expect(p.get_by_role("button", name="提交审核")).to_be_visible()


def test_a_clerk_downloads_the_word_report(page: Page) -> None:
    p = page
    log_in(p, "shimen")
    with p.expect_download() as caught:
        p.get_by_role("link", name="Word 报告").click()
    download = caught.value
    assert download.suggested_filename.endswith(".docx") and "石门县" in download.suggested_filename
    text = "\n".join(par.text for par in Document(download.path()).paragraphs)
    assert "石门县" in text


def test_a_county_user_is_denied_another_countys_page(page: Page, console: list[str]) -> None:
    p = page
    log_in(p, "shimen")
    response = p.goto("/regions/990105")
    assert response is not None and response.status == 403
    console.remove("Failed to load resource: the server responded with a status of 403 (Forbidden)")
    expect(p.locator("h1")).to_have_text("无权访问")
    expect(p.locator(".error")).to_contain_text("990105 不在范围内")


def test_the_questionnaire_keeps_every_answer_whatever_the_order_they_are_saved_in(page: Page) -> None:
    """Three questions answered out of their order: each is saved alone as it changes (autosave), which never
    resets another question's input; 保存全部回答 then finds nothing left to write; after a reload all three
    stand as answered."""
    p = page
    log_in(p, "shimen")
    p.goto("/regions/990104/selfcheck")
    fraud, summoned, objection = (p.locator(f"#q-{c}") for c in
                                  ("data_fraud", "summoned_or_restricted", "public_notice_objection"))
    objection.get_by_label("说明").fill("公示期 2024-05-01 至 05-10，无异议")  # typed, not yet saved
    summoned.get_by_label("是（存在）").check()
    expect(summoned.locator(".autosave")).to_contain_text("已自动保存")
    fraud.get_by_label("依据文件").fill("自查报告〔2024〕7号")
    fraud.get_by_label("依据文件").press("Tab")
    expect(fraud.locator(".autosave")).to_contain_text("已自动保存")
    # the autosaves left the unsaved note of the third question as typed
    assert objection.get_by_label("说明").input_value() == "公示期 2024-05-01 至 05-10，无异议"
    expect(objection.locator(".autosave")).to_contain_text("已自动保存")
    p.get_by_role("button", name="保存全部回答").click()
    expect(p.locator("#answers-saved")).to_contain_text("本次写入 0 项")  # every change was already saved
    p.reload()
    assert p.locator("#q-summoned_or_restricted").get_by_label("是（存在）").is_checked()
    assert p.locator("#q-data_fraud").get_by_label("依据文件").input_value() == "自查报告〔2024〕7号"
    note = p.locator("#q-public_notice_objection").get_by_label("说明").input_value()
    assert note == "公示期 2024-05-01 至 05-10，无异议"


@pytest.mark.parametrize(("width", "height"), [(1366, 768), (768, 1024), (390, 844)])
def test_the_questionnaire_fits_every_screen(page: Page, width: int, height: int) -> None:
    p = page
    p.set_viewport_size({"width": width, "height": height})
    log_in(p, "shimen")
    p.goto("/regions/990104/selfcheck")
    artifacts = Path(__file__).resolve().parents[1] / "artifacts"  # for a human look; not committed
    artifacts.mkdir(exist_ok=True)
    p.screenshot(path=str(artifacts / f"questionnaire-{width}.png"), full_page=True)
    # nothing wider than the screen: the page never scrolls sideways (a wide table scrolls inside its box)
    assert p.evaluate("document.documentElement.scrollWidth") <= width


def test_an_approved_county_cannot_edit_until_the_reviewer_reopens_it(page: Page) -> None:
    p = page
    the_county_submits_and_the_reviewer_logs_in(p)
    p.goto("/regions/990104")
    p.get_by_role("button", name="审核通过").click()
    expect(p.locator("#submission-status")).to_have_text("已通过")
    log_out(p)
    log_in(p, "shimen")
    expect(p.locator("#notice-990104")).to_contain_text("石门县已审核通过")
    expect(p.get_by_text("数据已随提交锁定")).to_be_visible()
    expect(p.get_by_label("城镇污水处理率 2023")).to_have_count(0)  # no input: the grid is read-only
    p.goto("/regions/990104/selfcheck")
    expect(p.get_by_role("button", name="保存全部回答")).to_have_count(0)
    log_out(p)
    log_in(p, "zhou")
    p.goto("/regions/990104")
    p.get_by_label("重新打开的理由").fill("补充第29项污水厂运行台账后的数值")
    p.get_by_role("button", name="重新打开（须写理由）").click()
    expect(p.locator("#submission-status")).to_have_text("已重新打开")
    log_out(p)
    log_in(p, "shimen")
    expect(p.locator("#notice-990104")).to_contain_text("补充第29项污水厂运行台账后的数值")
    expect(p.get_by_label("城镇污水处理率 2023")).to_have_count(1)  # editable again
