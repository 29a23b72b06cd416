"""What a change of rules does to the same data: each region's verdict under rules A and under rules B, and every
indicator whose judgement differs, with the engine's own sentence for why.

Indicators are paired by the metrics they read (packs renumber and rename; a metric is the same measured
quantity), so 第29项 of one table meets 第31项 of another when both judge 城镇污水处理率. An indicator with no
counterpart is listed as new or dropped.
"""

from __future__ import annotations

import polars as pl

from ecozone.catalogue import LoadedStandard
from ecozone.engine import Assessment

__all__ = ["changed_indicators", "changed_verdicts"]

_UNIT = ["region", "unit_id", "unit_name", "status", "target_text", "explanation"]


def _units(assessment: Assessment, standard: LoadedStandard) -> pl.DataFrame:
    """One row per (region, judged unit, metric its rules read) — from the pack, so a unit judged 不适用 (which
    reads nothing) still meets its counterpart."""
    units = assessment.items["unit_id"].unique().to_list()
    metrics = pl.DataFrame([(u, m) for u in units for m in standard.metrics_of(u)], orient="row",
                           schema={"unit_id": pl.String, "metric": pl.String})
    return assessment.items.select(_UNIT).join(metrics, on="unit_id", how="left")


def changed_indicators(a: Assessment, a_standard: LoadedStandard, b: Assessment, b_standard: LoadedStandard
                       ) -> pl.DataFrame:
    """Units whose status differs between the two assessments, or that are judged under one only (a unit that is
    不适用 where it has no counterpart changes nothing and is left out), per region, in B's order then A's:
    ``region, metric, unit_id_a, unit_name_a, status_a, target_a, unit_id_b, unit_name_b, status_b, target_b,
    why`` (B's explanation; for a dropped unit, A's)."""
    left = _units(a, a_standard).rename({c: f"{c}_a" for c in _UNIT if c != "region"})
    right = _units(b, b_standard).rename({c: f"{c}_b" for c in _UNIT if c != "region"})
    paired = left.join(right, on=["region", "metric"], how="full", coalesce=True)
    one_sided = pl.col("status_a").is_null() | pl.col("status_b").is_null()
    applicable = pl.coalesce("status_a", "status_b") != "not_applicable"
    changed = paired.filter((one_sided & applicable) | (pl.col("status_a") != pl.col("status_b")))
    return (changed
            .with_columns(why=pl.coalesce("explanation_b", "explanation_a"),
                          target_a=pl.col("target_text_a"), target_b=pl.col("target_text_b"))
            .unique(subset=["region", "unit_id_a", "unit_id_b"], keep="first", maintain_order=True)
            .sort("region", pl.col("unit_id_b").is_null(), "unit_id_b", "unit_id_a", maintain_order=True)
            .select("region", "metric", "unit_id_a", "unit_name_a", "status_a", "target_a", "unit_id_b",
                    "unit_name_b", "status_b", "target_b", "why"))


def changed_verdicts(a: pl.DataFrame, b: pl.DataFrame) -> pl.DataFrame:
    """Each region's verdict under A and B (the regions tables of two evaluations), with B's reasons that A did not
    give: ``region, name, verdict_a, verdict_b, changed, reason_b``."""
    said_a = pl.col("reasons_a").list.eval(pl.element().struct.field("message"))
    said_b = pl.col("reasons_b").list.eval(pl.element().struct.field("message"))
    return (a.select("region", "name", verdict_a="verdict", reasons_a="reasons")
            .join(b.select("region", verdict_b="verdict", reasons_b="reasons"), on="region", how="left")
            .with_columns(changed=pl.col("verdict_a") != pl.col("verdict_b"),
                          # what B says that A did not (a reason both share explains no change), all of it
                          reason_b=pl.coalesce(said_b.list.set_difference(said_a).list.join("；"), said_b.list.first()))
            .drop("reasons_a", "reasons_b"))
