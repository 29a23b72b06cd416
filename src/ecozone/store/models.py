"""Tables. Figures, answers and statuses change only through ``repository``, which audits every change."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Region(Base):
    __tablename__ = "regions"
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    level: Mapped[str] = mapped_column(String(2))
    parent: Mapped[str | None] = mapped_column(String(6), index=True)
    terrain: Mapped[str | None] = mapped_column(String(10))
    zone: Mapped[str | None] = mapped_column(String(10))
    city_size: Mapped[str | None] = mapped_column(String(10))
    flags: Mapped[dict[str, bool]] = mapped_column(JSON, default=dict)


class Observation(Base):
    __tablename__ = "observations"
    __table_args__ = (UniqueConstraint("region", "year", "metric"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    region: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    metric: Mapped[str] = mapped_column(String(80))
    value: Mapped[float | None] = mapped_column(Float)
    state: Mapped[str | None] = mapped_column(String(40))
    source: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic concurrency
    # compare-and-set: every UPDATE says WHERE version = <the version read>, so of two writers who read
    # the same version one is refused (StaleDataError), on SQLite and PostgreSQL alike; the code sets
    # the new version itself
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012


class AssignedTarget(Base):
    __tablename__ = "assigned_targets"
    __table_args__ = (UniqueConstraint("region", "year", "metric"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    region: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    metric: Mapped[str] = mapped_column(String(80))
    target: Mapped[float] = mapped_column(Float)
    source: Mapped[str | None] = mapped_column(Text)


class Answer(Base):
    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("region", "condition"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    region: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    condition: Mapped[str] = mapped_column(String(60))
    answer: Mapped[str] = mapped_column(String(10))
    document: Mapped[str | None] = mapped_column(Text)
    date: Mapped[str | None] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text)
    file: Mapped[str | None] = mapped_column(Text)
    override_reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012 (as Observation)


class Incident(Base):
    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    region: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    grade: Mapped[str] = mapped_column(String(2))
    name: Mapped[str | None] = mapped_column(Text)
    document: Mapped[str | None] = mapped_column(Text)


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    role: Mapped[str] = mapped_column(String(12))
    region: Mapped[str] = mapped_column(String(6))
    password_hash: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # a department account (role ``department``): its name (州林草局) and the indicators it answers for
    department: Mapped[str | None] = mapped_column(String(60))
    indicators: Mapped[list[str] | None] = mapped_column(JSON)
    # an expert account (role ``expert``): the regions of its assignment, its whole scope
    assigned: Mapped[list[str] | None] = mapped_column(JSON)
    # in every session cookie; logout, deactivation, a role change or a new password raise it, which ends
    # every session of the user at once (a signed cookie cannot be called back otherwise)
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class AuditRecord(Base):
    """Append-only: who changed what, when, from what, to what, and why."""

    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    user: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(30))
    region: Mapped[str] = mapped_column(String(6), index=True)
    key: Mapped[dict[str, Any]] = mapped_column(JSON)
    old: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    new: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    reason: Mapped[str | None] = mapped_column(Text)


class Submission(Base):
    """A frozen snapshot of what a county submitted, with the rules' fingerprint."""

    __tablename__ = "submissions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    region: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    standard_id: Mapped[str] = mapped_column(String(40))
    pack_hash: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(12))
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    comment: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class StoredFile(Base):
    """An uploaded file kept in the database, so backups and several workers see the same bytes.

    ``kind`` is ``upload`` (a workbook awaiting or past its confirm), ``evidence`` (a self-check
    attachment), ``indicator`` (a 佐证材料 of an indicator) or ``map`` (a board's boundaries).
    ``imported_at`` marks an upload that was confirmed and written.
    """

    __tablename__ = "files"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(10))
    region: Mapped[str] = mapped_column(String(6), index=True)
    condition: Mapped[str | None] = mapped_column(String(60))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[str] = mapped_column(String(60))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    imported_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # what an evidence file proves (kind ``indicator``: ``condition`` holds the indicator's number)
    year: Mapped[int | None] = mapped_column(Integer)
    issuer: Mapped[str | None] = mapped_column(Text)
    document: Mapped[str | None] = mapped_column(Text)
    issued_on: Mapped[str | None] = mapped_column(String(20))
    # a new version of an evidence file names the one it replaces; unique, so of two uploads replacing the same
    # version one is refused (the older versions stay, downloadable, out of the dossier)
    replaces: Mapped[int | None] = mapped_column(ForeignKey("files.id"), unique=True)


class DataRequest(Base):
    """A request for figures and evidence sent to a department: indicators × regions × years, by a deadline.

    Each region's part is a :class:`RequestItem` with its own status, answered and decided on its own.
    """

    __tablename__ = "data_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    # the department addressed: its name and the home region of its accounts
    department: Mapped[str] = mapped_column(String(60))
    department_region: Mapped[str] = mapped_column(String(6), index=True)
    indicators: Mapped[list[str]] = mapped_column(JSON)
    first_year: Mapped[int] = mapped_column(Integer)
    last_year: Mapped[int] = mapped_column(Integer)
    deadline: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(Text)


class RequestItem(Base):
    """One region's part of a data request: 待提交 → 已提交 → 已采纳 / 已退回 (with a reason) → 已提交 …"""

    __tablename__ = "request_items"
    __table_args__ = (UniqueConstraint("request_id", "region"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("data_requests.id"), index=True)
    region: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    reason: Mapped[str | None] = mapped_column(Text)  # why it was returned
    answered_by: Mapped[str | None] = mapped_column(String(60))
    answered_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[str | None] = mapped_column(String(60))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012 (as Observation)


class Review(Base):
    """A technical help visit, a pre-review, a technical assessment or an on-site check of one region."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    region: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    kind: Mapped[str] = mapped_column(String(12))
    held_on: Mapped[dt.date] = mapped_column(Date)
    experts: Mapped[str | None] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Finding(Base):
    """One problem a review found, and its rectification: 待整改 → 整改中 → 已整改待复核 → 已销号 / 复核未通过."""

    __tablename__ = "findings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), index=True)
    region: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    subject: Mapped[str | None] = mapped_column(String(60))  # the indicator or veto condition, as shown
    problem: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(String(12))
    lead: Mapped[str | None] = mapped_column(String(60))
    deadline: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="open")
    response: Mapped[str | None] = mapped_column(Text)
    responded_by: Mapped[str | None] = mapped_column(String(60))
    responded_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    check_note: Mapped[str | None] = mapped_column(Text)
    checked_by: Mapped[str | None] = mapped_column(String(60))
    checked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012 (as Observation)


class OnsiteCheck(Base):
    """One indicator of a 现场核查 as the reviewer found it on site: the result and a note (photos are files of kind
    ``onsite`` whose ``condition`` is ``<review>/<indicator>``)."""

    __tablename__ = "onsite_checks"
    __table_args__ = (UniqueConstraint("review_id", "indicator"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"), index=True)
    indicator: Mapped[str] = mapped_column(String(20))
    result: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(Text)
    checked_by: Mapped[str] = mapped_column(String(60))
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    version: Mapped[int] = mapped_column(Integer, default=1)
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}  # noqa: RUF012 (as Observation)


class Job(Base):
    """Long work asked for in the web app (a prefecture's reports as one zip …), run in the background: its state,
    progress and result are here, so every worker process shows the same and a finished file outlives the worker."""

    __tablename__ = "jobs"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    owner: Mapped[str] = mapped_column(String(60), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued / running / done / failed
    done_steps: Mapped[int] = mapped_column(Integer, default=0)
    total_steps: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str | None] = mapped_column(Text)
    file_id: Mapped[int | None] = mapped_column(ForeignKey("files.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class NamedPlace(Base):
    """A title a region holds (已命名), with its batch, naming date, document and the source of the record."""

    __tablename__ = "named_places"
    __table_args__ = (UniqueConstraint("region", "title"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    region: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    title: Mapped[str] = mapped_column(String(12))
    batch: Mapped[str | None] = mapped_column(String(40))
    named_on: Mapped[dt.date] = mapped_column(Date)
    document: Mapped[str | None] = mapped_column(Text)
    source: Mapped[str] = mapped_column(Text)


class SelfAssessment(Base):
    """A named place's annual self-assessment (年度自评估) as submitted: the monitor-mode verdict of one year, its
    reasons and the whole result, with the rules' fingerprint; a later submission for the same year supersedes it
    (both kept)."""

    __tablename__ = "self_assessments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    region: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    standard_id: Mapped[str] = mapped_column(String(40))
    pack_hash: Mapped[str] = mapped_column(String(80))
    verdict: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str | None] = mapped_column(Text)
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str] = mapped_column(String(60))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class StoreMeta(Base):
    """Facts about the database itself: ``epoch`` is renewed by every restore, so anything cached under
    an audit id (which a restored older database repeats) is never served for the restored data."""

    __tablename__ = "store_meta"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
