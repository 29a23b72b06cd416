"""Hostile input through the web app, SQLite and PostgreSQL: refused where it enters, never a broken page."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from ecozone.store.models import Answer
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
