"""The board's downloads, plan cap and map over HTTP, on SQLite and PostgreSQL: who may, what is refused, and what
the files hold."""

from __future__ import annotations

import io
import json
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook

from ecozone.dataset import Dataset
from ecozone.store import db
from ecozone.store.repository import Actor, import_dataset, set_figure
from tests.web.conftest import csrf_of, login

BOUNDARIES = json.dumps({"type": "FeatureCollection", "features": [
    {"type": "Feature", "properties": {"adcode": "990104"},
     "geometry": {"type": "Polygon", "coordinates": [[[109, 28], [110, 28], [110, 27], [109, 28]]]}}]}).encode()


def test_the_summary_workbook_carries_the_plan_at_the_cap_on_the_board(client: TestClient) -> None:
    login(client, "zhou")
    response = client.get("/board/summary.xlsx", params={"cap": "1"})
    assert response.status_code == 200
    assert "attachment" in response.headers["content-disposition"]
    book = load_workbook(io.BytesIO(response.content))
    plan = book["分期分批"]
    codes = [row[2] for row in plan.iter_rows(min_row=2, values_only=True) if row[2]]
    assert sorted(codes) == [f"99010{i}" for i in range(1, 9)]
    assert any("每年申报数量上限：1 个" in str(row[0]) for row in plan.iter_rows(values_only=True))
    assert client.get("/board/summary.xlsx", params={"cap": "0"}).status_code == 422


def test_a_bad_cap_is_said_beside_the_plan(client: TestClient) -> None:
    login(client, "zhou")
    page = client.get("/", params={"cap": "-3"})
    assert page.status_code == 200 and 'id="cap-error"' in page.text and "1 至 999 的整数" in page.text


def test_a_zip_of_unknown_formats_is_refused_before_anything_is_made(client: TestClient) -> None:
    login(client, "zhou")
    response = client.get("/board/reports.zip", params={"formats": ["docx", "exe"]})
    assert response.status_code == 422 and "exe" in response.text


def test_a_background_job_of_unknown_formats_is_refused_and_nothing_is_queued(client: TestClient) -> None:
    from sqlalchemy import func, select

    from ecozone.store.models import Job

    login(client, "zhou")
    token = csrf_of(client)
    refused = client.post("/board/reports-job", data={"csrf": token, "formats": ["docx", "exe"]})
    assert refused.status_code == 422 and "exe" in refused.text
    forged = client.post("/board/reports-job", data={"csrf": "x", "formats": ["docx"]})
    assert forged.status_code == 403
    assert client.get("/jobs/" + "0" * 32).status_code == 403  # no such job: refused as another's is
    engine = client.app.state.web.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(Job)).scalar() == 0


def test_a_county_may_not_upload_a_map_and_is_told_why(client: TestClient) -> None:
    login(client, "shimen")
    token = csrf_of(client, "/regions/990104")
    response = client.post("/board/map", data={"csrf": token, "approval": "GS（2099）0001号"},
                           files={"boundaries": ("a.geojson", BOUNDARIES, "application/geo+json")})
    assert response.status_code == 403 and "上传县界地图" in response.text


def test_a_reviewer_keeps_a_map_which_the_province_does_not_see_as_its_own(client: TestClient) -> None:
    login(client, "zhou")
    assert client.get("/board/map.json").status_code == 404
    token = csrf_of(client)
    refused = client.post("/board/map", data={"csrf": token, "approval": "GS（2099）0001号"},
                          files={"boundaries": ("a.geojson", b'{"type": "Feature"}', "application/geo+json")})
    assert refused.status_code == 422 and "最外层不是 FeatureCollection" in refused.text
    assert client.get("/board/map.json").status_code == 404  # nothing kept
    saved = client.post("/board/map", data={"csrf": token, "approval": "GS（2099）0001号"},
                        files={"boundaries": ("a.geojson", BOUNDARIES, "application/geo+json")})
    assert saved.status_code == 200 and "对应 1 个地区" in saved.text and "7 个地区没有边界" in saved.text
    assert "审图号：GS（2099）0001号" in saved.text
    shown = client.get("/board/map.json").json()
    assert shown["features"][0]["properties"]["ecozone_code"] == "990104"
    client.cookies.clear()
    login(client, "sheng")
    assert client.get("/board/map.json").status_code == 404  # the province's own board has no map yet


def test_a_submitted_verdict_that_no_longer_holds_is_said_on_the_page_and_the_board(
        client: TestClient, database_url: str, sample: Dataset) -> None:
    """石门县 is submitted and locked; another county's 2024 figure moves the judged year of the whole store to
    2024, for which 石门县 has no figures: its live verdict is no longer the one it submitted, and both say so."""
    engine = db.engine_for(database_url)
    with db.session_factory(engine)() as session, session.begin():  # the sample's answers and incidents too
        import_dataset(session, sample, Actor("t", "province", "990000"), "测试")
    login(client, "shimen")
    token = csrf_of(client, "/regions/990104")
    assert client.post("/api/regions/990104/submit", headers={"X-CSRF-Token": token}).status_code == 200
    page = client.get("/regions/990104")
    assert 'id="verdict-differs"' not in page.text and "提交时结论「暂不具备」" in page.text
    with db.session_factory(engine)() as session, session.begin():
        set_figure(session, Actor("t", "county", "990105"), "990105", 2024, "eco_plan", "制定实施", 0)
    engine.dispose()
    page = client.get("/regions/990104")
    differs = re.search(r'id="verdict-differs">(.+?)</div>', page.text)
    assert differs is not None and "提交的快照为「暂不具备」，按现在的数据和规则为「资料不全」" in differs.group(1)
    client.cookies.clear()
    login(client, "zhou")
    board = client.get("/")
    assert re.search(r'id="verdict-differs-990104"[^>]*>提交时为暂不具备', board.text)
    assert 'id="verdict-differs-990105"' not in board.text  # not submitted: nothing to differ from
