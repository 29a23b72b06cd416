"""The web app's fixtures: a migrated store holding the sample, users of each role, a logged-in client."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import polars as pl
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from ecozone.dataset import Dataset
from ecozone.store import db
from ecozone.store.repository import Actor, add_user, import_dataset
from ecozone.web.app import create_app

PASSWORD = "correct horse battery"


@pytest.fixture()
def client(database_url: str, sample: Dataset) -> Iterator[TestClient]:
    db.upgrade(database_url)
    engine = db.engine_for(database_url)
    named = sample.regions.with_columns(
        name=pl.when(pl.col("code") == "990108").then(pl.lit("<script>alert(1)</script>县")).otherwise("name"))
    with db.session_factory(engine)() as session, session.begin():
        import_dataset(session, Dataset(named, sample.observations, sample.assigned), Actor("t", "province", "990000"),
                       "测试")
        add_user(session, "shimen", "county", "990104", PASSWORD)
        add_user(session, "zhou", "prefecture", "990100", PASSWORD)
        add_user(session, "sheng", "province", "990000", PASSWORD)
    app = create_app(database_url, secret="test-secret-0123456789abcdef0123456789abcdef")
    with TestClient(app) as test_client:
        yield test_client
    engine.dispose()
    app.state.engine.dispose()  # before the test database is dropped


def login(client: TestClient, name: str, password: str = PASSWORD) -> TestClient:
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    response = client.post("/login", data={"name": name, "password": password, "csrf": token},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    return client


def csrf_of(client: TestClient, path: str = "/") -> str:
    page = client.get(path)
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn in a thread on a free loopback port (real HTTP, real threads)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.started, "服务未能启动"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=10)
        app.state.engine.dispose()
