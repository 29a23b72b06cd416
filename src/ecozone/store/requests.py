"""Data requests (数据请求): a prefecture or county asks a department for figures and evidence.

A request names indicators × regions × years, a deadline and a note, and goes to one department (its name and
the home region of its accounts). Each region's part is an item with its own status:
待提交 → 已提交 → 已采纳, or → 已退回 (with the reason) → 已提交 again. The department's figures are written by
``repository.set_figure`` — the validated, audited compare-and-set write every figure takes — so an answer
moves the assessment at once; the status says whether the requester has accepted it. Every change of an item
is a compare-and-set on its version and is audited.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecozone.catalogue import LoadedStandard
from ecozone.errors import ConflictError, InputError, Location, ScopeError, UsageError
from ecozone.io.validate import FIRST_YEAR
from ecozone.store.models import AuditRecord, DataRequest, Observation, Region, RequestItem, StoredFile, User
from ecozone.store.permissions import can, covers, number_key, scope_prefix
from ecozone.store.repository import (
    Actor,
    bounded_text,
    check_department,
    regions_in_scope,
    set_figure,
    write_or_conflict,
)
from ecozone.vocabulary import REQUEST_STATUS

__all__ = ["Department", "ItemView", "completeness", "create_request", "decide", "departments",
           "figures_of", "item_view", "items_of", "respond"]

MAX_YEARS = 10
OPEN = ("pending", "returned")  # the department's turn


@dataclass(frozen=True)
class Department:
    """A department as requests address it: its name and its accounts' home region."""

    name: str
    region: str
    indicators: tuple[str, ...]

    @property
    def key(self) -> str:
        return f"{self.region}:{self.name}"


def departments(session: Session, actor: Actor) -> list[Department]:
    """The departments whose scope meets the actor's (a 州 reviewer: the 州's and its counties' bureaus), with the
    indicators any of their active accounts answers for."""
    prefix = scope_prefix(actor.role, actor.region)
    found: dict[tuple[str, str], set[str]] = {}
    for user in session.scalars(select(User).where(User.role == "department", User.active.is_(True))):
        theirs = scope_prefix("department", user.region)
        if user.department and (theirs.startswith(prefix) or prefix.startswith(theirs)):
            found.setdefault((user.department, user.region), set()).update(user.indicators or ())
    return [Department(name, region, tuple(sorted(named, key=number_key)))
            for (name, region), named in sorted(found.items(), key=lambda kv: (kv[0][1], kv[0][0]))]


def create_request(
    session: Session, actor: Actor, standard: LoadedStandard, *, department: str, department_region: str,
    indicators: list[str], regions: list[str], first_year: int, last_year: int, deadline: dt.date,
    note: str | None = None, today: dt.date | None = None,
) -> DataRequest:
    """Send a request; refused as a whole (nothing written) if any part of it is not the actor's to ask or the
    department's to answer."""
    if not regions:
        raise UsageError("请至少选择一个地区", Location(field="地区"))
    for region in regions:
        actor.require("request", region)
    addressed = next((d for d in departments(session, actor)
                      if (d.name, d.region) == (department, department_region)), None)
    if addressed is None:
        raise UsageError(f"没有部门「{department}」（{department_region}）的账号", Location(field="部门"),
                         expected="先用 ecozone user add --role department 为该部门建立账号")
    indicators = check_department(standard, indicators)
    outside = [i for i in indicators if not covers(i, addressed.indicators)]
    if outside:
        raise UsageError(f"「{department}」负责的指标为第 {'、'.join(addressed.indicators)} 项，"
                         f"第 {'、'.join(outside)} 项不归该部门", Location(field="指标"),
                         expected="该部门负责的指标，或先调整该部门账号负责的指标")
    for region in regions:
        reach = can("department", department_region, "respond", region)
        if not reach.allowed:
            raise UsageError(f"「{department}」（{department_region}）管不到 {region}", Location(field="地区"),
                             expected=f"代码以 {scope_prefix('department', department_region)} 开头的地区")
    this_year = (today or dt.date.today()).year
    if not FIRST_YEAR <= first_year <= last_year <= this_year:
        raise InputError(f"年份「{first_year}–{last_year}」不可用", Location(field="年份"),
                         expected=f"{FIRST_YEAR} 年至 {this_year} 年之间，起始年不晚于截止年")
    if last_year - first_year + 1 > MAX_YEARS:
        raise InputError(f"一次请求 {last_year - first_year + 1} 年的数据太多", Location(field="年份"),
                         expected=f"不超过 {MAX_YEARS} 年")
    if deadline < (today or dt.date.today()):
        raise InputError(f"截止日期 {deadline} 已过", Location(field="截止日期"), expected="今天或以后的日期")
    note = bounded_text(note, "说明")
    known = set(session.scalars(select(Region.code).where(Region.code.in_(regions))))
    unknown = [r for r in regions if r not in known]
    if unknown:
        raise UsageError(f"库中没有地区 {'、'.join(unknown)}", Location(field="地区"))
    request = DataRequest(created_by=actor.name, department=department, department_region=department_region,
                          indicators=indicators, first_year=first_year, last_year=last_year, deadline=deadline,
                          note=note)
    session.add(request)
    session.flush()
    for region in dict.fromkeys(regions):
        session.add(RequestItem(request_id=request.id, region=region, status="pending", version=1))
        session.add(AuditRecord(user=actor.name, entity="request", region=region, key={"request": request.id},
                                old=None, new={"status": "pending", "department": department,
                                               "indicators": indicators, "years": [first_year, last_year],
                                               "deadline": str(deadline)}, reason="发出数据请求"))
    session.flush()
    return request


def _item(session: Session, item_id: int) -> tuple[RequestItem, DataRequest]:
    item = session.get(RequestItem, item_id)
    request = session.get(DataRequest, item.request_id) if item is not None else None
    if item is None or request is None:
        raise ScopeError(f"没有编号为 {item_id} 的数据请求，或您无权查看")
    return item, request


def _addressed_to(actor: Actor, request: DataRequest) -> bool:
    return actor.role == "department" and (actor.department, actor.region) == (request.department,
                                                                                request.department_region)


def _may_see(actor: Actor, item: RequestItem, request: DataRequest) -> bool:
    if actor.role == "department":
        return _addressed_to(actor, request) and actor.may("respond", item.region).allowed
    return actor.may("request", item.region).allowed or actor.may("view", item.region).allowed


def visible_item(session: Session, actor: Actor, item_id: int) -> tuple[RequestItem, DataRequest]:
    """An item the actor may see (the department addressed, or a user whose scope holds its region); the same
    refusal whether it exists or not."""
    item, request = _item(session, item_id)
    if not _may_see(actor, item, request):
        raise ScopeError(f"没有编号为 {item_id} 的数据请求，或您无权查看")
    return item, request


def overdue(item: RequestItem, request: DataRequest, today: dt.date | None = None) -> bool:
    """Past the deadline and still the department's turn."""
    return item.status in OPEN and (today or dt.date.today()) > request.deadline


def figures_of(session: Session, actor: Actor, standard: LoadedStandard, item: RequestItem,
               request: DataRequest) -> list[dict[str, Any]]:
    """The figures an item asks for: one row per (indicator, metric) with each year's stored text and version."""
    stored = {(o.metric, o.year): o for o in session.scalars(select(Observation).where(
        Observation.region == item.region, Observation.year.between(request.first_year, request.last_year)))}
    rows = []
    for indicator in request.indicators:
        for metric_id in standard.metrics_of(indicator):
            actor.require("view", item.region, metric_id)  # a department: only its own indicators' figures
            metric = standard.metric(metric_id)
            cells = {}
            for year in range(request.first_year, request.last_year + 1):
                figure = stored.get((metric_id, year))
                text = "" if figure is None else figure.state if figure.value is None else f"{figure.value:.6g}"
                cells[year] = {"text": text or "", "version": figure.version if figure is not None else 0}
            rows.append({"indicator": indicator, "metric": metric_id, "name": metric.name, "unit": metric.unit,
                         "states": list(metric.states), "cells": cells})
    return rows


def _evidence_files(session: Session, regions: list[str]) -> dict[str, list[tuple[str | None, int | None]]]:
    """(indicator, year) of every indicator evidence file of the regions, by region: one read for a whole list."""
    found: dict[str, list[tuple[str | None, int | None]]] = {region: [] for region in regions}
    for region, condition, year in session.execute(select(StoredFile.region, StoredFile.condition, StoredFile.year)
                                                   .where(StoredFile.region.in_(regions),
                                                          StoredFile.kind == "indicator")):
        found[region].append((condition, year))
    return found


def evidence_missing(files: list[tuple[str | None, int | None]], request: DataRequest) -> list[str]:
    """The request's indicators without an evidence file (of ``files``, the region's) for any of its years (a file
    without a year counts)."""
    return [indicator for indicator in request.indicators
            if not any(condition is not None and covers(condition, (indicator,))
                       and (year is None or request.first_year <= year <= request.last_year)
                       for condition, year in files)]


def respond(session: Session, actor: Actor, standard: LoadedStandard, item_id: int, expected_version: int,
            figures: dict[tuple[str, int], tuple[str, int]], *, submit: bool, accept_warnings: bool = False
            ) -> RequestItem:
    """The department's answer: each figure written by ``set_figure`` (validated, audited, compare-and-set on the
    version the form showed); with ``submit``, every asked figure must then be there and the item goes to 已提交.
    ``figures`` maps (metric, year) to (text, version); a blank text leaves a figure as it is."""
    item, request = visible_item(session, actor, item_id)
    if not _addressed_to(actor, request):
        raise ScopeError(f"数据请求 {item_id} 不是发给您所在部门的")
    actor.require("respond", item.region)
    if item.status not in OPEN:
        raise UsageError(f"该请求已「{REQUEST_STATUS[item.status]}」，不能再修改", Location(field="状态"),
                         expected="已退回的请求才能重新填报")
    _check_version(item, expected_version)
    # in the order the page shows them: year by year, indicator by indicator
    asked = {(row["metric"], year): n for n, row in enumerate(figures_of(session, actor, standard, item, request))
             for year in row["cells"]}
    for metric_id, year in sorted(set(figures) - set(asked)):  # all refused before any is written
        named = standard.metrics[metric_id].name if metric_id in standard.metrics else metric_id
        raise ScopeError(f"数据请求 {request.id} 没有要求 {year} 年「{named}」，不能借此填报")
    for (metric_id, year), (text, version) in sorted(figures.items()):
        if text.strip():
            set_figure(session, actor, item.region, year, metric_id, text.strip(), version,
                       reason=f"答复数据请求 {request.id}", accept_warnings=accept_warnings)
    if submit:
        held = {(o.metric, o.year) for o in session.scalars(select(Observation).where(
            Observation.region == item.region, Observation.year.between(request.first_year, request.last_year)))}
        empty = sorted(set(asked) - held, key=lambda key: (key[1], asked[key]))
        if empty:
            names = "、".join(f"{year} 年「{standard.metric(metric).name}」" for metric, year in empty[:5])
            more = "等" if len(empty) > 5 else ""
            raise InputError(f"还有 {len(empty)} 项未填：{names}{more}", Location(field="数值"),
                             expected="填写全部数值后再提交；确无数据的填「无」")
        old = item.status
        item.status, item.answered_by, item.answered_at = "submitted", actor.name, dt.datetime.now(dt.UTC)
        item.version += 1
        session.add(AuditRecord(user=actor.name, entity="request", region=item.region, key={"request": request.id},
                                old={"status": old}, new={"status": "submitted"}, reason="提交数据请求答复"))
        write_or_conflict(session, f"数据请求 {request.id}（{item.region}）刚刚被他人修改", Location(field="状态"))
    return item


def decide(session: Session, actor: Actor, item_id: int, expected_version: int, to: str,
           reason: str | None = None) -> RequestItem:
    """The requester accepts (已采纳) or returns (已退回, with the reason) a submitted answer."""
    item, request = visible_item(session, actor, item_id)
    actor.require("request", item.region)
    if to not in ("accepted", "returned"):
        raise UsageError(f"未知的处理「{to}」", Location(field="处理"), expected="采纳 或 退回")
    if item.status != "submitted":
        raise UsageError(f"该请求为「{REQUEST_STATUS[item.status]}」，只有已提交的答复才能采纳或退回",
                         Location(field="状态"))
    reason = bounded_text(reason, "理由")
    if to == "returned" and reason is None:
        raise UsageError("退回须写明理由", Location(field="理由"), expected="如：2021 年数值与统计公报不一致，请核实")
    _check_version(item, expected_version)
    old = item.status
    item.status, item.reason = to, reason if to == "returned" else None
    item.decided_by, item.decided_at = actor.name, dt.datetime.now(dt.UTC)
    item.version += 1
    session.add(AuditRecord(user=actor.name, entity="request", region=item.region, key={"request": request.id},
                            old={"status": old}, new={"status": to, "reason": reason},
                            reason="采纳数据请求答复" if to == "accepted" else "退回数据请求答复"))
    write_or_conflict(session, f"数据请求 {request.id}（{item.region}）刚刚被他人处理", Location(field="状态"))
    return item


def _check_version(item: RequestItem, expected: int) -> None:
    if item.version != expected:
        raise ConflictError(f"数据请求 {item.request_id}（{item.region}）已被他人修改"
                            f"（您打开时为第 {expected} 版，现为第 {item.version} 版）", Location(field="状态"),
                            expected="刷新后查看最新状态")


@dataclass
class ItemView:
    """One item as pages list it."""

    item: RequestItem
    request: DataRequest
    region_name: str
    overdue: bool
    evidence_missing: list[str] = field(default_factory=list)

    @property
    def status_text(self) -> str:
        return REQUEST_STATUS[self.item.status] + ("（逾期）" if self.overdue else "")


def items_of(session: Session, actor: Actor, region: str | None = None, today: dt.date | None = None
             ) -> list[ItemView]:
    """The items the actor may see — a department: its inbox; a requester: those of its scope — newest request
    first; with ``region``, that region's only."""
    query = select(RequestItem, DataRequest).join(DataRequest, DataRequest.id == RequestItem.request_id)
    if actor.role == "department":
        query = query.where(DataRequest.department == actor.department,
                            DataRequest.department_region == actor.region)
    query = query.where(RequestItem.region.startswith(region or scope_prefix(actor.role, actor.region)))
    names = {code: name for code, name in session.execute(select(Region.code, Region.name))}
    seen = [(item, request) for item, request in session.execute(query.order_by(DataRequest.id.desc(),
                                                                                 RequestItem.region))
            if _may_see(actor, item, request)]
    files = _evidence_files(session, sorted({item.region for item, _ in seen}))
    return [ItemView(item, request, names.get(item.region, item.region), overdue(item, request, today),
                     evidence_missing(files[item.region], request)) for item, request in seen]


def item_view(session: Session, actor: Actor, item_id: int, today: dt.date | None = None) -> ItemView:
    item, request = visible_item(session, actor, item_id)
    region = session.get(Region, item.region)
    return ItemView(item, request, region.name if region else item.region, overdue(item, request, today),
                    evidence_missing(_evidence_files(session, [item.region])[item.region], request))


def completeness(session: Session, actor: Actor, today: dt.date | None = None) -> dict[str, Any]:
    """The board's matrix: for each region × department, how many items were requested, answered (已提交 or
    已采纳), accepted, returned, overdue, and still without evidence."""
    items = items_of(session, actor, today=today)
    columns = sorted({(v.request.department_region, v.request.department) for v in items})
    cells: dict[str, dict[str, Counter[str]]] = {}
    for view in items:
        cell = cells.setdefault(view.item.region, {}).setdefault(f"{view.request.department_region}:"
                                                                 f"{view.request.department}", Counter())
        cell["requested"] += 1
        cell["answered"] += view.item.status in ("submitted", "accepted")
        cell["accepted"] += view.item.status == "accepted"
        cell["returned"] += view.item.status == "returned"
        cell["overdue"] += view.overdue
        cell["evidence_missing"] += bool(view.evidence_missing)
    if not items:
        return {"columns": [], "rows": []}
    # every region of the scope, asked or not: a county nobody has asked yet is what the matrix must show
    rows = [{"code": r.code, "name": r.name, "cells": cells.get(r.code, {})} for r in regions_in_scope(session, actor)]
    return {"columns": [{"key": f"{region}:{name}", "name": name, "region": region} for region, name in columns],
            "rows": rows}
