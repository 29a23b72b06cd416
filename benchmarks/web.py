"""Benchmark: the web app on loopback — a region page, a board of 100 counties, and a load run.

    python -m benchmarks.web [--database-url URL] [--requests 50] [--clients 20] [--seconds 30]

Builds a store of 100 counties (the sample's eight, copied round-robin under two prefectures),
starts the real server (uvicorn, one worker) on a free loopback port, and prints the median and
95th percentile of many sequential requests per page, then runs ``--clients`` concurrent clients
for ``--seconds`` and prints requests per second and errors. Targets: region page < 100 ms,
board of 100 counties < 300 ms, zero errors under load. Never part of the test run.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import polars as pl

from ecozone.catalogue import load_metrics
from ecozone.dataset import Dataset
from ecozone.io.tables import read_dataset
from ecozone.store import db
from ecozone.store.repository import Actor, add_user, import_dataset

SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "shizhou"
PASSWORD = "benchmark-password"


def hundred_counties() -> Dataset:
    sample = read_dataset(SAMPLE, load_metrics())
    source = sample.regions["code"].to_list()
    codes = [f"9901{i:02d}" for i in range(1, 51)] + [f"9902{i:02d}" for i in range(1, 51)]
    mapping = pl.DataFrame({"code": codes, "from": [source[i % len(source)] for i in range(len(codes))]})
    regions = mapping.join(sample.regions, left_on="from", right_on="code").with_columns(
        name=pl.format("测试县{}", pl.col("code")), parent=pl.col("code").str.slice(0, 4) + "00").drop("from")
    observations = mapping.join(sample.observations, left_on="from", right_on="region").rename(
        {"code": "region"}).drop("from")
    assert sample.assigned is not None
    assigned = mapping.join(sample.assigned, left_on="from", right_on="region").rename({"code": "region"}).drop("from")
    return Dataset(regions.select(sample.regions.columns), observations.select(sample.observations.columns),
                   assigned.select(sample.assigned.columns))


def prepare(url: str) -> None:
    db.upgrade(url)
    engine = db.engine_for(url)
    with db.session_factory(engine)() as session, session.begin():
        import_dataset(session, hundred_counties(), Actor("bench", "province", "990000"), "基准测试")
        add_user(session, "county", "county", "990101", PASSWORD)
        add_user(session, "prefecture", "prefecture", "990100", PASSWORD)
        add_user(session, "province", "province", "990000", PASSWORD)
    engine.dispose()


def serve(url: str, workers: int) -> tuple[str, subprocess.Popen[bytes]]:
    """``ecozone serve`` in its own process, as deployed: the clients here do not share its interpreter."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "ECOZONE_DATABASE_URL": url, "ECOZONE_SECRET": secrets.token_hex(32)}
    process = subprocess.Popen([str(Path(sys.executable).with_name("ecozone")), "serve", "--port", str(port),
                                "--workers", str(workers)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{base}/login", timeout=1)
            return base, process
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError("服务未能启动")


def logged_in(base: str, name: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)  # type: ignore[union-attr]
    assert client.post("/login", data={"name": name, "password": PASSWORD, "csrf": token}).status_code in (200, 303)
    return client


def timed(client: httpx.Client, path: str, n: int) -> list[float]:
    client.get(path).raise_for_status()  # warm: first request compiles the pack, loads templates
    times = []
    for _ in range(n):
        start = time.perf_counter()
        client.get(path).raise_for_status()
        times.append((time.perf_counter() - start) * 1000)
    return times


def timed_after_edit(client: httpx.Client, path: str, n: int, reader: httpx.Client | None = None) -> list[float]:
    """The page (read by ``reader``) right after the county changed a figure: nothing cached, the engine runs."""
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/regions/990101").text).group(1)  # type: ignore[union-attr]
    figure = "/api/regions/990101/figures/urban_sewage_treatment_rate/2023"
    times = []
    for i in range(n):
        version = next(f["version"] for f in client.get("/api/regions/990101/figures").json()
                       if f["metric"] == "urban_sewage_treatment_rate" and f["year"] == 2023)
        client.put(figure, headers={"X-CSRF-Token": token},
                   json={"value": str(80 + i % 10), "version": version}).raise_for_status()
        start = time.perf_counter()
        (reader or client).get(path).raise_for_status()
        times.append((time.perf_counter() - start) * 1000)
    return times


FLOOR: list[float] = []  # the static-file median, once measured


def report(label: str, times: list[float], target: float) -> None:
    median = statistics.median(times)
    p95 = sorted(times)[int(len(times) * 0.95) - 1]
    ratio = f"{median / FLOOR[0]:5.1f}×" if FLOOR else ""
    print(f"{label:<34} median {median:7.1f} ms   p95 {p95:7.1f} ms   {ratio}   target < {target:.0f} ms   "
          f"{'met' if median < target else 'NOT met'}")


async def load(base: str, cookies: dict[str, httpx.Cookies], clients: int, seconds: float, csrf: str) -> None:
    """``clients`` readers of every role, and one write a second by the county: 0 errors, and the figure's
    version moves by exactly the number of writes told 「saved」 (none lost, none doubled)."""
    paths = {"county": ["/regions/990101", "/api/regions/990101/figures", "/api/regions/990101/assessment"],
             "prefecture": ["/", "/regions/990137"], "province": ["/api/regions"]}
    roles = list(paths)
    latencies: list[float] = []
    errors: list[str] = []
    saved: list[int] = []
    stop = time.monotonic() + seconds
    figure = "/api/regions/990101/figures/urban_sewage_treatment_rate/2023"

    async def version_of(client: httpx.AsyncClient) -> int:
        figures = (await client.get("/api/regions/990101/figures")).json()
        return int(next(f["version"] for f in figures
                        if f["metric"] == "urban_sewage_treatment_rate" and f["year"] == 2023))

    async def one(i: int) -> None:
        role = roles[i % len(roles)]
        async with httpx.AsyncClient(base_url=base, cookies=cookies[role], timeout=60) as client:
            k = 0
            while time.monotonic() < stop:
                path = paths[role][k % len(paths[role])]
                k += 1
                start = time.perf_counter()
                try:
                    response = await client.get(path)
                    if response.status_code != 200:
                        errors.append(f"{path} {response.status_code}")
                except httpx.HTTPError as exc:
                    errors.append(f"{path} {exc!r}")
                latencies.append((time.perf_counter() - start) * 1000)

    async def writer() -> None:
        async with httpx.AsyncClient(base_url=base, cookies=cookies["county"], timeout=60) as client:
            i = 0
            while time.monotonic() < stop:
                version = await version_of(client)
                response = await client.put(figure, headers={"X-CSRF-Token": csrf},
                                            json={"value": str(80 + i % 10), "version": version})
                if response.status_code == 200:
                    saved.append(int(response.json()["version"]))
                else:
                    errors.append(f"PUT {response.status_code}")
                i += 1
                await asyncio.sleep(1)

    async with httpx.AsyncClient(base_url=base, cookies=cookies["county"], timeout=60) as client:
        first = await version_of(client)
    start = time.monotonic()
    await asyncio.gather(writer(), *(one(i) for i in range(clients)))
    elapsed = time.monotonic() - start
    async with httpx.AsyncClient(base_url=base, cookies=cookies["county"], timeout=60) as client:
        last = await version_of(client)
    ordered = sorted(latencies)
    p50, p99 = ordered[len(ordered) // 2], ordered[int(len(ordered) * 0.99) - 1]
    print(f"load: {clients} readers + 1 write/s × {seconds:.0f} s: {len(latencies)} reads, "
          f"{len(latencies) / elapsed:.1f} req/s, p50 {p50:.1f} ms, p99 {p99:.1f} ms, {len(errors)} errors"
          f"{(' e.g. ' + errors[0]) if errors else ''}; writes saved {len(saved)}, version {first} → {last} "
          f"({'none lost or doubled' if last - first == len(saved) == len(set(saved)) else 'LOST OR DOUBLED'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", default=None, help="default: a new SQLite file")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--workers", type=int, default=1, help="ecozone serve --workers (use PostgreSQL for > 1)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite:///{Path(folder) / 'bench.sqlite'}"
        prepare(url)
        base, server = serve(url, args.workers)
        print(f"database: {url.split('@')[-1]}; 100 counties; ecozone serve --workers {args.workers} on {base}")
        users = {name: logged_in(base, name) for name in ("county", "prefecture", "province")}
        floor = statistics.median(timed(users["county"], "/static/ecozone.css", args.requests))
        FLOOR.append(floor)
        print(f"{'floor: a static file, same server':<34} median {floor:7.1f} ms   (pages below: ratio to it)")
        report("region page (county 990101)", timed(users["county"], "/regions/990101", args.requests), 100)
        report("region page right after an edit", timed_after_edit(users["county"], "/regions/990101",
                                                                   args.requests), 100)
        report("board, prefecture (50 counties)", timed(users["prefecture"], "/", args.requests), 300)
        report("board, province (100 counties)", timed(users["province"], "/", args.requests), 300)
        report("board (100) right after an edit", timed_after_edit(users["county"], "/", args.requests,
                                                                   users["province"]), 300)
        report("API assessment (one county)", timed(users["county"], "/api/regions/990101/assessment",
                                                    args.requests), 100)
        csrf = re.search(r'name="csrf" value="([^"]+)"',  # type: ignore[union-attr]
                         users["county"].get("/regions/990101").text).group(1)
        asyncio.run(load(base, {k: c.cookies for k, c in users.items()}, args.clients, args.seconds, csrf))
        server.terminate()


if __name__ == "__main__":
    main()
