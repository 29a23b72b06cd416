"""The web app through its real HTTP interface (TestClient), on SQLite and PostgreSQL."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.web.conftest import PASSWORD, csrf_of, login


def test_login_refuses_a_wrong_password_in_chinese(client: TestClient) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    response = client.post("/login", data={"name": "shimen", "password": "wrong", "csrf": token})
    assert response.status_code == 401 and "用户名或密码不正确" in response.text


def test_login_without_the_csrf_token_is_refused(client: TestClient) -> None:
    client.get("/login")
    response = client.post("/login", data={"name": "shimen", "password": PASSWORD, "csrf": "forged"})
    assert response.status_code == 403 and "CSRF" in response.text


def test_a_county_user_sees_its_county_and_is_refused_another(client: TestClient) -> None:
    login(client, "shimen")
    page = client.get("/regions/990104")
    assert page.status_code == 200 and "石门县" in page.text and "暂不具备" in page.text
    assert "城镇污水处理率" in page.text
    denied = client.get("/regions/990105")  # a page: a Chinese page that says why
    assert denied.status_code == 403 and "只能访问代码以 990104 开头的地区" in denied.text and "无权访问" in denied.text
    assert "县级填报员" in denied.text and "（county" not in denied.text  # the error page names the role in Chinese
    api_denied = client.get("/api/regions/990105/assessment")  # the API: JSON that says why
    assert api_denied.status_code == 403 and "990105 不在范围内" in api_denied.json()["detail"]
    assert [r["code"] for r in client.get("/api/regions").json()] == ["990104"]


def test_the_prefecture_sees_its_board_with_names_escaped(client: TestClient) -> None:
    login(client, "zhou")
    board = client.get("/")
    assert board.status_code == 200 and board.text.count('<tr><td><a href="/regions/99010') == 8  # one row each
    assert "<script>alert(1)</script>" not in board.text and "&lt;script&gt;" in board.text
    assessment = client.get("/api/regions/990104/assessment").json()
    # one verdict everywhere: the page's self-check verdict (no answers yet), with the indicators' beside it
    region = assessment["regions"][0]
    assert region["indicator_verdict"] == "not_ready"
    assert region["verdict"] == "incomplete" and region["verdict_text"] == "资料不全"
    assert assessment == client.get("/api/regions/990104/selfcheck").json() | {"as_of": assessment["as_of"]}


def test_pages_need_a_login(client: TestClient) -> None:
    assert client.get("/", follow_redirects=False).status_code == 303
    assert client.get("/api/regions").status_code == 401


def test_submit_and_review_through_the_api(client: TestClient) -> None:
    login(client, "shimen")
    token = csrf_of(client)
    assert client.post("/api/regions/990104/submit").status_code == 403  # no CSRF header
    submitted = client.post("/api/regions/990104/submit", headers={"X-CSRF-Token": token})
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert client.post("/api/regions/990104/status", data={"to": "accepted"},
                       headers={"X-CSRF-Token": token}).status_code == 403  # a county does not review
    client.cookies.clear()
    login(client, "zhou")
    token = csrf_of(client)
    refused = client.post("/api/regions/990104/status", data={"to": "returned"}, headers={"X-CSRF-Token": token})
    assert refused.status_code == 409 and "退回必须写明意见" in refused.json()["detail"]
    returned = client.post("/api/regions/990104/status", data={"to": "returned", "comment": "请补充台账"},
                           headers={"X-CSRF-Token": token})
    assert returned.json() == {"id": submitted.json()["id"], "status": "returned", "comment": "请补充台账"}
    frozen = client.get("/api/regions/990104/submission").json()
    assert frozen["snapshot"]["result"]["regions"][0]["code"] == "990104"
    # the page says when, in Beijing time, as every time a user reads
    import datetime as dt

    from ecozone._text import BEIJING

    shown = client.get("/regions/990104/submission").text
    today = dt.datetime.now(BEIJING)
    assert f"提交时间 {today.year}年{today.month}月{today.day}日" in shown and "（北京时间）" in shown


def test_repeated_failed_logins_are_locked_out(client: TestClient) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    codes = [client.post("/login", data={"name": "shimen", "password": f"wrong{i}", "csrf": token}).status_code
             for i in range(5)]
    assert codes == [401] * 5
    locked = client.post("/login", data={"name": "shimen", "password": PASSWORD, "csrf": token})
    assert locked.status_code == 429 and "登录失败次数过多" in locked.text  # even the right password waits


def test_submitted_data_are_locked_until_reopened_with_a_reason_and_changes_are_said(client: TestClient) -> None:
    login(client, "shimen")
    token = csrf_of(client)
    assert client.post("/api/regions/990104/submit", headers={"X-CSRF-Token": token}).status_code == 200
    page = client.get("/regions/990104").text
    assert 'id="notice-990104"' in page and "石门县已提交，待审核" in page and "数据已随提交锁定" in page
    assert 'hx-post="/regions/990104/figures"' not in page  # the grid is read-only
    figures = {(f["metric"], f["year"]): f for f in client.get("/api/regions/990104/figures").json()}
    current = figures[("urban_sewage_treatment_rate", 2023)]

    def edit(value: str, version: int):  # type: ignore[no-untyped-def]
        return client.put("/api/regions/990104/figures/urban_sewage_treatment_rate/2023",
                          json={"value": value, "version": version}, headers={"X-CSRF-Token": token})

    locked = edit("84", current["version"])
    assert locked.status_code == 403 and "数据已锁定" in locked.text and "重新打开" in locked.text
    client.cookies.clear()
    login(client, "zhou")
    token = csrf_of(client)
    refused = client.post("/regions/990104/review", data={"csrf": token, "to": "reopened", "comment": " "})
    assert refused.status_code == 422 and "重新打开必须写明理由" in refused.text
    reopened = client.post("/regions/990104/review", data={"csrf": token, "to": "reopened",
                                                           "comment": "补充第29项污水厂台账后的数值"})
    assert reopened.status_code == 200 and "已重新打开" in reopened.text
    client.cookies.clear()
    login(client, "shimen")
    token = csrf_of(client)
    assert edit("84", current["version"]).status_code == 200
    page = client.get("/regions/990104").text
    assert "已重新打开，可以修改后重新提交" in page and "补充第29项污水厂台账后的数值" in page
    assert "提交后又修改了 1 处数据" in page and "提交时的快照与现在的数据不同" in page
    assert page.index('id="notice-990104"') < page.index('id="assessment"')  # above everything else
    assert "提交审核" in page  # and it may be submitted again


def test_the_frameworks_own_refusals_are_said_in_chinese(client: TestClient) -> None:
    login(client, "shimen")
    missing = client.get("/no-such-page")
    assert missing.status_code == 404 and "没有这个页面或接口：/no-such-page" in missing.text
    assert "Not Found" not in missing.text
    wrong = client.delete("/api/regions", headers={"X-CSRF-Token": csrf_of(client)})
    assert wrong.status_code == 405 and wrong.json() == {"detail": "/api/regions 不接受 DELETE 请求"}
    token = csrf_of(client, "/regions/990104")
    invalid = client.put("/api/regions/990104/figures/urban_sewage_treatment_rate/2023",
                         headers={"X-CSRF-Token": token}, json={"value": "91"})
    assert invalid.status_code == 422 and invalid.json()["detail"] == "请求不合格：请求体·version：缺少此项"
    long = client.put("/api/regions/990104/figures/urban_sewage_treatment_rate/2023",
                      headers={"X-CSRF-Token": token}, json={"value": "9" * 101, "version": 1})
    assert long.json()["detail"] == "请求不合格：请求体·value：太长（最多 100 个字符）"
