"""The speed figures of issue [10/10] in one run, side by side with their floor and peer on the same machine.

    python -m benchmarks.compare [--runs 5] [--skip-16x]

- engine on the national panel (2,851 county-level units × 10 years) against a NumPy floor (benchmarks/floor_numpy.py:
  the same judgement over arrays laid out by region), and how often they agree;
- `ecozone batch` as a command against the DuckDB peer (benchmarks/peer_duckdb.py: the same judgement as one hand
  written query), wall time and peak RSS, and how often the two agree, indicator by indicator;
- the batch's peak RSS on a panel 16 times the country (codes replicated);
- `ecozone --help` against `python -c pass`; `ecozone assess` on one county;
- the web board right after a write, asked by 20 clients at once: how many times it was computed.

Medians of ``--runs`` (the NumPy floor and the short commands `--help` and `assess`: of more, see below). Needs the
"bench" extra (duckdb) and /usr/bin/time. Never part of the test run.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import polars as pl

PYTHON = sys.executable
ECOZONE = str(Path(sys.executable).with_name("ecozone"))
SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "shizhou"


# Commands run as on a user's machine: Python writes its bytecode cache (a shell with PYTHONDONTWRITEBYTECODE=1 would
# recompile ecozone's modules on every start: +60 ms for `assess`), and one run warms it before the timed ones.
# Nor does a user's shell carry the allocator settings polars wrote into this process's environment when it loaded,
# or the unbuffered output this sandbox sets (PYTHONUNBUFFERED=1: a write per line of a table).
USER_ENV = {k: v for k, v in os.environ.items()
            if k not in ("PYTHONDONTWRITEBYTECODE", "_RJEM_MALLOC_CONF", "PYTHONUNBUFFERED")}


def command(args: list[str], runs: int, *, warm: bool = True) -> tuple[float, float]:
    """(median wall seconds, largest peak RSS in MB) of a command, measured by /usr/bin/time."""
    if warm:
        subprocess.run(args, capture_output=True, env=USER_ENV, timeout=900)
    walls, peaks = [], []
    for _ in range(runs):
        done = subprocess.run(["/usr/bin/time", "-f", "%e %M", *args], capture_output=True, text=True, timeout=900,
                              env=USER_ENV)
        if done.returncode != 0:
            raise RuntimeError(f"{args}: {done.stderr[-500:]}")
        wall, peak = done.stderr.strip().splitlines()[-1].split()
        walls.append(float(wall))
        peaks.append(int(peak) / 1024)
    return statistics.median(walls), max(peaks)


def quick(args: list[str], runs: int) -> float:
    """Median wall seconds of a short command (perf_counter: /usr/bin/time rounds to 10 ms), over three times
    ``runs``: a half-second command on a shared VM swings by ±15 % from run to run."""
    subprocess.run(args, capture_output=True, check=True, timeout=120, env=USER_ENV)
    times = []
    for _ in range(3 * runs):
        start = time.perf_counter()
        subprocess.run(args, capture_output=True, check=True, timeout=120, env=USER_ENV)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def row(figure: str, measured: str, other: str, ratio: str, goal: str, met: bool | None) -> None:
    said = "" if met is None else "met" if met else "NOT met"
    print(f"| {figure} | {measured} | {other} | {ratio} | {goal} | {said} |")


def engine_vs_floor(panel: Path, runs: int) -> None:
    from benchmarks import floor_numpy
    from ecozone import load_standard
    from ecozone.catalogue import load_metrics
    from ecozone.engine import assess
    from ecozone.io.tables import read_dataset

    standard = load_standard("mee-2019")
    data = read_dataset(panel, load_metrics(), accept_warnings=True)
    result = assess(standard, data.regions, data.observations, 2023, data.assigned)  # compiles the pack
    regions, by_metric, targets = floor_numpy.arrays(panel, 2023, standard.standard.parameters.trend_window)
    # the two taken in turn, so that both meet the same moments of a shared machine (the floor's 10–20 ms swings
    # with them); the floor's median of five times as many runs, being short
    ours_times, floor_times = [], []
    for _ in range(runs):
        start = time.perf_counter()
        assess(standard, data.regions, data.observations, 2023, data.assigned)
        ours_times.append(time.perf_counter() - start)
        for _ in range(5):
            start = time.perf_counter()
            ids, status, gates = floor_numpy.judge("mee-2019", regions, by_metric, targets)
            floor_numpy.verdicts(status, gates)
            floor_times.append(time.perf_counter() - start)
    theirs = floor_numpy.statuses(regions, ids, status)
    ours = result.indicators.select("region", "indicator_id", pl.col("status").cast(pl.String))
    both = ours.join(theirs, on=["region", "indicator_id"], suffix="_floor")
    agree = (both["status"] == both["status_floor"]).sum() / max(both.height, 1)
    e, floor = statistics.median(ours_times), statistics.median(floor_times)
    row(f"engine, national ({data.observations.height:,} figures)", f"{e * 1000:.0f} ms",
        f"NumPy judgement {floor * 1000:.1f} ms", f"{e / floor:.0f}×", "≤ 25×", e / floor <= 25)
    print(f"|   statuses agreeing with the NumPy floor | {agree:.2%} of {both.height:,} | | | | |")


def batch_vs_peer(panel: Path, folder: Path, runs: int) -> None:
    batch_out, peer_out = folder / "batch.parquet", folder / "peer.parquet"
    b, b_rss = command([ECOZONE, "batch", str(panel), "-o", str(batch_out)], runs)
    p, p_rss = command([PYTHON, "-m", "benchmarks.peer_duckdb", str(panel), str(peer_out)], runs)
    ours = pl.read_parquet(batch_out).select("region", "indicator_id", pl.col("status").cast(pl.String))
    theirs = pl.read_parquet(peer_out).select("region", "indicator_id", "status")
    both = ours.join(theirs, on=["region", "indicator_id"], suffix="_peer")
    agree = (both["status"] == both["status_peer"]).sum() / max(both.height, 1)
    row("`ecozone batch`, national, command", f"{b:.2f} s, {b_rss:.0f} MB", f"DuckDB peer {p:.2f} s, {p_rss:.0f} MB",
        f"{b / p:.2f}×", "≤ 1.0×", b <= p)
    print(f"|   statuses agreeing with the peer | {agree:.2%} of {both.height:,} | | | | |")
    row("`ecozone batch` peak RSS, national", f"{b_rss:.0f} MB", "", "", "≤ 300 MB", b_rss <= 300)


def sixteen_times(panel: Path, folder: Path) -> None:
    big = folder / "x16"
    big.mkdir()
    regions = pl.read_parquet(panel / "regions.parquet")
    figures = pl.read_parquet(panel / "observations.parquet")
    assigned = pl.read_parquet(panel / "assigned.parquet")

    def replica(frame: pl.DataFrame, column: str, k: int) -> pl.DataFrame:  # same province, other codes
        return frame.with_columns(pl.col(column).str.slice(0, 2)
                                  + ((pl.col(column).str.slice(2).cast(pl.Int32) + k * 617) % 10000)
                                  .cast(pl.String).str.zfill(4))

    from ecozone.regions.register import code_changes, load_register

    changes = code_changes()
    taken = {*load_register()["code"].to_list(), *changes["old_code"].to_list(), *changes["new_code"].to_list()}
    copies = [regions] + [replica(regions, "code", k).filter(~pl.col("code").is_in(list(taken)))
                          for k in range(1, 16)]
    codes = pl.concat(copies).unique("code", keep="first")
    kept = set(codes["code"].to_list())
    codes.write_parquet(big / "regions.parquet")
    # sorted by region, as a national file is kept: a chunk's filter then skips the other row groups
    for name, frame in (("observations", figures), ("assigned", assigned)):
        copied = pl.concat([replica(frame, "region", k) for k in range(16)]).filter(pl.col("region").is_in(kept))
        copied.unique(["region", "year", "metric"]).sort("region", "metric", "year").write_parquet(
            big / f"{name}.parquet")
    wall, rss = command([ECOZONE, "batch", str(big), "-o", str(folder / "x16.parquet")], 1, warm=False)
    row(f"`ecozone batch` peak RSS, {codes.height:,} regions (≈16×)", f"{rss:.0f} MB, {wall:.1f} s", "", "",
        "≤ 600 MB", rss <= 600)


def start_up(runs: int) -> None:
    base = quick([PYTHON, "-c", "pass"], runs)
    help_ = quick([ECOZONE, "--help"], runs)
    row("`ecozone --help`", f"{help_ * 1000:.0f} ms", f"python -c pass {base * 1000:.0f} ms", f"{help_ / base:.1f}×",
        "≤ 15×", help_ / base <= 15)
    with tempfile.TemporaryDirectory() as one:
        for name in ("regions", "observations", "assigned"):
            frame = pl.read_csv(SAMPLE / f"{name}.csv", infer_schema=False)
            key = "code" if name == "regions" else "region"
            frame.filter(pl.col(key) == "990104").write_csv(Path(one) / f"{name}.csv")
        assess = quick([ECOZONE, "assess", one, "-s", "mee-2019"], runs)
    row("`ecozone assess`, one county, command", f"{assess:.2f} s", "", "", "≤ 0.5 s", assess <= 0.5)


def board_after_write() -> None:
    """20 clients ask for the board at once right after a write; the board function is counted."""
    from fastapi.testclient import TestClient

    from ecozone.catalogue import load_metrics
    from ecozone.io.tables import read_dataset
    from ecozone.store import db
    from ecozone.store.repository import Actor, add_user, import_dataset
    from ecozone.web import views
    from ecozone.web.app import create_app

    calls = 0
    original = views._board_view

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        return original(*args, **kwargs)

    views._board_view = counted  # type: ignore[assignment]
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.db"
        db.upgrade(url)
        engine = db.engine_for(url)
        with db.session_factory(engine)() as session, session.begin():
            import_dataset(session, read_dataset(SAMPLE, load_metrics()), Actor("b", "province", "990000"), "基准")
            add_user(session, "zhou", "prefecture", "990100", "benchmark-password")
        app = create_app(url, secret="b" * 64)
        clients = []
        for _ in range(20):
            client = TestClient(app, follow_redirects=False)
            page = client.get("/login").text
            token = page.split('name="csrf" value="')[1].split('"')[0]
            client.post("/login", data={"name": "zhou", "password": "benchmark-password", "csrf": token})
            clients.append(client)
        clients[0].get("/")  # the board, cached
        with db.session_factory(engine)() as session, session.begin():  # the write: a new data revision
            changed = read_dataset(SAMPLE, load_metrics())
            changed = type(changed)(changed.regions, changed.observations.with_columns(
                value=pl.col("value") * 1.01), changed.assigned)
            import_dataset(session, changed, Actor("b", "province", "990000"), "修改")
        engine.dispose()
        calls = 0
        with concurrent.futures.ThreadPoolExecutor(20) as pool:
            statuses = list(pool.map(lambda c: c.get("/").status_code, clients))
    views._board_view = original  # type: ignore[assignment]
    row("web board right after a write, 20 clients at once", f"computed {calls}×",
        f"{statuses.count(200)} of 20 answered", "", "one computation", calls == 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-16x", action="store_true")
    args = parser.parse_args()
    print(f"polars {pl.__version__}, {pl.thread_pool_size()} threads; median of {args.runs} (floor: {5 * args.runs}, "
          f"short commands: {3 * args.runs})")
    print("| Figure | Measured | Floor / peer (same run) | Ratio | Goal | |\n|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        panel = folder / "panel"
        from ecozone.cli import national

        with contextlib.redirect_stdout(io.StringIO()):
            national.synth(output=panel, regions="all", years="2014-2023", standard="mee-2019", seed=1)
        engine_vs_floor(panel, args.runs)
        batch_vs_peer(panel, folder, args.runs)
        if not args.skip_16x:
            sixteen_times(panel, folder)
        start_up(max(args.runs, 7))
        board_after_write()
        shutil.rmtree(panel, ignore_errors=True)


if __name__ == "__main__":
    main()
