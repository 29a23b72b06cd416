"""Background jobs on the Redis queue (ECOZONE_REDIS_URL): the request only queues the job; a worker (here RQ's
in-process worker, as `ecozone worker --burst` runs it) makes the zip and leaves it in the store, where the job's
page shows it done and its owner downloads it. The embedded default (a process pool in the server) is driven in
Chromium by tests/web/test_board_browser.py."""

from __future__ import annotations

import io
import os
import re
import zipfile

import pytest
from fastapi.testclient import TestClient

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
    assert len(queue) == 1
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
