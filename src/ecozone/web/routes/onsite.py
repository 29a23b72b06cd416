"""The 现场核查 checklist in the browser: the reviewer walks the pack's indicators on site (on a phone), records per
indicator what was found with a note and photos, turns a mismatch into a ledger problem, and downloads the checklist
as filled. The rows are the printed checklist's (``reports.ledger.onsite_rows``), so paper and screen agree."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session

from ecozone.catalogue import load_standard
from ecozone.errors import EcozoneError, InputError, Location, ScopeError
from ecozone.evaluation import Evaluation
from ecozone.io.evidence_files import MAX_EVIDENCE_BYTES
from ecozone.reports.ledger import OnsiteFill, onsite_rows, write_onsite_checklist
from ecozone.store import onsite
from ecozone.store.models import Review
from ecozone.vocabulary import FINDING_STATUS, ONSITE_RESULT, SEVERITY
from ecozone.web.downloads import sent_and_removed
from ecozone.web.routes.pages import page
from ecozone.web.security import Viewer, check_csrf, database, state, viewer

router = APIRouter(include_in_schema=False)

NOTICES = {"saved": "核查结果已保存。", "photo": "照片已保存。", "finding": "问题已记入台账。"}


def _evaluation(request: Request, session: Session, who: Viewer, review: Review) -> tuple[str, Evaluation]:
    from ecozone.web.views import region_view

    view = region_view(session, who.actor, load_standard(state(request).standard), review.region)
    if view is None or view.evaluation is None:
        raise InputError(f"没有地区 {review.region} 的数据，无法生成现场核查表", Location(field="地区"))
    return view.name, view.evaluation


@router.get("/reviews/{review_id}/onsite", response_class=HTMLResponse)
def checklist_page(review_id: int, request: Request, session: Annotated[Session, Depends(database)]) -> Any:
    return _checklist(request, session, viewer(request), review_id)


def _checklist(request: Request, session: Session, who: Viewer, review_id: int, status_code: int = 200,
               **shown: Any) -> Any:
    review = onsite.onsite_review(session, who.actor, review_id)
    name, evaluation = _evaluation(request, session, who, review)
    return page(request, who, "onsite.html", review=review, name=name, year=evaluation.year,
                rows=onsite_rows(evaluation, review.region), checks=onsite.checks_of(session, who.actor, review_id),
                photos=onsite.photos_of(session, who.actor, review_id),
                findings=onsite.findings_of(session, who.actor, review_id),
                labels={i.id: f"第{i.id}项 {i.name}" for i in evaluation.standard.standard.indicators},
                can_write=who.actor.may("findings", review.region).allowed, onsite_result=ONSITE_RESULT,
                severity=SEVERITY, finding_status=FINDING_STATUS,
                notice=NOTICES.get(request.query_params.get("done", "")), status_code=status_code, **shown)


def checklist_again(request: Request, session: Session, who: Viewer, review_id: int, row_error: tuple[str, str]
                    ) -> Any:
    """The checklist again with the error next to its row (a problem recorded from a row that was refused)."""
    return _checklist(request, session, who, review_id, status_code=422, row_error=row_error)


def _indicators(request: Request, session: Session, who: Viewer, review_id: int) -> set[str]:
    """The rows the checklist has: a check or a photo for anything else is refused."""
    review = onsite.onsite_review(session, who.actor, review_id)
    return {str(row[0]) for row in onsite_rows(_evaluation(request, session, who, review)[1], review.region)}


@router.post("/reviews/{review_id}/onsite/{indicator}")
def save_check(review_id: int, indicator: str, request: Request, csrf: Annotated[str, Form()],
               session: Annotated[Session, Depends(database)], result: Annotated[str, Form(max_length=20)],
               version: Annotated[int, Form()], note: Annotated[str, Form(max_length=4000)] = "") -> Any:
    who = viewer(request)
    check_csrf(request, csrf)
    try:
        with session.begin():
            onsite.record_check(session, who.actor, review_id, indicator, result, note, version,
                                _indicators(request, session, who, review_id))
    except ScopeError:
        raise
    except EcozoneError as exc:
        return _checklist(request, session, who, review_id, status_code=422, row_error=(indicator, exc.message))
    return RedirectResponse(f"/reviews/{review_id}/onsite?done=saved#i-{quote(indicator)}", status_code=303)


@router.post("/reviews/{review_id}/onsite/{indicator}/photos")
async def save_photo(review_id: int, indicator: str, request: Request, csrf: Annotated[str, Form()],
                     session: Annotated[Session, Depends(database)], photo: Annotated[UploadFile, File()]) -> Any:
    who = viewer(request)
    check_csrf(request, csrf)
    try:
        with session.begin():
            review = onsite.onsite_review(session, who.actor, review_id)
            who.actor.require("findings", review.region)  # before the file is read
            data = await photo.read(MAX_EVIDENCE_BYTES + 1)
            onsite.save_photo(session, who.actor, review_id, indicator, photo.filename or "", data,
                              photo.content_type, _indicators(request, session, who, review_id))
    except ScopeError:
        raise
    except EcozoneError as exc:
        return _checklist(request, session, who, review_id, status_code=422, row_error=(indicator, exc.message))
    return RedirectResponse(f"/reviews/{review_id}/onsite?done=photo#i-{quote(indicator)}", status_code=303)


@router.get("/reviews/{review_id}/onsite.xlsx", summary="现场核查表（已填写）")
def filled_checklist(review_id: int, request: Request, session: Annotated[Session, Depends(database)]) -> Any:
    """The printed checklist with the reviewer's results, notes, the problems recorded and the photos' names."""
    who = viewer(request)
    review = onsite.onsite_review(session, who.actor, review_id)
    name, evaluation = _evaluation(request, session, who, review)
    checks = onsite.checks_of(session, who.actor, review_id)
    photos = onsite.photos_of(session, who.actor, review_id)
    findings = onsite.findings_of(session, who.actor, review_id)
    cells = {}
    for indicator in {*checks, *photos, *findings}:
        check = checks.get(indicator)
        seen = f"{ONSITE_RESULT[check.result]}：{check.note}" if check and check.note else \
            ONSITE_RESULT[check.result] if check else ""
        found = "\n".join(f"问题 {f.id}（{SEVERITY[f.severity]}，{FINDING_STATUS[f.status]}）：{f.problem}"
                          for f in findings.get(indicator, []))
        cells[indicator] = (seen, found, "\n".join(p.filename for p in photos.get(indicator, [])))
    filled = OnsiteFill(review.experts or "", review.held_on, cells)
    folder = Path(tempfile.mkdtemp(prefix="ecozone-onsite-"))
    target = write_onsite_checklist(evaluation, review.region,
                                    folder / f"{name}{review.region}_现场核查表_{review.held_on}.xlsx", filled)
    return sent_and_removed(target, folder)
