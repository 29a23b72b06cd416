"""Connecting: SQLite by default (a file in the data folder, WAL mode), PostgreSQL by URL.

``ECOZONE_DATABASE_URL`` selects the database, e.g. ``postgresql+psycopg://user@host/db``.
Schema changes go through Alembic migrations (``ecozone db upgrade``), never ``create_all``.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import sqlite3
import subprocess
import uuid
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from ecozone.errors import Location, UsageError

__all__ = ["backup", "database_url", "engine_for", "restore", "session_factory", "shown_url", "upgrade"]


def database_url(url: str | None = None) -> str:
    if url:
        return url
    if os.environ.get("ECOZONE_DATABASE_URL"):
        return os.environ["ECOZONE_DATABASE_URL"]
    folder = Path(os.environ.get("ECOZONE_DATA", Path.home() / ".ecozone"))
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'ecozone.sqlite'}"


def shown_url(url: str | None = None) -> str:
    """The database as it may be printed: never with its password."""
    return make_url(database_url(url)).render_as_string(hide_password=True)


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
    _pg_tool("pg_dump", ["--format=custom", "--file", str(target)], parsed)


# the tables every ecozone database has had since its first migration
_OUR_TABLES = frozenset({"alembic_version", "regions", "observations", "users", "audit"})


def restore(source: Path, url: str | None = None) -> Path:
    """Replace the live database with a backup; returns where the live data were saved first.

    The backup must be an ecozone database of a schema this version knows (an older one is migrated after
    the copy); anything else is refused before the live data are touched. Every restore renews the store's
    epoch, so no page cached before it is served after it.
    """
    parsed = make_url(database_url(url))
    if not source.exists():
        raise UsageError("备份文件不存在", Location(file=str(source)))
    sqlite = parsed.get_backend_name() == "sqlite"
    _check_backup(source, sqlite)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    live_name = Path(parsed.database or "ecozone").name if sqlite else (parsed.database or "ecozone")
    folder = Path(parsed.database or "").resolve().parent if sqlite else _data_folder()
    saved = folder / "backups" / f"{live_name}.before-restore-{stamp}{'.sqlite' if sqlite else '.dump'}"
    backup(saved, url)
    if sqlite:
        backup_db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        live = sqlite3.connect(parsed.database or "")
        with live:
            backup_db.backup(live)
        live.close()
        backup_db.close()
    else:
        _pg_tool("pg_restore", ["--clean", "--if-exists", str(source)], parsed, database_flag=True)
    upgrade(url)  # a backup of an older schema is brought up to this version's
    engine = engine_for(url)
    try:
        with session_factory(engine)() as session, session.begin():
            from ecozone.store.models import StoreMeta

            session.merge(StoreMeta(key="epoch", value=uuid.uuid4().hex))
    finally:
        engine.dispose()
    return saved


def _check_backup(source: Path, sqlite: bool) -> None:
    """Refuse a file that is not an ecozone backup, or one of a schema newer than this version knows."""
    known = _known_revisions()
    file = str(source)
    if sqlite:
        with source.open("rb") as fh:
            if fh.read(16) != b"SQLite format 3\x00":
                raise UsageError("不是 SQLite 数据库文件，不能用于恢复", Location(file=file),
                                 expected="ecozone db backup 生成的备份文件")
        try:
            copy = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
            try:
                tables = {row[0] for row in copy.execute("SELECT name FROM sqlite_master WHERE type='table'")}
                version = (copy.execute("SELECT version_num FROM alembic_version").fetchone() or [""])[0] \
                    if "alembic_version" in tables else ""
            finally:
                copy.close()
        except sqlite3.DatabaseError as exc:
            raise UsageError(f"备份文件已损坏，不能用于恢复（{exc}）", Location(file=file),
                             expected="ecozone db backup 生成的备份文件") from None
    else:
        listing = subprocess.run(["pg_restore", "--list", file], capture_output=True, text=True)
        if listing.returncode != 0:
            raise UsageError("不是 pg_dump 的备份文件，或已损坏，不能用于恢复", Location(file=file),
                             expected="ecozone db backup 生成的备份文件（pg_dump 自定义格式）")
        tables = {line.split()[-2] for line in listing.stdout.splitlines() if " TABLE public " in line}
        version = "" if "alembic_version" not in tables else "?"  # the version is read after the copy
    missing = _OUR_TABLES - tables
    if missing:
        raise UsageError(f"这不是 ecozone 的数据库（缺少数据表：{'、'.join(sorted(missing))}），不能用于恢复",
                         Location(file=file), expected="ecozone db backup 生成的备份文件")
    if version not in known and version != "?":
        raise UsageError(f"备份的数据库结构版本「{version}」比本程序新，不能恢复", Location(file=file),
                         expected=f"升级 ecozone 后再恢复（本程序认识的版本：{'、'.join(sorted(known))}）")


def _known_revisions() -> set[str]:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(resources.files("ecozone.store") / "migrations"))
    return {script.revision for script in ScriptDirectory.from_config(config).walk_revisions()}


def _data_folder() -> Path:
    return Path(os.environ.get("ECOZONE_DATA", Path.home() / ".ecozone"))


def _pg_tool(tool: str, args: list[str], parsed: Any, *, database_flag: bool = False) -> None:
    """Run pg_dump or pg_restore with the password in the environment, never on the command line
    (where ``ps`` shows it to every user of the machine)."""
    if not shutil.which(tool):
        raise UsageError(f"找不到 {tool}", Location(field=tool), expected="安装 Debian 软件包 postgresql-client")
    env = {**os.environ, **({"PGPASSWORD": parsed.password} if parsed.password else {})}
    target = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    command = [tool, *args[:-1], "--dbname", target, args[-1]] if database_flag else [tool, *args, target]
    subprocess.run(command, check=True, env=env)
