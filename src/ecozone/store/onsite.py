"""The 现场核查 checklist as the reviewer fills it on site: per indicator of an on-site review, what was found
(与填报相符 / 与填报不符 / 无法核实) with a note, and photos kept as files of kind ``onsite``.

The rows are the pack's, as the printed checklist lists them (``reports.ledger.onsite_rows``); this module keeps
only what the reviewer adds. Every write is compare-and-set on the row's version and audited; only a reviewer of
the region (prefecture, province, an assigned expert) writes, and only on a review of kind 现场核查.
"""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecozone.errors import ConflictError, InputError, Location, ScopeError, UsageError
from ecozone.store.models import AuditRecord, Finding, OnsiteCheck, Review, StoredFile
from ecozone.store.repository import Actor, bounded_text, save_file, write_or_conflict
from ecozone.vocabulary import ONSITE_RESULT, REVIEW_KIND

__all__ = ["checks_of", "findings_of", "onsite_review", "photos_of", "record_check", "save_photo"]


def onsite_review(session: Session, actor: Actor, review_id: int) -> Review:
    """The on-site review, if the actor may see its region; other kinds of review have no checklist."""
    review = session.get(Review, review_id)
    if review is None or not actor.may("view", review.region).allowed:
        raise ScopeError(f"没有编号为 {review_id} 的评审，或您无权查看")
    if review.kind != "onsite":
        raise UsageError(f"评审 {review_id} 是「{REVIEW_KIND[review.kind]}」，只有现场核查有核查表",
                         Location(field="评审"))
    return review


def checks_of(session: Session, actor: Actor, review_id: int) -> dict[str, OnsiteCheck]:
    onsite_review(session, actor, review_id)
    return {c.indicator: c for c in session.scalars(select(OnsiteCheck).where(OnsiteCheck.review_id == review_id))}


def photos_of(session: Session, actor: Actor, review_id: int) -> dict[str, list[StoredFile]]:
    review = onsite_review(session, actor, review_id)
    found: dict[str, list[StoredFile]] = {}
    prefix = f"{review_id}/"
    for stored in session.scalars(select(StoredFile).where(
            StoredFile.kind == "onsite", StoredFile.region == review.region,
            StoredFile.condition.startswith(prefix)).order_by(StoredFile.id)):
        found.setdefault((stored.condition or "").removeprefix(prefix), []).append(stored)
    return found


def findings_of(session: Session, actor: Actor, review_id: int) -> dict[str, list[Finding]]:
    """The problems this review put in the ledger, by the indicator they name (「第N项 …」)."""
    onsite_review(session, actor, review_id)
    found: dict[str, list[Finding]] = {}
    for finding in session.scalars(select(Finding).where(Finding.review_id == review_id).order_by(Finding.id)):
        subject = finding.subject or ""
        if subject.startswith("第") and "项" in subject:
            found.setdefault(subject[1:subject.index("项")], []).append(finding)
    return found


def record_check(session: Session, actor: Actor, review_id: int, indicator: str, result: str, note: str | None,
                 expected_version: int, indicators: Collection[str]) -> OnsiteCheck:
    """Set one row: ``expected_version`` is the version the reviewer saw (0 for a row not yet checked)."""
    review = _writable(session, actor, review_id, indicator, indicators)
    if result not in ONSITE_RESULT:
        raise InputError(f"未知的核查结果「{result[:20]}」", Location(field="核查结果"),
                         expected="、".join(ONSITE_RESULT.values()))
    said = bounded_text(note, "核查情况", required=result in ("differs", "unverifiable"))
    current = session.scalar(select(OnsiteCheck).where(OnsiteCheck.review_id == review_id,
                                                       OnsiteCheck.indicator == indicator))
    seen = current.version if current is not None else 0
    where = Location(field=f"第{indicator}项 核查结果")
    if seen != expected_version:
        raise ConflictError(f"第{indicator}项的核查结果已被他人修改（您打开时为第 {expected_version} 版，现为第 "
                            f"{seen} 版）", where, expected="刷新后查看最新结果，再决定是否修改")
    old = {"result": current.result, "note": current.note} if current is not None else None
    if current is not None and old == {"result": result, "note": said}:
        return current  # the same answer saved twice (a double click, a resend) writes nothing
    if current is None:
        current = OnsiteCheck(review_id=review_id, indicator=indicator, result=result, note=said,
                              checked_by=actor.name, version=1)
        session.add(current)
    else:
        current.result, current.note, current.checked_by = result, said, actor.name
        current.version += 1
    session.add(AuditRecord(user=actor.name, entity="onsite", region=review.region,
                            key={"review": review_id, "indicator": indicator}, old=old,
                            new={"result": result, "note": said}, reason="现场核查"))
    write_or_conflict(session, f"第{indicator}项的核查结果刚刚被他人修改", where)
    return current


def save_photo(session: Session, actor: Actor, review_id: int, indicator: str, filename: str, data: bytes,
               content_type: str | None, indicators: Collection[str]) -> StoredFile:
    """A photo or scan taken on site, checked by its bytes like every evidence file."""
    review = _writable(session, actor, review_id, indicator, indicators)
    return save_file(session, actor, "onsite", review.region, filename, data, content_type,
                     f"{review_id}/{indicator}")


def _writable(session: Session, actor: Actor, review_id: int, indicator: str, indicators: Collection[str]) -> Review:
    review = onsite_review(session, actor, review_id)
    actor.require("findings", review.region)
    if indicator not in indicators:
        raise InputError(f"核查表中没有第「{indicator[:20]}」项", Location(field="指标"),
                         expected="核查表所列指标的序号")
    return review

