"""Writers racing on a served app (uvicorn on loopback, real threads, real HTTP), SQLite and PostgreSQL.

Each round, N clients who all read the same version of one figure (or one self-check answer) send
their edit at once. Exactly one may be told 「已保存」; the others get 409 and keep what they typed.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import httpx
import pytest

import ecozone
from ecozone.catalogue.vetoes import load_veto_catalogue
from ecozone.dataset import Dataset
from ecozone.web.app import create_app
from tests.conftest import FIXTURES
from tests.web.conftest import PASSWORD, stocked
from tests.web.conftest import served as serving

CLIENTS = 12
ROUNDS = 4


@pytest.fixture()
def served(database_url: str, sample: Dataset) -> Iterator[str]:
    stocked(database_url, sample, "并发测试", {"shimen": ("county", "990104"), "qinglan": ("county", "990101")})
    app = create_app(database_url, secret="race-test-0123456789abcdef0123456789abcdef")
    with serving(app) as base:
        yield base


def logged_in(base: str, name: str = "shimen") -> tuple[httpx.Client, str]:
    client = httpx.Client(base_url=base, timeout=60, follow_redirects=True)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    assert client.post("/login", data={"name": name, "password": PASSWORD, "csrf": token}).status_code == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text).group(1)  # type: ignore[union-attr]
    return client, csrf


def race(clients: list[tuple[httpx.Client, str]], send: object) -> list[int]:
    """Every client sends at the same moment (a barrier); the status codes, in client order."""
    barrier = threading.Barrier(len(clients))
    codes = [0] * len(clients)

    def one(i: int) -> None:
        client, csrf = clients[i]
        barrier.wait()
        codes[i] = send(client, csrf, i).status_code  # type: ignore[operator]

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return codes


def test_of_racing_figure_edits_exactly_one_is_saved(served: str) -> None:
    clients = [logged_in(served) for _ in range(CLIENTS)]
    path = "/api/regions/990104/figures/urban_sewage_treatment_rate/2023"
    for round_ in range(ROUNDS):
        version = next(f["version"] for f in clients[0][0].get("/api/regions/990104/figures").json()
                       if f["metric"] == "urban_sewage_treatment_rate" and f["year"] == 2023)
        codes = race(clients, lambda c, csrf, i, v=version, r=round_: c.put(
            path, json={"value": str(80 + r + i / 100), "version": v}, headers={"X-CSRF-Token": csrf}))
        assert sorted(codes) == [200] + [409] * (CLIENTS - 1), codes
        stored = next(f for f in clients[0][0].get("/api/regions/990104/figures").json()
                      if f["metric"] == "urban_sewage_treatment_rate" and f["year"] == 2023)
        winner = codes.index(200)
        assert stored["version"] == version + 1 and stored["value"] == pytest.approx(80 + round_ + winner / 100)


def test_of_racing_first_answers_and_later_answers_exactly_one_is_saved(served: str) -> None:
    clients = [logged_in(served) for _ in range(CLIENTS)]
    catalogue = load_veto_catalogue(ecozone.load_standard("mee-2019").standard.veto_catalogue or "")
    answered = {a["condition"] for a in clients[0][0].get("/api/regions/990104/answers").json()}
    condition = next(c.id for c in catalogue.conditions if c.answered_by == "question" and c.id not in answered)
    for version in range(ROUNDS):  # the first answer (an INSERT race), then edits (UPDATE races)
        codes = race(clients, lambda c, csrf, i, v=version: c.put(
            f"/api/regions/990104/answers/{condition}", json={"answer": "否" if i % 2 else "不清楚", "version": v},
            headers={"X-CSRF-Token": csrf}))
        assert sorted(codes) == [200] + [409] * (CLIENTS - 1), codes
        stored = {a["condition"]: a for a in clients[0][0].get("/api/regions/990104/answers").json()}
        assert stored[condition]["version"] == version + 1


def test_one_upload_confirmed_at_once_from_six_tabs_is_imported_once(served: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    from ecozone.io.excel import layout as L

    clients = [logged_in(served, "qinglan") for _ in range(6)]
    client, csrf = clients[0]
    workbook = tmp_path / "filled.xlsx"  # every 2023 figure of the sample moved by one tenth
    book = load_workbook(FIXTURES / "excel" / "filled.xlsx")
    sheet = book[L.SHEET_FIGURES]
    column = next(c.column for c in sheet[1] if str(c.value).startswith("2023"))
    for row in sheet.iter_rows(min_row=2, min_col=column, max_col=column):
        if isinstance(row[0].value, int | float) and 0 < row[0].value < 90:
            row[0].value = round(row[0].value + 0.1, 4)
    book.save(workbook)
    preview = client.post("/upload", data={"csrf": csrf},
                          files={"workbook": ("filled.xlsx", workbook.read_bytes(), "application/octet-stream")})
    assert preview.status_code == 200, preview.text
    action = re.search(r'action="(/upload/\d+/confirm)"', preview.text).group(1)  # type: ignore[union-attr]
    before = {(f["metric"], f["year"]): f for f in client.get("/api/regions/990101/figures").json()}
    codes = race(clients, lambda c, token, i: c.post(action, data={"csrf": token}))
    assert sorted(codes) == [200] + [409] * 5, codes
    after = clients[0][0].get("/api/regions/990101/figures").json()
    moved = [f for f in after if f["value"] != before[(f["metric"], f["year"])]["value"]]
    assert len(moved) > 10
    # imported once: every figure the workbook changed has moved by exactly one version
    versions = {f["version"] - before[(f["metric"], f["year"])]["version"] for f in moved}
    assert versions == {1}, versions
