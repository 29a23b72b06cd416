"""A 州's data request to its forestry bureau, end to end on PostgreSQL over real HTTP (uvicorn on loopback).

The reviewer asks 州林草局 for 林草覆盖率 2019–2023 of three counties; the bureau answers two with figures and
PDFs, the third is returned with a reason and answered again; the board's completeness matrix and each county's
page say where each stands; the bureau can see neither other indicators nor another 州.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Iterator

import httpx
import polars as pl
import pytest
from playwright.sync_api import Browser, Page, expect

from ecozone.catalogue import load_metrics
from ecozone.dataset import Dataset
from ecozone.io.tables import read_dataset
from ecozone.store import db
from ecozone.store.repository import Actor, add_user, save_file
from ecozone.web.app import create_app
from tests.conftest import SAMPLE
from tests.databases import _postgres
from tests.web.conftest import PASSWORD, fits, log_in, opened, served, stocked

EVIDENCE = sorted((SAMPLE / "佐证材料").glob("*.pdf"))
COUNTIES = ["990101", "990102", "990104"]
METRIC = "forest_grass_coverage"


def with_second_zhou(sample: Dataset) -> Dataset:
    """The sample and one county of another 州 (990201, under 990200), with a 林草覆盖率 figure."""
    other = sample.regions.filter(pl.col("code") == "990101").with_columns(
        code=pl.lit("990201"), name=pl.lit("邻州县"), parent=pl.lit("990200"))
    figure = sample.observations.filter(pl.col("region") == "990101", pl.col("metric") == METRIC).with_columns(
        region=pl.lit("990201"))
    return Dataset(pl.concat([sample.regions, other]), pl.concat([sample.observations, figure]), sample.assigned)


@pytest.fixture(scope="module")
def base(postgres_admin_url: str | None) -> Iterator[str]:
    databases = _postgres(postgres_admin_url)
    url = next(databases)
    stocked(url, with_second_zhou(read_dataset(SAMPLE, load_metrics())), "数据请求测试",
            {"zhou": ("prefecture", "990100"), "linzhou": ("prefecture", "990200"), "shimen": ("county", "990104")})
    engine = db.engine_for(url)
    with db.session_factory(engine)() as session, session.begin():
        add_user(session, "linye", "department", "990100", PASSWORD, department="州林草局", indicators=["11", "12"])
        add_user(session, "linye2", "department", "990200", PASSWORD, department="州林草局", indicators=["11"])
        # a county's own evidence of another indicator: not the bureau's to see
        save_file(session, Actor("shimen", "county", "990104"), "indicator", "990104", "污水处理厂运行报告.pdf",
                  EVIDENCE[0].read_bytes(), None, "29")
    engine.dispose()
    app = create_app(url, secret="request-test-0123456789abcdef0123456789abcdef")
    try:
        with served(app) as found:
            yield found
    finally:
        next(databases, None)


def logged_in(base: str, name: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    assert client.post("/login", data={"name": name, "password": PASSWORD, "csrf": token}).status_code == 303
    return client


def csrf(client: httpx.Client, path: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)  # type: ignore[union-attr]


def fields(page: str) -> dict[str, str]:
    """The answer form's inputs, as a browser would send them."""
    return {html.unescape(name): html.unescape(value)
            for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page)}


def items(client: httpx.Client) -> dict[str, int]:
    """The item ids on the requests page, by region."""
    return {region: int(item) for item, region in
            re.findall(r'<a href="/requests/items/(\d+)">\d+-(\d{6})</a>', client.get("/requests").text)}


def answer(client: httpx.Client, item: int, values: dict[int, str], *, submit: bool = True) -> httpx.Response:
    page = client.get(f"/requests/items/{item}").text
    form = fields(page)
    form.update({f"f:{METRIC}:{year}": text for year, text in values.items()})
    form["action"] = "submit" if submit else "save"
    return client.post(f"/requests/items/{item}/answer", data=form)


def attach(client: httpx.Client, item: int, year: str, name: str, data: bytes) -> httpx.Response:
    return client.post(f"/requests/items/{item}/evidence",
                       data={"csrf": csrf(client, f"/requests/items/{item}"), "indicator": "11", "year": year,
                             "issuer": "州林业和草原局", "document": "州林字〔2024〕8号", "date": "2024-02-20"},
                       files={"evidence": (name, data, "application/pdf")})


def decide(client: httpx.Client, item: int, to: str, reason: str = "") -> httpx.Response:
    page = client.get(f"/requests/items/{item}").text
    version = re.search(r'id="decide-form">.*?name="version" value="(\d+)"', page, re.S).group(1)  # type: ignore[union-attr]
    return client.post(f"/requests/items/{item}/decide", data={"csrf": csrf(client, f"/requests/items/{item}"),
                                                               "to": to, "version": version, "reason": reason})


def test_a_request_to_the_forestry_bureau_from_sending_to_accepting(base: str) -> None:
    zhou, linye = logged_in(base, "zhou"), logged_in(base, "linye")
    deadline = dt.date.today() + dt.timedelta(days=14)
    sent = zhou.post("/requests", data={
        "csrf": csrf(zhou, "/requests"), "department": "990100:州林草局", "indicator": ["11"], "region": COUNTIES,
        "first_year": "2019", "last_year": "2023", "deadline": str(deadline), "note": "请附林草资源监测报告"})
    assert sent.status_code == 303, sent.text[-600:]
    # the bureau's inbox: the three counties, nothing else; its home page is the inbox
    assert linye.get("/").headers["location"] == "/requests"
    ids = items(linye)
    assert sorted(ids) == COUNTIES
    inbox = linye.get("/requests").text
    assert inbox.count("待提交") >= 3 and "第11项 林草覆盖率" in inbox

    # 990101 and 990102: figures and a PDF each, then submitted
    for n, region in enumerate(("990101", "990102")):
        assert attach(linye, ids[region], "2023", EVIDENCE[n].name, EVIDENCE[n].read_bytes()).status_code == 303
        done = answer(linye, ids[region], {year: f"{61 + n}.{year - 2019}" for year in range(2019, 2024)})
        assert done.status_code == 303, done.text[-800:]
    # 990104: answered, returned with a reason, answered again
    assert answer(linye, ids["990104"], {year: "58" for year in range(2019, 2024)}).status_code == 303
    assert decide(zhou, ids["990104"], "returned").status_code == 422  # a return says why
    assert decide(zhou, ids["990104"], "returned", "2021 年数值与林草资源监测报告不一致，请核实").status_code == 303
    returned = linye.get("/requests").text
    assert "已退回" in returned and "2021 年数值与林草资源监测报告不一致" in returned
    assert attach(linye, ids["990104"], "2021", EVIDENCE[2].name, EVIDENCE[2].read_bytes()).status_code == 303
    assert answer(linye, ids["990104"], {2021: "59.4"}).status_code == 303
    for region in ("990101", "990102"):
        assert decide(zhou, ids[region], "accepted").status_code == 303

    # the figures are in the store, each written by the bureau, and the counties' assessment reads them
    county_page = zhou.get("/regions/990104").text
    listed = re.search(r'<table id="region-requests".*?</table>', county_page, re.S)
    assert listed is not None and "州林草局" in listed.group(0) and "已提交" in listed.group(0)
    assert "59.4" in zhou.get("/requests/items/{}".format(ids["990104"])).text
    accepted_page = zhou.get("/regions/990101").text
    assert re.search(r'id="region-requests".*?已采纳', accepted_page, re.S)

    # the board's matrix: accepted, accepted, submitted (not yet accepted), no evidence missing
    board = zhou.get("/").text
    matrix = re.search(r'<table id="completeness-matrix".*?</table>', board, re.S)
    assert matrix is not None
    cells = dict(re.findall(r'data-region="(\d{6})" data-department="州林草局" class="[^"]*">([^<]*)', matrix.group(0)))
    assert cells == {"990101": "请求 1，已提交 1，已采纳 1", "990102": "请求 1，已提交 1，已采纳 1",
                     "990104": "请求 1，已提交 1，已采纳 0"}
    assert "缺佐证材料" not in matrix.group(0) and "逾期" not in matrix.group(0)


def test_the_bureau_sees_no_other_indicator_and_no_other_zhou(base: str) -> None:
    zhou, linye, linye2, linzhou = (logged_in(base, n) for n in ("zhou", "linye", "linye2", "linzhou"))
    deadline = str(dt.date.today() + dt.timedelta(days=7))
    assert linzhou.post("/requests", data={
        "csrf": csrf(linzhou, "/requests"), "department": "990200:州林草局", "indicator": ["11"],
        "region": ["990201"], "first_year": "2021", "last_year": "2023", "deadline": deadline}).status_code == 303
    theirs = items(linye2)
    assert list(theirs) == ["990201"]
    assert "990201" not in items(linye) and "990104" not in items(linye2)
    assert linye.get(f"/requests/items/{theirs['990201']}").status_code == 403  # another 州's request
    # a reviewer cannot ask another 州's bureau, nor about another 州's county
    refused = zhou.post("/requests", data={
        "csrf": csrf(zhou, "/requests"), "department": "990100:州林草局", "indicator": ["11"],
        "region": ["990201"], "first_year": "2021", "last_year": "2023", "deadline": deadline})
    assert refused.status_code == 422 and "只能访问代码以 9901 开头的地区，990201 不在范围内" in refused.text
    # the bureau's view of a county: none of the region's pages, data or other indicators' evidence
    for path in ("/regions/990104", "/regions/990104/selfcheck", "/api/regions/990104/figures",
                 "/api/regions/990104/assessment", "/board/summary.xlsx", "/regions/990104/dossier.zip"):
        assert linye.get(path).status_code in (403, 404), path
    other_file = re.search(r'href="/files/(\d+)">污水处理厂运行报告.pdf', zhou.get("/regions/990104").text)
    assert other_file is not None
    assert linye.get(f"/files/{other_file.group(1)}").status_code == 404
    # nor can it slip another indicator's figure into an answer, or its evidence
    assert zhou.post("/requests", data={
        "csrf": csrf(zhou, "/requests"), "department": "990100:州林草局", "indicator": ["11"],
        "region": ["990105"], "first_year": "2021", "last_year": "2023", "deadline": deadline}).status_code == 303
    item = items(linye)["990105"]
    form = fields(linye.get(f"/requests/items/{item}").text)
    form.update({"f:urban_sewage_treatment_rate:2023": "99", "v:urban_sewage_treatment_rate:2023": "1",
                 "action": "save"})
    slipped = linye.post(f"/requests/items/{item}/answer", data=form)
    assert slipped.status_code == 403 and "没有要求 2023 年「城镇污水处理率」" in slipped.text
    sideways = linye.post(f"/requests/items/{item}/evidence", data={
        "csrf": csrf(linye, f"/requests/items/{item}"), "indicator": "29", "year": "2023"},
        files={"evidence": ("x.pdf", EVIDENCE[0].read_bytes(), "application/pdf")})
    assert sideways.status_code == 403 and "只能填报分派给本部门的指标" in sideways.text


@pytest.fixture()
def phone(browser: Browser, base: str, console: list[str]) -> Iterator[Page]:
    with opened(browser, base, console, viewport={"width": 390, "height": 844}) as found:
        yield found


def test_the_bureau_answers_on_a_phone_and_every_request_page_fits(base: str, phone: Page, console: list[str]) -> None:
    """In Chromium at 390 px: the inbox and the item page fit the screen; the bureau types a figure, attaches the
    monitoring report and submits; at 1366 px the reviewer's list, form and the board's matrix fit too."""
    zhou = logged_in(base, "zhou")
    assert zhou.post("/requests", data={
        "csrf": csrf(zhou, "/requests"), "department": "990100:州林草局", "indicator": ["11", "12"],
        "region": ["990106"], "first_year": "2018", "last_year": "2023",
        "deadline": str(dt.date.today() + dt.timedelta(days=3))}).status_code == 303
    log_in(phone, "linye")
    expect(phone.locator("h1")).to_contain_text("州林草局 · 待办数据请求")
    fits(phone, "requests-inbox", 390)
    phone.get_by_role("link", name=re.compile("-990106")).click()
    expect(phone.locator("h1")).to_contain_text("金川县")
    fits(phone, "request-item", 390)
    phone.get_by_label("2023 年林草覆盖率").fill("66.6")
    phone.get_by_role("button", name="保存", exact=True).click()
    expect(phone.locator(".notice")).to_have_text("已保存。")
    expect(phone.get_by_label("2023 年林草覆盖率")).to_have_value("66.6")
    phone.locator("#item-evidence-form select[name=indicator]").select_option("11")
    phone.locator("#item-evidence-form select[name=year]").select_option("2023")
    phone.locator("#item-evidence-form input[type=file]").set_input_files(str(EVIDENCE[0]))
    phone.get_by_role("button", name="上传佐证材料").click()
    expect(phone.locator("#item-evidence")).to_contain_text(EVIDENCE[0].name)
    phone.get_by_role("button", name="保存并提交").click()
    # the sample has no 2018 figures: refused beside the form, naming what is missing, nothing submitted
    expect(phone.locator("#answer-error")).to_contain_text(
        "还有 4 项未填：2018 年「林草覆盖率」、2018 年「国家重点保护野生动植物保护率」、2018 年「外来物种入侵」")
    console.clear()  # the 422 of that refusal, expected
    expect(phone.locator("#item-status")).to_have_text("待提交")
    fits(phone, "request-item-refused", 390)
    for label, text in [("2018 年林草覆盖率", "64.1"), ("2018 年国家重点保护野生动植物保护率", "97.2"),
                        ("2018 年外来物种入侵", "不明显"), ("2018 年特有性或指示性水生物种保持率", "93.1")]:
        phone.get_by_label(label).fill(text)
    phone.get_by_role("button", name="保存并提交").click()
    expect(phone.locator(".notice")).to_have_text("已提交，等待发出单位采纳。")
    expect(phone.locator("#item-status")).to_have_text("已提交")
    phone.context.clear_cookies()
    phone.set_viewport_size({"width": 1366, "height": 900})
    log_in(phone, "zhou")
    phone.goto("/requests")
    fits(phone, "requests-reviewer", 1366)
    phone.goto("/#completeness")
    expect(phone.locator("#completeness-matrix td[data-region='990106']")).to_contain_text("请求 1，已提交 1，已采纳 0")
    fits(phone, "board-completeness", 1366)
