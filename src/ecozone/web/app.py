"""FastAPI application: login, the board, a region page, and the scoped JSON API.

Sessions are signed cookies (HttpOnly, SameSite=Lax, Secure behind TLS); every form carries a
CSRF token bound to the session; every region access goes through ``permissions.can``, and a
refusal says why (403).
"""

from __future__ import annotations

import hmac
import os
import secrets
import time
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.orm import Session, sessionmaker

from ecozone import api
from ecozone.engine.explain import STATUS_TEXT, VERDICT_TEXT
from ecozone.errors import EcozoneError
from ecozone.io.results_json import assessment_to_dict
from ecozone.store import db, workflow
from ecozone.store.permissions import can
from ecozone.store.repository import Actor, check_password, load_dataset

__all__ = ["create_app"]

COOKIE = "ecozone_session"
MAX_AGE = 8 * 3600
MAX_FAILURES = 5  # failed logins per user and address …
LOCKOUT_SECONDS = 15 * 60  # … within this window lock that pair out for the rest of it


def create_app(database_url: str | None = None, secret: str | None = None, standard: str = "mee-2019") -> FastAPI:
    engine = db.engine_for(database_url)
    sessions: sessionmaker[Session] = db.session_factory(engine)
    signer = URLSafeTimedSerializer(secret or os.environ.get("ECOZONE_SECRET") or secrets.token_hex(32), "ecozone")
    templates = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
    app = FastAPI(title="ecozone", description="生态文明建设示范区指标评估 API", version="0.1")
    app.state.engine = engine  # so a host (or a test) can close the pool

    def database() -> Any:
        with sessions() as session:
            yield session

    def current(request: Request) -> dict[str, Any] | None:
        token = request.cookies.get(COOKIE)
        if not token:
            return None
        try:
            data: dict[str, Any] = signer.loads(token, max_age=MAX_AGE)
        except BadSignature:
            return None
        return data

    def actor_of(request: Request) -> Actor:
        data = current(request)
        if data is None:
            raise HTTPException(status_code=401, detail="请先登录")
        return Actor(data["name"], data["role"], data["region"])

    def allowed(actor: Actor, action: str, region: str) -> None:
        decision = can(actor.role, actor.region, action, region)
        if not decision.allowed:
            raise HTTPException(status_code=403, detail=decision.why)

    def check_csrf(request: Request, token: str) -> None:
        data = current(request) or {}
        expected = data.get("csrf") or request.cookies.get("ecozone_login_csrf", "")
        if not expected or not hmac.compare_digest(expected, token):
            raise HTTPException(status_code=403, detail="表单已失效（CSRF 校验失败），请刷新页面后重试")

    def set_session(response: Any, payload: dict[str, Any], request: Request) -> None:
        response.set_cookie(COOKIE, signer.dumps(payload), max_age=MAX_AGE, httponly=True, samesite="lax",
                            secure=request.url.scheme == "https")

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_page(request: Request) -> Any:
        token = secrets.token_urlsafe(24)
        response = templates.TemplateResponse(request, "login.html", {"csrf": token, "error": None})
        response.set_cookie("ecozone_login_csrf", token, httponly=True, samesite="strict")
        return response

    failures: dict[str, list[float]] = {}  # per process; behind several workers, also limit at the proxy

    @app.post("/login", include_in_schema=False)
    def login(request: Request, name: Annotated[str, Form()], password: Annotated[str, Form()],
              csrf: Annotated[str, Form()], session: Session = Depends(database)) -> Any:  # noqa: B008
        check_csrf(request, csrf)
        key = f"{name}|{request.client.host if request.client else ''}"
        now = time.monotonic()
        recent = [t for t in failures.get(key, []) if now - t < LOCKOUT_SECONDS]
        if len(recent) >= MAX_FAILURES:
            wait = int(LOCKOUT_SECONDS - (now - recent[0])) // 60 + 1
            return templates.TemplateResponse(
                request, "login.html", {"csrf": csrf, "error": f"登录失败次数过多，请 {wait} 分钟后再试"},
                status_code=429)
        actor = check_password(session, name, password)
        if actor is None:
            failures[key] = [*recent, now]
            return templates.TemplateResponse(request, "login.html", {"csrf": csrf, "error": "用户名或密码不正确"},
                                              status_code=401)
        failures.pop(key, None)
        response = RedirectResponse("/", status_code=303)
        set_session(response, {"name": actor.name, "role": actor.role, "region": actor.region,
                               "csrf": secrets.token_urlsafe(24)}, request)
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, csrf: Annotated[str, Form()]) -> Any:
        check_csrf(request, csrf)
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    def assessed(session: Session, actor: Actor) -> Any:
        dataset = load_dataset(session, actor)
        if dataset.regions.height == 0 or dataset.observations.height == 0:
            return None, dataset
        return api.assess_dataset(standard, dataset), dataset

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def board(request: Request, session: Session = Depends(database)) -> Any:  # noqa: B008
        data = current(request)
        if data is None:
            return RedirectResponse("/login", status_code=303)
        actor = Actor(data["name"], data["role"], data["region"])
        result, _ = assessed(session, actor)
        rows = result.regions.to_dicts() if result is not None else []
        return templates.TemplateResponse(request, "board.html", {
            "user": data, "rows": rows, "verdict_text": VERDICT_TEXT, "csrf": data["csrf"]})

    @app.get("/regions/{code}", response_class=HTMLResponse, include_in_schema=False)
    def region_page(code: str, request: Request, session: Session = Depends(database)) -> Any:  # noqa: B008
        actor = actor_of(request)
        allowed(actor, "view", code)
        result, _ = assessed(session, actor)
        if result is None or code not in set(result.regions["region"].to_list()):
            raise HTTPException(status_code=404, detail=f"没有地区 {code} 的数据")
        region = result.regions.filter(result.regions["region"] == code).row(0, named=True)
        rows = result.indicators.filter(result.indicators["region"] == code).to_dicts()
        data = current(request) or {}
        return templates.TemplateResponse(request, "region.html", {
            "user": data, "region": region, "rows": rows, "status_text": STATUS_TEXT, "verdict_text": VERDICT_TEXT,
            "csrf": data.get("csrf", "")})

    @app.get("/api/regions", summary="地区列表（本人权限范围内）")
    def api_regions(request: Request, session: Session = Depends(database)) -> Any:  # noqa: B008
        actor = actor_of(request)
        dataset = load_dataset(session, actor)
        return dataset.regions.select("code", "name", "level").to_dicts()

    @app.get("/api/regions/{code}/assessment", summary="一个地区的评估结果（JSON 约定同 ecozone assess）")
    def api_assessment(code: str, request: Request, session: Session = Depends(database)) -> Any:  # noqa: B008
        actor = actor_of(request)
        allowed(actor, "view", code)
        result, _ = assessed(session, actor)
        if result is None:
            raise HTTPException(status_code=404, detail="没有数据")
        document = assessment_to_dict(result)
        document["regions"] = [r for r in document["regions"] if r["code"] == code]
        if not document["regions"]:
            raise HTTPException(status_code=404, detail=f"没有地区 {code} 的数据")
        return JSONResponse(document)

    def check_header_csrf(request: Request) -> None:
        check_csrf(request, request.headers.get("X-CSRF-Token", ""))

    @app.post("/api/regions/{code}/submit", summary="提交（冻结当前数据、回答和结果的快照）")
    def api_submit(code: str, request: Request, session: Session = Depends(database)) -> Any:  # noqa: B008
        check_header_csrf(request)
        actor = actor_of(request)
        allowed(actor, "submit", code)
        with session.begin():
            submission = workflow.submit(session, actor, code, standard)
        return {"id": submission.id, "status": submission.status, "pack_hash": submission.pack_hash}

    @app.post("/api/regions/{code}/status", summary="审核：退回（须写意见）/ 通过；推荐")
    def api_status(code: str, request: Request, to: Annotated[str, Form()],
                   comment: Annotated[str, Form()] = "", session: Session = Depends(database)) -> Any:  # noqa: B008
        check_header_csrf(request)
        actor = actor_of(request)
        action = workflow.TRANSITIONS.get(to, ("review", ()))[0]
        allowed(actor, action, code)
        try:
            with session.begin():
                submission = workflow.transition(session, actor, code, to, comment)
        except EcozoneError as exc:
            raise HTTPException(status_code=409, detail=exc.message) from None
        return {"id": submission.id, "status": submission.status, "comment": submission.comment}

    @app.get("/api/regions/{code}/submission", summary="最近一次提交的快照（原样）")
    def api_submission(code: str, request: Request, session: Session = Depends(database)) -> Any:  # noqa: B008
        actor = actor_of(request)
        allowed(actor, "view", code)
        submission = workflow.latest(session, code)
        if submission is None:
            raise HTTPException(status_code=404, detail=f"{code} 尚未提交")
        return {"status": submission.status, "pack_hash": submission.pack_hash, "comment": submission.comment,
                "snapshot": submission.snapshot}

    return app
