"""The region page with its entry grid, and the review workflow's buttons (the board is in board.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from ecozone.catalogue import load_standard
from ecozone.errors import ConfirmationNeeded, EcozoneError, UsageError
from ecozone.store import workflow
from ecozone.store.ledger import ledger, open_counts
from ecozone.store.named import self_assessments, submit_self_assessment
from ecozone.store.repository import earlier_versions, indicator_evidence, locked_by, set_figure
from ecozone.store.requests import items_of
from ecozone.vocabulary import (
    ANSWER,
    ANSWERED_BY,
    ATTRIBUTE,
    FINAL_VERDICT,
    PLAN_STATUS,
    ROLE,
    STANDING,
    STATUS,
    SUBMISSION_STATUS,
    TREND_CLASS,
    WEAK_CLASS,
)
from ecozone.web.security import Viewer, allowed, check_csrf, database, state, viewer
from ecozone.web.views import STATUS_ORDER, named_view, region_view

router = APIRouter(include_in_schema=False)

TEXTS = {
    "standing_text": STANDING,
    "status_text": STATUS, "verdict_text": FINAL_VERDICT, "submission_text": SUBMISSION_STATUS,
    "plan_text": PLAN_STATUS, "answer_text": ANSWER, "answered_by_text": ANSWERED_BY, "attribute_text": ATTRIBUTE,
    "weak_text": WEAK_CLASS, "trend_text": TREND_CLASS,
    "role_text": ROLE, "status_order": STATUS_ORDER,
}
NOTICES = {
    "submitted": "已提交，数据、回答和结果已冻结为快照。", "returned": "已退回，意见已发给填报单位。",
    "accepted": "已审核通过。", "recommended": "已推荐。", "assessed": "年度自评估已提交。", "answered": "回答已保存。",
    "evidence": "佐证材料已保存。",
}


def page(request: Request, who: Viewer | None, template: str, status_code: int = 200, **context: Any) -> Any:
    notice = NOTICES.get(request.query_params.get("done", ""))
    return state(request).templates.TemplateResponse(
        request, template, {"user": who, "csrf": who.csrf if who else "", "notice": notice, **TEXTS, **context},
        status_code=status_code)


def may(who: Viewer, action: str, region: str) -> bool:
    return who.actor.may(action, region).allowed


@router.get("/regions/{code}", response_class=HTMLResponse)
def region_page(code: str, request: Request, session: Annotated[Session, Depends(database)]) -> Any:
    who = viewer(request)
    allowed(who, "view", code)
    return _region_page(request, session, code)


def _region_page(request: Request, session: Session, code: str, status: int = 200, **shown: Any) -> Any:
    who = viewer(request)
    view = region_view(session, who.actor, load_standard(state(request).standard), code)
    if view is None:
        raise HTTPException(status_code=404, detail=f"没有地区 {code} 的数据")
    locked = locked_by(session, code)
    files = indicator_evidence(session, who.actor, code)
    missing = view.evaluation.missing_evidence(code, {f.condition or "" for f in files}) if view.evaluation else []
    return page(request, who, "region.html", view=view, then=workflow.verdict_then(view.submission),
                evidence_files=files, evidence_missing=missing,
                evidence_older=earlier_versions(session, who.actor, code), requests=items_of(session, who.actor, code),
                can_request=may(who, "request", code),
                ledger_count=open_counts(ledger(session, who.actor, code)).get(code),
                named=named_view(session, who.actor, load_standard(state(request).standard), code),
                assessed=sorted(self_assessments(session, who.actor, [code]).values(), key=lambda s: s.year),
                can_edit=may(who, "edit", code) and locked is None,
                locked=locked, can_submit=may(who, "submit", code), can_review=may(who, "review", code),
                can_recommend=may(who, "recommend", code), notices=workflow.notices(session, who.actor, code),
                status_code=status, **shown)


@router.post("/regions/{code}/figures", response_class=HTMLResponse)
def enter_figure(
    code: str,
    request: Request,
    metric: Annotated[str, Form()],
    year: Annotated[int, Form()],
    version: Annotated[int, Form()],
    value: Annotated[str, Form()],
    session: Annotated[Session, Depends(database)],
    accept_warnings: Annotated[bool, Form()] = False,
) -> Any:
    """One cell of the entry grid (htmx): saved and re-assessed, or the reason it was refused."""
    who = viewer(request)
    check_csrf(request)
    allowed(who, "edit", code)
    error, confirm = None, False
    try:
        with session.begin():
            figure = set_figure(session, who.actor, code, year, metric, value.strip(), version,
                                accept_warnings=accept_warnings)
        cell = {"text": value.strip(), "version": figure.version}
    except EcozoneError as exc:
        error, confirm = exc.message, isinstance(exc, ConfirmationNeeded)
        cell = {"text": value, "version": version}
    standard = load_standard(state(request).standard)
    view = region_view(session, who.actor, standard, code)
    row = next((r for r in view.grid if r["metric"] == metric), None) if view else None
    return page(request, who, "_figure_saved.html", view=view, row=row, year=year, cell=cell, error=error,
                confirm=confirm, code=code, can_edit=True)


@router.post("/regions/{code}/self-assessment")
def self_assessment(code: str, request: Request, csrf: Annotated[str, Form()], year: Annotated[int, Form()],
                    session: Annotated[Session, Depends(database)]) -> Any:
    """A named place submits its annual self-assessment of one year (frozen, audited)."""
    who = viewer(request)
    check_csrf(request, csrf)
    allowed(who, "submit", code)
    try:
        with session.begin():
            submit_self_assessment(session, who.actor, load_standard(state(request).standard), code, year)
    except UsageError as exc:
        session.rollback()
        return _region_page(request, session, code, status=422, assessment_error=exc.message)
    return RedirectResponse(f"/regions/{code}?done=assessed#after-naming", status_code=303)


@router.post("/regions/{code}/submit")
def submit(code: str, request: Request, csrf: Annotated[str, Form()],
           session: Annotated[Session, Depends(database)]) -> Any:
    who = viewer(request)
    check_csrf(request, csrf)
    allowed(who, "submit", code)
    with session.begin():
        workflow.submit(session, who.actor, code, state(request).standard)
    return RedirectResponse(f"/regions/{code}?done=submitted", status_code=303)


@router.post("/regions/{code}/review")
def review(
    code: str,
    request: Request,
    csrf: Annotated[str, Form()],
    to: Annotated[str, Form()],
    session: Annotated[Session, Depends(database)],
    comment: Annotated[str, Form()] = "",
) -> Any:
    who = viewer(request)
    check_csrf(request, csrf)
    allowed(who, workflow.TRANSITIONS.get(to, ("review", ()))[0], code)
    try:
        with session.begin():
            workflow.transition(session, who.actor, code, to, comment)
    except UsageError as exc:  # e.g. a return without a comment: said beside the comment box, not on a dead end
        session.rollback()
        said = exc.problem + (f"（{exc.expected}）" if exc.expected else "")
        return _region_page(request, session, code, status=422, review_error=said, review_comment=comment)
    return RedirectResponse(f"/regions/{code}?done={to}", status_code=303)


@router.get("/regions/{code}/submission", response_class=HTMLResponse)
def submission_page(code: str, request: Request, session: Annotated[Session, Depends(database)]) -> Any:
    """What was submitted, exactly as frozen — whatever changed since."""
    who = viewer(request)
    allowed(who, "view", code)
    found = workflow.latest(session, code)
    if found is None:
        raise HTTPException(status_code=404, detail=f"{code} 尚未提交")
    regions = found.snapshot["result"]["regions"]
    return page(request, who, "submission.html", code=code, submission=found, region=regions[0] if regions else None)


@router.get("/docs", response_class=HTMLResponse)
def api_docs(request: Request) -> Any:
    """The API reference for a logged-in user: the vendored Swagger UI, no CDN."""
    return page(request, viewer(request), "api_docs.html")
