"""The JSON contract of an assessment (documented in docs/json-contract.md; keep it stable)."""

from __future__ import annotations

from typing import Any

import polars as pl

from ecozone.engine import Assessment

__all__ = ["CONTRACT_VERSION", "assessment_to_dict"]

CONTRACT_VERSION = 1

_INDICATOR_FIELDS = ("id", "name", "domain", "attribute", "status", "value", "unit", "target",
                     "gap", "relative_gap", "verified", "explanation")


def _round(value: Any) -> Any:
    return round(value, 4) if isinstance(value, float) else value


def _row(row: dict[str, Any], *, item: bool) -> dict[str, Any]:
    value = row["state"] if row["value"] is None and row["state"] is not None else row["value"]
    out = {
        "id": row["item_id"] if item else row["indicator_id"],
        "name": row["unit_name"] if item else row["name"],
        "status": row["status"],
        "value": _round(value),
        "unit": row["unit"],
        "target": row["target_text"],
        "target_value": row["target_value"],
        "target_basis": row["target_basis"],
        "gap": _round(row["gap"]),
        "relative_gap": _round(row["relative_gap"]),
        "source": row["source"],
        "explanation": row["explanation"],
    }
    return out


def assessment_to_dict(assessment: Assessment) -> dict[str, Any]:
    """The whole assessment as plain JSON-ready data, regions in code order."""
    loaded = assessment.standard
    pack = loaded.standard
    items_by_key: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in assessment.items.filter(pl.col("item_id").is_not_null()).iter_rows(named=True):
        items_by_key.setdefault((row["region"], row["indicator_id"]), []).append(_row(row, item=True))
    indicators_by_region: dict[str, list[dict[str, Any]]] = {}
    for row in assessment.indicators.iter_rows(named=True):
        entry = {
            **{k: v for k, v in _row({**row, "item_id": None, "unit_name": None}, item=False).items()},
            "domain": row["domain"],
            "attribute": row["attribute"],
            "verified": row["verified"],
            "confidence": row["confidence"],
            "items": items_by_key.get((row["region"], row["indicator_id"]), []),
        }
        indicators_by_region.setdefault(row["region"], []).append(
            {k: entry[k] for k in (*_INDICATOR_FIELDS, "target_value", "target_basis", "source",
                                   "confidence", "items")}
        )
    regions = [
        {
            "code": row["region"],
            "name": row["name"],
            "level": row["level"],
            "verdict": row["verdict"],
            "reasons": row["reasons"],
            "counts": {k: row[k] for k in ("applicable", "met", "not_met", "missing", "needs_review")},
            "indicators": indicators_by_region.get(row["region"], []),
        }
        for row in assessment.regions.iter_rows(named=True)
    ]
    return {
        "contract": CONTRACT_VERSION,
        "standard": {
            "id": loaded.id,
            "title": pack.title,
            "document": pack.document,
            "hash": loaded.hash,
            "complete": pack.complete,
            "missing_rows": pack.missing_rows,
            "unverified_indicators": pack.unverified_indicators,
        },
        "year": assessment.year,
        "parameters": {
            "trend_window": list(assessment.window),
            "trend_method": assessment.trend_method,
            "stable_tolerance_pct_per_year": pack.parameters.stable_tolerance,
            "outlier_factor": pack.parameters.outlier_factor,
            "reference_min_share": pack.pass_rule.reference_min_share,
        },
        "regions": regions,
    }
