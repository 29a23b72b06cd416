"""The outlook of an assessment: trends, distance-to-target scores and ranked weak points.

Weak points (短板弱项) per region, in this order: binding indicators not met, binding data
missing, reference indicators not met, then risks — met but within the pack's margin of the
target (not at the metric's best value, which cannot gain a margin), or met but moving away so
that the target is projected to be lost within the horizon. Within a class, the largest relative
gap first. Each names the lead department recorded in the pack (指标分解、责任到人).

The score (得分) sits beside the verdict, never instead of it: per unit 0–100 linear from a
floor to the target (clipped), state and trend-only units 0 or 100; averaged per indicator,
per domain and overall with not-applicable units dropped; coverage says how much was scored.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from ecozone.engine.assess import Assessment
from ecozone.engine.trend import classify_trends
from ecozone.vocabulary import WEAK_CLASS

__all__ = ["WEAK_CLASSES", "Outlook", "outlook"]

WEAK_CLASSES = WEAK_CLASS.codes
SCORE_METHOD = (
    "得分：各指标按「距目标」线性计分（下限 0 分、达到目标 100 分，超出截断；下限取标准包给出的计分下限，"
    "未给出时取统计量的合理下限，越低越好的指标取合理上限，均无则按达标/未达标计 100/0 分）；"
    "状态类与趋势类指标达标 100 分、否则 0 分；先按指标、再按领域平均得总分，不适用指标不计入并重新归一，"
    "缺数据不计分但降低覆盖率。得分仅供排序参考，不改变申报结论。"
)


@dataclass(frozen=True)
class Outlook:
    """``units``: trend and score per (region, unit); ``weak_points``: ranked per region;
    ``scores``: per region overall, by domain, coverage."""

    assessment: Assessment
    units: pl.DataFrame
    weak_points: pl.DataFrame
    scores: pl.DataFrame


def _unit_frame(assessment: Assessment) -> pl.DataFrame:
    """Per (region, unit): the first numeric leaf's metric and target, and the unit's facts."""
    standard = assessment.standard
    # the leaf whose outlook matters: the first failing numeric leaf, else the first numeric one
    # (indicator 10 "≥55 且不降低" fails on its trend part while its level is met)
    numeric = (
        assessment.leaves.filter(pl.col("kind").is_in(["threshold", "assigned", "trend", "delta"]))
        .with_columns(_failing=pl.col("status") != "not_met")
        .sort("_failing", "pos")
        .group_by("region", "unit_id", maintain_order=True)
        .first()
        .select("region", "unit_id", "metric",
                leaf_target=pl.when(pl.col("kind").is_in(["threshold", "assigned"])).then(pl.col("target")))
    )
    metrics = sorted(set(numeric["metric"].to_list()))
    info = pl.DataFrame(
        {
            "metric": metrics,
            "sign": [-1.0 if standard.metric(m).direction == "lower" else 1.0 for m in metrics],
            "bounded": [standard.metric(m).unit == "%" and standard.metric(m).max == 100 for m in metrics],
            "metric_min": [standard.metric(m).min for m in metrics],
            "metric_max": [standard.metric(m).max for m in metrics],
        },
        schema_overrides={"metric_min": pl.Float64, "metric_max": pl.Float64},
    )
    indicators = pl.DataFrame(
        [
            {"indicator_id": ind.id, "method": ind.trend_method or ("linear" if ind.unit == "%" else "cagr"),
             "score_floor": ind.score_floor, "lead_department": standard.lead_department(ind)}
            for ind in standard.standard.indicators
        ],
        schema_overrides={"score_floor": pl.Float64, "lead_department": pl.String},
    )
    gates = assessment.indicators.select("region", "indicator_id", "gates", "attribute", "domain").unique(
        ["region", "indicator_id"])
    units = (
        assessment.items.select("region", "unit_id", "indicator_id", "item_id", "unit_name", "unit", "status",
                                "value", "target_value", "gap", "relative_gap")
        .join(numeric, on=["region", "unit_id"], how="left")
        .join(info, on="metric", how="left")
        .join(indicators, on="indicator_id", how="left")
        .join(gates, on=["region", "indicator_id"], how="left")
    )
    # a unit's method: linear for a % unit, else the indicator's
    return units.with_columns(
        method=pl.when(pl.col("unit") == "%").then(pl.lit("linear")).otherwise(pl.col("method")),
        target=pl.col("leaf_target"),
    ).drop("leaf_target")


def outlook(assessment: Assessment, observations: pl.DataFrame) -> Outlook:
    params = assessment.standard.standard.parameters.outlook
    units = _unit_frame(assessment)
    trends = classify_trends(units.filter(pl.col("metric").is_not_null()), observations, assessment.year, params)
    units = units.join(
        trends.select("region", "unit_id", "n_points", "first_year", "first_value", "last_year", "slope", "ratio",
                      "growth_pct", "trend_class", "years_to_target", "projected_year"),
        on=["region", "unit_id"], how="left",
    )
    units = units.with_columns(score=_score())
    return Outlook(assessment, units, _weak_points(units, params.risk_margin, params.horizon_years),
                   _scores(units))


def _score() -> pl.Expr:
    status, value, target, sign = pl.col("status"), pl.col("value"), pl.col("target"), pl.col("sign")
    floor = pl.coalesce(
        pl.col("score_floor"),
        pl.when(sign > 0).then(pl.col("metric_min")).otherwise(pl.col("metric_max")),
    )
    span = target - floor
    linear = ((value - floor) / span).clip(0.0, 1.0) * 100
    binary = pl.when(status == "met").then(100.0).otherwise(0.0)
    return (
        pl.when(status.is_in(["not_applicable", "missing", "needs_review"])).then(None)
        .when(status == "met").then(100.0)
        .when(value.is_not_null() & target.is_not_null() & floor.is_not_null() & (span != 0)).then(linear)
        .otherwise(binary)
    )


def _scores(units: pl.DataFrame) -> pl.DataFrame:
    # groups in the order of the rows (the table's): a region's domains are listed as the standard lists them, and
    # the same figures give the same document byte for byte (hash grouping ordered them differently each run)
    applicable = units.filter(pl.col("status") != "not_applicable")
    by_indicator = applicable.group_by("region", "domain", "indicator_id", maintain_order=True).agg(
        score=pl.col("score").mean(), scored=pl.col("score").is_not_null().any())
    by_domain = by_indicator.group_by("region", "domain", maintain_order=True).agg(
        score=pl.col("score").mean(), scored=pl.col("scored").sum(), applicable=pl.len())
    return (
        by_domain.group_by("region", maintain_order=True)
        .agg(
            overall=pl.col("score").mean(),
            by_domain=pl.struct("domain", pl.col("score").round(1)),
            coverage=pl.col("scored").sum() / pl.col("applicable").sum(),
        )
        .with_columns(pl.col("overall").round(1), pl.col("coverage").round(3))
        .sort("region")
    )


def _weak_points(units: pl.DataFrame, margin: float, horizon: int) -> pl.DataFrame:
    status, gates = pl.col("status"), pl.col("gates")
    projected_value = pl.col("value") + pl.col("slope") * horizon
    losing = (pl.col("sign") * (projected_value - pl.col("target")) < 0) & pl.col("trend_class").is_in(
        ["moving_away", "decline", "stagnation", "limited", "acceleration_needed"])
    # a value at the metric's best (100 % of a share, 0 of a rate) cannot gain a margin: listing it as
    # 「余量小」 would pad the list with every indicator met in full; it is still a risk if it trends away
    at_best = ((pl.col("sign") > 0) & (pl.col("value") >= pl.col("metric_max"))) | (
        (pl.col("sign") < 0) & (pl.col("value") <= pl.col("metric_min")))
    weak_class = (
        pl.when(gates & (status == "not_met")).then(pl.lit("binding_not_met"))
        .when(gates & status.is_in(["missing", "needs_review"])).then(pl.lit("binding_missing"))
        .when(~gates & (status == "not_met")).then(pl.lit("reference_not_met"))
        .when((status == "met") & (pl.col("relative_gap") < margin) & ~at_best).then(pl.lit("risk_margin"))
        .when((status == "met") & pl.col("slope").is_not_null() & losing).then(pl.lit("risk_trend"))
    )
    order = {c: i for i, c in enumerate(WEAK_CLASSES)}
    return (
        units.with_columns(weak_class=weak_class)
        .filter(pl.col("weak_class").is_not_null())
        .with_columns(_class_rank=pl.col("weak_class").replace_strict(order, return_dtype=pl.Int8))
        .sort("region", "_class_rank", "relative_gap", nulls_last=True)
        .with_columns(rank=pl.int_range(1, pl.len() + 1).over("region"),
                      # a year of reaching the target is said only of a figure that is there to project
                      projected_year=pl.when(status.is_in(["met", "not_met"])).then(pl.col("projected_year")))
        .select("region", "rank", "weak_class", "unit_id", "indicator_id", "unit_name", "domain", "attribute",
                "status", "value", "target", "gap", "relative_gap", "trend_class", "projected_year",
                "lead_department")
    )
