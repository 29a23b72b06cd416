"""The phased plan (分期分批): which region can apply in which year, at the present pace.

For each region: the earliest year every gate is projected to pass — a gating indicator
not met passes in the year after its projected attainment (that year's figures are judged
in the application the year after); a region already ready may apply from ``from_year``.
A region cannot be planned while a veto stands, a self-check question is open, gating data
are missing, or a gating indicator is moving away or has too few points: the plan says so.
Planned regions are grouped into batches by year; with a cap (总量控制) the overflow moves to
the next year, smallest remaining gap first.
"""

from __future__ import annotations

import polars as pl

from ecozone.engine.weakpoints import Outlook
from ecozone.vocabulary import TREND_CLASS

__all__ = ["plan"]



def plan(
    outlook: Outlook,
    verdicts: pl.DataFrame | None = None,
    *,
    from_year: int | None = None,
    cap: int | None = None,
) -> pl.DataFrame:
    """One row per region: status, earliest and planned year, batch, priority and reasons.

    ``verdicts``: the self-check's regions (verdict, reasons); without it, vetoes are not
    considered and the plan says so.
    """
    assessment = outlook.assessment
    start = from_year if from_year is not None else assessment.year + 1
    units = outlook.units.filter(pl.col("gates") & (pl.col("status") != "not_applicable"))
    open_units = units.filter(pl.col("status") != "met")
    text = pl.format("第{}项{}", pl.col("unit_id"), pl.col("unit_name"))
    per_region = open_units.group_by("region").agg(
        missing=text.filter(pl.col("status").is_in(["missing", "needs_review"])),
        stuck=pl.format("{}（{}）", text, pl.col("trend_class").fill_null("insufficient_data").replace_strict(
            TREND_CLASS, return_dtype=pl.String)).filter(
            (pl.col("status") == "not_met") & pl.col("projected_year").is_null()),
        last_needed=pl.col("projected_year").filter(pl.col("status") == "not_met").max(),
        priority=pl.col("relative_gap").abs().filter(pl.col("status") == "not_met").sum(),
    )
    regions = assessment.regions.select("region", "name", "verdict").join(per_region, on="region", how="left")
    if verdicts is not None:
        regions = regions.drop("verdict").join(verdicts.select("region", "verdict", "reasons"), on="region")
        veto_reason = pl.col("reasons").list.eval(
            pl.element().filter(pl.element().struct.field("code").is_in(["veto_hit", "veto_unanswered"]))
            .struct.field("message")).list.join("；")
    else:
        veto_reason = pl.lit("")
    empty = pl.lit([], dtype=pl.List(pl.String))
    regions = regions.with_columns(pl.col("missing").fill_null(empty), pl.col("stuck").fill_null(empty),
                                   pl.col("priority").fill_null(0.0), veto_reason=veto_reason)
    status = (
        pl.when(pl.col("veto_reason") != "").then(pl.lit("blocked"))
        .when((pl.col("missing").list.len() > 0) | (pl.col("stuck").list.len() > 0)).then(pl.lit("cannot_plan"))
        .otherwise(pl.lit("planned"))
    )
    earliest = pl.max_horizontal(pl.lit(start), (pl.col("last_needed") + 1).fill_null(start))
    reason = (
        pl.when(pl.col("veto_reason") != "").then(pl.col("veto_reason"))
        .when(pl.col("missing").list.len() > 0).then(pl.format("需先补齐数据：{}", pl.col("missing").list.join("、")))
        .when(pl.col("stuck").list.len() > 0)
        .then(pl.format("按当前趋势无法推算达标年份：{}", pl.col("stuck").list.join("、")))
        .when(pl.col("last_needed").is_not_null())
        .then(pl.format("约束性指标预计 {} 年达标，{} 年可申报", pl.col("last_needed"), earliest))
        .otherwise(pl.format("约束性指标已全部达标，可于 {} 年申报", earliest))
    )
    regions = regions.with_columns(plan_status=status, earliest_year=pl.when(status == "planned").then(earliest),
                                   reason=reason)
    planned = _batches(regions.filter(pl.col("plan_status") == "planned"), cap)
    return (
        regions.join(planned, on="region", how="left")
        .select("region", "name", "verdict", "plan_status", "earliest_year", "planned_year", "batch", "priority",
                "reason")
        .sort(pl.col("planned_year").fill_null(9999), "priority", "region")
    )


def _batches(planned: pl.DataFrame, cap: int | None) -> pl.DataFrame:
    """Assign years; with a cap, overflow moves to the next year, smallest remaining gap first."""
    ordered = planned.sort("earliest_year", "priority", "region")
    if cap is None:
        return ordered.select("region", planned_year="earliest_year").with_columns(
            batch=pl.col("planned_year").rank("dense").cast(pl.Int32))
    # a queue over years: each year takes up to `cap` of the regions that are eligible by then
    years: list[int] = []
    taken: dict[int, int] = {}
    for earliest in ordered["earliest_year"].to_list():  # one pass over the planned regions
        year = int(earliest)
        while taken.get(year, 0) >= cap:
            year += 1
        taken[year] = taken.get(year, 0) + 1
        years.append(year)
    return ordered.select("region").with_columns(planned_year=pl.Series(years, dtype=pl.Int32)).with_columns(
        batch=pl.col("planned_year").rank("dense").cast(pl.Int32))
