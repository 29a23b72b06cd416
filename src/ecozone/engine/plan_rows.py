"""What each region must report under a standard: one row per (region, unit, metric).

The template writer and the importer use this to know which figures apply to a place and
which target applies to it, with the same profile logic the engine judges by.
"""

from __future__ import annotations

import polars as pl

from ecozone.catalogue.load import LoadedStandard
from ecozone.engine.assess import region_leaves
from ecozone.engine.criteria import OP_TEXT, compile_standard
from ecozone.regions.profile import FLAGS

__all__ = ["figure_plan", "omitted_units"]


def figure_plan(standard: LoadedStandard, profiles: pl.DataFrame) -> pl.DataFrame:
    """Rows ``region, indicator_id, item_id, unit_id, metric, kinds, target_display, assigned``.

    Only applicable units and the active branch of ``case`` criteria appear. ``assigned`` is
    true when the unit compares the metric with a target set by the higher level.
    """
    compiled = compile_standard(standard)
    regions = profiles.with_row_index("_r")
    leaves = region_leaves(compiled, regions.lazy()).collect()
    words = compiled.leaves.select("leaf_id", "metric", "metric_unit", "accept", "branch")
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
        # the target of the region's own branch: a county reads 开展, not the whole 市 100；县 开展
        .with_columns(target_display=pl.when(pl.col("kind") == "threshold").then(with_basis)
                      .when((pl.col("kind") == "state") & pl.col("branch").is_not_null())
                      .then(pl.format("{}（{}）", pl.col("accept").list.join("或"), pl.col("branch"))
                            .str.strip_suffix("（）")))
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


def omitted_units(standard: LoadedStandard, profiles: pl.DataFrame) -> pl.DataFrame:
    """Rows ``region, region_name, unit_id, indicator_id, unit_name, reason``: the units of the standard
    that do not apply to each region (an inland county's 近岸海域水质), with the engine's reason and the
    profile field of the 地区信息 sheet that makes it so («沿海» is 否).

    Whether a unit applies is the engine's own applicability expression, the one ``figure_plan`` and the
    judgement use; the profile field only explains it."""
    compiled = compile_standard(standard)
    regions = profiles.with_row_index("_r")
    applies = pl.concat([regions.select("_r", _u=pl.lit(unit, dtype=pl.Int64), applies=expr.fill_null(False))
                         for unit, expr in compiled.applicable.items()])
    left_out = (
        applies.filter(~pl.col("applies"))
        .join(compiled.units.select("_u", "unit_id", "indicator_id", "unit_name", "not_applicable_text", "levels",
                                    "requires"), on="_u")
        .join(regions, on="_r")
        .sort("_r", "_u")
    )
    rows = []
    for row in left_out.iter_rows(named=True):
        why = _why_not(row, row["levels"], row["requires"])
        reason = row["not_applicable_text"].rstrip("。") + (f"；{why}" if why else "")
        rows.append({"region": row["code"], "region_name": row["name"], "unit_id": row["unit_id"],
                     "indicator_id": row["indicator_id"], "unit_name": row["unit_name"], "reason": reason})
    schema = {"region": pl.String, "region_name": pl.String, "unit_id": pl.String, "indicator_id": pl.String,
              "unit_name": pl.String, "reason": pl.String}
    return pl.DataFrame(rows, schema=schema)


def _why_not(region: dict[str, object], levels: list[str], requires: list[str]) -> str | None:
    """What of the region's profile rules the unit out, in the 地区信息 sheet's words; None if no single field
    of the unit's own applicability does (an item ruled out by its indicator's levels, say)."""
    if region.get("level") not in levels:
        return f"本地区「级别」为「{region.get('level')}」"
    missing = [FLAGS[flag] for flag in requires if not region.get(flag)]
    return "本地区" + "、".join(f"「{label}」" for label in missing) + "为「否」" if missing else None
