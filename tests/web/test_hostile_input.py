"""Hostile input through the web app, SQLite and PostgreSQL: refused where it enters, never a broken page."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from ecozone.store.models import Answer, Incident
from tests.web.conftest import csrf_of, login


def test_an_unknown_veto_condition_is_refused_and_cannot_break_the_pages(client: TestClient,
                                                                         database_url: str) -> None:
    login(client, "shimen")
    token = csrf_of(client, "/regions/990104/selfcheck")
    refused = client.post("/regions/990104/selfcheck/no_such_condition",
                          data={"csrf": token, "answer": "是", "version": "0"})
    assert refused.status_code == 404 and "no_such_condition" in refused.text
    api = client.put("/api/regions/990104/answers/no_such_condition", json={"answer": "是", "version": 0},
                     headers={"X-CSRF-Token": token})
    assert api.status_code == 404
    # an answer an older catalogue left in the store is not this standard's question: the pages still work
    engine = create_engine(database_url)
    with Session(engine) as session, session.begin():
        session.add(Answer(region="990104", condition="retired_condition", answer="yes", version=1))
    engine.dispose()
    for path in ("/regions/990104", "/regions/990104/selfcheck", "/api/regions/990104/selfcheck", "/"):
        assert client.get(path).status_code == 200, path
    client.cookies.clear()
    login(client, "zhou")
    assert client.get("/").status_code == 200  # the prefecture board


@pytest.mark.parametrize("year", ["99999", "2147483648", "-5", "0", "1989", "2999"])
def test_a_year_out_of_range_is_refused_and_the_pages_stay_whole(client: TestClient, year: str) -> None:
    login(client, "shimen")
    token = csrf_of(client, "/regions/990104")
    response = client.put(f"/api/regions/990104/figures/urban_sewage_treatment_rate/{year}",
                          json={"value": "85", "version": 0}, headers={"X-CSRF-Token": token})
    assert response.status_code == 422, response.text
    assert "年份" in response.text
    page = client.get("/regions/990104")
    assert page.status_code == 200 and len(page.content) < 2_000_000
    client.cookies.clear()
    login(client, "zhou")
    assert client.get("/").status_code == 200  # the prefecture board


@pytest.fixture()
def yunxi(database_url: str, sample, tmp_path) -> Path:  # type: ignore[no-untyped-def]
    """云溪县 with its Ⅱ级 incident in the store, its clerk's account, and its template filled from the sample
    (the incident sheet of a fresh template is empty)."""
    from ecozone.store.repository import Actor, add_user, import_dataset
    from tests.fixtures.excel.make_fixtures import filled

    engine = create_engine(database_url)
    with Session(engine) as session, session.begin():
        import_dataset(session, sample.with_observations(sample.observations.head(0)), Actor("t", "province", "990000"),
                       "事件登记")
        add_user(session, "yunxi", "county", "990102", "correct horse battery")
    engine.dispose()
    workbook = tmp_path / "yunxi.xlsx"
    filled(workbook, "990102")
    return workbook


def test_an_upload_with_an_empty_incident_sheet_keeps_the_stored_incidents(client: TestClient, database_url: str,
                                                                            yunxi: Path) -> None:
    """云溪县's Ⅱ级 incident is in the store; its clerk uploads the template with the incident sheet left empty."""
    workbook = yunxi
    client.cookies.clear()
    login(client, "yunxi")
    before = client.get("/api/regions/990102/selfcheck").json()
    token = csrf_of(client, "/upload")
    preview = client.post("/upload", data={"csrf": token},
                          files={"workbook": ("yunxi.xlsx", workbook.read_bytes(), "application/octet-stream")})
    assert preview.status_code == 200
    # the preview judges the store as it will be: the kept incident is said, and the verdict is the page's
    assert "已登记、本文件未列出的突发环境事件 1 起保持不变" in preview.text
    # before and after the upload: 一票否决 (the stored incident still stands)
    vetoed = r'<td class="nowrap v-vetoed">一票否决</td>'
    assert re.search(r"云溪县（990102）</td>\s*" + vetoed + r"\s*" + vetoed, preview.text), preview.text[-1500:]
    action = re.search(r'action="(/upload/\d+/confirm)"', preview.text).group(1)  # type: ignore[union-attr]
    assert client.post(action, data={"csrf": token}).status_code == 200
    after = client.get("/api/regions/990102/selfcheck").json()
    assert before["regions"][0]["verdict"] == after["regions"][0]["verdict"] == "vetoed"
    engine = create_engine(database_url)
    with Session(engine) as session:
        kept = session.scalars(select(Incident).where(Incident.region == "990102")).all()
    engine.dispose()
    assert [(i.grade, str(i.date)) for i in kept] == [("Ⅱ", "2022-07-15")]


def test_an_incident_is_deleted_only_when_a_row_says_so_and_the_preview_lists_it(
        client: TestClient, database_url: str, yunxi: Path) -> None:
    """云溪县's clerk lists the stored Ⅱ级 incident with 删除 = 是 and one new Ⅳ级 incident; then uploads the
    same file again, which changes nothing."""
    from openpyxl import load_workbook

    from ecozone.io.excel import layout as L

    workbook = yunxi
    book = load_workbook(workbook)
    sheet = book[L.SHEET_INCIDENTS]
    header = {cell.value: cell.column for cell in sheet[1]}
    for row, (date, grade, name, remove) in enumerate([("2022-07-15", "Ⅱ", "示例河化工厂泄漏事件（虚构）", "是"),
                                                       ("2024-03-01", "一般", "示例渠道油污", None)], start=2):
        for column, value in ((L.COL_REGION, "990102"), ("发生日期", date), ("级别", grade), ("事件名称", name),
                              (L.COL_INCIDENT_REMOVE, remove)):
            sheet.cell(row=row, column=header[column], value=value)
    book.save(workbook)

    client.cookies.clear()
    login(client, "yunxi")
    token = csrf_of(client, "/upload")

    def upload() -> str:
        preview = client.post("/upload", data={"csrf": token},
                              files={"workbook": ("yunxi.xlsx", workbook.read_bytes(), "application/octet-stream")})
        assert preview.status_code == 200, preview.text
        return preview.text

    first = upload()
    assert "本次载入将删除 1 项已登记的内容" in first
    assert re.search(r'<td class="error">删除</td><td>突发环境事件</td><td>云溪县（990102）</td>'
                     r"<td>2022-07-15 Ⅱ级 示例河化工厂泄漏事件（虚构）</td>", first), first[-3000:]
    assert re.search(r"<td>新增</td><td>突发环境事件</td><td>云溪县（990102）</td><td>2024-03-01 Ⅳ级 示例渠道油污</td>",
                     first)
    assert "突发环境事件 删除 1、新增 1" in first
    action = re.search(r'action="(/upload/\d+/confirm)"', first).group(1)  # type: ignore[union-attr]
    done = client.post(action, data={"csrf": token})
    assert done.status_code == 200 and "删除突发环境事件 1 起" in done.text and "新增突发环境事件 1 起" in done.text
    engine = create_engine(database_url)
    with Session(engine) as session:
        stored = session.scalars(select(Incident).where(Incident.region == "990102")).all()
    engine.dispose()
    assert [(i.grade, str(i.date)) for i in stored] == [("Ⅳ", "2024-03-01")]
    # the same file again: nothing to write, nothing deleted, the incident not doubled
    again = upload()
    assert "与库中数据完全相同，不会写入任何内容" in again and "本次载入将删除" not in again
    action = re.search(r'action="(/upload/\d+/confirm)"', again).group(1)  # type: ignore[union-attr]
    assert client.post(action, data={"csrf": token}).status_code == 200
    engine = create_engine(database_url)
    with Session(engine) as session:
        assert len(session.scalars(select(Incident).where(Incident.region == "990102")).all()) == 1
    engine.dispose()


def test_a_request_body_over_the_limit_is_refused_before_it_is_read(client: TestClient) -> None:
    from ecozone.web.app import MAX_BODY_BYTES

    login(client, "shimen")
    token = csrf_of(client, "/upload")
    big = b"0" * (MAX_BODY_BYTES + 1)
    response = client.post("/upload", data={"csrf": token},
                           files={"workbook": ("big.xlsx", big, "application/octet-stream")})
    assert response.status_code == 413 and "请求过大" in response.text

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(MAX_BODY_BYTES // (1 << 20) + 2):
            yield b"0" * (1 << 20)

    streamed = client.put("/api/regions/990104/figures/urban_sewage_treatment_rate/2023", content=chunks(),
                          headers={"X-CSRF-Token": token, "Content-Type": "application/json"})
    assert streamed.status_code == 413


def test_a_short_secret_or_a_mistyped_setting_is_refused_at_start_and_private_pages_are_not_cached(
        client: TestClient) -> None:
    from ecozone.errors import UsageError
    from ecozone.web.app import create_app

    with pytest.raises(UsageError, match="ECOZONE_SECRET"):
        create_app("sqlite://", secret="a")
    for typo in ("256k", "-1", "1.5"):
        with pytest.MonkeyPatch.context() as env:
            env.setenv("ECOZONE_BACKGROUND_UPLOAD_KB", typo)
            with pytest.raises(UsageError, match=f"ECOZONE_BACKGROUND_UPLOAD_KB 不是非负整数：「{re.escape(typo)}」"):
                create_app("sqlite://")
    login(client, "shimen")
    assert client.get("/regions/990104").headers.get("cache-control") == "no-store"
    assert "no-store" not in client.get("/static/ecozone.css").headers.get("cache-control", "")


@pytest.mark.parametrize("code", ["990104x", "9901", "99010", "990104 "])
def test_a_code_that_merely_starts_like_ones_own_is_refused_not_a_crash(client: TestClient, code: str) -> None:
    login(client, "shimen")
    for path in (f"/regions/{code}", f"/api/regions/{code}/figures", f"/api/regions/{code}/selfcheck"):
        response = client.get(path)
        assert response.status_code in (403, 404), (path, response.status_code)


@pytest.mark.parametrize(("name", "fragment"), [("报告\u202e填报表.xlsx", "文件名不可接受"),
                                                  ("macros.xlsm", "不是 Excel 工作簿")])
def test_disguised_names_and_macro_workbooks_are_refused(client: TestClient, name: str, fragment: str) -> None:
    from tests.conftest import FIXTURES

    login(client, "shimen")
    token = csrf_of(client, "/upload")
    data = (FIXTURES / "excel" / "filled.xlsx").read_bytes()
    response = client.post("/upload", data={"csrf": token},
                           files={"workbook": (name, data, "application/octet-stream")})
    assert response.status_code == 422 and fragment in response.text


def test_the_api_docs_load_nothing_from_outside_and_need_a_login(client: TestClient) -> None:
    assert client.get("/redoc").status_code == 404  # FastAPI's CDN-bound page is not served
    assert client.get("/docs", follow_redirects=False).headers["location"] == "/login"
    assert client.get("/openapi.json").status_code == 200
    login(client, "shimen")
    docs = client.get("/docs")
    assert docs.status_code == 200
    sources = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert "/static/vendor/swagger-ui-5.35.0/swagger-ui-bundle.js" in sources
    assert not [s for s in sources if "//" in s]  # every script, style and link is this server's own


def test_a_county_upload_cannot_set_its_targets_or_its_profile(client: TestClient, database_url: str,
                                                                tmp_path) -> None:
    from openpyxl import load_workbook

    from ecozone.io.excel import layout as L
    from ecozone.store.repository import add_user
    from tests.conftest import FIXTURES

    engine = create_engine(database_url)
    with Session(engine) as session, session.begin():
        add_user(session, "qinglan", "county", "990101", "correct horse battery")
    engine.dispose()
    source = tmp_path / "mine.xlsx"
    book = load_workbook(FIXTURES / "excel" / "filled.xlsx")
    regions = book[L.SHEET_REGIONS]
    header = {cell.value: cell.column for cell in regions[1]}
    regions.cell(row=2, column=header["地形"], value="平原")  # 山区 in the store: a lower 林草覆盖率 target
    assigned = book[L.SHEET_ASSIGNED]
    a_header = {cell.value: cell.column for cell in assigned[1]}
    assigned.cell(row=2, column=a_header["2023"], value=1)  # the higher level's target, lowered
    book.save(source)
    client.cookies.clear()
    login(client, "qinglan")
    token = csrf_of(client, "/upload")
    preview = client.post("/upload", data={"csrf": token},
                          files={"workbook": ("mine.xlsx", source.read_bytes(), "application/octet-stream")})
    assert preview.status_code == 200
    assert "县级填报员不能修改" in preview.text and "地形" in preview.text and "上级目标" in preview.text
    # each refusal names the cell the clerk changed
    from openpyxl.utils import get_column_letter

    where = re.findall(r"<td>([^<]*)</td><td>县级填报员不能修改", preview.text)
    assert any(L.SHEET_REGIONS in w and f"{get_column_letter(header['地形'])}2" in w for w in where), where
    assert any(L.SHEET_ASSIGNED in w and f"{get_column_letter(a_header['2023'])}2" in w for w in where), where
    assert "有错误，不能载入" in preview.text and "/confirm" not in preview.text
    # a confirm sent anyway is refused by the store itself
    engine = create_engine(database_url)
    with Session(engine) as session:
        from ecozone.store.models import Region, StoredFile

        upload = session.scalars(select(StoredFile).order_by(StoredFile.id.desc())).first()
        assert upload is not None
        refused = client.post(f"/upload/{upload.id}/confirm", data={"csrf": token})
        assert refused.status_code in (403, 422) and "县级填报员不能修改" in refused.text
        region = session.get(Region, "990101")
        assert region is not None and region.terrain == "山区"
    engine.dispose()


def test_a_workbook_over_the_file_limit_is_called_too_large_not_damaged(client: TestClient) -> None:
    from ecozone.store.repository import MAX_FILE_BYTES

    login(client, "shimen")
    token = csrf_of(client, "/upload")
    big = b"PK" + b"0" * (MAX_FILE_BYTES + 10)  # 21 MB: under the request limit, over the file limit
    response = client.post("/upload", data={"csrf": token},
                           files={"workbook": ("big.xlsx", big, "application/octet-stream")})
    assert response.status_code == 422 and "超过 20 MB" in response.text and "损坏" not in response.text


@pytest.mark.parametrize("text", ["nan", "NaN", "inf", "-inf"])
def test_not_a_number_is_refused_on_both_databases(client: TestClient, text: str) -> None:
    login(client, "shimen")
    token = csrf_of(client, "/regions/990104")
    response = client.put("/api/regions/990104/figures/urban_sewage_treatment_rate/2023",
                          json={"value": text, "version": 1}, headers={"X-CSRF-Token": token})
    assert response.status_code == 422 and "不是数字" in response.text
