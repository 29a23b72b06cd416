"""The web app's fixtures: a migrated store holding the sample, users of each role, a logged-in client; and for the
browser tests, the app served on PostgreSQL and Debian's Chromium driven by Playwright."""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Browser, Page, sync_playwright

from ecozone.catalogue import load_metrics
from ecozone.dataset import Dataset
from ecozone.io.tables import read_dataset
from ecozone.store import db
from ecozone.store.repository import Actor, add_user, import_dataset
from ecozone.web.app import create_app
from tests.conftest import SAMPLE
from tests.databases import _postgres

PASSWORD = "correct horse battery"
USERS = {"shimen": ("county", "990104"), "zhou": ("prefecture", "990100"), "sheng": ("province", "990000")}


def stocked(url: str, dataset: Dataset, reason: str, users: dict[str, tuple[str, str]] = USERS) -> None:
    """A migrated store at ``url`` holding ``dataset`` (loaded by the province) and ``users`` (name → role, region)."""
    db.upgrade(url)
    engine = db.engine_for(url)
    with db.session_factory(engine)() as session, session.begin():
        import_dataset(session, dataset, Actor("t", "province", "990000"), reason)
        for name, (role, region) in users.items():
            add_user(session, name, role, region, PASSWORD)
    engine.dispose()


@pytest.fixture()
def client(database_url: str, sample: Dataset) -> Iterator[TestClient]:
    named = sample.regions.with_columns(
        name=pl.when(pl.col("code") == "990108").then(pl.lit("<script>alert(1)</script>县")).otherwise("name"))
    stocked(database_url, Dataset(named, sample.observations, sample.assigned), "测试")
    app = create_app(database_url, secret="test-secret-0123456789abcdef0123456789abcdef")
    with TestClient(app) as test_client:
        yield test_client
    app.state.engine.dispose()  # before the test database is dropped


def login(client: TestClient, name: str, password: str = PASSWORD) -> TestClient:
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    response = client.post("/login", data={"name": name, "password": password, "csrf": token},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    cookie = response.headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    return client


def csrf_of(client: TestClient, path: str = "/") -> str:
    page = client.get(path)
    return re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]


@contextmanager
def served(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn in a thread on a free loopback port (real HTTP, real threads)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    running = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert running.started, "服务未能启动"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=10)
        app.state.engine.dispose()


# --- the browser tests: Debian's Chromium (never `playwright install`), the app served on PostgreSQL -------------

CHROMIUM = os.environ.get("ECOZONE_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="module")
def server(postgres_admin_url: str | None) -> Iterator[str]:
    """The sample in a fresh PostgreSQL database, users of each role, and the app on a free port."""
    databases = _postgres(postgres_admin_url)
    url = next(databases)

    stocked(url, read_dataset(SAMPLE, load_metrics()), "浏览器测试")
    app = create_app(url, secret="browser-test-0123456789abcdef0123456789abcdef")
    try:
        with served(app) as base:
            yield base
    finally:
        next(databases, None)  # drop the database


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        reason = f"没有 Chromium（{CHROMIUM}）：运行 bash scripts/setup-system --test"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    with sync_playwright() as play:
        launched = play.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture()
def console() -> list[str]:
    """Errors the browser reported; a test that expects one (a 403 page) removes it."""
    return []


@contextmanager
def opened(browser: Browser, base: str, console: list[str], **options: object) -> Iterator[Page]:
    """A page of a fresh browser context on ``base`` whose console errors land in ``console`` and fail the test."""
    context = browser.new_context(base_url=base, accept_downloads=True, locale="zh-CN", **options)  # type: ignore[arg-type]
    found = context.new_page()
    found.on("console", lambda m: console.append(m.text) if m.type == "error" else None)
    found.on("pageerror", lambda e: console.append(str(e)))
    yield found
    context.close()
    # a script error or a CSP refusal in the console is a broken page, even if the test's steps passed
    assert not console, console


@pytest.fixture()
def page(browser: Browser, server: str, console: list[str]) -> Iterator[Page]:
    with opened(browser, server, console) as found:
        yield found


def log_in(page: Page, name: str) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(name)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: "/login" not in url)


def log_out(page: Page) -> None:
    page.get_by_role("button", name="退出").click()
    page.wait_for_url("**/login")


ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"

# every element that reaches past the right edge of the screen, unless a box of its own scrolls or clips it
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth, found = [];
  for (const node of document.querySelectorAll("body *")) {
    const box = node.getBoundingClientRect();
    if (box.width === 0 || box.right <= width + 1) continue;
    let held = false;
    for (let up = node.parentElement; up && up !== document.body; up = up.parentElement) {
      const overflow = getComputedStyle(up).overflowX;
      if (overflow === "auto" || overflow === "scroll" || overflow === "hidden") { held = true; break; }
    }
    if (!held) found.push(`${node.tagName}${node.id ? "#" + node.id : ""} right=${Math.round(box.right)}`);
  }
  // a table column squeezed to a character or two a line: unreadable even though nothing overflows
  const squeezed = [];
  for (const cell of document.querySelectorAll("td, th")) {
    const box = cell.getBoundingClientRect(), text = cell.innerText.trim();
    if (box.width === 0 || text.length < 4 || getComputedStyle(cell).display === "none") continue;
    const em = parseFloat(getComputedStyle(cell).fontSize);
    if (box.width < 2.6 * em) squeezed.push(`${text.slice(0, 12)} width=${Math.round(box.width)}`);
  }
  return {scroll: document.documentElement.scrollWidth, width, found: found.slice(0, 8),
          squeezed: squeezed.slice(0, 8)};
}"""


def fits(p: Page, name: str, width: int) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    p.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
    measured = p.evaluate(OVERFLOWING)
    assert measured["scroll"] <= width and not measured["found"] and not measured["squeezed"], (name, width, measured)
