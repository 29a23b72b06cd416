"""Restore: only an ecozone backup of a known schema replaces the live data, which are saved first;
an older schema is migrated; no page cached before a restore is served after it. SQLite and PostgreSQL."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, select

from ecozone.dataset import Dataset
from ecozone.errors import UsageError
from ecozone.store import db
from ecozone.store.models import Observation
from ecozone.store.repository import Actor, import_dataset, revision, set_figure

PROVINCE = Actor("载入", "province", "990000")
CLERK = Actor("石门县填报员", "county", "990104")
ECOZONE = str(Path(sys.executable).with_name("ecozone"))


def _value(url: str) -> float | None:
    engine = db.engine_for(url)
    with db.session_factory(engine)() as session:
        value = session.scalar(select(Observation.value).where(
            Observation.region == "990104", Observation.year == 2023,
            Observation.metric == "urban_sewage_treatment_rate"))
    engine.dispose()
    return value


def _edit(url: str, text: str, version: int) -> None:
    engine = db.engine_for(url)
    with db.session_factory(engine)() as session, session.begin():
        set_figure(session, CLERK, "990104", 2023, "urban_sewage_treatment_rate", text, version)
    engine.dispose()


def _revision(url: str) -> str:
    engine = db.engine_for(url)
    with db.session_factory(engine)() as session:
        key = revision(session)
    engine.dispose()
    return key


@pytest.fixture()
def live(database_url: str, sample: Dataset, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ECOZONE_DATA", str(tmp_path / "data"))
    db.upgrade(database_url)
    engine = db.engine_for(database_url)
    with db.session_factory(engine)() as session, session.begin():
        import_dataset(session, sample, PROVINCE, "载入")
    engine.dispose()
    return database_url


def test_a_restore_saves_the_live_data_first_and_renews_every_cache_key(live: str, tmp_path: Path) -> None:
    copy = tmp_path / ("copy.sqlite" if live.startswith("sqlite") else "copy.dump")
    db.backup(copy, live)
    _edit(live, "86", 1)
    cached = _revision(live)
    saved = db.restore(copy, live)
    assert _value(live) == 82 and saved.exists()
    _edit(live, "86", 1)  # the same edit again: the audit ids now repeat those of before the restore
    assert _revision(live) != cached  # a page cached before the restore is not served after it


@pytest.mark.parametrize("content", [b"not a database at all", b"SQLite format 3\x00" + b"\x00" * 200])
def test_garbage_is_refused_and_the_live_data_stay(live: str, tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.backup"
    bad.write_bytes(content)
    with pytest.raises(UsageError) as caught:
        db.restore(bad, live)
    assert "不能用于恢复" in caught.value.message
    assert _value(live) == 82


def test_a_foreign_sqlite_database_is_refused(live: str, tmp_path: Path) -> None:
    if not live.startswith("sqlite"):
        pytest.skip("a foreign SQLite file only concerns a SQLite store")
    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as connection:
        connection.execute("CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT)")
    with pytest.raises(UsageError, match="不是 ecozone 的数据库"):
        db.restore(foreign, live)
    assert _value(live) == 82


def test_a_backup_of_an_older_schema_is_migrated(tmp_path: Path, sample: Dataset, monkeypatch: pytest.MonkeyPatch
                                                  ) -> None:
    from alembic import command
    from alembic.config import Config

    monkeypatch.setenv("ECOZONE_DATA", str(tmp_path))
    old_url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    config = Config()
    config.set_main_option("script_location", str(Path(db.__file__).parent / "migrations"))
    config.set_main_option("sqlalchemy.url", old_url)
    command.upgrade(config, "0002")  # a database made before sessions could be ended
    live = f"sqlite:///{tmp_path / 'live.sqlite'}"
    db.upgrade(live)
    db.restore(tmp_path / "old.sqlite", live)
    engine = db.engine_for(live)
    columns = {c["name"] for c in inspect(engine).get_columns("users")}
    engine.dispose()
    assert "session_generation" in columns


def test_the_command_asks_before_it_overwrites(live: str, tmp_path: Path) -> None:
    if not live.startswith("sqlite"):
        pytest.skip("the question is the same for both; asked once")
    copy = tmp_path / "copy.sqlite"
    db.backup(copy, live)
    _edit(live, "86", 1)
    env = {"ECOZONE_DATABASE_URL": live, "ECOZONE_DATA": str(tmp_path), "PATH": "/usr/bin:/bin"}
    declined = subprocess.run([ECOZONE, "db", "restore", str(copy)], input="n\n", capture_output=True, text=True,
                              env=env, timeout=120)
    assert declined.returncode == 1 and "未恢复" in declined.stdout and _value(live) == 86
    done = subprocess.run([ECOZONE, "db", "restore", str(copy), "--yes"], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0 and "另存为" in done.stdout and _value(live) == 82
