"""Data that arrives as files or answers: the self-check questionnaire with evidence, and Excel uploads.

An upload is checked first (the dry run of ``ecozone check``) and kept; nothing is written until
the user looks at the preview and confirms. The import is then all-or-nothing.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from ecozone.catalogue import load_standard
from ecozone.catalogue.vetoes import condition_ids, load_veto_catalogue
from ecozone.errors import ConfirmationNeeded, ConflictError, EcozoneError, InputError, Location, ScopeError
from ecozone.io.answers import normalise_answer, parse_date
from ecozone.io.excel.marked_copy import write_errors_workbook
from ecozone.io.excel.read import WorkbookImport
from ecozone.store.jobs import job_of
from ecozone.store.models import Answer, StoredFile
from ecozone.store.repository import (
    MAX_FILE_BYTES,
    answers_of,
    claim_upload,
    locked_by,
    own_upload,
    safe_filename,
    save_file,
    set_answer,
    stored_file,
)
from ecozone.vocabulary import ANSWER
from ecozone.web.downloads import attachment
from ecozone.web.routes.jobs import start_job
from ecozone.web.routes.pages import may, page
from ecozone.web.security import Viewer, allowed, check_csrf, database, state, viewer
from ecozone.web.uploads import check_upload, in_background, load_upload, preview_of, upload_preview
from ecozone.web.views import region_view

router = APIRouter(include_in_schema=False)

WORKBOOK_SUFFIXES = (".xlsx", ".xls", ".ods")  # not .xlsm: a template has no macros, and a server keeps none


# --- self-check questionnaire ----------------------------------------------------------


@router.get("/regions/{code}/selfcheck", response_class=HTMLResponse)
def questionnaire(code: str, request: Request, session: Annotated[Session, Depends(database)]) -> Any:
    who = viewer(request)
    allowed(who, "view", code)
    return _questionnaire(request, session, code)


def _questionnaire(request: Request, session: Session, code: str, error: str | None = None,
                   failed: str | None = None, status: int = 200,
                   typed: dict[str, dict[str, str]] | None = None) -> Any:
    """The questionnaire; ``typed``: what the user sent, shown again instead of the stored answers after a
    refusal, so nothing typed is lost."""
    who = viewer(request)
    standard = load_standard(state(request).standard)
    view = region_view(session, who.actor, standard, code)
    if view is None:
        raise HTTPException(status_code=404, detail=f"没有地区 {code} 的数据")
    catalogue_id = standard.standard.veto_catalogue
    catalogue = load_veto_catalogue(catalogue_id) if catalogue_id else None
    answers = answers_of(session, who.actor, code)
    evidence = {f.condition: f for f in session.query(StoredFile).filter(
        StoredFile.region == code, StoredFile.kind == "evidence").order_by(StoredFile.id)}
    questions = [c for c in catalogue.conditions if c.answered_by == "question" and "apply" in c.modes] \
        if catalogue else []
    return page(request, who, "selfcheck.html", view=view, questions=questions, answers=answers,
                evidence=evidence, answer_text=ANSWER, error=error, failed=failed, typed=typed or {},
                can_edit=may(who, "edit", code) and locked_by(session, code) is None, catalogue=catalogue,
                status_code=status)


_ANSWER_FIELDS = ("answer", "document", "date", "note")


@router.post("/regions/{code}/selfcheck")
async def answer_all(code: str, request: Request, session: Annotated[Session, Depends(database)]) -> Any:
    """Save the whole questionnaire at once, all or nothing: every question whose answer, 文号, date, note or
    evidence differs from what is stored is written (compare-and-set, each at the version the page showed);
    a refusal shows the page again with everything as typed and the question that failed marked."""
    who = viewer(request)
    allowed(who, "edit", code)  # before the body is parsed
    form = await request.form(max_files=64, max_fields=1000)
    check_csrf(request, str(form.get("csrf") or ""))
    questions = condition_ids(load_standard(state(request).standard).standard.veto_catalogue, questions_only=True)
    typed = {condition: {field: str(form.get(f"{field}__{condition}") or "").strip() for field in _ANSWER_FIELDS}
             for condition in sorted(questions) if f"version__{condition}" in form}  # a question not on the page
    saved = 0                                                                      # (an older page) stays as it is
    try:
        with session.begin():  # read, compare and write in one transaction
            stored = answers_of(session, who.actor, code)
            for condition, given in typed.items():
                upload = form.get(f"evidence__{condition}")
                file = upload if isinstance(upload, UploadFile) and upload.filename else None
                if file is None and not _differs(given, stored.get(condition)):
                    continue
                file_name = None
                if file is not None:
                    data = await file.read(MAX_FILE_BYTES + 1)
                    kept = save_file(session, who.actor, "evidence", code, file.filename or "", data,
                                     file.content_type, condition)
                    file_name = f"{kept.filename}（附件 {kept.id}）"
                version = int(str(form.get(f"version__{condition}") or 0))
                set_answer(session, who.actor, code, condition, given["answer"] or "unknown", version,
                           document=given["document"], date=given["date"], note=given["note"], file=file_name)
                saved += 1
    except EcozoneError as exc:
        session.rollback()
        failed = (exc.location.field or "").split(".")[0] if exc.location else None
        return _questionnaire(request, session, code, error=exc.message, failed=failed, typed=typed,
                              status=409 if isinstance(exc, ConflictError) else 422)
    return RedirectResponse(f"/regions/{code}/selfcheck?done=answered&saved={saved}", status_code=303)


def _differs(given: dict[str, str], current: Answer | None) -> bool:
    """Whether what the form says of one question is not what is stored (a blank and a missing value agree)."""
    if current is None:
        return (normalise_answer(given["answer"]) or "unknown") != "unknown" or any(
            given[f] for f in ("document", "date", "note"))
    return (normalise_answer(given["answer"]) != current.answer
            or (given["document"] or None) != current.document
            or (given["note"] or None) != current.note
            or (str(parse_date(given["date"])) if given["date"] else None) != current.date)


@router.post("/regions/{code}/selfcheck/{condition}")
async def answer(
    code: str,
    condition: str,
    request: Request,
    csrf: Annotated[str, Form()],
    answer: Annotated[str, Form()],
    version: Annotated[int, Form()],
    session: Annotated[Session, Depends(database)],
    document: Annotated[str, Form()] = "",
    date: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    evidence: Annotated[UploadFile | None, File()] = None,
) -> Any:
    """Save one answer, with its evidence file if one was chosen; both or neither."""
    who = viewer(request)
    check_csrf(request, csrf)
    allowed(who, "edit", code)
    if condition not in condition_ids(load_standard(state(request).standard).standard.veto_catalogue,
                                      questions_only=True):
        raise HTTPException(status_code=404, detail=f"没有编号为「{condition}」的否决项问题")
    data = await evidence.read(MAX_FILE_BYTES + 1) if evidence is not None and evidence.filename else None
    try:
        with session.begin():
            file_name = None
            if evidence is not None and data is not None:
                stored = save_file(session, who.actor, "evidence", code, evidence.filename or "", data,
                                   evidence.content_type, condition)
                file_name = f"{stored.filename}（附件 {stored.id}）"
            set_answer(session, who.actor, code, condition, answer, version,
                       document=document, date=date, note=note, file=file_name)
    except EcozoneError as exc:
        session.rollback()
        return _questionnaire(request, session, code, error=exc.message, failed=condition, status=422)
    return RedirectResponse(f"/regions/{code}/selfcheck?done=answered#q-{condition}", status_code=303)


@router.get("/files/{file_id}")
def download_file(file_id: int, request: Request, session: Annotated[Session, Depends(database)]) -> Any:
    who = viewer(request)
    try:
        stored = stored_file(session, who.actor, file_id)
    except ScopeError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
    return Response(stored.data, media_type="application/octet-stream", headers={
        **attachment(stored.filename),
        "X-Content-Type-Options": "nosniff",
    })


# --- Excel upload: dry run, preview, confirm --------------------------------------------


@router.get("/upload", response_class=HTMLResponse)
def upload_page(request: Request) -> Any:
    who = viewer(request)
    return page(request, who, "upload.html", preview=None, error=None)


@router.post("/upload", response_class=HTMLResponse)
async def upload(
    request: Request,
    csrf: Annotated[str, Form()],
    workbook: Annotated[UploadFile, File()],
    session: Annotated[Session, Depends(database)],
) -> Any:
    """Check the workbook and show what would be written; nothing is written yet. A large workbook is kept and
    checked by a background job, whose page shows the same preview when it is done."""
    who = viewer(request)
    check_csrf(request, csrf)
    allowed(who, "load", who.region)  # a role that may not load is refused before the file is read
    name = workbook.filename or ""
    if not name.lower().endswith(WORKBOOK_SUFFIXES):
        return page(request, who, "upload.html", preview=None, status_code=422,
                    error=f"「{name}」不是 Excel 工作簿（应为 .xlsx、.xls 或 .ods，用 ecozone template 生成的填报表）")
    try:
        name = safe_filename(name)
        data = await workbook.read(MAX_FILE_BYTES + 1)
        if len(data) > MAX_FILE_BYTES:  # said as such, not read in part and then called damaged
            raise InputError(f"文件「{name}」超过 {MAX_FILE_BYTES // 1048576} MB 的上限", Location(field="工作簿"),
                             expected="拆分为多个工作簿（如每个县一个）后分别上传")
        if in_background(len(data)):
            with session.begin():
                stored = save_file(session, who.actor, "upload", who.region, name, data, workbook.content_type)
            return start_job(request, session, who, "upload_check", {"file_id": stored.id})
        with session.begin():
            checked = _checked(session, who, data, name, state(request).standard)
            stored = save_file(session, who.actor, "upload", who.region, name, data, workbook.content_type)
            preview = upload_preview(session, who.actor, checked, stored, state(request).standard)
    except EcozoneError as exc:
        return page(request, who, "upload.html", preview=None, error=exc.message, status_code=422)
    return page(request, who, "upload.html", error=None, preview=preview)


def _checked(session: Session, who: Viewer, data: bytes, name: str, standard_id: str) -> WorkbookImport:
    """The upload checked as the viewer: a region they may not load is refused as any page refuses it (403)."""
    try:
        return check_upload(session, who.actor, data, name, standard_id)
    except ScopeError as exc:
        raise HTTPException(status_code=403, detail=exc.message) from None


@router.get("/upload/{file_id}/marked.xlsx")
def marked_upload(file_id: int, request: Request, session: Annotated[Session, Depends(database)]) -> Any:
    """The user's own upload with every problem of its preview marked at its cell, and a 错误清单 sheet."""
    who = viewer(request)
    with session.begin():
        try:
            stored = own_upload(session, who.actor, file_id)
        except ScopeError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from None
        checked = _checked(session, who, stored.data, stored.filename, state(request).standard)
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / Path(stored.filename).name
        source.write_bytes(stored.data)
        target = Path(folder) / f"{Path(stored.filename).stem}_问题标注.xlsx"
        write_errors_workbook(source, checked.problems, target)
        body = target.read_bytes()
    return Response(body, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers=attachment(target.name))


_UNTICKED = "有需要确认的警告，尚未写入：请核对下表中的警告，勾选「我已核对上述警告，数值无误」后再点「确认载入」"


@router.post("/upload/{file_id}/confirm")
def confirm_upload(
    file_id: int,
    request: Request,
    csrf: Annotated[str, Form()],
    session: Annotated[Session, Depends(database)],
    accept_warnings: Annotated[bool, Form()] = False,
    preview_job: Annotated[str | None, Form()] = None,
) -> Any:
    """Write a checked upload, all or nothing, once; a large one by a background job (``preview_job``: the job
    whose preview was confirmed, shown again, without checking anew, when its warnings were not ticked)."""
    who = viewer(request)
    check_csrf(request, csrf)
    standard_id = state(request).standard
    if preview_job:
        try:
            checked_job = job_of(session, who.actor, preview_job)
            preview = preview_of(session, checked_job)
        except ScopeError as exc:
            raise HTTPException(status_code=404, detail=str(exc)) from None
        if preview is None or preview["file"]["id"] != file_id:
            raise HTTPException(status_code=404, detail=f"任务 {preview_job[:32]} 不是这份上传的检查")
        if preview["to_confirm"] and not accept_warnings:
            return page(request, who, "upload.html", preview=preview, preview_job=checked_job.id,
                        status_code=422, error=_UNTICKED)
        session.rollback()
        # the job claims the upload as it writes: a second confirm's job is refused there
        return start_job(request, session, who, "upload_load", {"file_id": file_id, "accept_warnings": accept_warnings})
    try:
        with session.begin():  # one transaction: the mark that it happened, first, and the import
            loaded = load_upload(session, who.actor, _pending_upload(session, who, file_id), standard_id,
                                 accept_warnings)
    except ConflictError as exc:
        return page(request, who, "upload.html", preview=None, error=exc.message, status_code=409)
    except ConfirmationNeeded:  # the box was not ticked: the same preview again, with what to do said on the page
        session.rollback()
        with session.begin():
            stored = stored_file(session, who.actor, file_id)
            checked = _checked(session, who, stored.data, stored.filename, standard_id)
            preview = upload_preview(session, who.actor, checked, stored, standard_id)
        return page(request, who, "upload.html", preview=preview, status_code=422, error=_UNTICKED)
    except EcozoneError as exc:
        return page(request, who, "upload.html", preview=None, error=exc.message, status_code=422)
    return page(request, who, "upload.html", preview=None, error=None, loaded=loaded)


def _pending_upload(session: Session, who: Viewer, file_id: int) -> StoredFile:
    try:
        return claim_upload(session, who.actor, file_id)
    except ScopeError as exc:
        raise HTTPException(status_code=404, detail=str(exc)) from None
