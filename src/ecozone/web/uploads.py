"""A workbook upload's check, preview and load: the same work whether a request does it (a county's workbook) or a
background job does (a province's board in one workbook: 2.5 s to preview per 100 counties, 7 s for 200).

The preview is kept as plain data (``upload_preview`` returns it; a job stores it as JSON), and the upload page is
rendered from that record alone, so what a clerk sees does not depend on where the work ran.
"""

from __future__ import annotations

import dataclasses
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from ecozone import api
from ecozone.catalogue import load_standard
from ecozone.errors import Location, UsageError
from ecozone.io.excel.read import WorkbookImport
from ecozone.io.problems import ERROR, Problem
from ecozone.store.models import Job, Region, StoredFile
from ecozone.store.repository import (
    Actor,
    audit_mark,
    county_overreach,
    describe_import,
    evaluable_dataset,
    import_dataset,
    written_since,
    years_with_data,
)
from ecozone.web.changes import upload_changes, verdict_shifts

__all__ = ["CHANGES_SHOWN", "background_upload_kb", "check_upload", "in_background", "load_upload", "preview_of",
           "upload_preview"]

# A workbook larger than this is checked and loaded by a background job, with its progress on a page of its own.
# A county's workbook (five years) is ~38 KB and previews in ~0.4 s; each further county adds ~8.4 KB and ~20 ms,
# so 256 KB is about 27 counties and a wait under a second (benchmarks/README.md, 2026-12-06, seventh session).
# ECOZONE_BACKGROUND_UPLOAD_KB overrides it (a server whose users wait less, or a test of the background path).
BACKGROUND_UPLOAD_KB = 256
CHANGES_SHOWN = 300  # lines of the change list kept in a preview (deletions first); the summary counts them all


def in_background(size: int) -> bool:
    """Whether a workbook of ``size`` bytes is checked and loaded by a background job rather than the request."""
    return size > background_upload_kb() * 1024


def background_upload_kb() -> int:
    """The size line in KB: ECOZONE_BACKGROUND_UPLOAD_KB, else BACKGROUND_UPLOAD_KB. The server checks it as it
    starts, so a mistyped value stops the start rather than a clerk's upload."""
    given = os.environ.get("ECOZONE_BACKGROUND_UPLOAD_KB", "").strip()
    if not given:
        return BACKGROUND_UPLOAD_KB
    if not given.isdigit():
        raise UsageError(f"ECOZONE_BACKGROUND_UPLOAD_KB 不是非负整数：「{given}」",
                         Location(field="ECOZONE_BACKGROUND_UPLOAD_KB"),
                         expected=f"工作簿大于多少 KB 时在后台检查和载入，如 {BACKGROUND_UPLOAD_KB}"
                                  "（0：每个上传都在后台）")
    return int(given)


def check_upload(session: Session, actor: Actor, data: bytes, name: str, standard_id: str) -> WorkbookImport:
    """Every problem of an upload, as the preview lists them and the marked copy marks them: the workbook's own,
    and what the user's role may not set (an error of the preview, as the confirm would refuse it). A region the
    user may not load at all is refused (ScopeError) before anything else is said."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / Path(name).name
        path.write_bytes(data)
        checked = api.check_workbook(path, load_standard(standard_id))
    if checked.dataset is None:
        return checked
    for code in checked.dataset.regions["code"].to_list():
        actor.require("load", code)
    for found in county_overreach(session, checked.dataset, actor):
        sheet, cell = checked.places.get(found.key, (found.sheet, None))
        checked.problems.add(Problem(
            ERROR, "not_for_county", f"县级填报员不能修改 {found.region} 的{found.what}",
            "由州（市）级审核员确定；请保持原值，或请审核员修改", sheet=sheet, cell=cell))
    return checked


def upload_preview(session: Session, actor: Actor, checked: WorkbookImport, stored: StoredFile,
                   standard_id: str) -> dict[str, Any]:
    """What the confirm would write, and how each region would then stand, as plain data (JSON as it is).

    The import itself is run in a savepoint that is rolled back, and the store as it would then be is evaluated,
    as its page will be — so stored incidents and answers the file does not mention count, as they will after the
    confirm."""
    problems = checked.problems
    preview: dict[str, Any] = {
        "file": {"id": stored.id, "filename": stored.filename}, "errors": len(problems.errors),
        "to_confirm": len(problems.to_confirm), "counts": problems.counts(),
        "problems": [_problem(p) for p in problems.sorted()], "regions": [], "changes": None, "kept_incidents": [],
    }
    if checked.dataset is None or problems.errors:
        return preview
    dataset = checked.dataset
    standard = load_standard(standard_id)
    codes = dataset.regions["code"].to_list()
    stored_now = evaluable_dataset(session, actor, standard).restricted_to(codes)
    before = api.evaluate(standard, stored_now, vetoes=True, years=years_with_data(session)) \
        if stored_now.observations.height else None
    reason = f"上传预览（不写入，文件 {stored.id}）"
    dry = session.begin_nested()
    try:
        mark = audit_mark(session)
        import_dataset(session, dataset, actor, reason)
        written = written_since(session, mark, reason)
        names = {code: name for code, name in session.execute(select(Region.code, Region.name)
                                                              .where(Region.code.in_(codes)))}
        changes = upload_changes(written, standard, names)
        after = evaluable_dataset(session, actor, standard)
        years = years_with_data(session)
    finally:
        dry.rollback()
    after = after.restricted_to(codes)
    evaluation = api.evaluate(standard, after, vetoes=True, years=years)
    preview["changes"] = {"summary": changes.summary(), "deletions": len(changes.deletions),
                          "total": len(changes.changes),
                          "changes": [dataclasses.asdict(c) for c in changes.changes[:CHANGES_SHOWN]]}
    preview["regions"] = [dataclasses.asdict(s) for s in verdict_shifts(before, evaluation)]
    if after.incidents is not None:  # stored, and not in the file: kept as they are, and said so
        same = ["region", "date", "grade", "name"]
        listed = dataset.incidents if dataset.incidents is not None else after.incidents.head(0)
        kept = after.incidents.with_columns(pl.col("name").fill_null("")).join(
            listed.with_columns(pl.col("name").fill_null("")), on=same, how="anti")
        region_names = dict(zip(after.regions["code"], after.regions["name"], strict=True))
        preview["kept_incidents"] = [{**k, "name": region_names.get(k["region"], "")}
                                     for k in kept.group_by("region").len().sort("region").to_dicts()]
    return preview


def _problem(problem: Problem) -> dict[str, str | None]:
    return {"severity": problem.severity, "where": problem.where, "message": problem.message,
            "expected": problem.expected}


def load_upload(session: Session, actor: Actor, stored: StoredFile, standard_id: str, accept_warnings: bool) -> str:
    """Write an upload, all or nothing, once: ``stored`` is claimed (``store.repository.claim_upload``) first in
    the same transaction (the caller's ``session.begin()``), so a second confirm finds it taken. What was loaded,
    in the clerk's words."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / stored.filename
        path.write_bytes(stored.data)
        dataset = api.load_dataset(path, standard=load_standard(standard_id), accept_warnings=accept_warnings)
    counts = import_dataset(session, dataset, actor, f"网页上传「{stored.filename}」（文件 {stored.id}）")
    return f"已载入「{stored.filename}」：{describe_import(counts)}"


def preview_of(session: Session, job: Job) -> dict[str, Any] | None:
    """The preview a finished check job stored (None while it runs, or for another kind of job)."""
    if job.kind != "upload_check" or job.status != "done" or job.file_id is None:
        return None
    stored = session.get(StoredFile, job.file_id)
    return json.loads(stored.data) if stored is not None else None
