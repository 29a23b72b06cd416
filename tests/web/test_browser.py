"""The whole workflow in a real browser: Debian's Chromium driven by Playwright, against PostgreSQL.

A real server (uvicorn) runs in a thread on a free loopback port. The browser is Debian's
``/usr/bin/chromium`` (never ``playwright install``); without it the tests fail under CI and are
skipped elsewhere, with the reason.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from ecozone.io.excel import layout as L
from tests.web.conftest import log_in, log_out

EXCEL = Path(__file__).parents[1] / "fixtures" / "excel"


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
    book = load_workbook(workbook)
    book[L.SHEET_FIGURES]["M4"] = 18  # 青岚县 2023, 第3项: 24.04 → 18, below its ≥20
    book.save(workbook)
    log_in(p, "sheng")
    p.get_by_role("link", name="上传工作簿").click()
    p.get_by_label("工作簿").set_input_files(str(workbook))
    p.get_by_role("button", name="检查").click()
    expect(p.get_by_text("检查结果（尚未写入）")).to_be_visible()
    # the diff: the one figure from → to, the indicator's judgement before → after, the verdicts before and after
    expect(p.locator("#change-summary")).to_contain_text("数值 修改 1")
    expect(p.locator("#changes")).to_contain_text("24.04")
    shift = p.locator("#indicator-shifts tr", has_text="生态文明建设工作占党政实绩考核的比例")
    expect(shift).to_contain_text("达标 → 未达标")
    expect(p.locator("#preview")).to_contain_text("青岚县")
    expect(p.locator("#preview tr", has_text="青岚县")).to_contain_text("可申报")
    expect(p.locator("#preview tr", has_text="青岚县")).to_contain_text("暂不具备（变化）")
    artifacts = Path(__file__).resolve().parents[1] / "artifacts"  # for a human look; not committed
    artifacts.mkdir(exist_ok=True)
    p.screenshot(path=str(artifacts / "upload-preview-1366.png"), full_page=True)
    p.get_by_role("button", name="确认载入").click()
    expect(p.locator("#imported")).to_contain_text("已载入「青岚县填报.xlsx」")


def test_a_large_workbook_is_checked_and_loaded_in_the_background_with_its_progress_shown(
        page: Page, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Above the size limit (here: any workbook) the check and the load are jobs of the server's own process pool:
    the page waits on the job, then shows the preview, then what was loaded."""
    monkeypatch.setenv("ECOZONE_BACKGROUND_UPLOAD_KB", "1")
    p = page
    workbook = tmp_path / "青岚县填报.xlsx"
    shutil.copy(EXCEL / "filled.xlsx", workbook)
    book = load_workbook(workbook)
    book[L.SHEET_FIGURES]["L6"] = 97.5
    book.save(workbook)
    log_in(p, "sheng")
    p.goto("/upload")
    p.get_by_label("工作簿").set_input_files(str(workbook))
    p.get_by_role("button", name="检查").click()
    expect(p.locator("h1")).to_have_text("检查上传的工作簿")  # the job's page, refreshing itself
    artifacts = Path(__file__).resolve().parents[1] / "artifacts"
    artifacts.mkdir(exist_ok=True)
    p.screenshot(path=str(artifacts / "upload-job-waiting-1366.png"), full_page=True)
    expect(p.get_by_text("检查结果（尚未写入）")).to_be_visible(timeout=90_000)
    expect(p.locator("#change-summary")).to_contain_text("数值 修改")
    expect(p.locator("#changes")).to_contain_text("97.5")
    for width in (1366, 390):
        p.set_viewport_size({"width": width, "height": 900})
        p.screenshot(path=str(artifacts / f"upload-job-preview-{width}.png"), full_page=True)
    p.get_by_role("button", name="确认载入").click()
    expect(p.locator("h1")).to_have_text("载入上传的工作簿")
    expect(p.locator("#imported")).to_contain_text("已载入「青岚县填报.xlsx」", timeout=90_000)


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


def test_the_api_reference_works_offline_behind_the_login(page: Page) -> None:
    """/docs: the vendored Swagger UI (no CDN: the CSP would refuse one, and the console check would fail), and
    「Try it out」 answers as the logged-in clerk."""
    p = page
    response = p.goto("/docs")
    assert response is not None and "/login" in p.url  # not logged in: sent to the login page
    log_in(p, "shimen")
    p.get_by_role("link", name="接口说明").click()
    expect(p.locator("#api-guide")).to_contain_text("县级填报员（990104）")
    operation = p.locator(".opblock", has_text="/api/regions/{code}/figures").first
    expect(p.locator(".opblock")).not_to_have_count(0)
    assert p.locator(".opblock").count() >= 11
    p.locator(".opblock-summary", has_text="地区列表").click()
    p.get_by_role("button", name="Try it out").click()
    p.get_by_role("button", name="Execute").click()
    body = p.locator(".responses-wrapper .response-col_description .microlight").first
    expect(body).to_contain_text("990104")
    expect(operation).to_be_visible()
    artifacts = Path(__file__).resolve().parents[1] / "artifacts"  # for a human look; not committed
    artifacts.mkdir(exist_ok=True)
    p.screenshot(path=str(artifacts / "api-docs-1366.png"))
