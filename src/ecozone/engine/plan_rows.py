"""What each region must report under a standard: one row per (region, unit, metric).

The template writer and the importer use this to know which figures apply to a place and
which target applies to it, with the same profile logic the engine judges by.
"""

from __future__ import annotations

import polars as pl

from ecozone.catalogue.load import LoadedStandard
from ecozone.engine.assess import region_leaves
from ecozone.engine.criteria import OP_TEXT, compile_standard

__all__ = ["figure_plan"]


def figure_plan(standard: LoadedStandard, profiles: pl.DataFrame) -> pl.DataFrame:
    """Rows ``region, indicator_id, item_id, unit_id, metric, kinds, target_display, assigned``.

    Only applicable units and the active branch of ``case`` criteria appear. ``assigned`` is
    true when the unit compares the metric with a target set by the higher level.
    """
    compiled = compile_standard(standard)
    regions = profiles.with_row_index("_r")
    leaves = region_leaves(compiled, regions.lazy()).collect()
    words = compiled.leaves.select("leaf_id", "metric", "metric_unit")
    shown = pl.format(
        "{}{}{}",
        pl.col("op").replace_strict(OP_TEXT, default="", return_dtype=pl.String),
        pl.col("target").round(4).cast(pl.String).str.strip_suffix(".0"),
        pl.col("metric_unit"),
    )
    with_basis = (
        pl.when(pl.col("basis").is_not_null()).then(pl.format("{}（{}）", shown, pl.col("basis"))).otherwise(shown)
    )
    rows = (
        leaves.join(words, on="leaf_id")
        .with_columns(target_display=pl.when(pl.col("kind") == "threshold").then(with_basis))
        .group_by("_r", "_u", "metric", maintain_order=True)
        .agg(
            first_leaf=pl.col("leaf_id").min(),
            kinds=pl.col("kind").unique(maintain_order=True),
            target_display=pl.col("target_display").drop_nulls().first(),
        )
        .with_columns(assigned=pl.col("kinds").list.contains("assigned"))
        .join(compiled.units.select("_u", "unit_id", "indicator_id", "item_id", "unit_name", "unit", "target_text"),
              on="_u")
        .join(regions.select("_r", region="code", region_name="name"), on="_r")
        .sort("_r", "_u", "first_leaf")
    )
    return rows.drop("_r", "_u", "first_leaf")
