"""The JSON API: figures, answers, self-check and reports, under the same scope rules as the pages."""

from __future__ import annotations

import io

import pytest
from docx import Document
from fastapi.testclient import TestClient
from openpyxl import load_workbook

from ecozone.store import db
from ecozone.store.repository import add_user
from tests.web.conftest import PASSWORD, csrf_of, login

OTHER = "990105"
READS = ["/api/regions/{c}/figures", "/api/regions/{c}/assessment", "/api/regions/{c}/selfcheck",
         "/api/regions/{c}/answers", "/api/regions/{c}/reports/docx", "/api/regions/{c}/submission"]


def test_every_api_route_refuses_another_countys_data(client: TestClient) -> None:
    login(client, "shimen")
    headers = {"X-CSRF-Token": csrf_of(client)}
    for path in READS:
        refused = client.get(path.format(c=OTHER))
        assert refused.status_code == 403 and f"{OTHER} 不在范围内" in refused.json()["detail"], path
    writes = [
        client.put(f"/api/regions/{OTHER}/figures/urban_sewage_treatment_rate/2023", headers=headers,
                   json={"value": "99", "version": 1}),
        client.put(f"/api/regions/{OTHER}/answers/data_fraud", headers=headers, json={"answer": "否", "version": 0}),
        client.post(f"/api/regions/{OTHER}/submit", headers=headers),
        client.post(f"/api/regions/{OTHER}/status", headers=headers, data={"to": "accepted"}),
    ]
    assert [w.status_code for w in writes] == [403] * 4


def test_a_figure_through_the_api_is_validated_versioned_and_reassessed(client: TestClient) -> None:
    login(client, "shimen")
    headers = {"X-CSRF-Token": csrf_of(client)}
    path = "/api/regions/990104/figures/urban_sewage_treatment_rate/2023"
    before = next(f for f in client.get("/api/regions/990104/figures").json()
                  if f["metric"] == "urban_sewage_treatment_rate" and f["year"] == 2023)
    bad = client.put(path, headers=headers, json={"value": "很多", "version": before["version"]})
    assert bad.status_code == 422 and "不是数字" in bad.json()["detail"]
    saved = client.put(path, headers=headers, json={"value": "88.5%", "version": before["version"], "reason": "复核"})
    assert saved.status_code == 200 and saved.json()["value"] == 88.5
    assert saved.json()["version"] == before["version"] + 1
    stale = client.put(path, headers=headers, json={"value": "70", "version": before["version"]})
    assert stale.status_code == 409 and "已被他人修改" in stale.json()["detail"]
    indicator = next(i for i in client.get("/api/regions/990104/assessment").json()["regions"][0]["indicators"]
                     if i["id"] == "29")
    assert indicator["status"] == "met"
    assert client.put(path, json={"value": "90", "version": saved.json()["version"]}).status_code == 403  # no CSRF


def test_answers_through_the_api_decide_the_selfcheck(client: TestClient) -> None:
    login(client, "shimen")
    headers = {"X-CSRF-Token": csrf_of(client)}
    answered = client.put("/api/regions/990104/answers/data_fraud", headers=headers,
                          json={"answer": "是", "version": 0, "document": "审计通报", "date": "2023-03-02"})
    assert answered.status_code == 200 and answered.json() == {"condition": "data_fraud", "answer": "yes",
                                                              "version": 1}
    region = client.get("/api/regions/990104/selfcheck").json()["regions"][0]
    assert region["verdict"] == "vetoed"
    fraud = next(v for v in region["vetoes"] if v["id"] == "data_fraud")
    assert fraud["answer"] == "yes" and fraud["blocking"]
    unknown = client.put("/api/regions/990104/answers/no_such_condition", headers=headers,
                         json={"answer": "否", "version": 0})
    assert unknown.status_code == 404 and "no_such_condition" in unknown.json()["detail"]
    garbled = client.put("/api/regions/990104/answers/data_fraud", headers=headers,
                         json={"answer": "也许", "version": 1})
    assert garbled.status_code == 422 and "是、否 或 不清楚" in garbled.json()["detail"]


@pytest.mark.parametrize("fmt", ["docx", "xlsx"])
def test_reports_download_as_real_files(client: TestClient, fmt: str) -> None:
    login(client, "shimen")
    response = client.get(f"/api/regions/990104/reports/{fmt}")
    assert response.status_code == 200 and "attachment" in response.headers["content-disposition"]
    assert "990104" in response.headers["content-disposition"]
    if fmt == "docx":
        text = "\n".join(p.text for p in Document(io.BytesIO(response.content)).paragraphs)
        assert "石门县" in text and "城镇污水处理率" in "\n".join(
            c.text for t in Document(io.BytesIO(response.content)).tables for r in t.rows for c in r.cells)
    else:
        book = load_workbook(io.BytesIO(response.content), read_only=True)
        assert len(book.sheetnames) >= 2


def test_a_user_name_with_markup_is_shown_as_text(client: TestClient, database_url: str) -> None:
    engine = db.engine_for(database_url)
    with db.session_factory(engine)() as session, session.begin():
        add_user(session, "<img src=x onerror=alert(1)>", "county", "990104", PASSWORD)
    engine.dispose()
    login(client, "<img src=x onerror=alert(1)>")
    page = client.get("/regions/990104").text
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
