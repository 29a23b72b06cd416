"""Background jobs on the Redis queue (ECOZONE_REDIS_URL): the request only queues the job; a worker (here RQ's
in-process worker, as `ecozone worker --burst` runs it) makes the zip and leaves it in the store, where the job's
page shows it done and its owner downloads it. The embedded default (a process pool in the server) is driven in
Chromium by tests/web/test_board_browser.py."""

from __future__ import annotations

import io
import os
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.web.conftest import csrf_of, login

REDIS = os.environ.get("ECOZONE_TEST_REDIS", "redis://127.0.0.1:6379/15")


@pytest.fixture()
def queue(monkeypatch: pytest.MonkeyPatch) -> object:
    from redis import Redis
    from redis.exceptions import ConnectionError as NoRedis
    from rq import Queue

    from ecozone.web.jobs import QUEUE_NAME

    connection = Redis.from_url(REDIS)
    try:
        connection.ping()
    except NoRedis:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"没有 Redis（{REDIS}）")
    connection.flushdb()  # database 15: the tests' own
    monkeypatch.setenv("ECOZONE_REDIS_URL", REDIS)
    yield Queue(QUEUE_NAME, connection=connection)
    connection.flushdb()


def test_a_job_queued_on_redis_is_made_by_a_worker_and_downloaded_by_its_owner(client: TestClient,
                                                                               queue: object) -> None:
    from rq import Queue, SimpleWorker

    assert isinstance(queue, Queue)
    login(client, "zhou")
    started = client.post("/board/reports-job", data={"csrf": csrf_of(client), "formats": ["xlsx"]},
                          follow_redirects=False)
    assert started.status_code == 303
    job_url = started.headers["location"]
    assert re.fullmatch(r"/jobs/[0-9a-f]{32}", job_url)
    waiting = client.get(job_url).text
    assert 'data-status="queued"' in waiting and 'http-equiv="refresh"' in waiting  # nothing made by the request
    assert len(queue) == 1 and queue.jobs[0].retries_left == 2  # handed out again if its worker is killed
    SimpleWorker([queue], connection=queue.connection).work(burst=True)  # `ecozone worker --burst`
    done = client.get(job_url).text
    assert 'data-status="done"' in done and 'value="8"' in done and 'http-equiv="refresh"' not in done
    archive = zipfile.ZipFile(io.BytesIO(client.get(job_url + "/file").content))
    names = archive.namelist()
    assert sum(1 for n in names if n.endswith(".xlsx") and "/" in n) == 8  # a workbook per county
    assert any(n.startswith("评估总表") for n in names)


def test_every_countys_dossier_is_made_in_the_background_and_is_the_one_the_county_downloads(
        client: TestClient, queue: object) -> None:
    from rq import Queue, SimpleWorker

    from tests.web.test_evidence import PDF, upload

    assert isinstance(queue, Queue)
    login(client, "shimen")
    assert upload(client, PDF.name, PDF.read_bytes()).status_code == 303  # type: ignore[attr-defined]
    own = client.get("/regions/990104/dossier.zip").content  # the county's own download
    client.post("/logout", data={"csrf": csrf_of(client)})
    login(client, "zhou")
    assert 'action="/board/dossiers-job"' in client.get("/").text
    started = client.post("/board/dossiers-job", data={"csrf": csrf_of(client)}, follow_redirects=False)
    assert started.status_code == 303
    job_url = started.headers["location"]
    assert 'data-status="queued"' in client.get(job_url).text and len(queue) == 1  # nothing made by the request
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    done = client.get(job_url).text
    assert 'data-status="done"' in done and "各地申报材料包打包" in done
    archive = zipfile.ZipFile(io.BytesIO(client.get(job_url + "/file").content))
    names = archive.namelist()
    assert len(names) == 8 and all(n.endswith("_申报材料.zip") for n in names)  # one dossier per county
    assert archive.read("石门县990104_申报材料.zip") == own  # byte for byte the county's own, evidence and all
    # a job is its owner's: the county cannot read the prefecture's
    client.post("/logout", data={"csrf": csrf_of(client)})
    login(client, "shimen")
    assert client.get(job_url + "/file").status_code in (403, 404)


def test_a_worker_restarted_mid_job_finishes_it_and_the_queued_job_waits_for_the_next_worker(
        client: TestClient, queue: object, database_url: str) -> None:
    """`systemctl restart` sends SIGTERM: the worker finishes the job in hand, the next one stays in Redis."""
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    if database_url.startswith("sqlite"):
        pytest.skip("a separate worker process serves a PostgreSQL store (SQLite: the server's own process pool)")
    login(client, "zhou")
    jobs = [client.post("/board/reports-job", data={"csrf": csrf_of(client), "formats": ["xlsx", "docx"]},
                        follow_redirects=False).headers["location"] for _ in range(2)]
    ecozone = str(Path(sys.executable).with_name("ecozone"))
    env = {**os.environ, "ECOZONE_REDIS_URL": REDIS}
    worker = subprocess.Popen([ecozone, "worker"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while 'data-status="running"' not in client.get(jobs[0]).text:
            assert time.monotonic() < deadline and worker.poll() is None, "the worker never started the first job"
            time.sleep(0.2)
        worker.send_signal(signal.SIGTERM)  # mid-job
        worker.wait(timeout=300)
    finally:
        if worker.poll() is None:
            worker.kill()
    first, second = client.get(jobs[0]).text, client.get(jobs[1]).text
    assert 'data-status="done"' in first  # finished, not lost half-made
    assert 'data-status="queued"' in second  # still waiting, in Redis
    rerun = subprocess.run([ecozone, "worker", "--burst"], env=env, capture_output=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert 'data-status="done"' in client.get(jobs[1]).text
    for job in jobs:
        archive = zipfile.ZipFile(io.BytesIO(client.get(job + "/file").content))
        assert sum(1 for n in archive.namelist() if n.endswith(".docx")) == 8


@contextmanager
def _prefecture_job(database_url: str) -> Iterator[tuple[Session, str]]:
    """A session on the store and the id of a job of 周's (the prefecture's reports) stored as just asked for."""
    from ecozone.store import db
    from ecozone.store.jobs import create_job
    from ecozone.store.repository import Actor

    engine = db.engine_for(database_url)
    try:
        with db.session_factory(engine)() as session:
            with session.begin():
                job_id = create_job(session, Actor("zhou", "prefecture", "990100"), "reports",
                                    {"formats": ["xlsx"], "standard": "mee-2019"}).id
            yield session, job_id
    finally:
        engine.dispose()


def _past_the_limit(session: Session, job_id: str, column: str) -> None:
    """The job's ``column`` (when it was asked for, or last moved) set to just over STALLED_AFTER ago."""
    import datetime as dt

    from sqlalchemy import update

    from ecozone.store.jobs import STALLED_AFTER
    from ecozone.store.models import Job

    with session.begin():
        session.execute(update(Job).where(Job.id == job_id).values(
            {column: dt.datetime.now(dt.UTC) - STALLED_AFTER - dt.timedelta(seconds=5)}))


def test_a_job_whose_worker_was_killed_says_so_instead_of_refreshing_for_ever(client: TestClient,
                                                                              database_url: str) -> None:
    from ecozone.store.jobs import mark

    with _prefecture_job(database_url) as (session, job_id):
        mark(session, job_id, status="running", total_steps=8, done_steps=3, message="已生成 3/8")
        login(client, "zhou")
        moving = client.get(f"/jobs/{job_id}").text
        assert 'http-equiv="refresh"' in moving and "job-stalled" not in moving
        _past_the_limit(session, job_id, "updated_at")  # the last mark was just over the limit ago: a worker killed
    stuck = client.get(f"/jobs/{job_id}").text
    assert 'id="job-stalled"' in stuck and "重新发起" in stuck and 'http-equiv="refresh"' not in stuck
    assert "3/8" in stuck  # how far it got is still shown


def test_a_job_queued_too_long_says_it_may_have_been_lost_and_keeps_waiting(client: TestClient,
                                                                            database_url: str) -> None:
    """The embedded pool forgets its queue when the server stops; a job still queued after the limit says so."""
    with _prefecture_job(database_url) as (session, job_id):
        login(client, "zhou")
        fresh = client.get(f"/jobs/{job_id}").text
        assert 'data-status="queued"' in fresh and "job-waiting" not in fresh
        _past_the_limit(session, job_id, "created_at")
    late = client.get(f"/jobs/{job_id}").text
    said = re.search(r'id="job-waiting">(.+?)</p>', late)
    assert said is not None and "任务已丢失" in said.group(1) and "返回看板重新发起" in said.group(1)
    assert 'http-equiv="refresh"' in late  # it may still only be waiting: the page keeps looking


def test_a_job_left_running_by_a_killed_worker_is_made_when_handed_out_again_and_a_done_one_is_not(
        client: TestClient, database_url: str) -> None:
    from ecozone.store import db
    from ecozone.store.jobs import create_job, mark
    from ecozone.store.models import Job, StoredFile
    from ecozone.store.repository import Actor
    from ecozone.web.jobs import run_job

    engine = db.engine_for(database_url)
    sessions = db.session_factory(engine)
    with sessions() as session:
        with session.begin():
            job_id = create_job(session, Actor("zhou", "prefecture", "990100"), "reports",
                                {"formats": ["xlsx"], "standard": "mee-2019"}).id
        mark(session, job_id, status="running", total_steps=8, done_steps=3, message="已生成 3/8")  # then killed
    run_job(database_url, job_id)  # what the queue runs when it hands the abandoned job out again
    with sessions() as session:
        job = session.get(Job, job_id)
        assert job is not None and (job.status, job.done_steps, job.total_steps) == ("done", 8, 8)
        made = job.file_id
    run_job(database_url, job_id)  # a second delivery of a finished job makes nothing
    with sessions() as session:
        job = session.get(Job, job_id)
        assert job is not None and job.status == "done" and job.file_id == made
        assert session.query(StoredFile).filter(StoredFile.kind == "job").count() == 1
    engine.dispose()
    login(client, "zhou")
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/jobs/{job_id}/file").content))
    assert sum(1 for n in archive.namelist() if n.endswith(".xlsx") and "/" in n) == 8


def _preview_parts(page: str) -> list[str]:
    """What a clerk reads on an upload's preview, without the file's number (two uploads of one workbook)."""
    parts = [re.search(rf'id="{part}".*?</(p|table)>', page, re.S) for part in
             ("problem-counts", "problems", "change-summary", "changes", "preview", "indicator-shifts")]
    return [re.sub(r"/upload/\d+/", "/upload/N/", p.group(0)) for p in parts if p is not None]


def test_a_large_upload_is_checked_and_loaded_in_the_background_and_previewed_as_a_request_would(
        client: TestClient, queue: object, tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    """A province's workbook above the size limit: the request keeps the file and queues the check; the job's page
    shows the preview a request shows for the same workbook; the confirm queues the load, which writes once."""
    from pathlib import Path

    from rq import Queue, SimpleWorker

    from tests.web.test_entry import _filled_copy

    assert isinstance(queue, Queue) and isinstance(tmp_path, Path)
    # 青岚县: one figure changed (L6 → 97.5) and a share typed as a fraction (M4 0.24): a warning to confirm
    workbook = _filled_copy(tmp_path, {"L6": 97.5, "M4": 0.24})
    login(client, "sheng")
    token = csrf_of(client, "/upload")
    files = {"workbook": (workbook.name, workbook.read_bytes(), "application/octet-stream")}
    in_request = client.post("/upload", data={"csrf": token}, files=files)
    assert in_request.status_code == 200 and "检查结果（尚未写入）" in in_request.text
    before = client.get("/api/regions/990101/figures").json()

    monkeypatch.setenv("ECOZONE_BACKGROUND_UPLOAD_KB", str(workbook.stat().st_size // 1024 - 1))
    started = client.post("/upload", data={"csrf": token}, files=files, follow_redirects=False)
    assert started.status_code == 303 and re.fullmatch(r"/jobs/[0-9a-f]{32}", started.headers["location"])
    check_url = started.headers["location"]
    waiting = client.get(check_url).text
    assert 'data-status="queued"' in waiting and "检查上传的工作簿" in waiting and len(queue) == 1
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    checked = client.get(check_url)
    assert checked.status_code == 200 and 'http-equiv="refresh"' not in checked.text
    assert _preview_parts(checked.text) == _preview_parts(in_request.text)  # the page a request would have shown
    assert "数值 修改 2。" in checked.text and "<td>97.5</td>" in checked.text and "（其中需确认 1 条）" in checked.text
    job_id = check_url.rsplit("/", 1)[1]
    assert f'name="preview_job" value="{job_id}"' in checked.text
    assert client.get("/api/regions/990101/figures").json() == before  # nothing written by the check

    action = re.search(r'action="(/upload/\d+/confirm)"', checked.text).group(1)  # type: ignore[union-attr]
    unticked = client.post(action, data={"csrf": token, "preview_job": job_id}, follow_redirects=False)
    assert unticked.status_code == 422 and "勾选「我已核对上述警告，数值无误」" in unticked.text
    assert 'name="accept_warnings"' in unticked.text and len(queue) == 0  # the stored preview again, nothing queued
    loading = client.post(action, data={"csrf": token, "preview_job": job_id, "accept_warnings": "true"},
                          follow_redirects=False)
    assert loading.status_code == 303 and len(queue) == 1
    assert client.get("/api/regions/990101/figures").json() == before  # not by the request either
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    loaded = client.get(loading.headers["location"]).text
    assert re.search(r'id="imported">已载入「青岚县填报.xlsx」：[^<]*数值 2 个', loaded), loaded[-2000:]
    after = {(f["metric"], f["year"]): f["value"] for f in client.get("/api/regions/990101/figures").json()}
    moved = {k: v for k, v in after.items() if v != {(f["metric"], f["year"]): f["value"] for f in before}[k]}
    assert sorted(moved.values()) == [0.24, 97.5]

    again = client.post(action, data={"csrf": token, "preview_job": job_id, "accept_warnings": "true"},
                        follow_redirects=False)
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    refused = client.get(again.headers["location"]).text
    assert 'data-status="failed"' in refused and "不会重复写入" in refused and 'href="/upload"' in refused
    # a preview is its owner's: another user cannot read it, nor confirm with it
    client.post("/logout", data={"csrf": csrf_of(client)})
    login(client, "zhou")
    assert client.get(check_url).status_code in (403, 404)
    assert client.post(action, data={"csrf": csrf_of(client), "preview_job": job_id}).status_code == 404


def test_a_large_upload_of_a_region_out_of_the_users_reach_fails_its_check_and_says_why(
        client: TestClient, queue: object, tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    from pathlib import Path

    from rq import Queue, SimpleWorker

    from tests.web.test_entry import _filled_copy

    assert isinstance(queue, Queue) and isinstance(tmp_path, Path)
    workbook = _filled_copy(tmp_path)  # 青岚县 990101: not 石门县's
    monkeypatch.setenv("ECOZONE_BACKGROUND_UPLOAD_KB", "1")
    login(client, "shimen")
    started = client.post("/upload", data={"csrf": csrf_of(client, "/upload")}, follow_redirects=False,
                          files={"workbook": (workbook.name, workbook.read_bytes(), "application/octet-stream")})
    assert started.status_code == 303
    SimpleWorker([queue], connection=queue.connection).work(burst=True)
    failed = client.get(started.headers["location"]).text
    message = re.search(r'<p class="error" role="alert">(.+?)</p>', failed)
    assert 'data-status="failed"' in failed and message is not None and "990101" in message.group(1), failed[-1500:]


def test_stopping_the_server_ends_its_job_process(tmp_path: object, sample: object) -> None:
    """The embedded pool: `ecozone serve` stopped as a service manager stops it (SIGTERM) leaves no job process
    behind (one used to wait for work for ever, 200–240 MB)."""
    import secrets
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    import httpx

    from ecozone.dataset import Dataset
    from tests.web.conftest import PASSWORD, stocked

    assert isinstance(tmp_path, Path) and isinstance(sample, Dataset)
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    stocked(url, sample, "测试")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "ECOZONE_REDIS_URL"}
    env.update(ECOZONE_DATABASE_URL=url, ECOZONE_SECRET=secrets.token_hex(32))
    server = subprocess.Popen([str(Path(sys.executable).with_name("ecozone")), "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base, deadline = f"http://127.0.0.1:{port}", time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/login", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and server.poll() is None, "the server never started"
                time.sleep(0.2)
        with httpx.Client(base_url=base, timeout=60) as web:
            token = re.search(r'name="csrf" value="([^"]+)"', web.get("/login").text).group(1)  # type: ignore[union-attr]
            web.post("/login", data={"name": "zhou", "password": PASSWORD, "csrf": token})
            started = web.post("/board/reports-job", data={"csrf": csrf_of(web), "formats": ["xlsx"]})  # type: ignore[arg-type]
            assert started.status_code == 303, started.text[-800:]
            while 'data-status="done"' not in (done := web.get(started.headers["location"]).text):
                assert 'data-status="failed"' not in done and time.monotonic() < deadline + 120, done[-800:]
                time.sleep(0.3)
        children = _children(server.pid)
        assert children, "the job ran in a process of the server's own pool"
    finally:
        server.terminate()
        server.wait(timeout=30)
    deadline = time.monotonic() + 20
    while (left := [pid for pid in children if Path(f"/proc/{pid}").exists()]) and time.monotonic() < deadline:
        time.sleep(0.2)
    for pid in left:  # not left behind by a failing run either
        os.kill(pid, 9)
    assert not left, f"processes of the stopped server still running: {left}"


def _children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (Linux /proc)."""
    from pathlib import Path

    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found
