"""Background jobs in the browser: start one (a prefecture's reports, or every county's 申报材料包, as one zip; a
large upload starts its own from the upload page), watch its progress on its own page, download its result. Only
the user who started a job sees it."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from ecozone.reports.render import FORMATS as REPORT_FORMATS
from ecozone.store.jobs import STALLED_AFTER, create_job, job_of, stalled, waiting_long
from ecozone.store.models import StoredFile
from ecozone.vocabulary import JOB_KIND, JOB_STATUS
from ecozone.web.downloads import attachment
from ecozone.web.jobs import submit
from ecozone.web.routes.pages import page
from ecozone.web.security import check_csrf, database, state, viewer
from ecozone.web.uploads import preview_of

router = APIRouter(include_in_schema=False)


@router.post("/board/reports-job")
def start_reports(request: Request, csrf: Annotated[str, Form()], session: Annotated[Session, Depends(database)],
                  formats: Annotated[list[str] | None, Form()] = None) -> Any:
    """Every region's reports in the chosen formats and the 总表 as one zip, made in the background."""
    who = viewer(request)
    check_csrf(request, csrf)
    who.actor.require("view", who.region)
    chosen = [f for f in REPORT_FORMATS if f in (formats or [])]
    unknown = sorted(set(formats or []) - set(REPORT_FORMATS))
    if unknown or not chosen:
        raise HTTPException(status_code=422, detail=f"报告格式「{'、'.join(unknown) or '（未选）'}」不可用"
                                                    f"（应为 {'、'.join(REPORT_FORMATS)} 中的一种或几种）")
    return start_job(request, session, who, "reports", {"formats": chosen})


@router.post("/board/dossiers-job")
def start_dossiers(request: Request, csrf: Annotated[str, Form()],
                   session: Annotated[Session, Depends(database)]) -> Any:
    """Every region's 申报材料包 (reports, evidence, contents) in one zip, made in the background."""
    who = viewer(request)
    check_csrf(request, csrf)
    who.actor.require("view", who.region)
    return start_job(request, session, who, "dossiers", {})


def start_job(request: Request, session: Session, who: Any, kind: str, params: dict[str, Any]) -> RedirectResponse:
    """The job stored (with the server's standard), started, and the user sent to its page."""
    with session.begin():
        job = create_job(session, who.actor, kind, {**params, "standard": state(request).standard})
    submit(state(request).engine.url.render_as_string(hide_password=False), job.id)
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(job_id: str, request: Request, session: Annotated[Session, Depends(database)]) -> Any:
    """A job's progress; once done, its result: a download, or for an upload the page a request would have shown
    (the preview to confirm, or what was loaded)."""
    who = viewer(request)
    job = job_of(session, who.actor, job_id)
    if job.status == "done" and job.kind == "upload_check":
        return page(request, who, "upload.html", preview=preview_of(session, job), preview_job=job.id, error=None)
    if job.status == "done" and job.kind == "upload_load":
        return page(request, who, "upload.html", preview=None, error=None, loaded=job.message)
    stuck = stalled(job)
    return page(request, who, "job.html", job=job, kind_text=JOB_KIND[job.kind], status_text=JOB_STATUS[job.status],
                running=job.status in ("queued", "running") and not stuck, stalled=stuck, waiting=waiting_long(job),
                stalled_minutes=int(STALLED_AFTER.total_seconds() // 60))


@router.get("/jobs/{job_id}/file")
def job_file(job_id: str, request: Request, session: Annotated[Session, Depends(database)]) -> Response:
    who = viewer(request)
    job = job_of(session, who.actor, job_id)
    stored = session.get(StoredFile, job.file_id) if job.file_id is not None else None
    if job.status != "done" or stored is None:
        raise HTTPException(status_code=404, detail="任务尚未完成，还没有文件")
    return Response(stored.data, media_type=stored.content_type, headers=attachment(stored.filename))
