"""The NumPy floor of the engine: the same judgement as a hand-written pass over arrays already laid out by region.

    python -m benchmarks.floor_numpy PANEL_FOLDER [--standard mee-2019] [--year 2023] [--runs 5]

The figures are first arranged (not timed) as one array per metric and quantity — the judged year's value and text,
the window's first value, slope and mean — and the regions' attributes as arrays. Timed: every leaf judged with
vectorised comparisons (variants picked by boolean masks, first match wins), leaves folded into indicators (worst
first; best first under an 'any'), indicators into verdicts. No validation, no outlier review, no texts: the least
the judgement can cost. `benchmarks/compare.py` prints the engine against it and the agreement of their statuses.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from ecozone.catalogue import load_metrics, load_standard
from ecozone.catalogue.model import AllOf, AnyOf, CaseOf, Threshold, When

MET, NEEDS, MISSING, NOT_MET, NA = 3, 1, 2, 0, 4  # worst-first ranks (not_met lowest)
NAMES = {MET: "met", MISSING: "missing", NOT_MET: "not_met", NA: "not_applicable"}


def arrays(panel: Path, year: int, window: int) -> tuple[pl.DataFrame, dict[str, dict[str, np.ndarray]],
                                                         dict[str, np.ndarray]]:
    """Regions, per metric its arrays (v, t, b, slope, mean) aligned on the regions, per metric the year's targets."""
    regions = pl.read_parquet(panel / "regions.parquet").sort("code")
    index = regions.select("code").with_row_index("i")
    figures = pl.read_parquet(panel / "observations.parquet").filter(
        pl.col("year").is_between(year - window + 1, year)).with_columns(x=pl.col("value").cast(pl.Float64,
                                                                                                 strict=False))
    stats = figures.group_by("region", "metric").agg(
        v=pl.col("x").filter(pl.col("year") == year).first(),
        t=pl.col("value").filter(pl.col("year") == year).first(),
        b=pl.col("x").filter(pl.col("year") == year - window + 1).first(),
        slope=pl.when(pl.col("x").count() >= 2).then(pl.cov("year", "x") / pl.col("year").var()),
        mean=pl.col("x").mean(),
    ).join(index, left_on="region", right_on="code")
    n = regions.height
    by_metric: dict[str, dict[str, np.ndarray]] = {}
    for (metric,), part in stats.partition_by("metric", as_dict=True).items():
        where = part["i"].to_numpy()
        laid: dict[str, np.ndarray] = {}
        for column in ("v", "b", "slope", "mean"):
            full = np.full(n, np.nan)
            full[where] = part[column].to_numpy()
            laid[column] = full
        text = np.full(n, None, dtype=object)
        text[where] = part["t"].to_numpy()
        laid["t"] = text
        by_metric[str(metric)] = laid
    assigned = pl.read_parquet(panel / "assigned.parquet").filter(pl.col("year") == year).join(
        index, left_on="region", right_on="code")
    targets: dict[str, np.ndarray] = {}
    for (metric,), part in assigned.partition_by("metric", as_dict=True).items():
        full = np.full(n, np.nan)
        full[part["i"].to_numpy()] = part["target"].to_numpy()
        targets[str(metric)] = full
    return regions, by_metric, targets


def _mask(when: When, regions: dict[str, np.ndarray]) -> np.ndarray:
    n = len(regions["code"])
    mask = np.ones(n, dtype=bool)
    for key, value in when.model_dump(exclude_none=True).items():
        column = regions[key]
        mask &= (column == value) if not isinstance(value, bool) else (column.astype(bool) == value)
    return mask


_OPS = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less, "==": np.equal}


def judge(standard_id: str, regions_frame: pl.DataFrame, by_metric: dict[str, dict[str, np.ndarray]],
          targets: dict[str, np.ndarray]) -> tuple[list[str], np.ndarray, np.ndarray]:
    """(indicator ids, status ranks [regions × indicators], gates) — the timed part."""
    loaded = load_standard(standard_id)
    metrics = load_metrics()
    tolerance = loaded.standard.parameters.stable_tolerance
    regions = {c: regions_frame[c].to_numpy() for c in regions_frame.columns}
    n = len(regions["code"])
    empty = {k: np.full(n, np.nan) for k in ("v", "b", "slope", "mean")} | {"t": np.full(n, None, dtype=object)}

    def leaf(criterion: Any) -> np.ndarray:
        f = by_metric.get(criterion.metric, empty)
        v, b = f["v"], f["b"]
        sign = 1.0 if metrics[criterion.metric].direction != "lower" else -1.0
        with np.errstate(invalid="ignore", divide="ignore"):
            if isinstance(criterion, Threshold):
                target = np.full(n, np.nan)
                left = np.ones(n, dtype=bool)
                for variant in criterion.variants():
                    here = left & _mask(variant.when, regions)
                    target[here] = variant.value
                    left &= ~here
                ok, missing = _OPS[criterion.op](v, target), np.isnan(v) | np.isnan(target)
            elif criterion.kind == "state":
                ok = np.isin(f["t"], list(criterion.accept))
                missing = np.equal(f["t"], None)
            elif criterion.kind == "assigned":
                target = targets.get(criterion.metric, np.full(n, np.nan))
                op = criterion.op or (">=" if sign > 0 else "<=")
                ok, missing = _OPS[op](v, target), np.isnan(v) | np.isnan(target)
            elif criterion.kind == "trend":
                slope, mean = f["slope"], f["mean"]
                if criterion.rule == "not_worse":
                    ok = np.round(sign * (v - b), 6) >= 0
                elif criterion.rule == "stable_or_better":
                    change = np.round(sign * slope / np.abs(mean) * 100, 6)
                    ok = np.where(mean == 0, sign * slope >= 0, change >= -tolerance)
                else:
                    ok = sign * slope > 0
                missing = np.isnan(v) | np.isnan(b) | np.isnan(slope)
            else:
                ok = _OPS[criterion.op](np.round(v - b, 6), criterion.value)
                missing = np.isnan(v) | np.isnan(b)
        return np.where(missing, MISSING, np.where(ok, MET, NOT_MET))

    def fold(criterion: Any) -> np.ndarray:
        if isinstance(criterion, AllOf):
            return np.minimum.reduce([fold(c) for c in criterion.of])
        if isinstance(criterion, AnyOf):  # best first: met, missing, not_met
            best = {MET: 0, MISSING: 2, NOT_MET: 3}
            ranks = np.minimum.reduce([np.vectorize(best.get)(fold(c)) for c in criterion.of])
            return np.select([ranks == 0, ranks == 2], [MET, MISSING], NOT_MET)
        if isinstance(criterion, CaseOf):
            out, left = np.full(n, NA), np.ones(n, dtype=bool)
            for case in criterion.cases:
                here = left & _mask(case.when, regions)
                out = np.where(here, fold(case.then), out)
                left &= ~here
            return out
        return leaf(criterion)

    ids, columns, gates = [], [], []
    for indicator in loaded.standard.indicators:
        applies = np.isin(regions["level"], list(indicator.applies_to.levels))
        for flag in indicator.applies_to.requires:
            applies &= regions[flag].astype(bool)
        units = [indicator.criterion] if indicator.criterion else [item.criterion for item in indicator.items]
        status = np.minimum.reduce([fold(u) for u in units])
        ids.append(indicator.id)
        columns.append(np.where(applies, status, NA))
        gates.append(indicator.attribute != "reference")
    return ids, np.column_stack(columns), np.array(gates)


def verdicts(status: np.ndarray, gates: np.ndarray) -> np.ndarray:
    gated = status[:, gates]
    return np.select([(gated == MISSING).any(axis=1), (gated == NOT_MET).any(axis=1)], ["incomplete", "not_ready"],
                     "ready")


def timed(panel: Path, standard_id: str, year: int, runs: int) -> tuple[float, pl.DataFrame]:
    """Median seconds of the judgement, and its statuses as (region, indicator_id, status)."""
    window = load_standard(standard_id).standard.parameters.trend_window
    regions, by_metric, targets = arrays(panel, year, window)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        ids, status, gates = judge(standard_id, regions, by_metric, targets)
        verdicts(status, gates)
        times.append(time.perf_counter() - start)
    return statistics.median(times), statuses(regions, ids, status)


def statuses(regions: pl.DataFrame, ids: list[str], status: np.ndarray) -> pl.DataFrame:
    """The judgement as (region, indicator_id, status) rows, to compare with ecozone's."""
    codes = regions["code"].to_list()
    return pl.DataFrame({"region": np.repeat(codes, len(ids)), "indicator_id": np.tile(ids, len(codes)),
                         "status": [NAMES[s] for s in status.reshape(-1)]})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("panel", type=Path)
    parser.add_argument("--standard", default="mee-2019")
    parser.add_argument("--year", type=int, default=2023)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    seconds, rows = timed(args.panel, args.standard, args.year, args.runs)
    print(f"NumPy judgement: median {seconds * 1000:.1f} ms; {rows.height:,} indicator statuses")


if __name__ == "__main__":
    main()
