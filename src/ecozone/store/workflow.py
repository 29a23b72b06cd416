"""The review workflow: draft → submitted → returned (with comments) / accepted → recommended.

A submission freezes a snapshot — figures, answers, the assessment and self-check as JSON,
and the pack hash — so what was submitted can always be shown again exactly, whatever
changes afterwards. Every transition is permission-checked and audited.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ecozone.catalogue import load_standard
from ecozone.errors import Location, UsageError
from ecozone.evaluation import Evaluation, evaluate
from ecozone.reports.results_json import evaluation_to_dict
from ecozone.store.models import AuditRecord, Observation, Region, Submission
from ecozone.store.permissions import scope_prefix
from ecozone.store.repository import LOCKED, Actor, evaluable_dataset, evidence_table, years_with_data
from ecozone.vocabulary import SUBMISSION_STATUS

__all__ = ["TRANSITIONS", "Notice", "latest", "notices", "submit", "transition"]

# status → (action needed, statuses it may come from)
TRANSITIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "returned": ("review", ("submitted",)),
    "accepted": ("review", ("submitted",)),
    "recommended": ("recommend", ("accepted",)),
    # the explicit way to change data a reviewer has seen: said with a reason, audited, then submitted again
    "reopened": ("review", ("submitted", "accepted", "recommended")),
}


def _dossier(session: Session, actor: Actor, evaluation: Evaluation, region: str) -> dict[str, Any]:
    """The application dossier as it stands at submission: its sha256, so a reviewer can check that the dossier
    downloaded later is the one submitted (the data and the evidence are locked until reopened)."""
    from ecozone.reports.dossier import write_dossier

    with tempfile.TemporaryDirectory() as folder:
        made = write_dossier(evaluation, region, evidence_table(session, actor, region, Path(folder) / "files"),
                             Path(folder) / "dossier.zip")
    return {"sha256": made.sha256, "files": made.files, "evidence": made.evidence, "missing": made.missing}


def verdict_then(submission: Submission | None) -> str | None:
    """The verdict the submission froze (its snapshot's), to set beside the live one."""
    regions = (submission.snapshot or {}).get("result", {}).get("regions") if submission is not None else None
    return str(regions[0]["verdict"]) if regions else None


def latest(session: Session, region: str) -> Submission | None:
    return session.scalars(select(Submission).where(Submission.region == region)
                           .order_by(Submission.id.desc()).limit(1)).first()


def submit(session: Session, actor: Actor, region: str, standard_id: str) -> Submission:
    """Freeze the county's figures, answers and results, with the rules' fingerprint."""
    actor.require("submit", region)
    current = latest(session, region)
    if current is not None and current.status in LOCKED:
        raise UsageError(f"{region} 已处于「{SUBMISSION_STATUS[current.status]}」状态，不能重复提交",
                         Location(field="提交状态"), expected="被退回后修改再提交")
    # the very dataset the region's page evaluates: figures, targets, answers and incidents
    loaded = load_standard(standard_id)
    dataset = evaluable_dataset(session, actor, loaded, region=region)
    evaluation = evaluate(loaded, dataset, vetoes=True, years=years_with_data(session))
    snapshot: dict[str, Any] = {
        "figures": [{"year": o.year, "metric": o.metric, "value": o.value, "state": o.state, "version": o.version}
                    for o in session.scalars(select(Observation).where(Observation.region == region))],
        "incidents": (dataset.incidents.with_columns(pl.col("date").cast(pl.String)).to_dicts()
                      if dataset.incidents is not None else []),
        "result": evaluation_to_dict(evaluation),
        "dossier": _dossier(session, actor, evaluation, region),
    }
    submission = Submission(region=region, standard_id=loaded.id, pack_hash=loaded.hash, status="submitted",
                            snapshot=snapshot, created_by=actor.name)
    session.add(submission)
    session.flush()  # its id, for the audit record that says it was made
    session.add(AuditRecord(user=actor.name, entity="submission", region=region,
                            key={"id": submission.id, "standard": loaded.id},
                            old={"status": current.status} if current else None, new={"status": "submitted"},
                            reason="提交"))
    return submission


def transition(session: Session, actor: Actor, region: str, to: str, comment: str | None = None) -> Submission:
    """Return, accept or recommend the latest submission; a return needs a comment."""
    if to not in TRANSITIONS:
        raise UsageError(f"未知的状态「{to}」", Location(field="提交状态"), expected="、".join(TRANSITIONS))
    action, sources = TRANSITIONS[to]
    actor.require(action, region)
    current = latest(session, region)
    if current is None or current.status not in sources:
        state = SUBMISSION_STATUS[current.status] if current else "未提交"
        raise UsageError(f"{region} 当前为「{state}」，不能改为「{SUBMISSION_STATUS[to]}」", Location(field="提交状态"))
    if to == "returned" and not (comment or "").strip():
        raise UsageError("退回必须写明意见", Location(field="审核意见"), expected="需要修改的内容")
    if to == "reopened" and not (comment or "").strip():
        raise UsageError("重新打开必须写明理由", Location(field="重新打开的理由"),
                         expected="为什么要修改已提交（已通过）的数据")
    old = current.status
    current.status = to
    current.comment = comment
    session.add(AuditRecord(user=actor.name, entity="submission", region=region, key={"id": current.id},
                            old={"status": old}, new={"status": to}, reason=comment))
    return current



# what was written to a region's data, as the audit names it: a change of any of these after a submission
# means the submission no longer shows what is stored
_DATA = ("figure", "answer", "incident", "assigned", "region")


@dataclass(frozen=True)
class Notice:
    """Something a user must see about a region's submission: returned (by whom, when, why), accepted,
    recommended — and data changed since it was submitted."""

    region: str
    name: str
    status: str  # the submission's status
    by: str
    at: dt.datetime | None
    comment: str | None
    changed_since: int  # data records written after the submission

    @property
    def text(self) -> str:
        said = {"returned": "被退回", "accepted": "已审核通过", "recommended": "已推荐", "submitted": "已提交，待审核",
                "reopened": "已重新打开，可以修改后重新提交"}
        return said.get(self.status, SUBMISSION_STATUS[self.status])


def notices(session: Session, actor: Actor, region: str | None = None) -> list[Notice]:
    """The latest submission of each region in the actor's scope (or of one region), with the review's
    author and time from the audit, and how many data records were written since it was submitted."""
    prefix = scope_prefix(actor.role, actor.region)
    newest = select(func.max(Submission.id)).group_by(Submission.region)
    query = select(Submission, Region.name).join(Region, Region.code == Submission.region).where(
        Submission.id.in_(newest), Submission.region.startswith(prefix))
    if region is not None:
        actor.require("view", region)
        query = query.where(Submission.region == region)
    found = []
    for submission, name in session.execute(query.order_by(Submission.region)):
        records = session.scalars(select(AuditRecord).where(
            AuditRecord.entity == "submission", AuditRecord.region == submission.region,
            AuditRecord.key["id"].as_integer() == submission.id).order_by(AuditRecord.id)).all()
        made = records[0].id if records else 0
        review = records[-1] if records else None
        changed = session.scalar(select(func.count()).select_from(AuditRecord).where(
            AuditRecord.region == submission.region, AuditRecord.entity.in_(_DATA), AuditRecord.id > made)) or 0
        found.append(Notice(submission.region, name, submission.status,
                            review.user if review else submission.created_by,
                            review.at if review else submission.created_at, submission.comment,
                            changed if made else 0))
    return found
