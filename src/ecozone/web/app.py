"""The web application: pages for people, JSON under /api/ for programs, one set of rules for both.

Everything it serves ships in the package (htmx and ECharts are vendored under static/):
it runs on an intranet with no internet access. Errors are Chinese; on a page they are
a page, under /api/ they are JSON ``{"detail": …}``.
"""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from itsdangerous import URLSafeTimedSerializer
from starlette.exceptions import HTTPException
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ecozone._text import shown_time
from ecozone.catalogue import load_standard
from ecozone.errors import EcozoneError, InputError, Location, NotLoggedIn, ScopeError, UsageError
from ecozone.store import db
from ecozone.vocabulary import ROLE
from ecozone.web.routes import api, auth, board, entry, evidence, jobs, ledger, onsite, pages, reports, requests
from ecozone.web.security import SESSION_COOKIE, WebState, viewer_or_none
from ecozone.web.uploads import background_upload_kb

__all__ = ["app_from_environment", "check_settings", "create_app"]

HERE = Path(__file__).parent
# same-origin only; inline styles are allowed for htmx's indicator and ECharts' tooltips, never inline scripts
POLICY = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
          "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


# the largest request body: a 20 MB file plus its form; the reverse proxy should refuse larger ones first
# (nginx: client_max_body_size 25m), and this refuses them for a server run without one
MAX_BODY_BYTES = 25 * 1024 * 1024
MIN_SECRET_LENGTH = 32


class BodyLimit:
    """Refuse a request body over ``MAX_BODY_BYTES`` with a Chinese 413 before it is read into memory or
    spooled to disk: by its Content-Length when it gives one, else by counting as it arrives."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > MAX_BODY_BYTES):
            await _too_large(send)
            return
        seen = 0
        refused = False

        async def counted() -> Message:
            # over the limit: answer 413 now and tell the app the client has gone, so it stops reading
            # (an exception here would be turned into a 400 by the body parser)
            nonlocal seen, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > MAX_BODY_BYTES:
                refused = True
                await _too_large(send)
                return {"type": "http.disconnect"}
            return message

        async def unless_refused(message: Message) -> None:
            if not refused:
                await send(message)

        await self.app(scope, counted, unless_refused)


async def _too_large(send: Send) -> None:
    body = f"请求过大：上限为 {MAX_BODY_BYTES // 1048576} MB（单个文件不超过 20 MB）".encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    templates.env.filters["beijing"] = shown_time  # every time a page shows is Beijing time
    templates.env.globals["role_text"] = ROLE  # every page, error pages included, names a role in Chinese
    return templates


def check_settings(secret: str | None) -> None:
    """Refuse, before serving, a setting that would fail later: a session secret that can be guessed, a mistyped
    ECOZONE_BACKGROUND_UPLOAD_KB (else a clerk's upload would be the first to fail). ``ecozone serve`` calls it
    before uvicorn, whose worker processes would otherwise each stop with a traceback."""
    if secret is not None and len(secret) < MIN_SECRET_LENGTH:
        raise UsageError(f"ECOZONE_SECRET 太短（{len(secret)} 个字符），会话签名可被猜出",
                         Location(field="ECOZONE_SECRET"),
                         expected=f"至少 {MIN_SECRET_LENGTH} 个随机字符（可用 openssl rand -hex 32 生成）")
    background_upload_kb()


def create_app(database_url: str | None = None, secret: str | None = None, standard: str = "mee-2019") -> FastAPI:
    load_standard(standard)  # refuse to start on an unknown pack, not at the first request
    secret = secret or os.environ.get("ECOZONE_SECRET")
    check_settings(secret)
    engine = db.engine_for(database_url)
    # FastAPI's own /docs and /redoc load scripts from a CDN (blocked here by the CSP, and absent on an
    # intranet): /docs is ours (pages.py), the vendored Swagger UI behind the login; the schema itself stays
    # at /openapi.json without login — it is the published package's API, the same on every install, no data
    app = FastAPI(title="ecozone", version="0.1", docs_url=None, redoc_url=None,
                  description="生态文明建设示范区指标评估 API。写操作须在 X-CSRF-Token 头中带会话令牌。")
    app.state.engine = engine  # so a host (or a test) can close the pool
    app.state.web = WebState(
        engine=engine,
        sessions=db.session_factory(engine),
        signer=URLSafeTimedSerializer(secret or secrets.token_hex(32), "ecozone"),
        templates=_templates(),
        standard=standard,
    )
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    for router in (auth.router, board.router, evidence.router, pages.router, entry.router, reports.router,
                   requests.router, ledger.router, onsite.router, jobs.router, api.router):
        app.include_router(router)
    app.add_middleware(BaseHTTPMiddleware, dispatch=_security_headers)
    app.add_middleware(BodyLimit)  # outermost: before anything reads the body
    _errors(app)
    return app


def app_from_environment() -> FastAPI:
    """The app as ``ecozone serve`` starts it in each worker: configured by ECOZONE_* variables."""
    return create_app(standard=os.environ.get("ECOZONE_STANDARD", "mee-2019"))


async def _security_headers(request: Request, call_next: RequestResponseEndpoint) -> Response:
    response = await call_next(request)
    response.headers.setdefault("Content-Security-Policy", POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.cookies.get(SESSION_COOKIE) and not request.url.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")  # a user's pages stay out of shared caches
    return response


_STARLETTE = {
    "Not Found": "没有这个页面或接口：{path}", "Method Not Allowed": "{path} 不接受 {method} 请求",
    "Unauthorized": "请先登录", "Forbidden": "无权访问", "Bad Request": "请求不合格",
}
_PARTS = {"body": "请求体", "query": "查询参数", "path": "路径参数", "header": "请求头", "cookie": "Cookie"}


def _invalid(error: Any) -> str:
    """One of pydantic's refusals in Chinese: where (请求体 / 查询参数 / …, then the field) and what is wrong."""
    location = [str(p) for p in error.get("loc", ())]
    where = "·".join([_PARTS.get(location[0], location[0]), *location[1:]]) if location else "请求"
    context = error.get("ctx") or {}
    said = {
        "missing": "缺少此项", "int_parsing": "应为整数", "int_type": "应为整数", "float_parsing": "应为数字",
        "float_type": "应为数字", "bool_parsing": "应为 true 或 false", "string_type": "应为文字",
        "string_too_long": f"太长（最多 {context.get('max_length')} 个字符）",
        "string_too_short": f"太短（至少 {context.get('min_length')} 个字符）",
        "greater_than_equal": f"应不小于 {context.get('ge')}", "less_than_equal": f"应不大于 {context.get('le')}",
        "literal_error": f"应为 {context.get('expected')} 之一", "json_invalid": "不是合格的 JSON",
        "model_attributes_type": "应为 JSON 对象", "dict_type": "应为 JSON 对象", "list_type": "应为列表",
        "enum": f"应为 {context.get('expected')} 之一", "int_from_float": "应为整数",
    }.get(str(error.get("type")))
    return f"{where}：{said or error.get('msg', '不合格')}"


def _errors(app: FastAPI) -> None:
    def answer(request: Request, status: int, detail: str) -> Response:
        if request.url.path.startswith("/api/") or request.headers.get("HX-Request"):
            return JSONResponse({"detail": detail}, status_code=status)
        who = viewer_or_none(request)
        web: WebState = request.app.state.web
        return web.templates.TemplateResponse(
            request, "error.html", {"user": who, "csrf": who.csrf if who else "", "status": status, "detail": detail},
            status_code=status)

    @app.exception_handler(NotLoggedIn)
    async def not_logged_in(request: Request, _exc: NotLoggedIn) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"detail": "请先登录"}, status_code=401)
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        # Starlette's own refusals (no such route, wrong method) carry English phrases: said in Chinese
        detail = str(exc.detail)
        if detail in _STARLETTE:
            detail = _STARLETTE[detail].format(path=request.url.path, method=request.method)
        return answer(request, exc.status_code, detail)

    @app.exception_handler(ScopeError)
    async def refused(request: Request, exc: ScopeError) -> Response:
        return answer(request, 403, str(exc))

    @app.exception_handler(EcozoneError)
    async def refused_value(request: Request, exc: EcozoneError) -> Response:
        return answer(request, 422 if isinstance(exc, InputError) else 409, exc.message)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        where = "；".join(_invalid(e) for e in exc.errors()[:5])
        return answer(request, 422, f"请求不合格：{where}")


    @app.exception_handler(Exception)
    async def failed(request: Request, exc: Exception) -> Response:
        # logged with its trace for the administrator; the user reads Chinese, and no server path
        logging.getLogger("ecozone.web").exception("未处理的错误：%s %s", request.method, request.url.path)
        return answer(request, 500, "服务器内部错误，已记录；请稍后重试，或把出错的时间告诉管理员")
