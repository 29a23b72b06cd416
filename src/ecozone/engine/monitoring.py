"""The life after naming, year by year: each named place's annual self-assessment (the monitor-mode verdict) read
as a standing — 正常, 警告（黄牌）with a rectification deadline, 限期整改 while the deadline runs, 撤销（红牌）— and a
timeline of naming, warnings, rectification and the 复核 due dates.

Pure: it reads the monitor verdicts of each year (one evaluation per year, made by the caller) and the register.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from ecozone.catalogue.regimes import Monitoring

__all__ = ["standings"]


def standings(named: pl.DataFrame, yearly: pl.DataFrame, monitoring: Monitoring, today: dt.date
              ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """``yearly``: one row per (region, year) with the monitor ``verdict`` (keep, warning, revocation, incomplete),
    ``reason`` (the first reason's message) and, optionally, ``submitted`` (the year's self-assessment as submitted,
    not evaluated live). Returns (the current standing of each named place, its timeline)."""
    years_to_fix, assumed = monitoring.rectification
    places, events = [], []
    by_region = {r: rows for (r,), rows in yearly.sort("year").group_by("region", maintain_order=True)}
    for place in named.sort("named_on").iter_rows(named=True):
        region, named_on = place["region"], place["named_on"]
        events.append(_event(region, named_on, "命名", f"{place['title']}（{place['batch'] or '批次未填'}，"
                                                     f"{place['document'] or '文号未填'}；来源：{place['source']}）"))
        standing, deadline, reason = "normal", None, None
        rows = by_region.get(region)
        for row in (rows.filter(pl.col("year") >= named_on.year).iter_rows(named=True) if rows is not None else []):
            year, verdict = row["year"], row["verdict"]
            said = "（已提交）" if row.get("submitted") else ""
            at = dt.date(year, 12, 31)
            if verdict == "revocation":
                standing, reason = "revoked", row["reason"]
                events.append(_event(region, at, f"{year} 年自评{said}：撤销情形", reason))
                break
            if verdict == "warning":
                if deadline is None:
                    deadline = dt.date(year + years_to_fix, 12, 31)
                    standing, reason = "warning", row["reason"]
                    events.append(_event(region, at, f"{year} 年自评{said}：警告（黄牌）",
                                         f"{reason}；整改期限 {deadline}{'（期限为假定）' if assumed else ''}"))
                elif at <= deadline:
                    standing, reason = "rectifying", row["reason"]
                    events.append(_event(region, at, f"{year} 年自评{said}：限期整改中",
                                         f"{reason}；整改期限 {deadline}"))
                else:
                    standing, reason = "revoked", f"整改期满（{deadline}）仍未达到要求：{row['reason']}"
                    events.append(_event(region, at, f"{year} 年自评{said}：整改期满未整改到位（红牌）",
                                         reason))
                    break
            elif verdict == "keep":
                if deadline is not None:
                    events.append(_event(region, at, f"{year} 年自评{said}：整改完成",
                                         f"警告所列问题已整改（期限 {deadline}）"))
                else:
                    events.append(_event(region, at, f"{year} 年自评{said}：正常", "未发现警告或撤销情形"))
                standing, deadline, reason = "normal", None, None
            else:  # incomplete: the standing is not decided by an incomplete self-assessment, but it is said
                events.append(_event(region, at, f"{year} 年自评{said}：资料不全", row["reason"]))
        due = _next_review(named_on, monitoring, today)
        events.append(_event(region, due, "复核评估（预计）", f"持有称号满 {monitoring.review_after_years} 年后每 "
                                                         f"{monitoring.review_cycle_years} 年复核（"
                                                         f"{monitoring.review_provenance.confidence}，未核实）"))
        next_due, next_what = _next_due(standing, deadline, due)
        places.append({"region": region, "title": place["title"], "named_on": named_on, "standing": standing,
                       "deadline": deadline, "deadline_assumed": assumed and deadline is not None, "reason": reason,
                       "next_review": due, "next_due": next_due, "next_due_what": next_what})
    standing_schema = {"region": pl.String, "title": pl.String, "named_on": pl.Date, "standing": pl.String,
                       "deadline": pl.Date, "deadline_assumed": pl.Boolean, "reason": pl.String,
                       "next_review": pl.Date, "next_due": pl.Date, "next_due_what": pl.String}
    event_schema = {"region": pl.String, "on": pl.Date, "event": pl.String, "detail": pl.String}
    return (pl.DataFrame(places, schema=standing_schema),
            pl.DataFrame(events, schema=event_schema).sort("region", "on", maintain_order=True))


def _event(region: str, on: dt.date, event: str, detail: str | None) -> dict[str, Any]:
    return {"region": region, "on": on, "event": event, "detail": detail or ""}


def _next_due(standing: str, deadline: dt.date | None, review: dt.date) -> tuple[dt.date | None, str | None]:
    """What a named place must do next and by when: a running rectification deadline before the next 复核; a
    revoked place has nothing due. (The annual self-assessment's own due date is not in the rules read so far.)"""
    if standing == "revoked":
        return None, None
    if deadline is not None and standing in ("warning", "rectifying") and deadline <= review:
        return deadline, "整改期限"
    return review, "复核评估（预计）"


def _next_review(named_on: dt.date, monitoring: Monitoring, today: dt.date) -> dt.date:
    """The first 复核 on or after today: ``review_after_years`` after naming, then every ``review_cycle_years`` (a
    date earlier this year is past: the next cycle's)."""
    year = named_on.year + monitoring.review_after_years
    while dt.date(year, named_on.month, min(named_on.day, 28)) < today:
        year += monitoring.review_cycle_years
    return dt.date(year, named_on.month, min(named_on.day, 28))
