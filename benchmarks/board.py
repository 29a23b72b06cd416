"""Benchmark: what a prefecture reviewer waits for on the board — the page, the 总表 workbook, the zip of every
county's reports, a GeoJSON map upload.

    python -m benchmarks.board [--counties 8]

Builds a SQLite store of the sample prefecture (``--counties`` above 8 copies the sample's counties round-robin),
serves the app in this process (Starlette's test client: no network, the same handlers), and prints wall seconds
per download, with the zip's size. The floor is writing the same files' bytes into a zip (no report made).
Never part of the test run.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import tempfile
import time
import zipfile
from pathlib import Path

import polars as pl
from fastapi.testclient import TestClient

from ecozone.catalogue import load_metrics
from ecozone.dataset import Dataset
from ecozone.io.tables import read_dataset
from ecozone.store import db
from ecozone.store.repository import Actor, add_user, import_dataset
from ecozone.web.app import create_app

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "shizhou"
PASSWORD = "benchmark-password"


def prefecture(counties: int) -> Dataset:
    sample = read_dataset(SAMPLE, load_metrics())
    if counties <= sample.regions.height:
        return sample.restricted_to(sample.regions["code"].head(counties).to_list())
    source = sample.regions["code"].to_list()
    mapping = pl.DataFrame({"code": [f"9901{i:02d}" for i in range(1, counties + 1)],
                            "from": [source[i % len(source)] for i in range(counties)]})
    regions = mapping.join(sample.regions, left_on="from", right_on="code").with_columns(
        name=pl.format("测试县{}", pl.col("code"))).drop("from")
    observations = mapping.join(sample.observations, left_on="from", right_on="region").rename(
        {"code": "region"}).drop("from")
    return Dataset(regions.select(sample.regions.columns), observations.select(sample.observations.columns))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counties", type=int, default=8)
    counties = parser.parse_args().counties
    url = f"sqlite:///{tempfile.mkdtemp(prefix='ecozone-board-')}/ecozone.sqlite"
    db.upgrade(url)
    engine = db.engine_for(url)
    with db.session_factory(engine)() as session, session.begin():
        import_dataset(session, prefecture(counties), Actor("bench", "province", "990000"), "基准测试")
        add_user(session, "zhou", "prefecture", "990100", PASSWORD)
    engine.dispose()
    client = TestClient(create_app(url, secret="benchmark-0123456789abcdef0123456789abcdef"))
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"name": "zhou", "password": PASSWORD, "csrf": token}, follow_redirects=False)
    print(f"{counties} counties, SQLite, in process")

    def timed(label: str, path: str, **params: object) -> bytes:
        start = time.perf_counter()
        response = client.get(path, params=params)  # type: ignore[arg-type]
        response.raise_for_status()
        seconds = time.perf_counter() - start
        print(f"{label:<44} {seconds:7.2f} s   {len(response.content) / 1024:9.0f} KB")
        return response.content

    timed("board page, first (engine runs)", "/")
    timed("board page, warm", "/")
    timed("总表 workbook (with the plan)", "/board/summary.xlsx")
    word_excel = timed("zip: Word + Excel of every county", "/board/reports.zip", formats=["docx", "xlsx"])
    everything = timed("zip: Word + PDF + Excel of every county", "/board/reports.zip",
                       formats=["docx", "pdf", "xlsx"])
    start = time.perf_counter()  # the floor: the same bytes zipped again, no report made
    with zipfile.ZipFile(io.BytesIO(everything)) as source, zipfile.ZipFile(io.BytesIO(), "w",
                                                                            zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            target.writestr(name, source.read(name))
    print(f"{'floor: re-zipping the Word + PDF + Excel zip':<44} {time.perf_counter() - start:7.2f} s"
          f"   (Word + Excel zip {len(word_excel) / 1024:.0f} KB)")
    features = [{"type": "Feature", "properties": {"adcode": f"9901{i:02d}"}, "geometry": {
        "type": "Polygon", "coordinates": [[[109 + j * 1e-4, 28 + (j % 7) * 1e-4] for j in range(5000)]]}}
        for i in range(1, counties + 1)]
    data = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/").text).group(1)  # type: ignore[union-attr]
    start = time.perf_counter()
    client.post("/board/map", data={"csrf": csrf, "approval": "GS（2099）0001号"},
                files={"boundaries": ("县界.geojson", data, "application/geo+json")}).raise_for_status()
    print(f"{f'GeoJSON upload ({counties * 5000:,} points, {len(data) / 1048576:.1f} MB)':<44} "
          f"{time.perf_counter() - start:7.2f} s")


if __name__ == "__main__":
    main()
