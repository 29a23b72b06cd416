"""Benchmark: the engine alone on `ecozone synth`'s national panel (2,851 counties × 10 years, mee-2019).

Prints figures; never part of the test run. Target: under 0.5 s per assessment on 2 cores.

    python benchmarks/engine_national.py [--years 10] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import polars as pl

from ecozone import load_standard
from ecozone.engine import assess
from ecozone.national.synth import synthetic_panel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    standard = load_standard("mee-2019")
    t0 = time.perf_counter()
    panel = synthetic_panel(standard, None, list(range(2024 - args.years, 2024)))
    profiles, observations, assigned = panel.regions, panel.observations, panel.assigned
    build = time.perf_counter() - t0
    print(f"polars {pl.__version__}, threads {pl.thread_pool_size()}")
    print(f"panel: {profiles.height} regions × {args.years} years, {observations.height:,} observations "
          f"({build:.2f} s to generate)")

    timings = []
    for _ in range(args.runs + 1):
        start = time.perf_counter()
        result = assess(standard, profiles, observations, 2023, assigned)
        timings.append(time.perf_counter() - start)
    first, warm = timings[0], timings[1:]
    floor = []
    values = observations["value"].to_numpy()
    for _ in range(args.runs):  # the floor: one vectorised pass comparing every figure with a target
        start = time.perf_counter()
        int((values >= 60.0).sum())
        floor.append(time.perf_counter() - start)
    print(f"engine, first run (includes compiling the pack): {first * 1000:.0f} ms")
    print(f"engine, warm runs: median {statistics.median(warm) * 1000:.0f} ms, "
          f"min {min(warm) * 1000:.0f} ms, max {max(warm) * 1000:.0f} ms over {len(warm)} runs")
    ratio = statistics.median(warm) / statistics.median(floor)
    print(f"floor (one numpy comparison over the same {values.size:,} values): median "
          f"{statistics.median(floor) * 1000:.2f} ms; ratio engine/floor {ratio:,.0f}×")
    print(f"output: {result.items.height:,} item rows, {result.indicators.height:,} indicator rows, "
          f"{result.regions.height:,} verdicts")
    print("verdicts:", dict(result.regions.group_by("verdict").len().iter_rows()))

    from ecozone.engine.plan import plan
    from ecozone.engine.weakpoints import outlook

    timings = []
    for _ in range(args.runs):
        start = time.perf_counter()
        view = outlook(result, observations)
        phased = plan(view, cap=300)
        timings.append(time.perf_counter() - start)
    print(f"outlook (trend + score + weak points) and plan on top of the engine: median "
          f"{statistics.median(timings) * 1000:.0f} ms, min {min(timings) * 1000:.0f} ms over {len(timings)} runs; "
          f"{view.units.height:,} unit trends, {view.weak_points.height:,} weak points, "
          f"{phased.filter(phased['plan_status'] == 'planned').height:,} regions planned")


if __name__ == "__main__":
    main()
