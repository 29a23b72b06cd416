"""The databases tests run on: SQLite, and a real PostgreSQL.

PostgreSQL comes from ECOZONE_TEST_DATABASE_URL (default: the project machines' server on
127.0.0.1:5432, trust auth). When nothing answers there and no URL was given — a user's fresh
machine — a throwaway cluster is started on loopback from Debian's postgresql binaries (as the
``postgres`` user when run as root) and removed after the run. ECOZONE_TEST_POSTGRES=throwaway
forces that path. A fresh database is created per test and dropped after. If no server can be had,
the tests fail under CI (CI set) and are skipped, with the reason, elsewhere.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy.engine import make_url

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
_REASON: dict[str, str] = {}  # why no server could be had, for the skip or failure message


def _answers(url: str) -> str | None:
    """None if a server accepts connections at ``url``, else the reason."""
    conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    try:
        psycopg.connect(conninfo, connect_timeout=3).close()
    except psycopg.OperationalError as exc:
        return str(exc).strip()
    return None


def _throwaway_cluster() -> Iterator[str]:
    """initdb + pg_ctl on a free loopback port; the data folder belongs to ``postgres`` when we are root."""
    binaries = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not binaries:
        raise RuntimeError("没有 PostgreSQL 服务端程序：请运行 bash scripts/setup-system --test")
    bin_dir = binaries[-1].parent
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # directly under /tmp: pytest's own temp folders are root-only, and the server runs as postgres
    data = Path(tempfile.mkdtemp(prefix="ecozone-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        shutil.chown(data, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    try:
        _run([*as_user, str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"])
        options = f"-c listen_addresses=127.0.0.1 -p {port} -k {data} -c fsync=off"
        _run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-o", options, "-w", "-l",
              str(data / "server.log"), "start"])
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        program = next(Path(part).name for part in command if "/bin/" in part)
        raise RuntimeError(f"{program} 失败：{(done.stderr or done.stdout).strip()[-300:]}")


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str | None]:
    """A PostgreSQL server's URL for creating test databases, or None (with the reason recorded)."""
    given = os.environ.get("ECOZONE_TEST_DATABASE_URL")
    forced = os.environ.get("ECOZONE_TEST_POSTGRES") == "throwaway"
    if not forced:
        url = given or DEFAULT_URL
        problem = _answers(url)
        if problem is None:
            yield url
            return
        if given:  # a URL the user named that does not answer is reported, not worked around
            _REASON["why"] = f"{given}：{problem}"
            yield None
            return
    try:
        yield from _throwaway_cluster()
    except (RuntimeError, subprocess.CalledProcessError, OSError) as exc:
        _REASON["why"] = f"无法启动临时 PostgreSQL：{exc}"
        yield None



def _postgres(admin_url: str | None) -> Iterator[str]:
    if admin_url is None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL 不可用：{_REASON.get('why')}")
        pytest.skip(f"PostgreSQL 不可用（{_REASON.get('why')}），非 CI 环境跳过")
    url = make_url(admin_url)
    admin = psycopg.connect(url.set(drivername="postgresql").render_as_string(hide_password=False),
                            autocommit=True, connect_timeout=3)
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
        yield from _postgres(request.getfixturevalue("postgres_admin_url"))


