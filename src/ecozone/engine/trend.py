"""Per-series statistics over the judging window: base value, slope, history median.

Trend method (cited in every explanation): the direction of a series over the window
``[Y − w + 1, Y]`` is the ordinary least-squares slope of value on year; "stable" allows a
yearly relative change down to −tolerance % of the window mean (the StatCan / Open SDG
stagnation band). A change against a missing base year is undefined, never 100 %.
"""

from __future__ import annotations

import polars as pl

__all__ = ["TREND_METHOD", "window_stats"]

TREND_METHOD = "线性回归（OLS）斜率，判定期内逐年数值；基期缺数据时不计算变化"


def window_stats(observations: pl.LazyFrame, metrics: list[str], year: int, window: int) -> pl.LazyFrame:
    """One row per (region, metric) with n, base value, OLS slope, mean and history median.

    ``history_median`` is the median of the ``window`` years before ``year``; it is used
    to flag a value that is far from the place's own history (a unit slip such as 0.95
    entered for 95 %).
    """
    base_year = year - window + 1
    numeric = observations.filter(
        pl.col("metric").is_in(metrics)
        & pl.col("value").is_not_null()
        & pl.col("year").is_between(year - window, year)
    )
    in_window = pl.col("year") >= base_year
    x = pl.col("year").filter(in_window).cast(pl.Float64)
    y = pl.col("value").filter(in_window)
    x_dev = x - x.mean()
    return numeric.group_by("region", "metric").agg(
        n_points=in_window.sum(),
        base_value=pl.col("value").filter(pl.col("year") == base_year).first(),
        slope=(x_dev * (y - y.mean())).sum() / (x_dev * x_dev).sum(),
        window_mean=y.mean(),
        history_median=pl.col("value").filter(pl.col("year") < year).median(),
    )
