"""Each store test runs on SQLite and on a real PostgreSQL.

PostgreSQL comes from ECOZONE_TEST_DATABASE_URL (default: the project machines' server on
127.0.0.1:5432, trust auth). A fresh database is created per test and dropped after. When no
server answers, the tests fail under CI (CI set) and are skipped, with the reason, elsewhere.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from ecozone.io.tables import Dataset
from ecozone.store import db
from ecozone.store.repository import Actor, import_dataset

ADMIN_URL = os.environ.get("ECOZONE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _postgres(tmp: str) -> Iterator[str]:
    url = make_url(ADMIN_URL)
    conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        admin = psycopg.connect(conninfo, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL 不可用（{ADMIN_URL}）：{exc}")
        pytest.skip(f"PostgreSQL 不可用（{ADMIN_URL}），非 CI 环境跳过")
    name = f"ecozone_t_{uuid.uuid4().hex[:12]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ecozone.sqlite'}"
    else:
        yield from _postgres(str(tmp_path))


@pytest.fixture()
def session(database_url: str, sample: Dataset) -> Iterator[Session]:
    """A migrated store holding the sample, closed before its database is dropped."""
    db.upgrade(database_url)
    engine = db.engine_for(database_url)
    session = db.session_factory(engine)()
    with session.begin():
        import_dataset(session, sample, Actor("省管理员", "province", "990000"), "载入示例")
    try:
        yield session
    finally:
        session.close()
        engine.dispose()
