"""A session ends when the store says so: logout, deactivation, a deleted user, a role or password change.

The old cookie is replayed after each: it must neither read nor write.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, delete
from sqlalchemy.orm import Session

from ecozone.store.models import User
from ecozone.store.repository import change_user
from ecozone.web.security import SESSION_COOKIE
from tests.web.conftest import csrf_of, login


def _in_store(database_url: str, change: Callable[[Session], object]) -> None:
    engine = create_engine(database_url)
    with Session(engine) as session, session.begin():
        change(session)
    engine.dispose()


ENDINGS = {
    "logout": None,
    "deactivated": lambda s: change_user(s, "shimen", active=False),
    "deleted": lambda s: s.execute(delete(User).where(User.name == "shimen")),
    "new role": lambda s: change_user(s, "shimen", role="prefecture", region="990100"),
    "new password": lambda s: change_user(s, "shimen", password="another horse battery"),
}


@pytest.mark.parametrize("ending", list(ENDINGS))
def test_an_old_cookie_neither_reads_nor_writes_after_the_session_ends(client: TestClient, database_url: str,
                                                                       ending: str) -> None:
    login(client, "shimen")
    token = csrf_of(client, "/regions/990104")
    cookie = client.cookies.get(SESSION_COOKIE)
    assert client.get("/api/regions/990104/figures").status_code == 200
    if ending == "logout":
        assert client.post("/logout", data={"csrf": token}, follow_redirects=False).status_code == 303
    else:
        _in_store(database_url, ENDINGS[ending])  # type: ignore[arg-type]
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, cookie or "")  # the copied cookie, replayed
    read = client.get("/api/regions/990104/figures")
    write = client.put("/api/regions/990104/figures/urban_sewage_treatment_rate/2023",
                       json={"value": "99", "version": 1}, headers={"X-CSRF-Token": token})
    assert read.status_code == 401 and write.status_code in (401, 403), (read.status_code, write.status_code)
    page = client.get("/regions/990104", follow_redirects=False)
    assert page.status_code in (303, 401)


def test_logging_in_again_after_a_logout_works(client: TestClient) -> None:
    login(client, "shimen")
    client.post("/logout", data={"csrf": csrf_of(client, "/")})
    client.cookies.clear()
    login(client, "shimen")
    assert client.get("/api/regions/990104/figures").status_code == 200
