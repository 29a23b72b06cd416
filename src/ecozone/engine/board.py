"""The prefecture's board: weak points shared by several regions, and counts by domain."""

from __future__ import annotations

import polars as pl

from ecozone.engine.assess import Assessment
from ecozone.engine.weakpoints import Outlook

__all__ = ["domain_counts", "shared_weak_points"]

_SHARED = ("binding_not_met", "binding_missing", "reference_not_met", "risk_trend")


def shared_weak_points(outlook: Outlook, minimum: int = 2) -> pl.DataFrame:
    """Weak points (not mere margins) found in at least ``minimum`` regions: prefecture-level actions."""
    names = outlook.assessment.regions.select("region", "name")
    return (
        outlook.weak_points.filter(pl.col("weak_class").is_in(list(_SHARED)))
        .join(names, on="region")
        .group_by("unit_id", "unit_name", "weak_class")
        .agg(regions=pl.len(), names=pl.col("name").sort())
        .filter(pl.col("regions") >= minimum)
        .sort("regions", "unit_id", descending=[True, False])
    )


def domain_counts(assessment: Assessment) -> pl.DataFrame:
    """Per region and domain: applicable, met, not met, missing indicators."""
    status = pl.col("status")
    return (
        assessment.indicators.filter(status != "not_applicable")
        .join(assessment.regions.select("region", region_name="name"), on="region")
        .group_by("region", "region_name", "domain", maintain_order=True)
        .agg(applicable=pl.len(), met=(status == "met").sum(), not_met=(status == "not_met").sum(),
             missing=status.is_in(["missing", "needs_review"]).sum())
    )
