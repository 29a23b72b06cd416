"""Who is asking, and may they: signed session cookies, CSRF tokens, login lockout, scope checks.

Sessions are signed cookies (HttpOnly, SameSite=Lax, Secure behind TLS) carrying the user's
name, role, home region and a CSRF token. Every write — a form field ``csrf`` or the
``X-CSRF-Token`` header that htmx sends — must echo that token. Every region access goes
through ``permissions.can``, whose refusal says why (403).
"""

from __future__ import annotations

import hmac
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, cast

from fastapi import HTTPException, Request
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ecozone.catalogue import load_standard
from ecozone.errors import NotLoggedIn
from ecozone.store.repository import Actor, active_user, department_subjects

__all__ = ["LOGIN_CSRF_COOKIE", "SESSION_COOKIE", "Viewer", "WebState", "allowed", "check_csrf",
           "database", "state", "viewer", "viewer_or_none"]

SESSION_COOKIE = "ecozone_session"
LOGIN_CSRF_COOKIE = "ecozone_login_csrf"
MAX_AGE = 8 * 3600
MAX_FAILURES = 5  # failed logins per user and address …
LOCKOUT_SECONDS = 15 * 60  # … within this window lock that pair out for the rest of it


@dataclass
class WebState:
    """What every request needs, built once by ``create_app``."""

    engine: Engine
    sessions: sessionmaker[Session]
    signer: URLSafeTimedSerializer
    templates: Jinja2Templates
    standard: str
    # per process; behind several workers, also limit at the reverse proxy
    failures: dict[str, list[float]] = field(default_factory=dict)

    def locked_for(self, key: str) -> int | None:
        """Minutes left of a lockout, or None."""
        now = time.monotonic()
        for other in [k for k, times in self.failures.items() if not times or now - times[-1] >= LOCKOUT_SECONDS]:
            del self.failures[other]  # pairs whose last failure is past the window: the table stays small
        recent = [t for t in self.failures.get(key, []) if now - t < LOCKOUT_SECONDS]
        if recent:
            self.failures[key] = recent
        if len(recent) < MAX_FAILURES:
            return None
        return int(LOCKOUT_SECONDS - (now - recent[0])) // 60 + 1

    def failed(self, key: str) -> None:
        self.failures.setdefault(key, []).append(time.monotonic())

    def session_cookie(self, actor: Actor, generation: int) -> str:
        payload = {"name": actor.name, "role": actor.role, "region": actor.region, "csrf": secrets.token_urlsafe(24),
                   "gen": generation}
        return self.signer.dumps(payload)


@dataclass(frozen=True)
class Viewer:
    """The logged-in user of this request."""

    name: str
    role: str
    region: str
    csrf: str
    department: str | None = None
    subjects: frozenset[str] = frozenset()  # a department's indicators and metrics

    @property
    def actor(self) -> Actor:
        return Actor(self.name, self.role, self.region, self.department, self.subjects)


def state(request: Request) -> WebState:
    web: WebState = request.app.state.web
    return web


def database(request: Request) -> Iterator[Session]:
    with state(request).sessions() as session:
        yield session


def viewer_or_none(request: Request) -> Viewer | None:
    """The logged-in user of this request, or None; asked of the store once per request (a route, its CSRF
    check and its error page all ask)."""
    found = getattr(request.state, "viewer", _UNASKED)
    if found is _UNASKED:
        found = request.state.viewer = _session_viewer(request)
    return cast("Viewer | None", found)


_UNASKED = object()


def _session_viewer(request: Request) -> Viewer | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    web = state(request)
    try:
        data: dict[str, Any] = web.signer.loads(token, max_age=MAX_AGE)
    except BadSignature:
        return None
    # the cookie is signed, but only the store knows whether it was called back: logout, deactivation,
    # a deleted user, a new role or password raise the user's generation (one indexed read per request)
    with web.sessions() as session:
        user = active_user(session, str(data.get("name", "")))
        if user is None or data.get("gen") != user.session_generation:
            return None
        department, indicators, assigned = user.department, user.indicators, user.assigned
    subjects: frozenset[str] = frozenset()
    if data["role"] == "department":
        subjects = department_subjects(load_standard(web.standard), indicators)
    elif data["role"] == "expert":  # the regions of the assignment
        subjects = frozenset(assigned or ())
    return Viewer(data["name"], data["role"], data["region"], data["csrf"], department, subjects)


def viewer(request: Request) -> Viewer:
    found = viewer_or_none(request)
    if found is None:
        raise NotLoggedIn
    return found


def allowed(who: Viewer, action: str, region: str, subject: str | None = None) -> None:
    decision = who.actor.may(action, region, subject)
    if not decision.allowed:
        raise HTTPException(status_code=403, detail=decision.why)


def check_csrf(request: Request, form_token: str | None = None) -> None:
    """The token from the form or the X-CSRF-Token header must match the session's (or the login page's)."""
    found = viewer_or_none(request)
    expected = found.csrf if found else request.cookies.get(LOGIN_CSRF_COOKIE, "")
    given = form_token or request.headers.get("X-CSRF-Token", "")
    if not expected or not hmac.compare_digest(expected, given):
        raise HTTPException(status_code=403, detail="表单已失效（CSRF 校验失败），请刷新页面后重试")
