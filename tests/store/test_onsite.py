"""The 现场核查 checklist as a reviewer fills it, in the store (SQLite and PostgreSQL): only a reviewer of the region
writes, only on an on-site review and only for the checklist's rows; each write is compare-and-set and audited,
saving the same answer twice writes nothing, and a mismatch needs its note."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ecozone.errors import ConflictError, InputError, ScopeError, UsageError
from ecozone.store import ledger, onsite
from ecozone.store.models import AuditRecord, OnsiteCheck, StoredFile
from ecozone.store.repository import Actor
from tests.conftest import SAMPLE

EXPERT = Actor("zhuanjia", "expert", "990000", subjects=frozenset({"990104"}))
COUNTY = Actor("shimen", "county", "990104")
ROWS = {"1", "11", "29"}  # the checklist's rows as the page gives them
PHOTO = SAMPLE / "佐证材料" / "990104_污水处理运行台账2023.pdf"


def step(session: Session) -> object:
    if session.in_transaction():
        session.commit()
    return session.begin()


@pytest.fixture()
def visit(session: Session) -> int:
    with step(session):
        return ledger.add_review(session, EXPERT, "990104", "onsite", dt.date(2024, 5, 20), "张工、李工").id


def audits(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditRecord).where(AuditRecord.entity == "onsite")) or 0


def test_a_reviewer_records_what_was_seen_and_a_second_save_of_a_stale_page_is_refused(
        session: Session, visit: int) -> None:
    with step(session):
        first = onsite.record_check(session, EXPERT, visit, "29", "differs", "管网台账与现场不一致", 0, ROWS)
    assert (first.result, first.version) == ("differs", 1)
    with step(session):  # the same answer again (a double click): nothing written
        onsite.record_check(session, EXPERT, visit, "29", "differs", "管网台账与现场不一致", 1, ROWS)
    assert audits(session) == 1
    with step(session):
        onsite.record_check(session, EXPERT, visit, "29", "agrees", "补查后相符", 1, ROWS)
    with pytest.raises(ConflictError, match="已被他人修改") as stale, step(session):  # a page opened at version 1
        onsite.record_check(session, EXPERT, visit, "29", "unverifiable", "无法进入厂区", 1, ROWS)
    assert stale.value.location.field == "第29项 核查结果"
    session.rollback()
    with step(session):
        kept = onsite.checks_of(session, EXPERT, visit)["29"]
    assert (kept.result, kept.note, kept.version) == ("agrees", "补查后相符", 2)
    assert audits(session) == 2


def test_refusals_name_the_field_and_write_nothing(session: Session, visit: int) -> None:
    with pytest.raises(InputError, match="没有填写") as bare, step(session):  # a mismatch says what differs
        onsite.record_check(session, EXPERT, visit, "29", "differs", " ", 0, ROWS)
    assert bare.value.location.field == "核查情况"
    session.rollback()
    with pytest.raises(InputError, match="核查表中没有"), step(session):
        onsite.record_check(session, EXPERT, visit, "99", "agrees", None, 0, ROWS)
    session.rollback()
    with pytest.raises(InputError, match="未知的核查结果"), step(session):
        onsite.record_check(session, EXPERT, visit, "29", "maybe", None, 0, ROWS)
    session.rollback()
    with pytest.raises(ScopeError), step(session):  # the county sees its checklist but does not fill it
        onsite.record_check(session, COUNTY, visit, "29", "agrees", None, 0, ROWS)
    session.rollback()
    with pytest.raises(ScopeError), step(session):  # an expert not assigned to the county sees nothing
        onsite.checks_of(session, Actor("other", "expert", "990000", subjects=frozenset({"990101"})), visit)
    session.rollback()
    with step(session):
        assessment = ledger.add_review(session, EXPERT, "990104", "assessment", dt.date(2024, 5, 1), None).id
    with pytest.raises(UsageError, match="只有现场核查有核查表"), step(session):
        onsite.record_check(session, EXPERT, assessment, "29", "agrees", None, 0, ROWS)
    session.rollback()
    assert session.scalar(select(func.count()).select_from(OnsiteCheck)) == 0 and audits(session) == 0
    assert onsite.checks_of(session, COUNTY, visit) == {}  # the county may read it


def test_photos_are_checked_by_their_bytes_and_kept_by_row(session: Session, visit: int, tmp_path: Path) -> None:
    with step(session):
        onsite.save_photo(session, EXPERT, visit, "29", PHOTO.name, PHOTO.read_bytes(), "application/pdf", ROWS)
    with pytest.raises(InputError), step(session):  # a program named as a photo
        onsite.save_photo(session, EXPERT, visit, "29", "现场.jpg", b"MZ\x90\x00" + bytes(64), "image/jpeg", ROWS)
    session.rollback()
    with pytest.raises(ScopeError), step(session):
        onsite.save_photo(session, COUNTY, visit, "29", PHOTO.name, PHOTO.read_bytes(), "application/pdf", ROWS)
    session.rollback()
    with step(session):
        photos = onsite.photos_of(session, EXPERT, visit)
    assert [p.filename for p in photos["29"]] == [PHOTO.name] and set(photos) == {"29"}
    assert session.scalar(select(func.count()).select_from(StoredFile).where(StoredFile.kind == "onsite")) == 1
