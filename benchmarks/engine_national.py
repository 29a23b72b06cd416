"""Benchmark: the engine alone on a synthetic national panel (2,850 counties × 10 years, mee-2019).

Prints figures; never part of the test run. Target: under 0.5 s per assessment on 2 cores.

    python benchmarks/engine_national.py [--regions 2850] [--years 10] [--runs 5]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

import polars as pl

from ecozone import load_standard
from ecozone.engine import assess
from ecozone.engine.criteria import compile_standard
from ecozone.regions.profile import FLAGS, TERRAINS, ZONES


def synthetic_panel(n_regions: int, n_years: int, seed: int = 7) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    rng = random.Random(seed)
    standard = load_standard("mee-2019")
    leaves = compile_standard(standard).leaves
    metrics = leaves["metric"].unique().sort().to_list()
    codes = [f"{100000 + i:06d}" for i in range(n_regions)]
    profiles = pl.DataFrame(
        {
            "code": codes,
            "name": [f"县{i}" for i in range(n_regions)],
            "level": rng.choices(["县", "市"], weights=[0.9, 0.1], k=n_regions),
            "parent": None,
            "terrain": rng.choices(TERRAINS, k=n_regions),
            "zone": rng.choices(ZONES, k=n_regions),
            "city_size": rng.choices(["大城市", "中小城市"], k=n_regions),
            **{flag: [rng.random() < 0.1 for _ in range(n_regions)] for flag in FLAGS},
        },
        schema_overrides={"parent": pl.String},
    )
    years = list(range(2024 - n_years, 2024))
    grid = pl.DataFrame({"region": codes}).join(pl.DataFrame({"year": years}, schema={"year": pl.Int32}), how="cross")
    grid = grid.join(pl.DataFrame({"metric": metrics}), how="cross")
    n = grid.height
    kinds = {m: standard.metric(m) for m in metrics}
    state_of = {m: k.states[0] for m, k in kinds.items() if k.kind == "state"}
    is_state = grid["metric"].is_in(list(state_of))
    values = [None if rng.random() < 0.02 else rng.uniform(40, 100) for _ in range(n)]  # 2 % gaps
    observations = grid.with_columns(
        value=pl.when(~is_state).then(pl.Series(values, dtype=pl.Float64)),
        state=pl.when(is_state).then(pl.col("metric").replace_strict(state_of, default=None)),
        source=pl.lit("synthetic"),
        note=pl.lit(None, dtype=pl.String),
    )
    assigned_metrics = leaves.filter(pl.col("kind") == "assigned")["metric"].unique().to_list()
    assigned = (
        observations.filter(pl.col("metric").is_in(assigned_metrics))
        .select("region", "year", "metric", target=pl.col("value") * 0.98, source=pl.lit("synthetic"))
    )
    return profiles, observations, assigned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--regions", type=int, default=2850)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    t0 = time.perf_counter()
    profiles, observations, assigned = synthetic_panel(args.regions, args.years)
    build = time.perf_counter() - t0
    standard = load_standard("mee-2019")
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
