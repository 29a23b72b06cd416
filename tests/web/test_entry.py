"""Entering data through the pages: the figure grid, the self-check questionnaire, Excel uploads."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

from fastapi.testclient import TestClient
from httpx import Response
from openpyxl import Workbook, load_workbook

from ecozone.io.excel import layout as L
from tests.web.conftest import csrf_of, login

EXCEL = Path(__file__).parents[1] / "fixtures" / "excel"
HTMX = {"HX-Request": "true"}


def _status_of(page: str, indicator: str) -> str:
    row = re.search(rf'<tr class="s-(\w+)" data-indicator="{indicator}">', page)
    assert row is not None, f"indicator {indicator} not on the page"
    return row.group(1)


def _version(page: str, metric: str, year: int) -> int:
    form = re.search(rf'name="metric" value="{metric}"><input type="hidden" name="year" value="{year}">'
                     r'<input type="hidden" name="version" value="(\d+)">', page)
    assert form is not None
    return int(form.group(1))


def test_entering_a_figure_changes_the_status_and_is_audited(client: TestClient) -> None:
    login(client, "shimen")
    page = client.get("/regions/990104").text
    assert _status_of(page, "29") == "not_met"  # 城镇污水处理率 82 % < 85 %
    headers = {**HTMX, "X-CSRF-Token": csrf_of(client)}
    version = _version(page, "urban_sewage_treatment_rate", 2023)
    saved = client.post("/regions/990104/figures", headers=headers, data={
        "metric": "urban_sewage_treatment_rate", "year": 2023, "version": version, "value": "91%"})
    assert saved.status_code == 200 and "已保存" in saved.text
    assert 'hx-swap-oob="true"' in saved.text and _status_of(saved.text, "29") == "met"
    assert _status_of(client.get("/regions/990104").text, "29") == "met"  # and it stays so


def test_a_bad_figure_is_refused_in_the_cell_and_nothing_changes(client: TestClient) -> None:
    login(client, "shimen")
    page = client.get("/regions/990104").text
    headers = {**HTMX, "X-CSRF-Token": csrf_of(client)}
    version = _version(page, "urban_sewage_treatment_rate", 2023)
    for text, message in (("八十五", "不是数字"), ("185", "超过合理上限")):
        refused = client.post("/regions/990104/figures", headers=headers, data={
            "metric": "urban_sewage_treatment_rate", "year": 2023, "version": version, "value": text})
        assert refused.status_code == 200 and message in refused.text and 'role="alert"' in refused.text
    assert _status_of(client.get("/regions/990104").text, "29") == "not_met"
    figures = client.get("/api/regions/990104/figures").json()
    sewage = next(f for f in figures if f["metric"] == "urban_sewage_treatment_rate" and f["year"] == 2023)
    assert sewage["value"] == 82 and sewage["version"] == version


def test_two_people_editing_one_figure_the_second_is_told(client: TestClient) -> None:
    login(client, "shimen")
    page = client.get("/regions/990104").text
    headers = {**HTMX, "X-CSRF-Token": csrf_of(client)}
    version = _version(page, "urban_sewage_treatment_rate", 2023)
    form = {"metric": "urban_sewage_treatment_rate", "year": 2023, "version": version}
    assert "已保存" in client.post("/regions/990104/figures", headers=headers, data={**form, "value": "86"}).text
    late = client.post("/regions/990104/figures", headers=headers, data={**form, "value": "70"})
    assert "已被他人修改" in late.text
    figures = client.get("/api/regions/990104/figures").json()
    assert next(f["value"] for f in figures if f["metric"] == "urban_sewage_treatment_rate" and f["year"] == 2023) == 86


def test_a_figure_edit_without_the_csrf_token_is_refused(client: TestClient) -> None:
    login(client, "shimen")
    refused = client.post("/regions/990104/figures", headers=HTMX, data={
        "metric": "urban_sewage_treatment_rate", "year": 2023, "version": 1, "value": "99"})
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]


def test_a_reviewer_sees_the_grid_but_cannot_edit(client: TestClient) -> None:
    login(client, "zhou")
    page = client.get("/regions/990104").text
    assert "只读" in page and 'hx-post="/regions/990104/figures"' not in page
    refused = client.post("/regions/990104/figures", headers={**HTMX, "X-CSRF-Token": csrf_of(client)}, data={
        "metric": "urban_sewage_treatment_rate", "year": 2023, "version": 1, "value": "99"})
    assert refused.status_code == 403 and "不能「填报」" in refused.json()["detail"]


# --- self-check questionnaire ------------------------------------------------------------


def _question_form(client: TestClient, condition: str) -> dict[str, str]:
    page = client.get("/regions/990104/selfcheck").text
    block = page[page.index(f'id="q-{condition}"'):]
    version = re.search(rf'name="version__{condition}" value="(\d+)"', block).group(1)  # type: ignore[union-attr]
    return {"csrf": csrf_of(client, "/regions/990104/selfcheck"), "version": version}


def test_answering_a_veto_question_with_evidence_vetoes_and_keeps_the_file(client: TestClient) -> None:
    login(client, "shimen")
    form = _question_form(client, "inspection_unrectified")
    evidence = "整改情况说明.pdf".encode(), b"%PDF-1.4 evidence"
    saved = client.post("/regions/990104/selfcheck/inspection_unrectified", data={
        **form, "answer": "yes", "document": "督察反馈问题整改台账", "date": "2023/6/1"},
        files={"evidence": (evidence[0].decode(), evidence[1], "application/pdf")})
    assert saved.status_code == 200 and "回答已保存" in saved.text
    link = re.search(r'<a href="/files/(\d+)">整改情况说明.pdf</a>', saved.text)
    assert link is not None
    download = client.get(f"/files/{link.group(1)}")
    assert download.content == evidence[1] and "attachment" in download.headers["content-disposition"]
    result = client.get("/api/regions/990104/selfcheck").json()["regions"][0]
    assert result["verdict"] == "vetoed"
    answer = next(a for a in client.get("/api/regions/990104/answers").json()
                  if a["condition"] == "inspection_unrectified")
    assert answer["answer"] == "yes" and answer["date"] == "2023-06-01" and "整改情况说明.pdf" in answer["file"]


def test_a_path_traversal_attachment_name_is_refused_and_nothing_is_saved(client: TestClient) -> None:
    login(client, "shimen")
    form = _question_form(client, "inspection_unrectified")
    for name in ("../../etc/passwd", "..\\..\\boot.ini", ".htaccess"):
        refused = client.post("/regions/990104/selfcheck/inspection_unrectified", data={**form, "answer": "yes"},
                              files={"evidence": (name, b"x", "text/plain")})
        assert refused.status_code == 422 and "文件名不可接受" in refused.text
    answers = client.get("/api/regions/990104/answers").json()
    assert all(a["condition"] != "inspection_unrectified" for a in answers)  # the answer was not half-written


def test_another_countys_evidence_cannot_be_downloaded(client: TestClient) -> None:
    login(client, "shimen")
    form = _question_form(client, "inspection_unrectified")
    sheet = io.BytesIO()
    Workbook().save(sheet)  # a real workbook: evidence is checked by its bytes
    client.post("/regions/990104/selfcheck/inspection_unrectified", data={**form, "answer": "no"},
                files={"evidence": ("台账.xlsx", sheet.getvalue(), "application/octet-stream")})
    file_id = re.search(r'<a href="/files/(\d+)">台账.xlsx', client.get("/regions/990104/selfcheck").text)
    assert file_id is not None
    client.cookies.clear()
    login(client, "zhou")  # the prefecture may see it
    assert client.get(f"/files/{file_id.group(1)}").status_code == 200
    client.cookies.clear()
    login(client, "sheng")
    assert client.get(f"/files/{file_id.group(1)}").status_code == 200


# --- Excel upload: preview, then confirm ---------------------------------------------------


def _filled_copy(tmp_path: Path, change: dict[str, object] | None = None) -> Path:
    target = tmp_path / "青岚县填报.xlsx"
    shutil.copy(EXCEL / "filled.xlsx", target)
    if change:
        book = load_workbook(target)
        for cell, value in change.items():
            book[L.SHEET_FIGURES][cell] = value
        book.save(target)
    return target


def _upload(client: TestClient, token: str, workbook: Path) -> Response:
    """Send a workbook to be checked: the preview page."""
    return client.post("/upload", data={"csrf": token},
                       files={"workbook": (workbook.name, workbook.read_bytes(), "application/octet-stream")})


def test_an_upload_is_previewed_then_written_only_on_confirm(client: TestClient, tmp_path: Path) -> None:
    login(client, "sheng")
    token = csrf_of(client, "/upload")
    before = client.get("/api/regions/990101/figures").json()
    workbook = _filled_copy(tmp_path, {"L6": 97.5})  # one figure differs from the store; the rest are as stored
    preview = _upload(client, token, workbook)
    assert preview.status_code == 200 and "检查结果（尚未写入）" in preview.text and "确认载入" in preview.text
    assert "数值 修改 1。" in preview.text and "<td>97.5</td>" in preview.text  # the one change, from → to
    assert client.get("/api/regions/990101/figures").json() == before  # nothing written yet
    confirm = re.search(r'action="/upload/(\d+)/confirm"', preview.text)
    assert confirm is not None
    done = client.post(f"/upload/{confirm.group(1)}/confirm", data={"csrf": token})
    assert done.status_code == 200 and 'id="imported"' in done.text and "数值 1 个" in done.text
    after = client.get("/api/regions/990101/figures").json()
    moved = [(a["metric"], a["year"], a["value"]) for a, b in zip(after, before, strict=True)
             if a["version"] != b["version"]]
    assert len(moved) == 1 and moved[0][2] == 97.5  # only the changed figure is written again
    again = client.post(f"/upload/{confirm.group(1)}/confirm", data={"csrf": token})
    assert again.status_code == 409 and "不会重复写入" in again.text


def test_an_upload_with_errors_cannot_be_confirmed(client: TestClient, tmp_path: Path) -> None:
    login(client, "sheng")
    token = csrf_of(client, "/upload")
    broken = _filled_copy(tmp_path, {"L6": "六十二"})
    preview = _upload(client, token, broken)
    assert "有错误，不能载入" in preview.text and "确认载入" not in preview.text
    assert re.search(r"<td>指标数据!L6</td>", preview.text)


def test_an_upload_that_is_not_a_workbook_is_refused(client: TestClient) -> None:
    login(client, "sheng")
    refused = client.post("/upload", data={"csrf": csrf_of(client, "/upload")},
                          files={"workbook": ("数据.txt", b"hello", "text/plain")})
    assert refused.status_code == 422 and "不是 Excel 工作簿" in refused.text


def _questionnaire_fields(page: str) -> dict[str, str]:
    """Every field of the questionnaire form as the page fills it (what a browser would send)."""
    form = page[page.index('id="questionnaire"'):page.index("</form>", page.index('id="questionnaire"'))]
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form))
    fields.update(dict(re.findall(r'<input name="([^"]+)" value="([^"]*)"', form)))
    fields.update(dict(re.findall(r'<input type="radio" name="([^"]+)" value="([^"]+)" checked>', form)))
    return fields


def test_the_questionnaire_is_saved_as_one_form_and_a_refusal_keeps_every_answer_typed(client: TestClient) -> None:
    login(client, "shimen")
    page = client.get("/regions/990104/selfcheck").text
    fields = _questionnaire_fields(page)
    before = {a["condition"]: a for a in client.get("/api/regions/990104/answers").json()}
    # two answers changed, in the page's order reversed; everything else sent as shown
    fields |= {"answer__summoned_or_restricted": "yes", "document__summoned_or_restricted": "约谈通知〔2023〕1号",
               "answer__inspection_unrectified": "no", "note__inspection_unrectified": "已整改销号"}
    saved = client.post("/regions/990104/selfcheck", data=fields)
    assert saved.status_code == 200 and "本次写入 2 项有改动的回答" in saved.text
    after = {a["condition"]: a for a in client.get("/api/regions/990104/answers").json()}
    assert after["summoned_or_restricted"]["answer"] == "yes"
    assert after["inspection_unrectified"]["note"] == "已整改销号"
    untouched = set(before) - {"summoned_or_restricted", "inspection_unrectified"}
    assert all(after[c]["version"] == before[c]["version"] for c in untouched)  # nothing else rewritten
    # a second tab opened before the save changes one of the saved questions again: stale → 409, every typed
    # value shown again, nothing saved (not even the other question it changed)
    fields |= {"answer__summoned_or_restricted": "unknown", "note__data_fraud": "自查无此情形",
               "date__data_fraud": "2024-03-02"}
    refused = client.post("/regions/990104/selfcheck", data=fields)
    assert refused.status_code == 409 and "已被他人修改" in refused.text
    assert 'value="自查无此情形"' in refused.text and 'value="约谈通知〔2023〕1号"' in refused.text
    assert 'name="answer__summoned_or_restricted" value="unknown" checked' in refused.text
    assert client.get("/api/regions/990104/answers").json() == list(after.values())
    # a date the validator refuses is an error at its question, with the page as typed
    again = _questionnaire_fields(client.get("/regions/990104/selfcheck").text)
    bad = client.post("/regions/990104/selfcheck", data={**again, "date__data_fraud": "去年"})
    assert bad.status_code == 422 and "日期「去年」无法识别" in bad.text and 'value="去年"' in bad.text


def test_the_preview_shows_each_indicator_and_verdict_before_and_after(client: TestClient, tmp_path: Path) -> None:
    login(client, "sheng")
    token = csrf_of(client, "/upload")
    workbook = _filled_copy(tmp_path, {"M4": 18})  # 青岚县 2023, 第3项: 24.04 (≥20, met) → 18
    preview = _upload(client, token, workbook)
    assert preview.status_code == 200
    shifts = preview.text[preview.text.index('id="indicator-shifts"'):]
    cells = r"<td>([^<]+)</td><td>([^<]+)</td><td>([^<]+)</td>\s*<td[^>]*>(.+?)</td>"
    row = re.search(r"<td[^>]*>青岚县</td><td>3</td>" + cells, shifts)
    assert row is not None, shifts[:1500]
    assert row.group(1) == "生态文明建设工作占党政实绩考核的比例" and (row.group(2), row.group(3)) == ("24.04", "18")
    assert row.group(4) == "达标 → <strong>未达标</strong>"
    assert shifts.count("<tr class=") == 1  # only the indicator that moved
    assert 'id="problem-counts">文件「青岚县填报.xlsx」：没有发现问题' in preview.text


def test_the_marked_workbook_of_an_upload_marks_the_bad_cell(client: TestClient, tmp_path: Path) -> None:
    login(client, "sheng")
    token = csrf_of(client, "/upload")
    broken = _filled_copy(tmp_path, {"L6": "六十二"})
    preview = _upload(client, token, broken)
    assert re.search(r'<span class="error">错误 1 条</span>', preview.text)
    link = re.search(r'href="(/upload/\d+/marked\.xlsx)"', preview.text)
    assert link is not None
    marked = client.get(link.group(1))
    assert marked.status_code == 200 and "%E9%97%AE%E9%A2%98%E6%A0%87%E6%B3%A8" in marked.headers["content-disposition"]
    book = load_workbook(io.BytesIO(marked.content))
    assert book.sheetnames[0] == "错误清单"
    cell = book[L.SHEET_FIGURES]["L6"]
    assert cell.value == "六十二" and cell.comment is not None and "不是数字" in cell.comment.text
    client.cookies.clear()
    login(client, "zhou")  # someone else's upload is not theirs to download, even in scope
    assert client.get(link.group(1)).status_code == 404


def test_confirming_without_ticking_the_warning_box_shows_the_preview_again_and_writes_nothing(
        client: TestClient, tmp_path: Path) -> None:
    login(client, "sheng")
    token = csrf_of(client, "/upload")
    before = client.get("/api/regions/990101/figures").json()
    workbook = _filled_copy(tmp_path, {"M4": 0.24})  # a share typed as a fraction: a warning to confirm
    preview = _upload(client, token, workbook)
    assert "（其中需确认 1 条）" in preview.text and 'name="accept_warnings"' in preview.text
    action = re.search(r'action="(/upload/\d+/confirm)"', preview.text).group(1)  # type: ignore[union-attr]
    refused = client.post(action, data={"csrf": token})
    said = re.search(r'<p class="error" role="alert">(.+?)</p>', refused.text)
    assert refused.status_code == 422 and said is not None and "勾选「我已核对上述警告，数值无误」" in said.group(1)
    assert "--accept-warnings" not in said.group(1)  # a web user is not told to add a command-line flag
    assert 'name="accept_warnings"' in refused.text and action in refused.text  # the preview, to tick and confirm
    assert client.get("/api/regions/990101/figures").json() == before
    done = client.post(action, data={"csrf": token, "accept_warnings": "true"})
    assert done.status_code == 200 and "数值 1 个" in done.text
