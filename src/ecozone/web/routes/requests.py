"""Data requests in the browser: the requester's list and form, the department's inbox, one item's page (the
department answers it with figures and evidence; the requester accepts or returns it)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from ecozone.catalogue import load_standard
from ecozone.errors import ConfirmationNeeded, EcozoneError, InputError, Location, ScopeError
from ecozone.io.answers import parse_date
from ecozone.store import requests as data_requests
from ecozone.store.permissions import covers, number_key
from ecozone.store.repository import MAX_TEXT, indicator_evidence, regions_in_scope
from ecozone.vocabulary import REQUEST_STATUS
from ecozone.web.routes.evidence import EvidenceForm, evidence_form, keep_evidence
from ecozone.web.routes.pages import page
from ecozone.web.security import Viewer, check_csrf, database, state, viewer

router = APIRouter(include_in_schema=False)

DEFAULT_DAYS = 14  # a new request's deadline, unless the requester sets one
NOTICES = {"sent": "数据请求已发出。", "saved": "已保存。", "submitted": "已提交，等待发出单位采纳。",
           "accepted": "已采纳。", "returned": "已退回，理由已发给部门。", "evidence": "佐证材料已保存。"}


def _notice(request: Request) -> str | None:
    return NOTICES.get(request.query_params.get("done", ""))


@router.get("/requests", response_class=HTMLResponse)
def requests_page(request: Request, session: Annotated[Session, Depends(database)]) -> Any:
    return _list(request, session, viewer(request))


def _list(request: Request, session: Session, who: Viewer, status_code: int = 200, **shown: Any) -> Any:
    actor = who.actor
    standard = load_standard(state(request).standard)
    today = dt.date.today()
    form = None
    if who.role != "department":
        form = {"departments": data_requests.departments(session, actor),
                "indicators": standard.standard.indicators,
                "regions": [r for r in regions_in_scope(session, actor) if actor.may("request", r.code).allowed],
                "deadline": today + dt.timedelta(days=DEFAULT_DAYS), "this_year": today.year}
    own = sorted((s for s in who.subjects if s[:1].isdigit()), key=number_key)
    return page(request, who, "requests.html", items=data_requests.items_of(session, actor), form=form, own=own,
                names={i.id: i.name for i in standard.standard.indicators}, request_status=REQUEST_STATUS,
                notice=_notice(request), status_code=status_code, **shown)


@router.post("/requests")
async def send_request(request: Request, session: Annotated[Session, Depends(database)]) -> Any:
    """Send one request; a refusal is said above the form, with what was typed kept."""
    who = viewer(request)
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    department, note = str(form.get("department", "")), str(form.get("note", ""))[: MAX_TEXT + 1]
    indicators, regions = [str(v) for v in form.getlist("indicator")], [str(v) for v in form.getlist("region")]
    first_text, last_text = str(form.get("first_year", ""))[:10], str(form.get("last_year", ""))[:10]
    deadline_text = str(form.get("deadline", ""))[:20]
    typed = {"department": department, "indicators": indicators, "regions": regions, "first_year": first_text,
             "last_year": last_text, "deadline": deadline_text, "note": note}
    try:
        region, _, name = department.partition(":")
        first, last = _year(first_text, "起始年"), _year(last_text, "截止年")
        deadline = parse_date(deadline_text)
        if deadline is None:
            raise InputError(f"截止日期「{deadline_text}」无法识别", Location(field="截止日期"),
                             expected="如 2026-12-31")
        with session.begin():
            data_requests.create_request(
                session, who.actor, load_standard(state(request).standard), department=name, department_region=region,
                indicators=indicators, regions=regions, first_year=first, last_year=last, deadline=deadline,
                note=note)
    except EcozoneError as exc:
        session.rollback()
        return _list(request, session, who, status_code=422, error=exc.message, typed=typed)
    return RedirectResponse("/requests?done=sent", status_code=303)


def _year(text: str, label: str) -> int:
    if not (text.strip().isdigit() and len(text.strip()) == 4):
        raise InputError(f"{label}「{text[:10]}」不是年份", Location(field=label), expected="如 2023")
    return int(text)


@router.get("/requests/items/{item_id}", response_class=HTMLResponse)
def item_page(item_id: int, request: Request, session: Annotated[Session, Depends(database)]) -> Any:
    return _item(request, session, viewer(request), item_id)


def _item(request: Request, session: Session, who: Viewer, item_id: int, status_code: int = 200,
          **shown: Any) -> Any:
    actor = who.actor
    standard = load_standard(state(request).standard)
    view = data_requests.item_view(session, actor, item_id)
    figures = data_requests.figures_of(session, actor, standard, view.item, view.request)
    asked = set(view.request.indicators)
    files = [f for f in indicator_evidence(session, actor, view.item.region)
             if f.condition and covers(f.condition, asked)]
    answering = (who.role == "department" and view.item.status in data_requests.OPEN)
    deciding = who.role != "department" and view.item.status == "submitted" and actor.may(
        "request", view.item.region).allowed
    names = {i.id: i.name for i in standard.standard.indicators}
    return page(request, who, "request_item.html", view=view, figures=figures, files=files, answering=answering,
                deciding=deciding, names=names, notice=_notice(request),
                years=list(range(view.request.first_year, view.request.last_year + 1)),
                status_code=status_code, **shown)


@router.post("/requests/items/{item_id}/answer")
async def answer(item_id: int, request: Request, session: Annotated[Session, Depends(database)]) -> Any:
    """Save (or save and submit) the department's figures: each a compare-and-set on the version shown."""
    who = viewer(request)
    form = await request.form()
    check_csrf(request, str(form.get("csrf", "")))
    figures: dict[tuple[str, int], tuple[str, int]] = {}
    typed: dict[str, str] = {}
    for key, value in form.multi_items():
        if key.startswith("f:") and isinstance(value, str):
            _, metric, year = key.split(":", 2) if key.count(":") == 2 else ("", "", "")
            version = str(form.get(f"v:{metric}:{year}", ""))
            if not (year.isdigit() and version.isdigit()):
                continue  # a field this page never makes: ignored, not guessed
            figures[(metric, int(year))] = (value[:60], int(version))
            typed[f"{metric}:{year}"] = value[:60]
    submit = form.get("action") == "submit"
    accept = form.get("accept_warnings") == "1"
    version = str(form.get("version", ""))
    try:
        with session.begin():
            data_requests.respond(session, who.actor, load_standard(state(request).standard), item_id,
                                  int(version) if version.isdigit() else -1, figures, submit=submit,
                                  accept_warnings=accept)
    except ScopeError:
        raise
    except EcozoneError as exc:
        session.rollback()
        return _item(request, session, who, item_id, status_code=422, error=exc.message, typed=typed,
                     confirm=isinstance(exc, ConfirmationNeeded))
    return RedirectResponse(f"/requests/items/{item_id}?done={'submitted' if submit else 'saved'}", status_code=303)


@router.post("/requests/items/{item_id}/evidence")
async def item_evidence(
    item_id: int, request: Request, csrf: Annotated[str, Form()], session: Annotated[Session, Depends(database)],
    form: Annotated[EvidenceForm, Depends(evidence_form)],
) -> Any:
    """A department's evidence for the item: kept as the region's 佐证材料 of the indicator, as on the region page."""
    who = viewer(request)
    check_csrf(request, csrf)
    try:
        with session.begin():
            view = data_requests.item_view(session, who.actor, item_id)  # refuses a department it is not for
            who.actor.require("edit", view.item.region, form.indicator)  # before the file is read
            await keep_evidence(session, who.actor, view.item.region, form, view.request.indicators,
                                range(view.request.first_year, view.request.last_year + 1))
    except ScopeError:
        raise  # 403, said on its own page
    except EcozoneError as exc:
        return _item(request, session, who, item_id, status_code=422, evidence_error=exc.message,
                     evidence_typed=form.typed)
    return RedirectResponse(f"/requests/items/{item_id}?done=evidence#evidence", status_code=303)


@router.post("/requests/items/{item_id}/decide")
def decide(item_id: int, request: Request, csrf: Annotated[str, Form()], to: Annotated[str, Form(max_length=20)],
           version: Annotated[int, Form()], session: Annotated[Session, Depends(database)],
           reason: Annotated[str, Form(max_length=4000)] = "") -> Any:
    who = viewer(request)
    check_csrf(request, csrf)
    try:
        with session.begin():
            data_requests.decide(session, who.actor, item_id, version, to, reason)
    except ScopeError:
        raise
    except EcozoneError as exc:
        session.rollback()
        return _item(request, session, who, item_id, status_code=422, decide_error=exc.message, reason=reason)
    return RedirectResponse(f"/requests/items/{item_id}?done={to}", status_code=303)
