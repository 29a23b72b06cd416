"""Benchmark: a province's board workbook uploaded through the web app — the preview, then the confirm.

    python -m benchmarks.upload [--counties 100] [--database-url URL] [--runs 3]

Builds a store holding the sample (eight counties) and a province user, starts the real server (``ecozone serve``,
one worker) on loopback, and uploads a filled board workbook of ``--counties`` new counties (every figure and
target of five years) as the province user: the preview (validation, the import in a savepoint that is rolled
back, the changes and the verdicts before and after) ``--runs`` times, then the confirm once. A workbook above the
server's size limit (``web.uploads.BACKGROUND_UPLOAD_KB``) is checked and loaded by background jobs: the time is then
until the job's page shows the preview (or what was loaded), polled every 0.1 s (a browser's page refreshes every
2 s). The floor is the validation alone (``ecozone check``'s reading of the same workbook, in process). Never part
of the test run.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.excel_import import board
from benchmarks.web import PASSWORD, SAMPLE, logged_in, serve
from ecozone import api, load_standard
from ecozone.catalogue import load_metrics
from ecozone.io.tables import read_dataset
from ecozone.store import db
from ecozone.store.repository import Actor, add_user, import_dataset

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def prepare(url: str) -> None:
    db.upgrade(url)
    engine = db.engine_for(url)
    with db.session_factory(engine)() as session, session.begin():
        import_dataset(session, read_dataset(SAMPLE, load_metrics()), Actor("bench", "province", "990000"), "基准测试")
        add_user(session, "province", "province", "990000", PASSWORD)
    engine.dispose()


def finished(client: Any, response: Any, wanted: str) -> Any:
    """The page a request answered with, or, when it started a job, the job's page once ``wanted`` is on it."""
    if response.status_code != 303:
        return response
    job = response.headers["location"]
    while True:
        page = client.get(job)
        if wanted in page.text or 'data-status="failed"' in page.text:
            return page
        time.sleep(0.1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--counties", type=int, default=100)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        prepare(url)
        workbook = Path(folder) / "board.xlsx"
        board(args.counties, workbook)
        data = workbook.read_bytes()
        start = time.perf_counter()
        checked = api.check_workbook(workbook, load_standard("mee-2019"))
        floor = time.perf_counter() - start
        assert checked.dataset is not None
        cells = checked.dataset.observations.height + (checked.dataset.assigned.height
                                                       if checked.dataset.assigned is not None else 0)
        base, server = serve(url, 1)
        try:
            client = logged_in(base, "province")
            client.timeout = 600
            token = re.search(r'name="csrf" value="([^"]+)"', client.get("/upload").text).group(1)  # type: ignore[union-attr]
            previews, confirm, background = [], None, False
            for _ in range(args.runs):
                start = time.perf_counter()
                sent = client.post("/upload", data={"csrf": token}, files={"workbook": ("board.xlsx", data, XLSX)},
                                   follow_redirects=False)
                page = finished(client, sent, "检查结果（尚未写入）")
                previews.append(time.perf_counter() - start)
                background = sent.status_code == 303
                confirm = re.search(r'action="(/upload/\d+/confirm)"', page.text)
                assert page.status_code == 200 and confirm is not None, page.text[-2000:]
            assert confirm is not None
            job = re.search(r'name="preview_job" value="([0-9a-f]+)"', page.text)
            start = time.perf_counter()
            sent = client.post(confirm.group(1), data={"csrf": token, **({"preview_job": job.group(1)} if job else {})},
                               follow_redirects=False)
            done = finished(client, sent, 'id="imported"')
            written = time.perf_counter() - start
            assert done.status_code == 200 and 'id="imported"' in done.text, done.text[-2000:]
        finally:
            server.terminate()
            server.wait()
    print(f"database: {url.split('@')[-1]}; a board workbook of {args.counties} counties × 5 years, "
          f"{len(data) / 1024:.0f} KB, {cells:,} figures and targets")
    print(f"floor, validation alone (in process): {floor:.2f} s")
    print("checked and loaded by background jobs" if background else "checked and loaded by the requests")
    print(f"upload preview: median {statistics.median(previews):.2f} s over {args.runs} "
          f"(min {min(previews):.2f}, max {max(previews):.2f})")
    print(f"confirm (written): {written:.2f} s")


if __name__ == "__main__":
    main()
