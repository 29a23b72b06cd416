"""The JSON contract of an assessment (documented in docs/json-contract.md; keep it stable)."""

from __future__ import annotations

from typing import Any

import polars as pl

from ecozone.engine import Assessment
from ecozone.engine.selfcheck import SelfCheck

__all__ = ["CONTRACT_VERSION", "assessment_to_dict", "selfcheck_to_dict"]

CONTRACT_VERSION = 1  # additions (vetoes, mode) keep the version: no field changed meaning


def _round(value: Any) -> Any:
    return round(value, 4) if isinstance(value, float) else value


def _judged(row: dict[str, Any]) -> dict[str, Any]:
    """The fields an indicator and a sub-item share."""
    value = row["state"] if row["value"] is None else row["value"]
    return {
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


def assessment_to_dict(assessment: Assessment) -> dict[str, Any]:
    """The whole assessment as plain JSON-ready data, regions in code order."""
    loaded = assessment.standard
    pack = loaded.standard
    items: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in assessment.items.filter(pl.col("item_id").is_not_null()).iter_rows(named=True):
        items.setdefault((row["region"], row["indicator_id"]), []).append(
            {"id": row["item_id"], "name": row["unit_name"], **_judged(row)}
        )
    indicators: dict[str, list[dict[str, Any]]] = {}
    for row in assessment.indicators.iter_rows(named=True):
        indicators.setdefault(row["region"], []).append(
            {
                "id": row["indicator_id"],
                "name": row["name"],
                "domain": row["domain"],
                "attribute": row["attribute"],
                **_judged(row),
                "verified": row["verified"],
                "confidence": row["confidence"],
                "items": items.get((row["region"], row["indicator_id"]), []),
            }
        )
    regions = [
        {
            "code": row["region"],
            "name": row["name"],
            "level": row["level"],
            "verdict": row["verdict"],
            "reasons": row["reasons"],
            "counts": {k: row[k] for k in ("applicable", "met", "not_met", "missing", "needs_review")},
            "vetoes": None,
            "indicators": indicators.get(row["region"], []),
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


def selfcheck_to_dict(check: SelfCheck) -> dict[str, Any]:
    """The assessment document with the self-check: vetoes per region and the final verdict."""
    document = assessment_to_dict(check.assessment)
    catalogue = check.catalogue
    document["mode"] = check.mode
    document["as_of"] = check.as_of.isoformat()
    document["veto_catalogue"] = (
        {"id": catalogue.id, "title": catalogue.title, "document": catalogue.document,
         "decline_tolerance_pct_per_year": catalogue.parameters.decline_tolerance}
        if catalogue else None
    )
    vetoes: dict[str, list[dict[str, Any]]] = {}
    for row in check.checklist.iter_rows(named=True):
        vetoes.setdefault(row["region"], []).append({
            "id": row["condition"],
            "wording": row["wording"],
            "answer": row["answer"],
            "derived": row["derived"],
            "overridden": row["overridden"],
            "override_reason": row["override_reason"],
            "effect": row["effects"],
            "blocking": row["blocking"],
            "window_years": row["window_years"],
            "window": row["window_text"],
            "evidence": row["evidence"],
            "triggered_by": row["triggered_by"],
            "evidence_required": row["evidence_required"],
        })
    final = {row["region"]: row for row in check.regions.iter_rows(named=True)}
    for region in document["regions"]:
        row = final[region["code"]]
        region["verdict"] = row["verdict"]
        region["indicator_verdict"] = row["indicator_verdict"]
        region["reasons"] = row["reasons"]
        region["vetoes"] = vetoes.get(region["code"], [])
    return document
