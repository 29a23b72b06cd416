"""A synthetic national panel for benchmarks and load tests — realistic in shape, clearly not real.

Regions are the register's real codes and names (so the register resolves every one); every
figure is invented and its source says so. Each (region, metric) series starts at a level drawn
inside the metric's plausible range around the pack's target, moves by a small yearly trend with
noise, and stays inside the metric's bounds. Like a real country, about a fifth of the places are
leaders that sit near the good end of every metric, and gaps in the data cluster in a few places
with weak statistics (a tenth of them miss about 2 % of their figures). Deterministic for a given seed.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from ecozone.catalogue import LoadedStandard
from ecozone.dataset import Dataset
from ecozone.engine.criteria import compile_standard
from ecozone.regions.profile import FLAGS, TERRAINS
from ecozone.regions.register import load_register

__all__ = ["SYNTHETIC_SOURCE", "synthetic_panel"]

SYNTHETIC_SOURCE = "合成数据（ecozone synth 生成，非真实统计）"
LEADERS = 0.2          # share of places near the good end of every metric (the 示范区 candidates)
LEADER_GAP = 0.15      # a leader's distance from the best end, as a share of an ordinary place's
GAPPY, GAPPY_MISSING, MISSING = 0.1, 0.02, 0.0002  # places with weak statistics; their and others' missing share
_FLAG_SHARE = {"coastal": 0.08, "arid": 0.15, "plateau": 0.08, "grassland": 0.12, "contaminated_farmland": 0.3,
               "rural_black_odorous_water": 0.2}


def synthetic_panel(standard: LoadedStandard, provinces: list[str] | None, years: list[int], seed: int = 1) -> Dataset:
    """County-level units of the register (all, or of the given two-digit provinces) × years × the pack's metrics."""
    rng = np.random.default_rng(seed)
    register = load_register().filter(pl.col("kind") == "县级")
    if provinces:
        register = register.filter(pl.col("code").str.slice(0, 2).is_in(provinces))
    n = register.height
    regions = register.select(
        "code", "name", level=pl.lit("县"), parent="parent",
        terrain=pl.Series(rng.choice(TERRAINS, n)), zone="zone", city_size=pl.lit(None, pl.String),
        **{flag: pl.Series(rng.random(n) < _FLAG_SHARE[flag]) for flag in FLAGS},
    )
    leaves = compile_standard(standard).leaves
    metrics = leaves["metric"].unique().sort().to_list()
    numeric = [m for m in metrics if standard.metric(m).kind == "number"]
    better = dict(zip(leaves["metric"], leaves["sign"].fill_null(1), strict=True))  # +1: higher is better
    states = {m: standard.metric(m).states[0] for m in metrics if standard.metric(m).kind == "state"}
    leader = rng.random(n) < LEADERS
    observations = _observations(rng, regions["code"], numeric, states, years, standard,
                                 np.array([better.get(x, 1) for x in numeric], dtype=float), leader)
    leaders = regions["code"].filter(pl.Series(leader))
    return Dataset(regions, observations, _assigned(leaves, observations, rng, leaders))


def _observations(rng: np.random.Generator, codes: pl.Series, numeric: list[str], states: dict[str, str],
                  years: list[int], standard: LoadedStandard, sign: np.ndarray, leader: np.ndarray) -> pl.DataFrame:
    n, m, t = codes.len(), len(numeric), len(years)
    low = np.array([standard.metric(x).min if standard.metric(x).min is not None else 0.0 for x in numeric])
    high = np.array([standard.metric(x).max if standard.metric(x).max is not None else 100.0 for x in numeric])
    high = np.where(np.isfinite(high) & (high < 1e6), high, low + 100.0)
    span = high - low
    # most places sit towards the good end of a metric's range and mostly improve, some do not
    position = rng.beta(5, 1.6, (n, m))                           # 0 = worst end, 1 = best end; mean ≈ 0.76
    position = np.where(leader[:, None], 1 - (1 - position) * LEADER_GAP, position)
    start = np.where(sign > 0, low + span * position, high - span * position)
    trend = sign * span * rng.normal(0.004, 0.01, (n, m))        # about ±1 % of the range a year
    trend = np.where(leader[:, None], sign * span * rng.uniform(0.002, 0.008, (n, m)), trend)  # leaders improve
    steps = np.arange(t)[None, None, :]
    wobble = np.where(leader, 0.0005, 0.005)[:, None, None]      # and report steadier series
    noise = span[None, :, None] * wobble * rng.normal(0, 1, (n, m, t))
    # a lower-is-better figure keeps a twentieth of its range above the floor: an intensity or a concentration of
    # zero is not a place, and the engine rightly asks to check a jump to it (needs_review)
    floor = np.where(sign < 0, low + 0.05 * span, low)
    values = np.clip(start[:, :, None] + trend[:, :, None] * steps + noise, floor[None, :, None], high[None, :, None])
    # rates with a 100 % target (disclosure, safe drinking water …) are reported as exactly 100 by most places
    full = (sign > 0) & (high == 100.0)
    reports_full = rng.random((n, m, 1)) < np.where(leader, 0.95, 0.6)[:, None, None]
    values = np.where(full[None, :, None] & reports_full, 100.0, values)
    values = np.round(values, 2)
    missing = np.where(rng.random(n) < GAPPY, GAPPY_MISSING, MISSING)
    values[rng.random(values.shape) < missing[:, None, None]] = np.nan
    numbers = pl.DataFrame({
        "region": np.repeat(codes.to_numpy(), m * t),
        "metric": np.tile(np.repeat(np.array(numeric), t), n),
        "year": np.tile(np.array(years, dtype=np.int32), n * m),
        "value": values.reshape(-1),  # (region, metric, year) order, as the three columns above
    }).with_columns(pl.col("value").fill_nan(None), state=pl.lit(None, pl.String))
    labelled = (
        pl.DataFrame({"region": codes})
        .join(pl.DataFrame({"year": years}, schema={"year": pl.Int32}), how="cross")
        .join(pl.DataFrame({"metric": list(states), "state": list(states.values())}), how="cross")
        .select("region", "year", "metric", value=pl.lit(None, pl.Float64), state="state")
    )
    columns = ["region", "year", "metric", "value", "state"]
    return pl.concat([numbers.select(columns), labelled.select(columns)]).with_columns(
        source=pl.lit(SYNTHETIC_SOURCE), note=pl.lit(None, pl.String))


def _assigned(leaves: pl.DataFrame, observations: pl.DataFrame, rng: np.random.Generator,
              leaders: pl.Series) -> pl.DataFrame:
    """Targets set by the higher level for the pack's ``assigned`` metrics: close to the figures, either side
    (a leader's on the side it meets)."""
    metrics = leaves.filter(pl.col("kind") == "assigned")["metric"].unique().to_list()
    figures = observations.filter(pl.col("metric").is_in(metrics) & pl.col("value").is_not_null())
    factor = pl.Series(rng.uniform(0.95, 1.03, figures.height))
    sign = dict(zip(leaves["metric"], leaves["sign"].fill_null(1), strict=True))
    meets = pl.when(pl.col("metric").replace_strict(sign, default=1) > 0).then(pl.lit(0.98)).otherwise(pl.lit(1.02))
    factor_of = pl.when(pl.col("region").is_in(leaders.implode())).then(meets).otherwise(factor)
    return figures.select("region", "year", "metric", target=(pl.col("value") * factor_of).round(2),
                          source=pl.lit(SYNTHETIC_SOURCE))
