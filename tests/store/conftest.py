"""The store tests' session: a migrated database (SQLite and PostgreSQL) holding the sample."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from ecozone.dataset import Dataset
from ecozone.store import db
from ecozone.store.repository import Actor, import_dataset


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
