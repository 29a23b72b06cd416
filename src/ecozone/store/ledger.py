"""Reviews and the problem ledger (问题台账): what technical help, a provincial pre-review, a technical assessment or
an on-site check found, and each finding's rectification until it is closed (销号).

A review (kind, date, experts) holds findings; each finding names the indicator or veto condition it concerns, the
problem, a severity (一般 / 重要 / 影响申报), the lead department and a deadline, and moves
待整改 → 整改中 → 已整改待复核 → 已销号, or from 已整改待复核 → 复核未通过 (with the reason) → 整改中 … . The
region's users write the rectification (with evidence files, kind ``finding``); reviewers (the prefecture, the
province, an expert assigned to the region) record reviews and decide. Every step is compare-and-set on the
finding's version and audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecozone.errors import ConflictError, InputError, Location, ScopeError, UsageError
from ecozone.reports.ledger import LedgerLine, LedgerTable
from ecozone.store.models import AuditRecord, Finding, Region, Review, StoredFile
from ecozone.store.permissions import scope_prefix
from ecozone.store.repository import Actor, bounded_text, write_or_conflict
from ecozone.vocabulary import FINDING_STATUS, REVIEW_KIND, SEVERITY

__all__ = [
    "OPEN",
    "LedgerRow",
    "add_finding",
    "add_review",
    "history",
    "ledger",
    "ledger_records",
    "move",
    "open_counts",
    "review_region",
    "reviews_of",
    "row_of",
    "visible",
]

OPEN = ("open", "working", "failed")  # the region's turn
# status → (who moves it: "rectify" the region, "findings" a reviewer), the statuses it may come from
MOVES: dict[str, tuple[str, tuple[str, ...]]] = {
    "working": ("rectify", ("open", "failed")),
    "done": ("rectify", ("open", "working", "failed")),
    "closed": ("findings", ("done",)),
    "failed": ("findings", ("done",)),
}


def add_review(session: Session, actor: Actor, region: str, kind: str, held_on: dt.date, experts: str | None,
               note: str | None = None) -> Review:
    actor.require("findings", region)
    if kind not in REVIEW_KIND:
        raise InputError(f"未知的评审类型「{kind}」", Location(field="类型"), expected="、".join(REVIEW_KIND.values()))
    if held_on > dt.date.today():
        raise InputError(f"日期 {held_on} 在今天之后", Location(field="日期"), expected="已进行的评审的日期")
    if session.get(Region, region) is None:
        raise UsageError(f"库中没有地区 {region}", Location(field="地区"))
    review = Review(region=region, kind=kind, held_on=held_on, experts=bounded_text(experts, "专家"),
                    note=bounded_text(note, "说明"), created_by=actor.name)
    session.add(review)
    session.flush()
    session.add(AuditRecord(user=actor.name, entity="review", region=region, key={"review": review.id}, old=None,
                            new={"kind": kind, "held_on": str(held_on), "experts": review.experts},
                            reason="记录评审"))
    return review


def add_finding(session: Session, actor: Actor, review_id: int, subject: str | None, problem: str, severity: str,
                lead: str | None, deadline: dt.date) -> Finding:
    review = session.get(Review, review_id)
    if review is None or not actor.may("view", review.region).allowed:
        raise ScopeError(f"没有编号为 {review_id} 的评审，或您无权查看")
    actor.require("findings", review.region)
    if severity not in SEVERITY:
        raise InputError(f"未知的问题级别「{severity}」", Location(field="级别"), expected="、".join(SEVERITY.values()))
    if deadline < review.held_on:
        raise InputError(f"整改期限 {deadline} 早于评审日期 {review.held_on}", Location(field="整改期限"))
    finding = Finding(review_id=review.id, region=review.region, subject=bounded_text(subject, "指标"),
                      problem=bounded_text(problem, "问题", required=True) or "", severity=severity,
                      lead=bounded_text(lead, "牵头部门"), deadline=deadline, status="open", version=1)
    session.add(finding)
    session.flush()
    session.add(AuditRecord(user=actor.name, entity="finding", region=review.region, key={"finding": finding.id},
                            old=None, new={"status": "open", "problem": finding.problem, "severity": severity,
                                           "deadline": str(deadline)}, reason="记录问题"))
    return finding


def move(session: Session, actor: Actor, finding_id: int, expected_version: int, to: str,
         note: str | None = None) -> Finding:
    """One step of a finding: the region reports progress or rectification (a note required for 已整改待复核),
    a reviewer closes it or fails the re-review (a reason required)."""
    finding = visible(session, actor, finding_id)
    if to not in MOVES:
        raise UsageError(f"未知的状态「{to}」", Location(field="状态"), expected="、".join(FINDING_STATUS.values()))
    action, sources = MOVES[to]
    actor.require(action, finding.region)
    if finding.status not in sources:
        raise UsageError(f"该问题为「{FINDING_STATUS[finding.status]}」，不能改为「{FINDING_STATUS[to]}」",
                         Location(field="状态"))
    if finding.version != expected_version:
        raise ConflictError(f"问题 {finding.id} 已被他人修改（您打开时为第 {expected_version} 版，现为第 "
                            f"{finding.version} 版）", Location(field="状态"), expected="刷新后查看最新状态")
    said = bounded_text(note, "说明", required=to in ("done", "failed"))
    old = {"status": finding.status}
    finding.status = to
    if action == "rectify":
        finding.response = said or finding.response
        finding.responded_by, finding.responded_at = actor.name, dt.datetime.now(dt.UTC)
    else:
        finding.check_note = said
        finding.checked_by, finding.checked_at = actor.name, dt.datetime.now(dt.UTC)
    finding.version += 1
    session.add(AuditRecord(user=actor.name, entity="finding", region=finding.region, key={"finding": finding.id},
                            old=old, new={"status": to, "note": said}, reason=f"问题台账：{FINDING_STATUS[to]}"))
    write_or_conflict(session, f"问题 {finding.id} 刚刚被他人修改", Location(field="状态"))
    return finding


def visible(session: Session, actor: Actor, finding_id: int) -> Finding:
    finding = session.get(Finding, finding_id)
    if finding is None or not actor.may("view", finding.region).allowed:
        raise ScopeError(f"没有编号为 {finding_id} 的问题，或您无权查看")
    return finding


@dataclass(frozen=True)
class LedgerRow:
    finding: Finding
    review: Review
    region_name: str
    overdue: bool
    files: list[StoredFile]

    @property
    def status_text(self) -> str:
        return FINDING_STATUS[self.finding.status] + ("（逾期）" if self.overdue else "")

    @property
    def kind_text(self) -> str:
        return REVIEW_KIND[self.review.kind]

    @property
    def severity_text(self) -> str:
        return SEVERITY[self.finding.severity]


def ledger(session: Session, actor: Actor, region: str | None = None, today: dt.date | None = None
           ) -> list[LedgerRow]:
    """The findings the actor may see (one region's, or the scope's), deadline first, open before closed."""
    today = today or dt.date.today()
    query = select(Finding, Review).join(Review, Review.id == Finding.review_id)
    if region is not None:
        actor.require("view", region)
        query = query.where(Finding.region == region)
    elif actor.subjects and actor.role == "expert":
        query = query.where(Finding.region.in_(sorted(actor.subjects)))
    else:
        query = query.where(Finding.region.startswith(scope_prefix(actor.role, actor.region)))
    names = {code: name for code, name in session.execute(select(Region.code, Region.name))}
    found = [(f, r) for f, r in session.execute(query) if actor.may("view", f.region).allowed]
    ids = [f.id for f, _ in found]
    files: dict[int, list[StoredFile]] = {}
    if ids:
        for stored in session.scalars(select(StoredFile).where(
                StoredFile.kind == "finding", StoredFile.condition.in_([str(i) for i in ids]))
                .order_by(StoredFile.id)):
            files.setdefault(int(stored.condition or 0), []).append(stored)
    rows = [LedgerRow(f, r, names.get(f.region, f.region), f.status in OPEN and today > f.deadline,
                      files.get(f.id, [])) for f, r in found]
    return sorted(rows, key=lambda row: (row.finding.status == "closed", row.finding.deadline, row.finding.id))


def open_counts(rows: list[LedgerRow]) -> dict[str, dict[str, int]]:
    """Per region: findings not yet closed (未销号), of them overdue, and closed."""
    found: dict[str, dict[str, int]] = {}
    for row in rows:
        count = found.setdefault(row.finding.region, {"open": 0, "overdue": 0, "closed": 0})
        count["closed" if row.finding.status == "closed" else "open"] += 1
        count["overdue"] += row.overdue
    return found


def history(session: Session, actor: Actor, finding_id: int) -> list[AuditRecord]:
    """Every step of a finding, oldest first, from the audit trail: who, when, to what status, with what note
    (the finding itself keeps only the latest rectification and re-review)."""
    finding = visible(session, actor, finding_id)
    return [record for record in session.scalars(select(AuditRecord).where(
        AuditRecord.entity == "finding", AuditRecord.region == finding.region).order_by(AuditRecord.id))
        if (record.key or {}).get("finding") == finding.id]


def row_of(session: Session, actor: Actor, finding_id: int) -> LedgerRow:
    finding = visible(session, actor, finding_id)
    return next(row for row in ledger(session, actor, finding.region) if row.finding.id == finding.id)


def reviews_of(session: Session, actor: Actor, region: str) -> list[Review]:
    """A region's reviews, newest first."""
    actor.require("view", region)
    return list(session.scalars(select(Review).where(Review.region == region)
                                .order_by(Review.held_on.desc(), Review.id.desc())))


def review_region(session: Session, actor: Actor, review_id: int) -> str:
    review = session.get(Review, review_id)
    if review is None or not actor.may("view", review.region).allowed:
        raise ScopeError(f"没有编号为 {review_id} 的评审，或您无权查看")
    return review.region


def ledger_records(session: Session, actor: Actor, region: str, today: dt.date | None = None) -> LedgerTable:
    """A region's ledger as the table the workbook and the Word report print."""
    today = today or dt.date.today()
    rows = ledger(session, actor, region, today)
    place = session.get(Region, region)
    return LedgerTable(region, place.name if place else region, today, [
        LedgerLine(n, row.kind_text, row.review.held_on, row.finding.subject or "（整体）", row.finding.problem,
                   row.severity_text, row.finding.lead or "", row.finding.deadline, row.status_text,
                   row.finding.response or "", row.finding.check_note or "", "、".join(f.filename for f in row.files))
        for n, row in enumerate(rows, start=1)])
