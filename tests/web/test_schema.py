"""schemathesis against the generated OpenAPI: whatever a client sends, the API never answers 5xx.

Every operation is called with examples generated from its schema (a bounded number each),
as a logged-in county clerk with a valid CSRF token, so requests reach the handlers rather
than stopping at the login check. SQLite only: the PostgreSQL paths are the same handlers and
are covered by the other web tests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from ecozone.dataset import Dataset
from ecozone.store import db
from ecozone.store.repository import Actor, add_user, import_dataset
from ecozone.web.app import create_app
from tests.web.conftest import PASSWORD, csrf_of, login


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, sample: Dataset) -> Iterator[FastAPI]:
    url = f"sqlite:///{tmp_path_factory.mktemp('schema') / 'ecozone.sqlite'}"
    db.upgrade(url)
    engine = db.engine_for(url)
    with db.session_factory(engine)() as session, session.begin():
        import_dataset(session, sample, Actor("t", "province", "990000"), "接口测试")
        add_user(session, "shimen", "county", "990104", PASSWORD)
    engine.dispose()
    created = create_app(url, secret="schema-test-0123456789abcdef0123456789abcdef")
    yield created
    created.state.engine.dispose()


@pytest.fixture(scope="module")
def credentials(app: FastAPI) -> dict[str, str]:
    client = login(TestClient(app), "shimen")
    token = csrf_of(client)
    return {"Cookie": f"ecozone_session={client.cookies['ecozone_session']}", "X-CSRF-Token": token}


def test_no_request_makes_the_server_fail(app: FastAPI, credentials: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    statuses: list[int] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 11

    for operation in operations:
        @given(case=operation.as_strategy())
        @settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def call(case: schemathesis.Case) -> None:
            response = case.call(headers={**(case.headers or {}), **credentials})
            statuses.append(response.status_code)
            where = f"{case.operation.label} {case.path_parameters}"
            if response.status_code >= 500:
                failures.append(f"{where} → {response.status_code}")
            elif response.status_code >= 400 and "detail" not in response.json():  # every refusal says why
                failures.append(f"{where} → {response.status_code} 无 detail")

        call()
    assert not failures, failures[:10]
    assert statuses.count(200) > 0 and statuses.count(403) > 0  # the clerk got in, and was kept in scope


def test_the_openapi_documents_every_api_route(app: FastAPI) -> None:
    paths = TestClient(app).get("/openapi.json").json()["paths"]
    assert {"/api/regions", "/api/regions/{code}/figures", "/api/regions/{code}/figures/{metric}/{year}",
            "/api/regions/{code}/assessment", "/api/regions/{code}/selfcheck", "/api/regions/{code}/answers",
            "/api/regions/{code}/answers/{condition}", "/api/regions/{code}/reports/{fmt}",
            "/api/regions/{code}/submit", "/api/regions/{code}/status", "/api/regions/{code}/submission"} <= set(paths)
    assert not [p for p in paths if not p.startswith("/api/")]  # pages and login are not API

