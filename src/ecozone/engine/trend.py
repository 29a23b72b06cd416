"""Per-series statistics over the judging window: base value, slope, history median.

Trend method (cited in every explanation): the direction of a series over the window
``[Y − w + 1, Y]`` is the ordinary least-squares slope of value on year; "stable" allows a
yearly relative change down to −tolerance % of the window mean (the StatCan / Open SDG
stagnation band). A change against a missing base year is undefined, never 100 %.
"""

from __future__ import annotations

import polars as pl

from ecozone.catalogue.model import Outlook
from ecozone.vocabulary import TREND_CLASS

__all__ = ["TREND_CLASSES", "TREND_METHOD", "classify_trends", "outlook_method", "window_stats", "years_read"]

TREND_METHOD = ("「保持稳定或持续改善」「不降低」按判定期内逐年数值拟合的直线（最小二乘）判断升降；"
                "判定期首年缺数据时不计算变化")
# Totality: every finite series gets a class and a target year or none. A slope smaller than this share of
# the series' size is a flat series seen through binary floating point; a target more than
# PROJECTION_LIMIT_YEARS away at the observed pace is not given a year (it is "进展有限", no year).
_FLAT = 1e-9
PROJECTION_LIMIT_YEARS = 50


def years_read(year: int, window: int) -> tuple[int, int]:
    """The first and last year whose figures a judgement of ``year`` reads: the window and, before it, the year
    that completes the history a value is compared with (``window_stats``). No figure outside them changes a
    status, a value or a text of the assessment."""
    return year - window, year


def window_stats(
    observations: pl.LazyFrame,
    metrics: list[int] | list[str],
    year: int,
    window: int,
    by: tuple[str, ...] = ("region", "metric"),
    metric: str = "metric",
) -> pl.LazyFrame:
    """One row per (region, metric) with n, base value, OLS slope, window mean, history mean.

    The slope comes from running sums (n, Σx, Σy, Σxy, Σx²) rather than per-group filters,
    which keeps a national panel to plain vectorised sums. ``history_mean`` is the mean of
    the ``window`` years before ``year``; it flags a value far from the place's own history
    (a unit slip such as 0.95 entered for 95 %). A median would resist one bad earlier year
    better, but costs a sort per series (about 0.1 s on the national panel); a bad earlier
    year is itself flagged in its own year.
    """
    base_year = year - window + 1
    numeric = observations.filter(pl.col("year").is_between(*years_read(year, window))).filter(
        pl.col("value").is_not_null() & pl.col(metric).is_in(metrics)
    )
    in_window = pl.col("year") >= base_year
    x = pl.when(in_window).then((pl.col("year") - base_year).cast(pl.Float64))
    y = pl.when(in_window).then(pl.col("value"))
    numeric = numeric.with_columns(_x=x, _y=y, _xy=x * y, _xx=x * x, _n=in_window.cast(pl.Float64))
    sums = numeric.group_by(*by).agg(
        n_points=pl.col("_n").sum(),
        _sx=pl.col("_x").sum(),
        _sy=pl.col("_y").sum(),
        _sxy=pl.col("_xy").sum(),
        _sxx=pl.col("_xx").sum(),
        base_value=pl.when(pl.col("year") == base_year).then(pl.col("value")).max(),
        history_mean=pl.when(pl.col("year") < year).then(pl.col("value")).mean(),
        history_min=pl.when(pl.col("year") < year).then(pl.col("value")).min(),
        history_max=pl.when(pl.col("year") < year).then(pl.col("value")).max(),
        window_min=pl.col("_y").min(),
        window_max=pl.col("_y").max(),
    )
    n, sx, sy = pl.col("n_points"), pl.col("_sx"), pl.col("_sy")
    denominator = n * pl.col("_sxx") - sx * sx
    slope = pl.when(denominator > 0).then((n * pl.col("_sxy") - sx * sy) / denominator)
    mean = pl.when(n > 0).then(sy / n)
    return sums.with_columns(window_mean=mean, slope=slope).with_columns(
        # a flat series' slope is 0, not binary residue (1e-17 > 0 would read as "持续改善")
        slope=pl.when(pl.col("slope").abs() <= _FLAT * (pl.col("window_mean").abs() + 1)).then(0.0)
        .otherwise(pl.col("slope")),
    ).drop("_sx", "_sy", "_sxy", "_sxx")


TREND_CLASSES = TREND_CLASS.codes
def outlook_method(params: Outlook) -> str:
    """The outlook method in words, with the cut-offs of the pack that produced the results."""
    on, acc, cut = _num(params.on_track_ratio), _num(params.acceleration_ratio), _num(params.progress_cutoff)
    return (
        "趋势与预计达标年份：把首年至评价年度的实际年均变化（比例类指标按每年变化几个百分点，其余按年均增长率）"
        f"与评价年度后 {params.horizon_years} 年内达标所需的年均变化相比——"
        f"达到所需的 {_share(on)} 及以上为「按期可达」，"
        f"{_share(acc)} 至 {_share(on)} 为「需加快」，不足 {_share(acc)} 为「进展有限」，方向相反为「背离目标」；"
        f"没有数值目标的指标按每年变化是否超过 {cut}% 分为改善、停滞、变差"
        "（接近 100% 的比例类指标按剩余空间相应放宽）；"
        f"数据少于 {params.min_points} 年不分级；背离目标、或按现有速度 {PROJECTION_LIMIT_YEARS} 年内仍达不到目标的，"
        "不给出预计达标年份。（方法参照加拿大统计局与联合国可持续发展目标进展评估的通行做法。）"
    )


def _share(ratio: str) -> str:
    return f"{float(ratio) * 100:g}%"


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")



def classify_trends(
    units: pl.DataFrame,
    observations: pl.DataFrame,
    year: int,
    params: Outlook,
) -> pl.DataFrame:
    """Trend class and projected attainment per (region, unit).

    ``units``: region, unit_id, metric, target (may be null), sign (+1 higher is better,
    −1 lower), bounded (a share capped at 100), method ("cagr" or "linear").
    Returns those columns plus n_points, first/last year and value, slope (units a year),
    growth_pct (good-direction % a year), ratio, trend_class, years_to_target, projected_year.
    """
    series = (
        observations.lazy()
        .filter((pl.col("year") <= year) & pl.col("value").is_not_null())
        .join(units.lazy().select("region", "metric", "unit_id"), on=["region", "metric"])
    )
    x = pl.col("year").cast(pl.Float64)
    y = pl.col("value")
    stats = series.group_by("region", "unit_id").agg(
        n_points=pl.len(),
        first_year=pl.col("year").min(),
        last_year=pl.col("year").max(),
        first_value=y.sort_by("year").first(),
        last_value=y.sort_by("year").last(),
        _sxy=((x - x.mean()) * (y - y.mean())).sum(),
        _sxx=((x - x.mean()) ** 2).sum(),
        mean=y.mean(),
    ).with_columns(
        # one point has no slope; a slope that is float residue of a flat series (1e-17) is zero
        slope=pl.when(pl.col("_sxx") > 0).then(pl.col("_sxy") / pl.col("_sxx")),
    ).with_columns(
        slope=pl.when(pl.col("slope").abs() <= _FLAT * (pl.col("mean").abs() + 1)).then(0.0)
        .otherwise(pl.col("slope")),
    ).drop("_sxy", "_sxx")
    frame = units.lazy().join(stats, on=["region", "unit_id"], how="left")
    sign, target = pl.col("sign"), pl.col("target")
    x0, xn, y0, yn = pl.col("first_value"), pl.col("last_value"), pl.col("first_year"), pl.col("last_year")
    target_year = year + params.horizon_years
    span = (yn - y0).cast(pl.Float64)
    positive = (x0 > 0) & (xn > 0) & (target.fill_null(1) > 0)
    cagr = pl.col("method") == "cagr"
    use_cagr = cagr & positive & (span > 0)
    observed = pl.when(use_cagr).then((xn / x0) ** (1 / span) - 1).otherwise(pl.col("slope"))
    required = (
        pl.when(use_cagr).then((target / x0) ** (1 / (target_year - y0).cast(pl.Float64)) - 1)
        .otherwise((target - x0) / (target_year - y0).cast(pl.Float64))
    )
    ratio = pl.when(required != 0).then(observed / required)
    achieved = target.is_not_null() & (sign * (xn - target) >= 0)
    # good-direction growth, % a year, for series without a numeric target
    growth = (
        pl.when(use_cagr).then(sign * observed * 100)
        .when(pl.col("mean").abs() > 0).then(sign * pl.col("slope") / pl.col("mean").abs() * 100)
        .when(pl.col("slope") == 0).then(0.0)  # an all-zero series: no change
    )
    headroom = pl.when(pl.col("bounded") & (sign > 0)).then((100 - x0) / 100).when(
        pl.col("bounded") & (sign < 0)).then(x0 / 100).otherwise(1.0).clip(0.0, 1.0)
    cutoff = params.progress_cutoff
    trend_class = (
        pl.when(pl.col("n_points").fill_null(0) < params.min_points).then(pl.lit("insufficient_data"))
        .when(achieved).then(pl.lit("achieved"))
        .when(target.is_not_null() & ratio.is_null()).then(pl.lit("moving_away"))
        .when(target.is_not_null() & (ratio >= params.on_track_ratio)).then(pl.lit("on_track"))
        .when(target.is_not_null() & (ratio >= params.acceleration_ratio)).then(pl.lit("acceleration_needed"))
        .when(target.is_not_null() & (ratio >= 0)).then(pl.lit("limited"))
        .when(target.is_not_null()).then(pl.lit("moving_away"))
        .when(growth >= cutoff * headroom).then(pl.lit("progress"))
        .when(growth <= -cutoff).then(pl.lit("decline"))
        .otherwise(pl.lit("stagnation"))
    )
    toward = sign * (target - xn) > 0
    raw_years = (
        pl.when(use_cagr & (observed * sign > 0)).then((target / xn).log() / (1 + observed).log())
        .when(~use_cagr & (sign * pl.col("slope") > 0)).then((target - xn) / pl.col("slope"))
    )
    # a target further off than the projection limit (a crawl of 1e-9 a year) has no target year
    years = pl.when(toward & (raw_years > 0) & (raw_years <= PROJECTION_LIMIT_YEARS)).then(raw_years)
    projected = (
        pl.when(achieved).then(yn)
        .when(pl.col("trend_class").is_in(["on_track", "acceleration_needed", "limited"]))
        .then(yn + pl.col("years_to_target").ceil().cast(pl.Int32))
    )
    return (
        frame.with_columns(ratio=ratio, growth_pct=growth, trend_class=trend_class, years_to_target=years)
        .with_columns(projected_year=projected.cast(pl.Int32))
        .collect()
    )
