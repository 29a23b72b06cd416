"""Background jobs in the store: created by a request (the owner's, checked then), moved by the worker that runs
them (queued → running → done / failed, with steps done of total), read back by the owner only. The result is a
stored file (kind ``job``) that the owner downloads like any other."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from ecozone.errors import ScopeError
from ecozone.store.models import Job
from ecozone.store.repository import Actor
from ecozone.vocabulary import JOB_KIND

__all__ = ["STALLED_AFTER", "claim", "create_job", "job_of", "mark", "stalled", "waiting_long"]

# a running job marks every region it finishes (seconds apart); this long without a mark, its worker was stopped hard
STALLED_AFTER = dt.timedelta(minutes=15)


def create_job(session: Session, actor: Actor, kind: str, params: dict[str, Any]) -> Job:
    if kind not in JOB_KIND:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job(id=secrets.token_hex(16), kind=kind, owner=actor.name, params=params, status="queued", done_steps=0,
              total_steps=0, updated_at=dt.datetime.now(dt.UTC))
    session.add(job)
    session.flush()
    return job


def job_of(session: Session, actor: Actor, job_id: str) -> Job:
    """The actor's own job; another's, or none, is refused alike."""
    job = session.get(Job, job_id[:32])
    if job is None or job.owner != actor.name:
        raise ScopeError(f"没有编号为 {job_id[:32]} 的任务，或它不是您发起的")
    return job


def mark(session: Session, job_id: str, **values: Any) -> None:
    """A step of the worker: status, steps, message or the result file (one UPDATE, its own commit)."""
    with session.begin():
        session.execute(update(Job).where(Job.id == job_id).values(updated_at=dt.datetime.now(dt.UTC), **values))


def claim(session: Session, job_id: str) -> Job | None:
    """The worker's start, compare-and-set: a queued job, or one left running by a worker killed mid-job (the
    queue hands such a job out again), becomes running here; a finished one, or one that does not exist, is
    None."""
    with session.begin():
        taken = session.execute(
            update(Job).where(Job.id == job_id, Job.status.in_(("queued", "running")))
            .values(status="running", done_steps=0, message="正在准备……", updated_at=dt.datetime.now(dt.UTC))
            .execution_options(synchronize_session=False))
        job = session.get(Job, job_id) if taken.rowcount == 1 else None  # type: ignore[attr-defined]
        if job is not None:
            session.expunge(job)
    return job


def stalled(job: Job, now: dt.datetime | None = None) -> bool:
    """A job said to run that has not moved for STALLED_AFTER: its worker was killed (a warm restart finishes it)."""
    return job.status == "running" and _past_the_limit(job.updated_at or job.created_at, now)


def waiting_long(job: Job, now: dt.datetime | None = None) -> bool:
    """A job still queued STALLED_AFTER after it was asked for: behind long jobs, or lost with a server's own pool
    when that server stopped (nothing in the store tells which, so the page says both)."""
    return job.status == "queued" and _past_the_limit(job.created_at, now)


def _past_the_limit(moment: dt.datetime | None, now: dt.datetime | None) -> bool:
    if moment is None:
        return False
    moment = moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)  # SQLite gives it back without its zone
    return (now or dt.datetime.now(dt.UTC)) - moment > STALLED_AFTER
