"""Connecting: SQLite by default (a file in the data folder, WAL mode), PostgreSQL by URL.

``ECOZONE_DATABASE_URL`` selects the database, e.g. ``postgresql+psycopg://user@host/db``.
Schema changes go through Alembic migrations (``ecozone db upgrade``), never ``create_all``.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from ecozone.errors import Location, UsageError

__all__ = ["backup", "database_url", "engine_for", "restore", "session_factory", "upgrade"]


def database_url(url: str | None = None) -> str:
    if url:
        return url
    if os.environ.get("ECOZONE_DATABASE_URL"):
        return os.environ["ECOZONE_DATABASE_URL"]
    folder = Path(os.environ.get("ECOZONE_DATA", Path.home() / ".ecozone"))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'ecozone.sqlite'}"


def engine_for(url: str | None = None) -> Engine:
    url = database_url(url)
    # SQLite: a writer waits up to 30 s for another's commit (the driver's default is 5 s, which a
    # province's import exceeds, and the waiter then failed with "database is locked")
    engine = create_engine(url, future=True, connect_args={"timeout": 30} if url.startswith("sqlite") else {})
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _pragmas(connection: Any, _record: Any) -> None:  # WAL: readers never block the writer
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()
    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def upgrade(url: str | None = None) -> None:
    """Bring the schema to the newest migration."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("ecozone.store") / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url(url).replace("%", "%%"))
    command.upgrade(config, "head")


def backup(target: Path, url: str | None = None) -> None:
    """A consistent copy: SQLite's online backup, or pg_dump for PostgreSQL."""
    parsed = make_url(database_url(url))
    target.parent.mkdir(parents=True, exist_ok=True)
    if parsed.get_backend_name() == "sqlite":
        source = sqlite3.connect(parsed.database or "")
        copy = sqlite3.connect(target)
        with copy:
            source.backup(copy)
        copy.close()
        source.close()
        return
    if not shutil.which("pg_dump"):
        raise UsageError("找不到 pg_dump", Location(field="backup"), expected="安装 Debian 软件包 postgresql-client")
    subprocess.run(["pg_dump", "--format=custom", "--file", str(target),
                    parsed.set(drivername="postgresql").render_as_string(hide_password=False)], check=True)


def restore(source: Path, url: str | None = None) -> None:
    parsed = make_url(database_url(url))
    if not source.exists():
        raise UsageError("备份文件不存在", Location(file=str(source)))
    if parsed.get_backend_name() == "sqlite":
        backup_db = sqlite3.connect(source)
        live = sqlite3.connect(parsed.database or "")
        with live:
            backup_db.backup(live)
        live.close()
        backup_db.close()
        return
    subprocess.run(["pg_restore", "--clean", "--if-exists", "--dbname",
                    parsed.set(drivername="postgresql").render_as_string(hide_password=False), str(source)],
                   check=True)
