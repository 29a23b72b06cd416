"""Login and logout. A failed login says so in Chinese; five failures in fifteen minutes lock the pair out."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from ecozone.store.repository import check_password, end_sessions, session_generation
from ecozone.web.security import (
    LOGIN_CSRF_COOKIE,
    MAX_AGE,
    SESSION_COOKIE,
    check_csrf,
    database,
    state,
    viewer_or_none,
)

router = APIRouter(include_in_schema=False)


@router.get("/favicon.ico")
def favicon() -> Response:  # browsers ask for it on every page; an empty answer keeps logs and consoles clean
    return Response(status_code=204)


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request) -> Any:
    token = secrets.token_urlsafe(24)
    response = state(request).templates.TemplateResponse(request, "login.html", {"csrf": token, "error": None})
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict")
    return response


@router.post("/login")
def login(
    request: Request,
    name: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf: Annotated[str, Form()],
    session: Annotated[Session, Depends(database)],
) -> Any:
    check_csrf(request, csrf)
    web = state(request)
    key = f"{name}|{request.client.host if request.client else ''}"
    minutes = web.locked_for(key)
    if minutes is not None:
        return web.templates.TemplateResponse(
            request, "login.html", {"csrf": csrf, "error": f"登录失败次数过多，请 {minutes} 分钟后再试"},
            status_code=429)
    actor = check_password(session, name, password)
    if actor is None:
        web.failed(key)
        return web.templates.TemplateResponse(
            request, "login.html", {"csrf": csrf, "error": "用户名或密码不正确"}, status_code=401)
    web.failures.pop(key, None)
    response = RedirectResponse("/", status_code=303)
    generation = session_generation(session, actor.name) or 0
    response.set_cookie(SESSION_COOKIE, web.session_cookie(actor, generation), max_age=MAX_AGE, httponly=True,
                        samesite="lax",
                        secure=request.url.scheme == "https")
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()], session: Annotated[Session, Depends(database)]) -> Any:
    check_csrf(request, csrf)
    who = viewer_or_none(request)
    if who is not None:  # a copied cookie must not outlive the logout: end the user's sessions in the store
        with session.begin():
            end_sessions(session, who.name)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
