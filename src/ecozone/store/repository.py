"""Scoped, audited access to the store. Every change goes through here.

* Imports are all-or-nothing: one transaction, rolled back on any error.
* A figure edit names the version it started from; if someone else changed the figure in
  between, the edit is refused and nothing is overwritten (optimistic concurrency).
* Every change writes an append-only audit record: who, when, old, new, why.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, cast

import polars as pl
from pwdlib import PasswordHash
from sqlalchemy import JSON, CursorResult, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ecozone.catalogue import LoadedStandard, load_metrics
from ecozone.catalogue.vetoes import condition_ids
from ecozone.dataset import ANSWER_SCHEMA, INCIDENT_SCHEMA, Dataset
from ecozone.errors import ConfirmationNeeded, ConflictError, InputError, Location, ScopeError, UsageError
from ecozone.io.answers import incident_key, normalise_answer, parse_date
from ecozone.io.evidence_files import EVIDENCE_COLUMNS, check_evidence_file
from ecozone.io.excel.layout import REGION_COLUMNS
from ecozone.io.validate import FIRST_YEAR, INPUT_SCHEMA, check_figures, year_problem
from ecozone.regions.profile import FLAGS
from ecozone.store.models import (
    Answer,
    AssignedTarget,
    AuditRecord,
    Incident,
    Observation,
    Region,
    StoredFile,
    StoreMeta,
    Submission,
    User,
)
from ecozone.store.permissions import ROLES, Decision, can, number_key, scope_prefix

__all__ = [
    "LOCKED",
    "Actor",
    "ConflictError",
    "Overreach",
    "Written",
    "active_user",
    "add_user",
    "answers_of",
    "audit_mark",
    "bounded_text",
    "change_user",
    "check_department",
    "check_password",
    "claim_upload",
    "county_overreach",
    "department_subjects",
    "describe_import",
    "earlier_versions",
    "end_sessions",
    "evaluable_dataset",
    "figure_versions",
    "import_dataset",
    "list_users",
    "load_dataset",
    "locked_by",
    "own_upload",
    "regions_in_scope",
    "require_open",
    "revision",
    "safe_filename",
    "save_file",
    "session_generation",
    "set_answer",
    "set_figure",
    "stored_file",
    "write_or_conflict",
    "written_since",
    "years_with_data",
]

_hasher = PasswordHash.recommended()  # argon2

# a region whose latest submission is in one of these states keeps its data as submitted: what a reviewer
# reads (and the snapshot) can never silently differ from the store; 「重新打开」 (with a reason) unlocks it
LOCKED = ("submitted", "accepted", "recommended")


def locked_by(session: Session, region: str) -> str | None:
    """The submission status that locks the region's data, or None when they may be changed."""
    status = session.scalar(select(Submission.status).where(Submission.region == region)
                            .order_by(Submission.id.desc()).limit(1))
    return status if status in LOCKED else None


def require_open(session: Session, region: str) -> None:
    """Refuse a write to a region whose data are locked by its submission."""
    status = locked_by(session, region)
    if status is not None:
        shown = {"submitted": "已提交待审核", "accepted": "已审核通过", "recommended": "已推荐"}[status]
        raise ScopeError(f"{region} {shown}，数据已锁定，不能修改；如需修改，请州（市）级审核员「重新打开」并写明理由")




@dataclass(frozen=True)
class Actor:
    """Who acts. A department account also carries its name and ``subjects``: the indicators it answers
    for and their metrics (:func:`department_subjects`), outside which it can neither see nor write."""

    name: str
    role: str
    region: str
    department: str | None = None
    subjects: frozenset[str] = frozenset()

    def require(self, action: str, region: str, subject: str | None = None) -> None:
        decision = self.may(action, region, subject)
        if not decision.allowed:
            raise ScopeError(decision.why)

    def may(self, action: str, region: str, subject: str | None = None) -> Decision:
        return can(self.role, self.region, action, region, subject, self.subjects)


def department_subjects(standard: LoadedStandard, indicators: list[str] | None) -> frozenset[str]:
    """A department's indicators and the metrics they read (its figures are keyed by metric)."""
    named = frozenset(indicators or ())
    metrics = {metric for indicator in named for metric in standard.metrics_of(indicator)}
    return named | metrics


# --- users -----------------------------------------------------------------------------


def add_user(session: Session, name: str, role: str, region: str, password: str, *,
             department: str | None = None, indicators: list[str] | None = None,
             assigned: list[str] | None = None) -> User:
    """A new account; a department account (role ``department``) names its department and the indicators it
    answers for (check them against the standard first: :func:`check_department`)."""
    _check_role(role)
    _check_region(region)
    _check_password_rule(password)
    department, indicators = _department_fields(role, department, indicators)
    assigned = _assignment(session, role, assigned)
    if session.scalar(select(User).where(User.name == name)) is not None:
        raise UsageError(f"用户「{name}」已存在", Location(field="NAME"))
    user = User(name=name, role=role, region=region, password_hash=_hasher.hash(password), department=department,
                indicators=indicators, assigned=assigned)
    session.add(user)
    new: dict[str, Any] = {"role": role, "region": region}
    if department is not None:
        new |= {"department": department, "indicators": indicators}
    if assigned is not None:
        new |= {"assigned": assigned}
    session.add(AuditRecord(user="system", entity="user", region=region, key={"name": name}, old=None,
                            new=new, reason="新建用户"))
    return user


def check_department(standard: LoadedStandard, indicators: list[str]) -> list[str]:
    """The indicator numbers a department account is given, each one of the standard's (7.1 names a sub-item)."""
    known = set(standard.unit_ids())
    unknown = [i for i in indicators if i not in known]
    if unknown or not indicators:
        raise UsageError(f"{standard.standard.id} 中没有第「{'、'.join(unknown)}」项指标" if unknown
                         else "部门账号须指明负责的指标", Location(field="--indicators"),
                         expected="指标序号，以逗号分隔，如 11,12")
    return sorted(dict.fromkeys(indicators), key=number_key)


def _assignment(session: Session, role: str, assigned: list[str] | None) -> list[str] | None:
    """An expert's regions: each a registered region code; only experts have them."""
    if role != "expert":
        if assigned:
            raise UsageError("只有评审专家（role 为 expert）才有分派的地区", Location(field="--regions"))
        return None
    codes = list(dict.fromkeys(code.strip() for code in assigned or () if code.strip()))
    if not codes:
        raise UsageError("评审专家须指明分派的地区", Location(field="--regions"),
                         expected="地区代码，以逗号分隔，如 990104,990105")
    known = set(session.scalars(select(Region.code).where(Region.code.in_(codes))))
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise UsageError(f"库中没有地区 {'、'.join(unknown)}", Location(field="--regions"), expected="已登记的地区代码")
    return codes


DEPARTMENT_NAME_LIMIT = 60  # the column's width


def _department_fields(role: str, department: str | None, indicators: list[str] | None
                       ) -> tuple[str | None, list[str] | None]:
    if role != "department":
        if department or indicators:
            raise UsageError("只有部门账号（role 为 department）才有部门名称和负责的指标",
                             Location(field="--department"))
        return None, None
    name = (department or "").strip()
    if not name or len(name) > DEPARTMENT_NAME_LIMIT:
        raise UsageError(f"部门账号须写明部门名称（不超过 {DEPARTMENT_NAME_LIMIT} 字）", Location(field="--department"),
                         expected="如 州林草局")
    if not indicators:
        raise UsageError("部门账号须指明负责的指标", Location(field="--indicators"), expected="指标序号，如 11,12")
    return name, list(indicators)


@functools.cache
def _dummy_hash() -> str:
    """A hash of a password nobody has: an unknown name costs the same verify as a wrong password, so the
    time of a refusal does not tell which names exist (made on first use: hashing costs ~0.2 s)."""
    return _hasher.hash("ecozone: no such user")


def check_password(session: Session, name: str, password: str) -> Actor | None:
    user = session.scalar(select(User).where(User.name == name, User.active.is_(True)))
    if user is None:
        _hasher.verify(password, _dummy_hash())
        return None
    if not _hasher.verify(password, user.password_hash):
        return None
    return Actor(user.name, user.role, user.region, user.department)


def session_generation(session: Session, name: str) -> int | None:
    """The user's current session generation, or None for an unknown or deactivated user."""
    user = active_user(session, name)
    return user.session_generation if user is not None else None


def active_user(session: Session, name: str) -> User | None:
    user = session.scalar(select(User).where(User.name == name))
    return user if user is not None and user.active else None


def end_sessions(session: Session, name: str, reason: str = "退出登录") -> None:
    """End every session of the user (each cookie carries the old generation)."""
    user = _user(session, name)
    user.session_generation += 1
    session.add(AuditRecord(user=name, entity="user", region=user.region, key={"name": name}, old=None,
                            new={"sessions": "ended"}, reason=reason))


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.region, User.name)))


def change_user(session: Session, name: str, *, active: bool | None = None, role: str | None = None,
                region: str | None = None, password: str | None = None) -> User:
    """Deactivate or activate, change the role or region, or set a new password; each ends the user's
    sessions, so a cookie issued before cannot read or write any more."""
    user = _user(session, name)
    before = {"active": user.active, "role": user.role, "region": user.region}
    if role is not None:
        _check_role(role)
        user.role = role
    if region is not None:
        _check_region(region)
        user.region = region
    if active is not None:
        user.active = active
    if password is not None:
        _check_password_rule(password)
        user.password_hash = _hasher.hash(password)
    user.session_generation += 1
    after = {"active": user.active, "role": user.role, "region": user.region}
    session.add(AuditRecord(user="system", entity="user", region=user.region, key={"name": name}, old=before,
                            new={**after, **({"password": "changed"} if password is not None else {})},
                            reason="用户管理"))
    return user


def _user(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        raise UsageError(f"没有用户「{name}」", Location(field="NAME"), expected="ecozone user list 中的用户名")
    return user


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UsageError(f"未知的角色「{role}」", Location(field="--role"),
                         expected="county、prefecture、province、department 或 expert")


def _check_region(region: str) -> None:
    if not (len(region) == 6 and region.isdigit()):
        raise UsageError(f"地区代码不是6位数字：「{region}」", Location(field="--region"))


def _check_password_rule(password: str) -> None:
    if len(password) < 10 or password.isdigit() or password.isalpha() or len(set(password)) < 5:
        raise UsageError("密码太弱", Location(field="password"),
                         expected="至少 10 个字符，不能全是数字或全是字母，至少 5 个不同的字符")


# --- datasets --------------------------------------------------------------------------


_PROFILE_KEYS = ("name", "level", "parent", "terrain", "zone", "city_size", "flags")  # a stored Region's


def _profile_of(row: dict[str, Any]) -> dict[str, Any]:
    """A dataset's region row in the shape a stored Region holds it (the flags in one mapping)."""
    return {**{key: row[key] for key in _PROFILE_KEYS if key != "flags"}, "flags": {f: bool(row[f]) for f in FLAGS}}


def _deciding(profile: dict[str, Any]) -> dict[str, Any]:
    """The fields of a profile that decide which targets apply (all but the name), the flags spread out."""
    flags = profile["flags"] or {}
    return {**{key: profile[key] for key in _PROFILE_KEYS if key not in ("name", "flags")},
            **{f: bool(flags.get(f)) for f in FLAGS}}


class Overreach(NamedTuple):
    """One thing a county's upload would set that is not the county's to set; ``key`` names the value as the
    workbook reader's ``places`` do, so an adapter can point at its cell."""

    sheet: str
    region: str
    what: str
    key: tuple[Any, ...]


def county_overreach(session: Session, dataset: Dataset, actor: Actor) -> list[Overreach]:
    """What a county's upload would set that is not the county's to set: the targets the higher level
    assigns (上级目标), and a stored region's profile (level, parent, terrain, …), which decides the
    targets. Empty for any other role."""
    if actor.role != "county":
        return []
    found: list[Overreach] = []
    metrics = load_metrics()
    if dataset.assigned is not None and dataset.assigned.height:
        stored = {(t.region, t.year, t.metric): t.target for t in session.scalars(select(AssignedTarget).where(
            AssignedTarget.region.in_(dataset.assigned["region"].unique().to_list())))}
        for row in dataset.assigned.iter_rows(named=True):
            if stored.get((row["region"], row["year"], row["metric"])) != row["target"]:
                name = _metric_name(metrics, row["metric"])
                found.append(Overreach("上级目标", row["region"], f"{row['year']} 年「{name}」的上级目标",
                                       ("assigned", row["region"], row["year"], row["metric"])))
    labels = {column: header for header, column in REGION_COLUMNS.items()}
    for row in dataset.regions.iter_rows(named=True):
        current = session.get(Region, row["code"])
        if current is None:
            continue
        given = _deciding(_profile_of(row))
        stored_profile = _deciding({key: getattr(current, key) for key in _PROFILE_KEYS})
        for key, value in given.items():
            before = stored_profile[key]
            if (value or None) != (before or None):  # a blank cell and a missing value are the same
                found.append(Overreach("地区信息", row["code"],
                                       f"「{labels.get(key, key)}」（已登记为「{before or '空'}」）",
                                       ("region", row["code"], key)))
    return found


def _metric_name(metrics: dict[str, Any], metric: str) -> str:
    return metrics[metric].name if metric in metrics else metric


# an import whose rows someone saved between its read and its write (a version moved on, a new row taken)
_IMPORT_OVERTAKEN = "导入期间有人修改了其中的数据，本次导入未写入任何内容"


def import_dataset(session: Session, dataset: Dataset, actor: Actor, reason: str) -> dict[str, int]:
    """Write a whole dataset in one transaction; any error leaves the store as it was."""
    for code in dataset.regions["code"]:
        actor.require("load", code)
        require_open(session, code)
    overreach = county_overreach(session, dataset, actor)
    if overreach:
        sheet, region, what, _ = overreach[0]
        more = f"（另有 {len(overreach) - 1} 处）" if len(overreach) > 1 else ""
        raise ScopeError(f"县级填报员不能修改「{sheet}」表中 {region} 的{what}{more}；这些由州（市）级审核员确定")
    # what was written, by kind; "unchanged": rows the store already held as given (not written again)
    counts = {"regions": 0, "observations": 0, "assigned": 0, "answers": 0, "incidents": 0,
              "incidents_removed": 0, "unchanged": 0}
    with session.begin_nested():
        # the file's regions read in one query into the session, so each session.get below finds its row there
        session.scalars(select(Region).where(Region.code.in_(dataset.regions["code"].to_list()))).all()
        for row in dataset.regions.iter_rows(named=True):
            profile = _profile_of(row)
            current = session.get(Region, row["code"])
            before = {k: getattr(current, k) for k in profile} if current else None
            if before != profile:  # the profile decides which targets apply: its changes are audited too
                session.merge(Region(code=row["code"], **profile))
                session.add(AuditRecord(user=actor.name, entity="region", region=row["code"], key={},
                                        old=before, new=profile, reason=reason))
            counts["regions"] += 1
        session.flush()  # the regions' rows before the figures that name them
        written, same = _write_figures(session, actor, dataset.observations, reason)
        counts["observations"] += written
        counts["unchanged"] += same
        if dataset.assigned is not None:
            written, same = _write_targets(session, actor, dataset.assigned, reason)
            counts["assigned"] += written
            counts["unchanged"] += same
        if dataset.answers is not None:
            given = {(a.region, a.condition): a for a in session.scalars(select(Answer).where(
                Answer.region.in_(dataset.answers["region"].unique().to_list())))}
            for row in dataset.answers.iter_rows(named=True):
                answer = given.get((row["region"], row["condition"]))
                row = _unless_given(row, answer, ("document", "date", "note", "file", "override_reason"))
                old_answer = {k: getattr(answer, k) for k in row if k != "region"} if answer is not None else None
                if old_answer is not None and old_answer == {k: v for k, v in row.items() if k != "region"}:
                    counts["unchanged"] += 1
                    continue
                if answer is None:
                    session.add(Answer(**row, version=1))
                else:  # in place, with a new version: an open questionnaire page must not overwrite it
                    for key, value in row.items():
                        setattr(answer, key, value)
                    answer.version += 1
                session.add(AuditRecord(user=actor.name, entity="answer", region=row["region"],
                                        key={"condition": row["condition"]}, old=old_answer, new=row, reason=reason))
                counts["answers"] += 1
        counts["incidents"], counts["incidents_removed"] = _import_incidents(session, dataset, actor, reason)
        write_or_conflict(session, _IMPORT_OVERTAKEN, Location(field="文件"),
                           one_row=False)
    return counts


_IMPORT_WORDS = {"regions": "地区 {n} 个", "observations": "数值 {n} 个", "assigned": "上级目标 {n} 个",
                 "answers": "自查回答 {n} 个", "incidents": "新增突发环境事件 {n} 起",
                 "incidents_removed": "删除突发环境事件 {n} 起", "unchanged": "另有 {n} 项与库中相同，未重复写入"}


def audit_mark(session: Session) -> int:
    """The last audit record's id: what is written after it is :func:`written_since`."""
    return session.scalar(select(func.coalesce(func.max(AuditRecord.id), 0))) or 0


class Written(NamedTuple):
    """One audit record as a change is described: what, where, from what, to what."""

    entity: str
    region: str
    key: dict[str, Any]
    old: dict[str, Any] | None
    new: dict[str, Any] | None


def written_since(session: Session, mark: int, reason: str) -> list[Written]:
    """The audit records written after ``mark`` for ``reason`` (this transaction's, in order): the columns a
    change is described by, not tracked objects (a province's upload writes tens of thousands)."""
    session.flush()
    query = select(AuditRecord.entity, AuditRecord.region, AuditRecord.key, AuditRecord.old, AuditRecord.new).where(
        AuditRecord.id > mark, AuditRecord.reason == reason).order_by(AuditRecord.id)
    return [Written(*row) for row in session.execute(query)]


def describe_import(counts: dict[str, int]) -> str:
    """What an import wrote, in the clerk's words, for every adapter that says it."""
    said = [_IMPORT_WORDS[key].format(n=n) for key, n in counts.items()
            if n or key in ("regions", "observations")]
    return "，".join(said)


def _unless_given(row: dict[str, Any], current: object | None, optional: tuple[str, ...]) -> dict[str, Any]:
    """The row with each optional field the file leaves blank taken from what is stored: a blank 文号 or 数据来源
    cell is not an instruction to erase the stored one (only a form that shows the field can clear it)."""
    if current is None:
        return row
    return {**row, **{key: getattr(current, key) for key in optional if row.get(key) is None}}


def _import_incidents(session: Session, dataset: Dataset, actor: Actor, reason: str) -> tuple[int, int]:
    """Listed incidents not yet stored are added; those marked 删除 are deleted; a stored incident the file
    does not mention stays (an untouched, empty sheet of a template is not 「no incident happened」).
    Importing the same file again changes nothing. (added, deleted)."""
    listed = dataset.incidents if dataset.incidents is not None else pl.DataFrame(schema=INCIDENT_SCHEMA)
    removed = dataset.incidents_removed if dataset.incidents_removed is not None else listed.head(0)
    codes = pl.concat([listed["region"], removed["region"]]).unique().to_list()
    if not codes:
        return 0, 0
    stored: dict[tuple[Any, ...], list[Incident]] = {}
    for incident in session.scalars(select(Incident).where(Incident.region.in_(codes)).order_by(Incident.id)):
        stored.setdefault(incident_key(incident.region, incident.date, incident.grade, incident.name),
                          []).append(incident)
    deleted = 0
    for row in removed.iter_rows(named=True):
        for old in stored.pop(incident_key(row["region"], row["date"], row["grade"], row["name"]), []):
            session.add(AuditRecord(user=actor.name, entity="incident", region=old.region, key={"id": old.id},
                                    old=_incident_record(old.date, old.grade, old.name, old.document), new=None,
                                    reason=reason))
            session.delete(old)
            deleted += 1
    added = 0
    for row in listed.iter_rows(named=True):
        key = incident_key(row["region"], row["date"], row["grade"], row["name"])
        if key in stored:
            current = stored[key][0]
            if (row["document"] or None) != (current.document or None):
                session.add(AuditRecord(user=actor.name, entity="incident", region=current.region,
                                        key={"id": current.id},
                                        old=_incident_record(current.date, current.grade, current.name,
                                                             current.document),
                                        new=_incident_record(row["date"], row["grade"], row["name"], row["document"]),
                                        reason=reason))
                current.document = row["document"]
            continue
        incident = Incident(**row)
        session.add(incident)
        stored[key] = [incident]  # the same incident twice in one file is one incident
        session.add(AuditRecord(user=actor.name, entity="incident", region=row["region"], key={}, old=None,
                                new=_incident_record(row["date"], row["grade"], row["name"], row["document"]),
                                reason=reason))
        added += 1
    return added, deleted


def _incident_record(date: dt.date, grade: str, name: str | None, document: str | None) -> dict[str, Any]:
    return {"date": str(date), "grade": grade, "name": name, "document": document}


def _upsert_figure(
    session: Session, actor: Actor, row: dict[str, Any], reason: str, current: Observation | None
) -> bool:
    """Write one figure; False where the store holds it already (a second import of a file changes nothing)."""
    change = _figure_change(row, current)
    if change is None:
        return False
    new, old = change
    if current is None:
        session.add(Observation(region=row["region"], year=row["year"], metric=row["metric"], version=1, **new))
    else:
        for key, value in new.items():
            setattr(current, key, value)
        current.version += 1
    session.add(AuditRecord(**_figure_audit(actor, row, old, reason)))
    return True


def _figure_change(row: dict[str, Any], current: Any | None) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
    """What writing ``row`` over ``current`` (a stored figure, or None) changes: (new fields, old value for the
    audit), or None where the store holds it already."""
    new = {"value": row["value"], "state": row["state"], "source": row.get("source"), "note": row.get("note")}
    if current is None:
        return new, None
    if all(getattr(current, key) == value for key, value in new.items()):
        return None
    return new, {"value": current.value, "state": current.state}


def _figure_audit(actor: Actor, row: dict[str, Any], old: dict[str, Any] | None, reason: str) -> dict[str, Any]:
    return {"user": actor.name, "entity": "figure", "region": row["region"],
            "key": {"year": row["year"], "metric": row["metric"]}, "old": old,
            "new": {"value": row["value"], "state": row["state"]}, "reason": reason}


# A file's figures are written set-wise: one read of what is stored, then one INSERT of the new rows, one
# compare-and-set UPDATE of the changed ones and one INSERT of their audit records, each sent as batches — the
# unit of work's object per row and per audit record cost 7 s for a 100-county workbook (20,700 cells) on
# PostgreSQL (benchmarks/README.md, 2026-12-06).


def _write_figures(session: Session, actor: Actor, figures: pl.DataFrame, reason: str) -> tuple[int, int]:
    """Every figure of an import: (written, already stored as given). Refuses the whole import when a stored
    figure changed after it was read (its version moved on)."""
    _refuse_repeats(figures, "数值")
    stored = _stored_rows(session, Observation, figures, ("value", "state", "source", "note", "version"))
    inserts, updates, audits = [], [], []
    for row in figures.iter_rows(named=True):
        current = stored.get((row["region"], row["year"], row["metric"]))
        row = _unless_given(row, current, ("source", "note"))
        change = _figure_change(row, current)
        if change is None:
            continue
        new, old = change
        if current is None:
            inserts.append({"region": row["region"], "year": row["year"], "metric": row["metric"], "version": 1,
                            **new})
        else:
            updates.append({"b_id": current.id, "b_version": current.version, "version": current.version + 1,
                            **new})
        audits.append(_figure_audit(actor, row, old, reason))
    _apply(session, Observation, inserts, updates, audits)
    return len(audits), figures.height - len(audits)


def _write_targets(session: Session, actor: Actor, targets: pl.DataFrame, reason: str) -> tuple[int, int]:
    """Every target set by the higher level of an import: (written, already stored as given)."""
    _refuse_repeats(targets, "上级目标")
    stored = _stored_rows(session, AssignedTarget, targets, ("target", "source"))
    inserts, updates, audits = [], [], []
    for row in targets.iter_rows(named=True):
        current = stored.get((row["region"], row["year"], row["metric"]))
        row = _unless_given(row, current, ("source",))
        new = {"target": row["target"], "source": row.get("source")}
        if current is None:
            inserts.append({"region": row["region"], "year": row["year"], "metric": row["metric"], **new})
        elif (current.target, current.source) == (new["target"], new["source"]):
            continue
        else:
            updates.append({"b_id": current.id, **new})
        audits.append({"user": actor.name, "entity": "assigned", "region": row["region"],
                       "key": {"year": row["year"], "metric": row["metric"]},
                       "old": {"target": current.target} if current is not None else None,
                       "new": {"target": row["target"]}, "reason": reason})
    _apply(session, AssignedTarget, inserts, updates, audits)
    return len(audits), targets.height - len(audits)


def _refuse_repeats(rows: pl.DataFrame, what: str) -> None:
    """One row per (region, year, metric): every file reader refuses repeats, and a dataset built in code must too,
    as a key written twice would otherwise read as another writer's row (a conflict) at the INSERT."""
    repeated = rows.filter(pl.struct("region", "year", "metric").is_duplicated())
    if repeated.height:
        first = repeated.row(0, named=True)
        raise InputError(f"{first['region']} {first['year']} 年「{first['metric']}」的{what}出现多次",
                         Location(field="metric"), expected="每个地区每年每个统计量只有一行")


def _stored_rows(session: Session, model: Any, given: pl.DataFrame,
                 columns: tuple[str, ...]) -> dict[tuple[str, int, str], Any]:
    """The stored rows of ``given``'s regions by (region, year, metric), as plain rows (no objects to track)."""
    table = model.__table__
    query = select(table.c.id, table.c.region, table.c.year, table.c.metric, *(table.c[c] for c in columns)).where(
        table.c.region.in_(given["region"].unique().to_list()))
    return {(r.region, r.year, r.metric): r for r in session.execute(query)}


def _apply(session: Session, model: Any, inserts: list[dict[str, Any]], updates: list[dict[str, Any]],
           audits: list[dict[str, Any]]) -> None:
    """The batched writes of ``_write_figures`` / ``_write_targets``; an UPDATE matches the row only at the
    version that was read (where the table has one), so a row changed meanwhile refuses the import."""
    table = model.__table__
    conflict = _stale(_IMPORT_OVERTAKEN, Location(field="文件"))
    if inserts:
        try:
            _insert_rows(session, table, inserts)
        except IntegrityError as exc:
            if _unique_violation(exc):  # the rows are distinct (_refuse_repeats): another writer stored one first
                raise conflict from None
            raise
    if updates:
        match = table.c.id == bindparam("b_id")
        if "version" in table.c:
            match = match & (table.c.version == bindparam("b_version"))
        done = cast(CursorResult[Any], session.execute(update(table).where(match), updates))
        if done.rowcount != len(updates):
            raise conflict
    if audits:
        _insert_rows(session, AuditRecord.__table__, audits)
    for instance in list(session.identity_map.values()):  # objects read earlier would show the old values
        if isinstance(instance, model):
            session.expire(instance)


def _insert_rows(session: Session, table: Any, rows: list[dict[str, Any]]) -> None:
    """New rows in one go, in this transaction: PostgreSQL's COPY (20,700 figures: 0.25 s, against 0.9–1.1 s for
    SQLAlchemy's batched INSERT), else one executemany. JSON columns are written as SQLAlchemy writes them
    (None as JSON null)."""
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(insert(table), rows)
        return
    columns = list(rows[0])
    encoded = {c for c in columns if isinstance(table.c[c].type, JSON)}
    quote = connection.dialect.identifier_preparer.quote
    statement = f"COPY {quote(table.name)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    driver = connection.connection.driver_connection
    assert driver is not None
    failure = connection.dialect.loaded_dbapi.Error
    try:
        with driver.cursor() as cursor, cursor.copy(statement) as copy:
            for row in rows:
                copy.write_row([json.dumps(row[c], ensure_ascii=False) if c in encoded else row[c] for c in columns])
    except failure as exc:  # as SQLAlchemy would have raised it (IntegrityError for a key, …)
        raise DBAPIError.instance(statement, None, exc, failure) from exc


def load_dataset(session: Session, actor: Actor, region: str | None = None) -> Dataset:
    """Everything in the actor's scope (or one region of it), as the engine's tables."""
    actor.require("view", region if region is not None else actor.region)  # a department sees no whole dataset
    prefix = region if region is not None else scope_prefix(actor.role, actor.region)
    regions = _regions_under(session, prefix)
    profile_rows = [{"code": r.code, "name": r.name, "level": r.level, "parent": r.parent, "terrain": r.terrain,
                     "zone": r.zone, "city_size": r.city_size, **{f: bool(r.flags.get(f)) for f in FLAGS}}
                    for r in regions]
    schema = {"code": pl.String, "name": pl.String, "level": pl.String, "parent": pl.String, "terrain": pl.String,
              "zone": pl.String, "city_size": pl.String, **{f: pl.Boolean for f in FLAGS}}
    figures = session.execute(select(Observation.region, Observation.year, Observation.metric, Observation.value,
                                     Observation.state, Observation.source, Observation.note)
                              .where(Observation.region.startswith(prefix))).all()
    observations = pl.DataFrame(
        [tuple(f) for f in figures], orient="row",
        schema={"region": pl.String, "year": pl.Int32, "metric": pl.String, "value": pl.Float64,
                "state": pl.String, "source": pl.String, "note": pl.String})
    targets = session.execute(select(AssignedTarget.region, AssignedTarget.year, AssignedTarget.metric,
                                     AssignedTarget.target, AssignedTarget.source)
                              .where(AssignedTarget.region.startswith(prefix))).all()
    assigned = pl.DataFrame([tuple(t) for t in targets], orient="row",
                            schema={"region": pl.String, "year": pl.Int32, "metric": pl.String,
                                    "target": pl.Float64, "source": pl.String})
    answers = session.execute(select(*(getattr(Answer, c) for c in ANSWER_SCHEMA))
                              .where(Answer.region.startswith(prefix))).all()
    incidents = session.execute(select(*(getattr(Incident, c) for c in INCIDENT_SCHEMA))
                                .where(Incident.region.startswith(prefix))).all()
    return Dataset(pl.DataFrame(profile_rows, schema=schema), observations, assigned,
                   pl.DataFrame([tuple(a) for a in answers], orient="row", schema=ANSWER_SCHEMA),
                   pl.DataFrame([tuple(i) for i in incidents], orient="row", schema=INCIDENT_SCHEMA))


def evaluable_dataset(session: Session, actor: Actor, standard: LoadedStandard, region: str | None = None) -> Dataset:
    """What the store's pages, boards, previews and submissions evaluate: ``load_dataset`` with only the
    answers the standard's catalogue asks (one left by an older catalogue is not this standard's)."""
    return load_dataset(session, actor, region=region).answering(condition_ids(standard.standard.veto_catalogue))


def years_with_data(session: Session) -> list[int]:
    """Every year any stored figure has, oldest first: the store is one programme, judged in one year,
    so a county's page, the board and a submission judge the same year."""
    return sorted(session.scalars(select(Observation.year).distinct()))


def regions_in_scope(session: Session, actor: Actor) -> list[Region]:
    return _regions_under(session, scope_prefix(actor.role, actor.region))


def _regions_under(session: Session, prefix: str) -> list[Region]:
    return list(session.scalars(select(Region).where(Region.code.startswith(prefix)).order_by(Region.code)))


def revision(session: Session, region: str | None = None) -> str:
    """A key that changes whenever anything of ``region`` (or, without one, anything at all) changes.

    Every change writes an audit record, so the newest audit id is such a number; a restore can bring
    back an older database whose ids then repeat, so the key also carries the epoch every restore renews.
    Views computed from the store are cached under it.
    """
    query = select(func.max(AuditRecord.id))
    if region is not None:
        query = query.where(AuditRecord.region == region)
    epoch = session.scalar(select(StoreMeta.value).where(StoreMeta.key == "epoch")) or ""
    return f"{epoch}:{session.scalar(query) or 0}"


def figure_versions(session: Session, actor: Actor, region: str) -> dict[tuple[str, int], Observation]:
    """The stored figures of one region by (metric, year), with the versions an edit must name."""
    actor.require("view", region)
    rows = session.scalars(select(Observation).where(Observation.region == region)).all()
    return {(o.metric, o.year): o for o in rows}


def answers_of(session: Session, actor: Actor, region: str) -> dict[str, Answer]:
    actor.require("view", region)
    return {a.condition: a for a in session.scalars(select(Answer).where(Answer.region == region))}


# --- one figure ------------------------------------------------------------------------


def set_figure(
    session: Session, actor: Actor, region: str, year: int, metric_id: str, text: str, expected_version: int,
    reason: str | None = None, *, accept_warnings: bool = False,
) -> Observation:
    """Change one figure, validated by the import's validator; refuses if the figure changed since ``expected_version``.

    A value that needs confirmation (a share typed as a fraction) is refused until ``accept_warnings``.
    """
    actor.require("edit", region, metric_id)
    require_open(session, region)
    refused = year_problem(year)  # before the year reaches a query: 2147483648 overflows PostgreSQL's integer
    if refused:
        raise InputError(refused, Location(field="年份"), expected=f"{FIRST_YEAR} 年至今年之间的年份")
    metrics = load_metrics()
    history = session.execute(select(Observation.region, Observation.year, Observation.metric, Observation.value)
                              .where(Observation.region == region, Observation.metric == metric_id,
                                     Observation.year != year)).all()
    checked = check_figures(
        pl.DataFrame([{"_key": 0, "region": region, "year": str(year), "metric": metric_id, "text": text,
                       "number": None}], schema=INPUT_SCHEMA),
        metrics,
        history=pl.DataFrame([tuple(h) for h in history], orient="row",
                             schema={"region": pl.String, "year": pl.Int32, "metric": pl.String, "value": pl.Float64}),
    )
    blocking = checked.errors if checked.errors.height or accept_warnings else checked.to_confirm
    if blocking.height:
        first = blocking.row(0, named=True)
        where = Location(field=f"{metric_id}@{year}" if first["field"] != "year" else "year")
        if first["confirm"]:
            confirm = ConfirmationNeeded(first["message"], where, first["expected"])
            raise confirm.with_hint("确认数值无误后勾选「确认数值无误」再保存（接口：accept_warnings 为 true）")
        raise InputError(first["message"], where, expected=first["expected"])
    figure = checked.figures.row(0, named=True)  # 无 / 不适用 / blank: no figure, as in a file
    metric = metrics[metric_id]
    value, state = figure["value"], figure["state"]
    current = session.scalar(select(Observation).where(
        Observation.region == region, Observation.year == year, Observation.metric == metric_id))
    current_version = current.version if current else 0
    if current_version != expected_version:
        raise ConflictError(
            f"{region} {year} 年「{metric.name}」已被他人修改"
            f"（您打开时为第 {expected_version} 版，现为第 {current_version} 版）",
            Location(field=metric_id), expected="刷新后查看最新数值，再决定是否修改")
    _upsert_figure(session, actor, {"region": region, "year": year, "metric": metric_id, "value": value,
                                    "state": state}, reason or "页面修改", current)
    write_or_conflict(session, f"{region} {year} 年「{metric.name}」刚刚被他人修改"
                                f"（您打开时为第 {expected_version} 版）", Location(field=metric_id))
    result = session.scalar(select(Observation).where(
        Observation.region == region, Observation.year == year, Observation.metric == metric_id))
    assert result is not None
    return result


# --- one self-check answer -------------------------------------------------------------


def set_answer(
    session: Session, actor: Actor, region: str, condition: str, answer: str, expected_version: int, *,
    document: str | None = None, date: str | None = None, note: str | None = None, file: str | None = None,
) -> Answer:
    """Record one self-check answer (是/否/不清楚 and its evidence); refuses a stale edit like ``set_figure``."""
    actor.require("edit", region)
    require_open(session, region)
    normal = normalise_answer(answer)
    if normal is None:
        raise InputError(f"回答「{answer}」无法识别", Location(field=condition), expected="是、否 或 不清楚")
    if date and parse_date(date) is None:
        raise InputError(f"日期「{date}」无法识别", Location(field=f"{condition}.date"), expected="如 2023-05-01")
    current = session.scalar(select(Answer).where(Answer.region == region, Answer.condition == condition))
    current_version = current.version if current else 0
    if current_version != expected_version:
        raise ConflictError(f"{region} 的否决项「{condition}」已被他人修改（您打开时为第 {expected_version} 版，"
                            f"现为第 {current_version} 版）", Location(field=condition),
                            expected="刷新后查看最新回答，再决定是否修改")
    new = {"answer": normal, "document": document or None, "date": str(parse_date(date)) if date else None,
           "note": note or None, "file": file if file is not None else (current.file if current else None)}
    old = {k: getattr(current, k) for k in new} if current else None
    if current is None:
        current = Answer(region=region, condition=condition, version=1, **new)
        session.add(current)
    else:
        for key, value in new.items():
            setattr(current, key, value)
        current.version += 1
    session.add(AuditRecord(user=actor.name, entity="answer", region=region, key={"condition": condition},
                            old=old, new=new, reason="自查问卷"))
    write_or_conflict(session, f"{region} 的否决项「{condition}」刚刚被他人修改（您打开时为第 {expected_version} 版）",
                       Location(field=condition))
    return current


MAX_TEXT = 2000  # a note, a reason, a problem typed into a form


def bounded_text(value: str | None, field: str, *, required: bool = False) -> str | None:
    """A typed note, stripped, or None when blank; refused (naming the field) when required and blank or longer
    than ``MAX_TEXT``."""
    if value is not None and len(value) > MAX_TEXT:
        raise InputError(f"有 {len(value)} 字，太长", Location(field=field), expected=f"不超过 {MAX_TEXT} 字")
    text = (value or "").strip()
    if required and not text:
        raise InputError("没有填写", Location(field=field))
    return text or None


def write_or_conflict(session: Session, message: str, where: Location, *, one_row: bool = True) -> None:
    """Flush a compare-and-set write: a writer who read the same version as one who just saved is refused
    (the UPDATE matched no row, or — for a one-row write — the INSERT met the other's new row), and
    nothing of theirs is written."""
    try:
        session.flush()
    except StaleDataError:
        raise _stale(message, where) from None
    except IntegrityError as exc:
        if not (one_row and _unique_violation(exc)):
            raise
        raise _stale(message, where) from None


def _stale(message: str, where: Location) -> ConflictError:
    """A write refused because someone saved after it was read: what to do about it is always the same."""
    return ConflictError(message, where, expected="刷新后查看最新内容，再决定是否修改")


def _unique_violation(exc: IntegrityError) -> bool:
    """Two writers inserting the same key (not a missing region): PostgreSQL's 23505, SQLite's UNIQUE."""
    return getattr(exc.orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(exc.orig)


# --- files -----------------------------------------------------------------------------

MAX_FILE_BYTES = 20 * 1024 * 1024
PENDING_UPLOAD_LIFETIME = dt.timedelta(days=1)
# path separators, control characters, hidden names, and the bidirectional controls that make
# 「报告‮xslx.exe」 read as 「报告exe.xlsx」
_UNSAFE_NAME = re.compile(r"[\\/:\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]|^\.|\.\.")


def safe_filename(name: str) -> str:
    """An uploaded file's own name, refused if it tries to climb folders or hide itself."""
    cleaned = name.strip()
    if not cleaned or len(cleaned) > 200 or _UNSAFE_NAME.search(cleaned):
        raise InputError(f"文件名不可接受：「{name[:80]}」", Location(field="文件"),
                         expected="不含 / \\ : 或 ..、不含控制字符和文字方向控制符、不以点开头、不超过 200 字的文件名，"
                                  "如 整改报告.pdf")
    return cleaned


# who may keep each kind (``finding``: a rectification document of the problem ledger, ``condition`` its id;
# ``onsite``: a photo taken in a 现场核查, ``condition`` ``<review>/<indicator>``)
_FILE_ACTION = {"evidence": "edit", "indicator": "edit", "upload": "load", "map": "map", "finding": "rectify",
                "onsite": "findings", "job": "view"}
# a background job's result (a province's reports as one zip) is made by ecozone, not uploaded: a larger bound
_MAX_BYTES_OF = {"job": 1024 * 1024 * 1024}
EVIDENCE_KINDS = ("evidence", "indicator", "finding", "onsite")  # documents shown to reviewers: checked by their bytes


@dataclass(frozen=True)
class Issued:
    """What an evidence file is: the year it proves, who issued it, its 文号 and date."""

    year: int | None = None
    issuer: str | None = None
    document: str | None = None
    date: str | None = None


def save_file(session: Session, actor: Actor, kind: str, region: str, filename: str, data: bytes,
              content_type: str | None, condition: str | None = None, issued: Issued | None = None, *,
              replaces: int | None = None) -> StoredFile:
    """Keep one file. ``replaces``: the id of the evidence file this is a new version of (same region and
    indicator); the old one stays, listed as an earlier version, and leaves the dossier."""
    actor.require(_FILE_ACTION[kind], region, condition if kind == "indicator" else None)
    if replaces is not None:
        _check_replaceable(session, actor, kind, region, condition, replaces)
    name = safe_filename(filename)
    if kind in EVIDENCE_KINDS:  # a document, never a program, a macro or a PDF that runs script
        content_type = check_evidence_file(name, data).kind
    if kind == "indicator":
        require_open(session, region)
    bound = _MAX_BYTES_OF.get(kind, MAX_FILE_BYTES)
    if len(data) > bound:
        raise InputError(f"文件「{name}」太大（{len(data) / 1048576:.1f} MB）", Location(field="文件"),
                         expected=f"不超过 {bound // 1048576} MB")
    if not data:
        raise InputError(f"文件「{name}」是空的", Location(field="文件"))
    if kind == "upload":  # uploads never confirmed are kept a day, for a confirm after lunch, then dropped
        session.execute(delete(StoredFile).where(
            StoredFile.kind == "upload", StoredFile.imported_at.is_(None),
            StoredFile.uploaded_at < dt.datetime.now(dt.UTC) - PENDING_UPLOAD_LIFETIME)
            .execution_options(synchronize_session=False))
    issued = issued or Issued()
    stored = StoredFile(kind=kind, region=region, condition=condition, filename=name,
                        content_type=content_type or "application/octet-stream", size=len(data),
                        sha256=hashlib.sha256(data).hexdigest(), data=data, uploaded_by=actor.name,
                        year=issued.year, issuer=issued.issuer, document=issued.document, issued_on=issued.date,
                        replaces=replaces)
    session.add(stored)
    write_or_conflict(session, f"编号为 {replaces} 的文件刚刚已被他人上传的新版本替换", Location(field="替换"))
    return stored


def _check_replaceable(session: Session, actor: Actor, kind: str, region: str, condition: str | None,
                       replaces: int) -> None:
    old = session.get(StoredFile, replaces)
    if old is None or old.kind != "indicator" or kind != "indicator" or old.region != region \
            or not actor.may("view", region, old.condition).allowed:
        raise InputError(f"没有编号为 {replaces} 的本地区佐证材料可替换", Location(field="替换"))
    if old.condition != condition:
        raise InputError(f"新版本须证明同一项指标（原文件为第{old.condition}项）", Location(field="指标"),
                         expected=f"第{old.condition}项")
    newer = session.scalar(select(StoredFile.id).where(StoredFile.replaces == replaces))
    if newer is not None:
        raise ConflictError(f"「{old.filename}」已有新版本（编号 {newer}），不能再替换旧版本", Location(field="替换"),
                            expected="刷新页面后替换最新版本")


def earlier_versions(session: Session, actor: Actor, region: str) -> dict[int, list[StoredFile]]:
    """For each current evidence file of the region, the versions it replaced, newest first."""
    by_id = {f.id: f for f in session.scalars(select(StoredFile).where(StoredFile.region == region,
                                                                       StoredFile.kind == "indicator"))}
    found: dict[int, list[StoredFile]] = {}
    for current in indicator_evidence(session, actor, region):
        chain, step = [], current.replaces
        while step is not None and step in by_id:
            chain.append(by_id[step])
            step = by_id[step].replaces
        if chain:
            found[current.id] = chain
    return found


def indicator_evidence(session: Session, actor: Actor, region: str) -> list[StoredFile]:
    """A region's current indicator evidence (each file's latest version) the actor may see (a department: of
    its own indicators), in the order of the table (then year, then upload)."""
    actor.require("respond" if actor.role == "department" else "view", region)
    every = session.scalars(select(StoredFile).where(StoredFile.region == region, StoredFile.kind == "indicator")
                            .order_by(StoredFile.id)).all()
    replaced = {f.replaces for f in every if f.replaces is not None}
    files = [f for f in every if f.id not in replaced and actor.may("view", region, f.condition).allowed]

    def place(stored: StoredFile) -> tuple[float, str, int, int]:
        head = (stored.condition or "").split(".")[0]
        return (float(head) if head.isdigit() else 999.0, stored.condition or "", stored.year or 0, stored.id)

    return sorted(files, key=place)


def evidence_table(session: Session, actor: Actor, region: str, folder: Path) -> pl.DataFrame:
    """The region's indicator evidence written under ``folder`` as the rows ``evidence.csv`` gives the dossier, so
    the store's dossier and the command line's are made alike."""
    rows = []
    for n, stored in enumerate(indicator_evidence(session, actor, region), start=1):
        path = folder / f"{n:04d}" / stored.filename  # one folder each: two files may share a name
        path.parent.mkdir(parents=True)
        path.write_bytes(stored.data)
        rows.append({"region": region, "indicator": stored.condition, "year": stored.year, "file": stored.filename,
                     "kind": None, "issuer": stored.issuer, "document": stored.document, "date": stored.issued_on,
                     "path": str(path), "type": stored.content_type, "size": stored.size})
    return pl.DataFrame(rows, schema={**dict.fromkeys(EVIDENCE_COLUMNS, pl.String), "year": pl.Int32,
                                      "path": pl.String, "type": pl.String, "size": pl.Int64})


def claim_upload(session: Session, actor: Actor, file_id: int) -> StoredFile:
    """Mark the actor's pending upload as imported, as the first write of the import's transaction, so of
    several confirms of one upload exactly one goes on (the others wait for its commit, then match no
    row). Rolled back with the import if the import fails."""
    stored = own_upload(session, actor, file_id, "待确认上传")
    claimed = session.execute(
        update(StoredFile).where(StoredFile.id == file_id, StoredFile.imported_at.is_(None))
        .values(imported_at=dt.datetime.now(dt.UTC)).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.refresh(stored)
        when = f"{stored.imported_at:%Y-%m-%d %H:%M}" if stored.imported_at else "刚才"
        raise ConflictError(f"「{stored.filename}」已于 {when} 载入，不会重复写入", Location(field="文件"),
                            expected="在地区页面查看已写入的数据")
    session.refresh(stored)
    return stored


def own_upload(session: Session, actor: Actor, file_id: int, what: str = "上传") -> StoredFile:
    """A workbook the actor uploaded (an upload is its uploader's alone, even in another user's scope); ``what`` it
    is called in the refusal."""
    stored = stored_file(session, actor, file_id)
    if stored.kind != "upload" or stored.uploaded_by != actor.name:
        raise ScopeError(f"没有编号为 {file_id} 的{what}")
    return stored


def stored_file(session: Session, actor: Actor, file_id: int) -> StoredFile:
    """A stored file, if the actor may see its region; the same refusal whether it exists or not."""
    stored = session.get(StoredFile, file_id)
    subject = stored.condition if stored is not None and stored.kind == "indicator" else None
    if stored is None or not actor.may("view", stored.region, subject).allowed:
        raise ScopeError(f"没有编号为 {file_id} 的文件，或您无权查看")
    return stored
