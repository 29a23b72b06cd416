"""The JSON contract of an assessment (documented in docs/json-contract.md; keep it stable)."""

from __future__ import annotations

from typing import Any

import polars as pl

from ecozone.engine import Assessment
from ecozone.engine.selfcheck import SelfCheck
from ecozone.engine.trend import outlook_method
from ecozone.engine.weakpoints import SCORE_METHOD, Outlook
from ecozone.evaluation import Evaluation
from ecozone.vocabulary import FINAL_VERDICT

__all__ = ["CONTRACT_VERSION", "assessment_to_dict", "evaluation_to_dict", "selfcheck_to_dict"]

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


def _trend(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None or row["trend_class"] is None:
        return None
    return {"method": row["method"], "class": row["trend_class"], "slope": _round(row["slope"]),
            "growth_pct": _round(row["growth_pct"]), "ratio": _round(row["ratio"]),
            "projected_year": row["projected_year"], "points": row["n_points"]}


def assessment_to_dict(assessment: Assessment, outlook: Outlook | None = None) -> dict[str, Any]:
    """The whole assessment as plain JSON-ready data, regions in code order."""
    units = {(r["region"], r["unit_id"]): r for r in outlook.units.iter_rows(named=True)} if outlook else {}
    loaded = assessment.standard
    pack = loaded.standard
    items: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in assessment.items.filter(pl.col("item_id").is_not_null()).iter_rows(named=True):
        unit = units.get((row["region"], row["unit_id"]))
        items.setdefault((row["region"], row["indicator_id"]), []).append(
            {"id": row["item_id"], "name": row["unit_name"], **_judged(row), "trend": _trend(unit),
             "score": _round(unit["score"]) if unit else None}
        )
    indicators: dict[str, list[dict[str, Any]]] = {}
    for row in assessment.indicators.iter_rows(named=True):
        unit = units.get((row["region"], row["indicator_id"]))
        indicators.setdefault(row["region"], []).append(
            {
                "id": row["indicator_id"],
                "name": row["name"],
                "domain": row["domain"],
                "attribute": row["attribute"],
                **_judged(row),
                "verified": row["verified"],
                "confidence": row["confidence"],
                "trend": _trend(unit),
                "score": _round(unit["score"]) if unit else None,
                "items": items.get((row["region"], row["indicator_id"]), []),
            }
        )
    scores = {r["region"]: r for r in outlook.scores.iter_rows(named=True)} if outlook else {}
    weak: dict[str, list[dict[str, Any]]] = {}
    if outlook is not None:
        for w in outlook.weak_points.iter_rows(named=True):
            weak.setdefault(w["region"], []).append({
                "rank": w["rank"], "indicator": w["unit_id"], "name": w["unit_name"], "class": w["weak_class"],
                "status": w["status"], "gap": _round(w["gap"]), "relative_gap": _round(w["relative_gap"]),
                "trend": w["trend_class"], "projected_year": w["projected_year"],
                "lead_department": w["lead_department"],
            })
    regions = [
        {
            "code": row["region"],
            "name": row["name"],
            "level": row["level"],
            "verdict": row["verdict"],
            "verdict_text": FINAL_VERDICT[row["verdict"]],
            "indicator_verdict": row["verdict"],
            "reasons": row["reasons"],
            "counts": {k: row[k] for k in ("applicable", "met", "not_met", "missing", "needs_review")},
            "vetoes": None,
            "score": _score(scores.get(row["region"])) if outlook else None,
            "weak_points": weak.get(row["region"], []) if outlook else None,
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
            "outlook_method": outlook_method(pack.parameters.outlook) if outlook else None,
            "score_method": SCORE_METHOD if outlook else None,
        },
        "regions": regions,
    }


def evaluation_to_dict(evaluation: Evaluation, *, with_outlook: bool = True) -> dict[str, Any]:
    """The JSON contract of one evaluation: the self-check's document when it ran, else the assessment's."""
    view = evaluation.outlook if with_outlook else None
    if evaluation.checked is not None:
        return selfcheck_to_dict(evaluation.checked, view)
    return assessment_to_dict(evaluation.assessment, view)


def _score(row: dict[str, Any] | None) -> dict[str, Any] | None:
    if row is None:
        return None
    return {"overall": row["overall"], "coverage": row["coverage"],
            "by_domain": {d["domain"]: d["score"] for d in row["by_domain"]}}


def selfcheck_to_dict(check: SelfCheck, outlook: Outlook | None = None) -> dict[str, Any]:
    """The assessment document with the self-check: vetoes per region and the final verdict."""
    document = assessment_to_dict(check.assessment, outlook)
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
            "derived_answer": row["derived_answer"],
            "discrepancy": row["discrepancy"],
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
        region["verdict_text"] = FINAL_VERDICT[row["verdict"]]
        region["indicator_verdict"] = row["indicator_verdict"]
        region["reasons"] = row["reasons"]
        region["vetoes"] = vetoes.get(region["code"], [])
    return document
