"""The review workflow on SQLite and PostgreSQL: snapshots that do not change, scoped transitions."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecozone.errors import ScopeError, UsageError
from ecozone.store.models import AuditRecord
from ecozone.store.repository import Actor, set_figure
from ecozone.store.workflow import latest, submit, transition

CLERK = Actor("石门县填报员", "county", "990104")
REVIEWER = Actor("州审核员", "prefecture", "990100")
PROVINCE = Actor("省管理员", "province", "990000")


def test_a_submission_freezes_what_was_submitted(session: Session) -> None:
    with session.begin():
        submission = submit(session, CLERK, "990104", "mee-2019")
    frozen = submission.snapshot
    assert submission.pack_hash.startswith("sha256:") and submission.status == "submitted"
    assert frozen["result"]["regions"][0]["verdict"] == "not_ready"
    # submitted data are locked: an edit is refused until a reviewer reopens the submission with a reason
    with pytest.raises(ScopeError) as caught, session.begin():
        set_figure(session, CLERK, "990104", 2023, "urban_sewage_treatment_rate", "86", 1)
    assert "数据已锁定" in caught.value.message
    with pytest.raises(UsageError) as unreasoned, session.begin():
        transition(session, REVIEWER, "990104", "reopened", "")
    assert "重新打开必须写明理由" in unreasoned.value.message
    with session.begin():
        transition(session, REVIEWER, "990104", "reopened", "补充台账后的数值")
    with session.begin():  # a later edit changes the live figure, not the snapshot
        set_figure(session, CLERK, "990104", 2023, "urban_sewage_treatment_rate", "86", 1)
    again = latest(session, "990104")
    assert again is not None and again.snapshot == frozen
    sewage = next(f for f in again.snapshot["figures"] if f["metric"] == "urban_sewage_treatment_rate"
                  and f["year"] == 2023)
    assert sewage["value"] == 82


def test_review_returns_with_a_comment_then_accepts_and_the_province_recommends(session: Session) -> None:
    with session.begin():
        submit(session, CLERK, "990104", "mee-2019")
    with pytest.raises(UsageError) as caught, session.begin():
        transition(session, REVIEWER, "990104", "returned", "")
    assert "退回必须写明意见" in caught.value.message
    with session.begin():
        transition(session, REVIEWER, "990104", "returned", "污水处理率请附运行台账")
    with session.begin():
        submit(session, CLERK, "990104", "mee-2019")
        transition(session, REVIEWER, "990104", "accepted", "同意")
        final = transition(session, PROVINCE, "990104", "recommended", "列入本批推荐")
    assert final.status == "recommended"
    trail = session.scalars(select(AuditRecord.new).where(AuditRecord.entity == "submission")
                            .order_by(AuditRecord.id)).all()
    assert [t["status"] for t in trail] == ["submitted", "returned", "submitted", "accepted", "recommended"]


def test_transitions_respect_roles_and_order(session: Session) -> None:
    with pytest.raises(ScopeError):
        submit(session, REVIEWER, "990104", "mee-2019")  # a reviewer does not submit
    session.rollback()
    with session.begin():
        submit(session, CLERK, "990104", "mee-2019")
    with pytest.raises(ScopeError):
        transition(session, CLERK, "990104", "accepted")  # a county does not accept itself
    session.rollback()
    with pytest.raises(UsageError):
        transition(session, PROVINCE, "990104", "recommended")  # not accepted yet
    session.rollback()
    with pytest.raises(ScopeError):
        transition(session, Actor("外州审核员", "prefecture", "980100"), "990104", "accepted", "x")
