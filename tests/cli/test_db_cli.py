"""`ecozone demo --load` through the real console script: a database and accounts that work."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from ecozone.store import db
from ecozone.store.models import Incident
from ecozone.store.repository import check_password

ECOZONE = str(Path(sys.executable).with_name("ecozone"))


def run(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "ECOZONE_DATA": str(data)}
    env.pop("ECOZONE_DATABASE_URL", None)
    return subprocess.run([ECOZONE, *args], capture_output=True, text=True, env=env, timeout=180, cwd=data)


def test_demo_load_fills_the_database_and_prints_working_accounts(tmp_path: Path) -> None:
    first = run(tmp_path, "demo", "--load", "-o", str(tmp_path / "out"))
    assert first.returncode == 0, first.stderr
    accounts = dict(re.findall(r"演示账号 (\w+)（.*?）密码 (\S+)", first.stdout))
    assert set(accounts) == {"shimen", "shizhou", "sheng", "linye"}
    engine = db.engine_for(f"sqlite:///{tmp_path / 'ecozone.sqlite'}")
    with db.session_factory(engine)() as session:
        actor = check_password(session, "shimen", accounts["shimen"])
        assert actor is not None and (actor.role, actor.region) == ("county", "990104")
        bureau = check_password(session, "linye", accounts["linye"])  # a department, to try data requests on
        assert bureau is not None and (bureau.role, bureau.department) == ("department", "州林草局")
    engine.dispose()
    second = run(tmp_path, "demo", "--load", "-o", str(tmp_path / "out"))
    assert second.returncode == 0 and "演示账号已存在" in second.stdout
    # loading the same data again writes nothing and doubles nothing
    assert "数值 0 个" in second.stdout and "与库中相同，未重复写入" in second.stdout
    engine = db.engine_for(f"sqlite:///{tmp_path / 'ecozone.sqlite'}")
    with db.session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Incident)) == 3
    engine.dispose()
    # the passwords scrolled away: new ones on request, printed, and the old ones no longer work
    renewed = run(tmp_path, "demo", "--load", "--new-passwords", "-o", str(tmp_path / "out"))
    fresh = dict(re.findall(r"演示账号 (\w+)（.*?）密码 (\S+)", renewed.stdout))
    assert renewed.returncode == 0 and set(fresh) == {"shimen", "shizhou", "sheng", "linye"}
    engine = db.engine_for(f"sqlite:///{tmp_path / 'ecozone.sqlite'}")
    with db.session_factory(engine)() as session:
        assert check_password(session, "shimen", fresh["shimen"]) is not None
        assert check_password(session, "shimen", accounts["shimen"]) is None
    engine.dispose()


def test_a_store_command_leaves_its_sqlite_file_whole(tmp_path: Path) -> None:
    """The program skips the interpreter's teardown after most commands (``cli.app.run``), but never after one that
    opened the store: SQLite moves its write-ahead log into the database file when the last connection closes, and
    a clerk who copies ``ecozone.sqlite`` alone must find the account in it."""
    env = {**os.environ, "ECOZONE_DATA": str(tmp_path), "ECOZONE_PASSWORD": "Shimen-2026-pass"}
    env.pop("ECOZONE_DATABASE_URL", None)
    made = subprocess.run([ECOZONE, "user", "add", "shimen", "--role", "county", "--region", "990104"],
                          capture_output=True, text=True, env=env, timeout=180, cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    assert not (tmp_path / "ecozone.sqlite-wal").exists()
    copy = tmp_path / "copy" / "ecozone.sqlite"
    copy.parent.mkdir()
    copy.write_bytes((tmp_path / "ecozone.sqlite").read_bytes())
    engine = db.engine_for(f"sqlite:///{copy}")
    with db.session_factory(engine)() as session:
        assert check_password(session, "shimen", "Shimen-2026-pass") is not None
    engine.dispose()
