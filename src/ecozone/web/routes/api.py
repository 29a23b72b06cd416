"""The JSON API under /api/: the same scope rules as the pages, documented by the generated OpenAPI.

Writes need the session's CSRF token in the ``X-CSRF-Token`` header. Errors are JSON
``{"detail": "…"}`` in Chinese: 401 not logged in, 403 outside scope (with the reason),
404 nothing there, 409 a conflict or a workflow step out of order, 422 a value refused.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from ecozone.catalogue import load_standard
from ecozone.catalogue.vetoes import condition_ids
from ecozone.store import workflow
from ecozone.store.repository import answers_of, figure_versions, regions_in_scope, set_answer, set_figure
from ecozone.web.security import allowed, check_csrf, database, state, viewer
from ecozone.web.views import region_view

router = APIRouter(prefix="/api", tags=["数据与评估"])


class Figure(BaseModel):
    metric: str
    year: int
    value: float | None
    state: str | None
    version: int = Field(description="修改时须回传的版本号（乐观并发）")


class FigureEdit(BaseModel):
    value: str = Field(description="数值（如 85.3、85%）或状态（如 建立）", max_length=100)
    version: int = Field(ge=0, description="您读到的版本号；新填报的数值为 0")
    reason: str | None = Field(default=None, max_length=500, description="修改原因（记入审计）")
    accept_warnings: bool = Field(default=False, description="确认疑似有误的数值（如百分比填成小数）无误")


class AnswerEdit(BaseModel):
    answer: str = Field(description="是 / 否 / 不清楚", max_length=10)
    version: int = Field(ge=0, description="您读到的版本号；首次回答为 0")
    document: str | None = Field(default=None, max_length=500)
    date: str | None = Field(default=None, max_length=20, description="如 2023-05-01")
    note: str | None = Field(default=None, max_length=2000)


def _document(request: Request, session: Session, code: str) -> dict[str, Any]:
    who = viewer(request)
    allowed(who, "view", code)
    view = region_view(session, who.actor, load_standard(state(request).standard), code)
    if view is None or view.evaluation is None:
        raise HTTPException(status_code=404, detail=f"没有地区 {code} 的数据")
    return view.document()


@router.get("/regions", summary="地区列表（本人权限范围内）")
def regions(request: Request, session: Annotated[Session, Depends(database)]) -> list[dict[str, Any]]:
    who = viewer(request)
    return [{"code": r.code, "name": r.name, "level": r.level} for r in regions_in_scope(session, who.actor)]


@router.get("/regions/{code}/figures", summary="一个地区已填报的数值（含版本号）")
def figures(code: str, request: Request, session: Annotated[Session, Depends(database)]) -> list[Figure]:
    who = viewer(request)
    allowed(who, "view", code)
    stored = figure_versions(session, who.actor, code)
    return [Figure(metric=o.metric, year=o.year, value=o.value, state=o.state, version=o.version)
            for o in sorted(stored.values(), key=lambda o: (o.metric, o.year))]


@router.put("/regions/{code}/figures/{metric}/{year}", summary="填报或修改一个数值（校验同 Excel 导入）",
            responses={409: {"description": "已被他人修改"}, 422: {"description": "数值不合格"}})
def put_figure(code: str, metric: str, year: int, edit: FigureEdit, request: Request,
               session: Annotated[Session, Depends(database)]) -> Figure:
    who = viewer(request)
    check_csrf(request)
    allowed(who, "edit", code)
    with session.begin():
        saved = set_figure(session, who.actor, code, year, metric, edit.value.strip(), edit.version, edit.reason,
                           accept_warnings=edit.accept_warnings)
    return Figure(metric=saved.metric, year=saved.year, value=saved.value, state=saved.state, version=saved.version)


@router.get("/regions/{code}/assessment", summary="一个地区的评估结果（JSON 约定同 ecozone assess）")
def assessment(code: str, request: Request, session: Annotated[Session, Depends(database)]) -> Any:
    return JSONResponse(_document(request, session, code))


@router.get("/regions/{code}/selfcheck", summary="一个地区的自查结果（指标 + 否决项，JSON 约定同 ecozone selfcheck）")
def selfcheck(code: str, request: Request, session: Annotated[Session, Depends(database)]) -> Any:
    return JSONResponse(_document(request, session, code))


@router.get("/regions/{code}/answers", summary="一个地区的否决项自查回答（含版本号）")
def answers(code: str, request: Request, session: Annotated[Session, Depends(database)]) -> list[dict[str, Any]]:
    who = viewer(request)
    allowed(who, "view", code)
    return [{"condition": a.condition, "answer": a.answer, "document": a.document, "date": a.date, "note": a.note,
             "file": a.file, "version": a.version} for a in answers_of(session, who.actor, code).values()]


@router.put("/regions/{code}/answers/{condition}", summary="回答一个否决项自查问题",
            responses={409: {"description": "已被他人修改"}, 422: {"description": "回答不合格"}})
def put_answer(code: str, condition: str, edit: AnswerEdit, request: Request,
               session: Annotated[Session, Depends(database)]) -> dict[str, Any]:
    who = viewer(request)
    check_csrf(request)
    allowed(who, "edit", code)
    catalogue = _known_conditions(request)
    if condition not in catalogue:
        raise HTTPException(status_code=404, detail=f"没有编号为「{condition}」的否决项问题")
    with session.begin():
        saved = set_answer(session, who.actor, code, condition, edit.answer, edit.version, document=edit.document,
                           date=edit.date, note=edit.note)
    return {"condition": saved.condition, "answer": saved.answer, "version": saved.version}


def _known_conditions(request: Request) -> set[str]:
    return condition_ids(load_standard(state(request).standard).standard.veto_catalogue, questions_only=True)


@router.post("/regions/{code}/submit", summary="提交（冻结当前数据、回答和结果的快照）")
def submit(code: str, request: Request, session: Annotated[Session, Depends(database)]) -> dict[str, Any]:
    who = viewer(request)
    check_csrf(request)
    allowed(who, "submit", code)
    with session.begin():
        submission = workflow.submit(session, who.actor, code, state(request).standard)
    return {"id": submission.id, "status": submission.status, "pack_hash": submission.pack_hash}


@router.post("/regions/{code}/status", summary="审核：退回（须写意见）/ 通过；推荐")
def set_status(code: str, request: Request, to: Annotated[str, Form()],
               session: Annotated[Session, Depends(database)], comment: Annotated[str, Form()] = "") -> dict[str, Any]:
    who = viewer(request)
    check_csrf(request)
    allowed(who, workflow.TRANSITIONS.get(to, ("review", ()))[0], code)
    with session.begin():
        submission = workflow.transition(session, who.actor, code, to, comment)
    return {"id": submission.id, "status": submission.status, "comment": submission.comment}


@router.get("/regions/{code}/submission", summary="最近一次提交的快照（原样）")
def submission(code: str, request: Request, session: Annotated[Session, Depends(database)]) -> dict[str, Any]:
    who = viewer(request)
    allowed(who, "view", code)
    found = workflow.latest(session, code)
    if found is None:
        raise HTTPException(status_code=404, detail=f"{code} 尚未提交")
    return {"status": found.status, "pack_hash": found.pack_hash, "comment": found.comment,
            "snapshot": found.snapshot}
