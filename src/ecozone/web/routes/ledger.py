"""The problem ledger in the browser: a region's reviews and findings, one finding's page (the region rectifies,
a reviewer closes or fails it), and the ledger as a workbook and as a Word 整改情况报告."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from ecozone.catalogue import load_standard
from ecozone.errors import EcozoneError, InputError, Location, ScopeError
from ecozone.io.answers import parse_date
from ecozone.io.evidence_files import MAX_EVIDENCE_BYTES
from ecozone.store import ledger as problems
from ecozone.store.repository import save_file
from ecozone.vocabulary import FINDING_STATUS, REVIEW_KIND, SEVERITY
from ecozone.web.downloads import sent_and_removed
from ecozone.web.routes.onsite import checklist_again
from ecozone.web.routes.pages import page
from ecozone.web.security import Viewer, allowed, check_csrf, database, state, viewer

router = APIRouter(include_in_schema=False)

NOTICES = {"review": "评审已记录。", "finding": "问题已记入台账。", "working": "已标为整改中。",
           "done": "已提交整改情况，等待复核。", "closed": "已销号。", "failed": "复核未通过，已退回整改。",
           "file": "整改材料已保存。"}
LEDGER_TEXTS: dict[str, Any] = {"finding_status": FINDING_STATUS, "review_kind": REVIEW_KIND, "severity": SEVERITY}


def _date(text: str, field: str) -> dt.date:
    parsed = parse_date(text)
    if parsed is None:
        raise InputError(f"日期「{text[:20]}」无法识别", Location(field=field), expected="如 2026-12-31")
    return parsed


@router.get("/ledger", response_class=HTMLResponse)
def ledger_page(request: Request, session: Annotated[Session, Depends(database)]) -> Any:
    """Every finding of the user's scope (an expert: of the assigned regions)."""
    who = viewer(request)
    return page(request, who, "ledger.html", rows=problems.ledger(session, who.actor), region=None,
                notice=NOTICES.get(request.query_params.get("done", "")), **LEDGER_TEXTS)


@router.get("/regions/{code}/ledger", response_class=HTMLResponse)
def region_ledger(code: str, request: Request, session: Annotated[Session, Depends(database)]) -> Any:
    return _region_ledger(request, session, viewer(request), code)


def _region_ledger(request: Request, session: Session, who: Viewer, code: str, status_code: int = 200,
                   **shown: Any) -> Any:
    allowed(who, "view", code)
    standard = load_standard(state(request).standard)
    subjects = [(i.id, f"第{i.id}项 {i.name}") for i in standard.standard.indicators]
    reviews = problems.reviews_of(session, who.actor, code)
    return page(request, who, "ledger.html", rows=problems.ledger(session, who.actor, code), region=code,
                reviews=reviews, subjects=subjects, can_review=who.actor.may("findings", code).allowed,
                notice=NOTICES.get(request.query_params.get("done", "")), today=dt.date.today(),
                status_code=status_code, **LEDGER_TEXTS, **shown)


@router.post("/regions/{code}/reviews")
def new_review(code: str, request: Request, csrf: Annotated[str, Form()],
               session: Annotated[Session, Depends(database)], kind: Annotated[str, Form(max_length=20)],
               held_on: Annotated[str, Form(max_length=20)], experts: Annotated[str, Form(max_length=2000)] = "",
               note: Annotated[str, Form(max_length=2000)] = "") -> Any:
    who = viewer(request)
    check_csrf(request, csrf)
    allowed(who, "findings", code)
    try:
        with session.begin():
            review = problems.add_review(session, who.actor, code, kind, _date(held_on, "日期"), experts, note)
    except ScopeError:
        raise
    except EcozoneError as exc:
        return _region_ledger(request, session, who, code, status_code=422, review_error=exc.message)
    if review.kind == "onsite":  # straight to the checklist the reviewer fills on site
        return RedirectResponse(f"/reviews/{review.id}/onsite", status_code=303)
    return RedirectResponse(f"/regions/{code}/ledger?done=review", status_code=303)


@router.post("/reviews/{review_id}/findings")
def new_finding(review_id: int, request: Request, csrf: Annotated[str, Form()],
                session: Annotated[Session, Depends(database)], problem: Annotated[str, Form(max_length=4000)],
                severity: Annotated[str, Form(max_length=20)], deadline: Annotated[str, Form(max_length=20)],
                subject: Annotated[str, Form(max_length=60)] = "", lead: Annotated[str, Form(max_length=60)] = "",
                onsite: Annotated[str, Form(max_length=20)] = "") -> Any:
    """``onsite``: the indicator whose 现场核查 row the problem was recorded from; the answer returns there."""
    who = viewer(request)
    check_csrf(request, csrf)
    try:
        with session.begin():
            region = problems.review_region(session, who.actor, review_id)
            problems.add_finding(session, who.actor, review_id, subject or None, problem, severity, lead or None,
                                 _date(deadline, "整改期限"))
    except ScopeError:
        raise
    except EcozoneError as exc:
        if onsite:
            return checklist_again(request, session, who, review_id, (onsite, exc.message))
        return _region_ledger(request, session, who, problems.review_region(session, who.actor, review_id),
                              status_code=422, finding_error=exc.message, finding_review=review_id)
    if onsite:
        return RedirectResponse(f"/reviews/{review_id}/onsite?done=finding#i-{quote(onsite)}", status_code=303)
    return RedirectResponse(f"/regions/{region}/ledger?done=finding", status_code=303)


@router.get("/findings/{finding_id}", response_class=HTMLResponse)
def finding_page(finding_id: int, request: Request, session: Annotated[Session, Depends(database)]) -> Any:
    return _finding(request, session, viewer(request), finding_id)


def _finding(request: Request, session: Session, who: Viewer, finding_id: int, status_code: int = 200,
             **shown: Any) -> Any:
    row = problems.row_of(session, who.actor, finding_id)
    actor = who.actor
    return page(request, who, "finding.html", row=row, steps=problems.history(session, actor, finding_id),
                can_rectify=actor.may("rectify", row.finding.region).allowed
                and row.finding.status in problems.OPEN,
                can_check=actor.may("findings", row.finding.region).allowed and row.finding.status == "done",
                notice=NOTICES.get(request.query_params.get("done", "")), status_code=status_code,
                **LEDGER_TEXTS, **shown)


@router.post("/findings/{finding_id}/move")
def move_finding(finding_id: int, request: Request, csrf: Annotated[str, Form()],
                 session: Annotated[Session, Depends(database)], to: Annotated[str, Form(max_length=20)],
                 version: Annotated[int, Form()], note: Annotated[str, Form(max_length=4000)] = "") -> Any:
    who = viewer(request)
    check_csrf(request, csrf)
    try:
        with session.begin():
            problems.move(session, who.actor, finding_id, version, to, note)
    except ScopeError:
        raise
    except EcozoneError as exc:
        return _finding(request, session, who, finding_id, status_code=422, move_error=exc.message, note=note)
    return RedirectResponse(f"/findings/{finding_id}?done={to}", status_code=303)


@router.post("/findings/{finding_id}/files")
async def finding_file(finding_id: int, request: Request, csrf: Annotated[str, Form()],
                       session: Annotated[Session, Depends(database)],
                       evidence: Annotated[UploadFile, File()]) -> Any:
    """A rectification document: checked by its bytes like every evidence file, kept with the finding."""
    who = viewer(request)
    check_csrf(request, csrf)
    try:
        with session.begin():
            finding = problems.visible(session, who.actor, finding_id)
            who.actor.require("rectify", finding.region)  # before the file is read
            data = await evidence.read(MAX_EVIDENCE_BYTES + 1)
            save_file(session, who.actor, "finding", finding.region, evidence.filename or "", data,
                      evidence.content_type, str(finding.id))
    except ScopeError:
        raise
    except EcozoneError as exc:
        return _finding(request, session, who, finding_id, status_code=422, file_error=exc.message)
    return RedirectResponse(f"/findings/{finding_id}?done=file", status_code=303)


@router.get("/regions/{code}/onsite-checklist.xlsx", summary="现场核查表")
def onsite_checklist(code: str, request: Request, session: Annotated[Session, Depends(database)]) -> Any:
    """Each applicable indicator with its target, the reported value and judgement, and what to see on site."""
    from ecozone.reports.ledger import write_onsite_checklist
    from ecozone.web.views import region_view

    who = viewer(request)
    allowed(who, "view", code)
    view = region_view(session, who.actor, load_standard(state(request).standard), code)
    if view is None or view.evaluation is None:
        raise InputError(f"没有地区 {code} 的数据，无法生成现场核查表", Location(field="地区"))
    folder = Path(tempfile.mkdtemp(prefix="ecozone-onsite-"))
    target = write_onsite_checklist(view.evaluation, code, folder / f"{view.name}{code}_现场核查表.xlsx")
    return sent_and_removed(target, folder)


@router.get("/regions/{code}/ledger.{fmt}", summary="问题台账（Excel）或整改情况报告（Word）")
def ledger_download(code: str, fmt: str, request: Request, session: Annotated[Session, Depends(database)]) -> Any:
    from ecozone.reports.ledger import write_ledger_docx, write_ledger_xlsx

    who = viewer(request)
    allowed(who, "view", code)
    if fmt not in ("xlsx", "docx"):
        raise InputError(f"没有「{fmt}」格式", Location(field="格式"), expected="xlsx 或 docx")
    rows = problems.ledger_records(session, who.actor, code)
    folder = Path(tempfile.mkdtemp(prefix="ecozone-ledger-"))
    name = rows.region_name
    target = folder / (f"{name}{code}_问题台账.xlsx" if fmt == "xlsx" else f"{name}{code}_整改情况报告.docx")
    (write_ledger_xlsx if fmt == "xlsx" else write_ledger_docx)(rows, target)
    return sent_and_removed(target, folder)
