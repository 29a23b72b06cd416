"""The one report context: everything a report says about one region, already in words.

Every renderer (Word, Excel, PDF, HTML) uses only this dictionary, so the four documents
can never disagree. Numbers are formatted here; renderers only lay them out.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from ecozone._text import shown_time
from ecozone.catalogue import load_metrics
from ecozone.catalogue.describe import describe_words
from ecozone.catalogue.model import Indicator, Metric
from ecozone.engine.plan_rows import figure_plan
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


def _gap(gap: float | None, unit: str, status: str | None = None) -> str:
    if gap is None:
        return "—"
    if status == "not_met" and gap >= 0:  # the level is reached; another part of the rule (a trend) is not
        return "数值已达目标，趋势未达要求"
    shown = "个百分点" if unit == "%" else ("" if unit in ("-", "") else unit)
    return ("差 " if gap < 0 else "余 ") + _num(abs(gap)) + shown


def _with_unit(number: Any, unit: str | None) -> str:
    """A number with its unit (「94.26%」, 「28.1 μg/m³」); a state or a missing value as it is."""
    if number is None:
        return "—"
    if not isinstance(number, int | float):
        return str(number)
    shown = _num(number)
    if unit in (None, "", "-"):
        return shown
    return f"{shown}{unit}" if unit == "%" else f"{shown} {unit}"


def build_context(evaluation: Evaluation, region: str, *, stamped: bool = True) -> dict[str, Any]:
    """The context for ``region`` (a 6-digit code present in the evaluation). ``stamped=False``: no generation time
    (a dossier's reports carry no clock, so the same data and evidence give the same bytes)."""
    final = evaluation.region(region)
    base = final
    assessment, outlook, checked = evaluation.assessment, evaluation.outlook, evaluation.checked
    observations, plan = evaluation.dataset.observations, evaluation.plan
    pack = assessment.standard.standard
    metrics = load_metrics()
    indicators = {i.id: i for i in pack.indicators}
    units = {r["unit_id"]: r for r in outlook.units.filter(pl.col("region") == region).iter_rows(named=True)}
    applied = _applied_targets(evaluation, region)
    sources = _latest_sources(observations, region)
    items = assessment.items.filter(pl.col("region") == region)
    rows = [
        _indicator_row(row, indicators[row["indicator_id"]], units, items, metrics, applied)
        for row in assessment.indicators.filter(pl.col("region") == region).iter_rows(named=True)
    ]
    params = pack.parameters.outlook
    weak = _weak_points(outlook, region, observations, assessment.year, params.horizon_years, params.risk_margin,
                        sources, rows)
    return {
        "generated": shown_time() if stamped else "",
        "region": {"code": region, "name": base["name"], "level": base["level"]},
        "standard": {
            "id": pack.id, "title": pack.title, "document": pack.document or "文号未见",
            "hash": assessment.standard.hash,
            "complete": pack.complete, "missing_rows": pack.missing_rows,
            "unverified": len(pack.unverified_indicators), "total": len(pack.indicators),
            "verification_note": _verification_note(pack.title, pack.document, pack.complete, pack.missing_rows,
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
        # 附件一 and 附件二 in every format: each indicator, then its sub-items, in the standard's order
        "annex": [line for row in rows for line in (row, *row["items"])],
        "vetoes": _vetoes(checked, region) if checked else None,
        "weak_points": [w for w in weak if w["class_code"] != "risk_margin"],
        "watch": [w for w in weak if w["class_code"] == "risk_margin"],
        "risk_margin": f"{params.risk_margin:.0%}",
        "plan": _plan(plan, region),
        "methods": evaluation.methods,
    }


def _verification_note(title: str, document: str | None, complete: bool, missing: str | None, unverified: int,
                       total: int) -> str:
    """About the standard ecozone encodes, never about the county's figures."""
    named = f"《{title}》" + (f"（{document}）" if document else "")
    if unverified:
        note = (f"说明：本报告所用的{named}指标表中，有 {unverified} 项指标（共 {total} 项）的指标值尚未与正式发布文本"
                "逐项核对（附件一「核对」列标 ✗），如有出入以正式文本为准。")
    else:
        note = f"说明：本报告所用的{named}指标表 {total} 项指标均已与正式发布文本核对。"
    if not complete:
        note += f"该指标表尚不完整：{missing}据此不能判定为可申报。"
    return note


def _applied_targets(evaluation: Evaluation, region: str) -> dict[str, str]:
    """unit id → the target of the region's own branch or variant, as the template states it."""
    profiles = evaluation.dataset.regions.filter(pl.col("code") == region)
    plan = figure_plan(evaluation.assessment.standard, profiles)
    return {r["unit_id"]: r["target_display"] for r in plan.iter_rows(named=True) if r["target_display"]}


def _latest_sources(observations: pl.DataFrame, region: str) -> dict[str, str]:
    """metric → the 数据来源/牵头部门 the clerk gave for its latest year that has one."""
    given = observations.filter((pl.col("region") == region) & pl.col("source").is_not_null()).sort("year")
    return dict(given.group_by("metric").agg(pl.col("source").last()).iter_rows())


def _indicator_row(row: dict[str, Any], indicator: Indicator, units: dict[str, Any], items: pl.DataFrame,
                   metrics: dict[str, Metric], applied: dict[str, str]) -> dict[str, Any]:
    unit = units.get(row["indicator_id"])
    shown_unit = "" if row["unit"] in (None, "-") else row["unit"]
    sub = [
        _line(r, r["item_id"], r["unit_name"], r["unit"], (units.get(r["unit_id"]) or {}), applied.get(r["unit_id"]),
              describe_words(_item(indicator, r["item_id"]), metrics), level=1)
        for r in items.filter((pl.col("indicator_id") == row["indicator_id"]) & pl.col("item_id").is_not_null())
        .iter_rows(named=True)
    ]
    rule = describe_words(indicator.criterion, metrics) if indicator.criterion else "见各分项"
    line = _line(row, row["indicator_id"], row["name"], row["unit"], unit or {}, applied.get(row["indicator_id"]),
                 rule, level=0)
    return {
        **line, "domain": row["domain"], "attribute": ATTRIBUTE[row["attribute"]], "unit": shown_unit,
        "lead_department": indicator.lead_department or "—", "verified": "✓" if row["verified"] else "✗",
        "items": sub,
    }


def _item(indicator: Indicator, item_id: str) -> Any:
    return next(i.criterion for i in indicator.items if i.id == item_id)


def _line(row: dict[str, Any], number: str, name: str, unit: str | None, outlook_unit: dict[str, Any],
          applied: str | None, rule: str, *, level: int) -> dict[str, Any]:
    """One line of 附件一/附件二 (an indicator or a sub-item), every field already in words."""
    status = row["status"]
    value = row["state"] if row["value"] is None else _with_unit(row["value"], unit)
    if applied is None and row["target_value"] is not None:
        applied = _with_unit(row["target_value"], unit) + (f"（{row['target_basis']}）" if row["target_basis"] else "")
    return {
        "id": number, "name": name, "level": level, "status": STATUS[status], "status_code": status,
        "value": value or "—", "target": row["target_text"] or "—",
        "applied": "—" if status == "not_applicable" else (applied or row["target_text"] or "—"),
        "gap": _gap(row["gap"], unit or "", status),
        "trend": TREND_CLASS.get(outlook_unit.get("trend_class") or "", "—"),
        "source": row["source"] or "—", "explanation": row["explanation"] or "—", "rule": rule,
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


def _weak_points(outlook: Outlook, region: str, observations: pl.DataFrame, year: int, horizon: int, margin: float,
                 sources: dict[str, str], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    units = {r["unit_id"]: r for r in outlook.units.filter(pl.col("region") == region).iter_rows(named=True)}
    lines = {line["id"]: line for row in rows for line in (row, *row["items"])}
    out = []
    for w in outlook.weak_points.filter(pl.col("region") == region).iter_rows(named=True):
        unit = units[w["unit_id"]]
        line = lines.get(w["unit_id"], {})
        series = observations.filter((pl.col("region") == region) & (pl.col("metric") == unit["metric"])
                                     & pl.col("value").is_not_null()).sort("year") if unit["metric"] else None
        lead = w["lead_department"] or sources.get(unit["metric"] or "") or "未填写"
        projected = w["projected_year"]
        item = {
            "rank": w["rank"], "class": WEAK_CLASS[w["weak_class"]], "class_code": w["weak_class"],
            "id": w["unit_id"], "name": w["unit_name"], "status": STATUS[w["status"]],
            "value": _with_unit(w["value"], unit["unit"]) if w["value"] is not None else line.get("value", "—"),
            "target": line.get("applied") or _with_unit(w["target"], unit["unit"]),
            "gap": _gap(w["gap"], unit["unit"], w["status"]) if w["status"] in ("met", "not_met") else "—",
            "relative_gap": w["relative_gap"], "trend": TREND_CLASS.get(w["trend_class"] or "", "—"),
            "projected_year": _num(projected) if projected is not None else "—",
            "lead_department": lead, "unit": "" if unit["unit"] in (None, "-") else unit["unit"],
            "series": [(int(y), float(v)) for y, v in series.select("year", "value").iter_rows()] if series is not None
            else [],
            "target_value": w["target"],
        }
        item["direction"] = _direction(item, w["status"], year, horizon, margin)
        out.append(item)
    return out


def _direction(w: dict[str, Any], status: str, year: int, horizon: int, margin: float) -> str:
    """What the weak point asks of the county, from its class, gap and trend."""
    code, projected = w["class_code"], w["projected_year"]
    if status == "missing":
        return f"补充 {year} 年数据及佐证材料（缺数据的约束性指标按未达标对待）"
    if status == "needs_review":
        return "核实数值并补充佐证材料"
    if status == "not_met" and (w["relative_gap"] or 0) >= 0:  # the level is met; the trend part is not
        return f"数值已达目标，但趋势要求未满足（{w['trend']}）；需扭转变差的趋势"
    if code == "binding_not_met":
        if projected != "—" and int(projected) <= year + horizon:
            return f"按近年趋势预计 {projected} 年达标；申报前须补齐差距（{w['gap']}）"
        if projected != "—":
            return f"按近年趋势预计 {projected} 年才达标，晚于 {year + horizon} 年；须加快补齐差距（{w['gap']}）"
        return f"按近年趋势不能在 {year + horizon} 年前达标，须采取专项措施补齐差距（{w['gap']}）"
    if code == "reference_not_met":
        return "参考性指标，不影响申报资格；建议列入整改计划"
    if code == "risk_trend":
        return f"目前达标但趋势变差，按现有速度 {horizon} 年内可能不再达标，需稳住并扭转"
    return f"达标但余量不足目标的 {margin:.0%}，需保持现有水平、防止回落"


def _plan(plan: pl.DataFrame | None, region: str) -> dict[str, Any] | None:
    if plan is None:
        return None
    rows = plan.filter(pl.col("region") == region)
    if rows.height == 0:
        return None
    row = rows.row(0, named=True)
    # the region's own facts only: its batch and (with a cap) its planned year depend on which other regions were
    # evaluated with it, so a county's report would differ between the board and the county's own page
    return {"status": PLAN_STATUS[row["plan_status"]], "reason": row["reason"]}
