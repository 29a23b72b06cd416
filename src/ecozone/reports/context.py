"""The one report context: everything a report says about one region, already in words.

Every renderer (Word, Excel, PDF, HTML) uses only this dictionary, so the four documents
can never disagree. Numbers are formatted here; renderers only lay them out.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from ecozone.catalogue.describe import describe
from ecozone.catalogue.model import Indicator
from ecozone.engine.selfcheck import SelfCheck
from ecozone.engine.weakpoints import Outlook
from ecozone.evaluation import Evaluation
from ecozone.vocabulary import (
    ANSWER,
    ANSWERED_BY,
    ATTRIBUTE,
    FINAL_VERDICT,
    PLAN_STATUS,
    STATUS,
    TREND_CLASS,
    WEAK_CLASS,
)

__all__ = ["build_context"]



def _num(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def _gap(gap: float | None, unit: str) -> str:
    if gap is None:
        return "—"
    shown = "个百分点" if unit == "%" else ("" if unit in ("-", "") else unit)
    return ("差 " if gap < 0 else "余 ") + _num(abs(gap)) + shown


def build_context(evaluation: Evaluation, region: str) -> dict[str, Any]:
    """The context for ``region`` (a 6-digit code present in the evaluation)."""
    final = evaluation.region(region)
    base = final
    assessment, outlook, checked = evaluation.assessment, evaluation.outlook, evaluation.checked
    observations, plan = evaluation.dataset.observations, evaluation.plan
    pack = assessment.standard.standard
    indicators = {i.id: i for i in pack.indicators}
    units = {r["unit_id"]: r for r in outlook.units.filter(pl.col("region") == region).iter_rows(named=True)}
    items = assessment.items.filter(pl.col("region") == region)
    rows = [
        _indicator_row(row, indicators[row["indicator_id"]], units, items)
        for row in assessment.indicators.filter(pl.col("region") == region).iter_rows(named=True)
    ]
    score = outlook.scores.filter(pl.col("region") == region)
    score_row = score.row(0, named=True) if score.height else None
    return {
        "generated": dt.date.today().isoformat(),
        "region": {"code": region, "name": base["name"], "level": base["level"]},
        "standard": {
            "id": pack.id, "title": pack.title, "document": pack.document or "文号未见",
            "hash": assessment.standard.hash,
            "complete": pack.complete, "missing_rows": pack.missing_rows,
            "unverified": len(pack.unverified_indicators), "total": len(pack.indicators),
            "verification_note": _verification_note(pack.complete, pack.missing_rows,
                                                    len(pack.unverified_indicators), len(pack.indicators)),
        },
        "year": assessment.year,
        "window": f"{assessment.window[0]}–{assessment.window[1]}",
        "verdict": {"code": final["verdict"], "text": FINAL_VERDICT[final["verdict"]],
                    "indicators_only": checked is None,
                    "indicator_text": FINAL_VERDICT[final["indicator_verdict"]]},
        "reasons": [r["message"] for r in final["reasons"]],
        "counts": {k: base[k] or 0 for k in ("applicable", "met", "not_met", "missing", "needs_review")},
        "domains": _domains(rows),
        "indicators": rows,
        "vetoes": _vetoes(checked, region) if checked else None,
        "weak_points": _weak_points(outlook, region, observations),
        "plan": _plan(plan, region),
        "score": {"overall": _num(score_row["overall"]) if score_row else "—",
                  "coverage": f"{score_row['coverage']:.0%}" if score_row else "—",
                  "by_domain": [{"domain": d["domain"], "score": _num(d["score"])} for d in score_row["by_domain"]]
                  if score_row else []},
        "methods": evaluation.methods,
    }


def _verification_note(complete: bool, missing: str | None, unverified: int, total: int) -> str:
    checked = total - unverified
    note = f"核实覆盖：本标准包 {total} 项指标中已与正式文本核对 {checked} 项（{checked / max(total, 1):.0%}）"
    note += (f"，其余 {unverified} 项的指标值尚未与正式文本核对（表中标 ✗），请以正式文本为准。" if unverified
             else "，全部已核对。")
    if not complete:
        note += f"指标表不完整：{missing}据此不能判定为可申报。"
    return note


def _indicator_row(row: dict[str, Any], indicator: Indicator, units: dict[str, Any], items: pl.DataFrame
                   ) -> dict[str, Any]:
    unit = units.get(row["indicator_id"])
    value = row["state"] if row["value"] is None else _num(row["value"])
    sub = [
        {"id": r["item_id"], "name": r["unit_name"], "status": STATUS[r["status"]], "status_code": r["status"],
         "value": r["state"] if r["value"] is None else _num(r["value"]), "target": r["target_text"],
         "basis": r["target_basis"] or "", "explanation": r["explanation"], "source": r["source"] or "—",
         "trend": TREND_CLASS.get((units.get(r["unit_id"]) or {}).get("trend_class") or "", "—")}
        for r in items.filter((pl.col("indicator_id") == row["indicator_id"]) & pl.col("item_id").is_not_null())
        .iter_rows(named=True)
    ]
    rule = describe(indicator.criterion) if indicator.criterion else "；".join(
        f"{i.id} {describe(i.criterion)}" for i in indicator.items)
    return {
        "id": row["indicator_id"], "name": row["name"], "domain": row["domain"],
        "attribute": ATTRIBUTE[row["attribute"]], "status": STATUS[row["status"]],
        "status_code": row["status"], "value": value or "—", "unit": "" if row["unit"] == "-" else row["unit"],
        "target": row["target_text"] or "—", "target_value": _num(row["target_value"]),
        "basis": row["target_basis"] or ("统一目标" if row["target_value"] is not None else "—"),
        "gap": _gap(row["gap"], row["unit"]), "trend": TREND_CLASS.get((unit or {}).get("trend_class") or "", "—"),
        "projected_year": _num((unit or {}).get("projected_year")), "source": row["source"] or "—",
        "lead_department": indicator.lead_department or "—", "explanation": row["explanation"],
        "verified": "✓" if row["verified"] else "✗", "rule": rule, "items": sub,
    }


def _domains(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["status_code"] == "not_applicable":
            continue
        domain = out.setdefault(row["domain"], {"name": row["domain"], "applicable": 0, "met": 0, "not_met": 0,
                                                "missing": 0})
        domain["applicable"] += 1
        key = {"met": "met", "not_met": "not_met"}.get(row["status_code"], "missing")
        domain[key] += 1
    return list(out.values())


def _vetoes(checked: SelfCheck, region: str) -> list[dict[str, Any]]:
    return [
        {"id": v["condition"], "wording": v["wording"], "answer": ANSWER[v["answer"]], "answer_code": v["answer"],
         "source": ANSWERED_BY[v["answered_by"]] + ("（已推翻）" if v["overridden"] else ""),
         "effect": v["effect_text"], "window": v["window_text"],
         "evidence": (v["triggered_by"] or v["evidence"] or "—")
         + (f"；待核实：{v['discrepancy']}" if v["discrepancy"] else ""),
         "override_reason": v["override_reason"] or ""}
        for v in checked.checklist.filter(pl.col("region") == region).iter_rows(named=True)
    ]


def _weak_points(outlook: Outlook, region: str, observations: pl.DataFrame) -> list[dict[str, Any]]:
    units = {r["unit_id"]: r for r in outlook.units.filter(pl.col("region") == region).iter_rows(named=True)}
    out = []
    for w in outlook.weak_points.filter(pl.col("region") == region).iter_rows(named=True):
        unit = units[w["unit_id"]]
        series = observations.filter((pl.col("region") == region) & (pl.col("metric") == unit["metric"])
                                     & pl.col("value").is_not_null()).sort("year") if unit["metric"] else None
        out.append({
            "rank": w["rank"], "class": WEAK_CLASS[w["weak_class"]], "class_code": w["weak_class"],
            "id": w["unit_id"], "name": w["unit_name"], "status": STATUS[w["status"]],
            "value": _num(w["value"]), "target": _num(w["target"]), "gap": _gap(w["gap"], unit["unit"]),
            "relative_gap": w["relative_gap"], "trend": TREND_CLASS.get(w["trend_class"] or "", "—"),
            "projected_year": _num(w["projected_year"]), "lead_department": w["lead_department"] or "（未登记）",
            "series": [(int(y), float(v)) for y, v in series.select("year", "value").iter_rows()] if series is not None
            else [],
            "target_value": w["target"],
        })
    return out


def _plan(plan: pl.DataFrame | None, region: str) -> dict[str, Any] | None:
    if plan is None:
        return None
    rows = plan.filter(pl.col("region") == region)
    if rows.height == 0:
        return None
    row = rows.row(0, named=True)
    return {"status": PLAN_STATUS[row["plan_status"]], "year": _num(row["planned_year"]),
            "batch": _num(row["batch"]), "reason": row["reason"]}
