"""Fixtures for the UI tests: an in-process app (HTTP tests) and a live server + Chromium (browser tests).

Browser tests drive Debian's chromium through Playwright, inject axe-core into every page they visit
(zero serious/critical violations allowed), fail on any Content Security Policy violation and save
screenshots to ``tests/e2e/screenshots/``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.harness import PASSWORD, build_app, create_user, csrf_of, make_settings, prepare_database

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(__file__).parent / "screenshots"
AXE_JS = ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
CHROMIUM = "/usr/bin/chromium"
_CATALOG = json.loads((ROOT / "dms" / "web" / "ui" / "i18n" / "de.json").read_text(encoding="utf-8"))
#: a catalog-style key (``status.paid``) shown as text means a missing translation
RAW_KEY = re.compile(r"\b(?:" + "|".join(sorted({k.split(".")[0] for k in _CATALOG})) + r")\.[a-z][a-z0-9_]*\b")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


# ------------------------------------------------------------------------------------------ in-process
class UiClient:
    """A TestClient that signs in through the login form and posts forms with their CSRF token."""

    def __init__(self, client: Any) -> None:
        self.http = client

    def login(self, username: str, password: str = PASSWORD) -> Any:
        page = self.http.get("/login")
        token = csrf_of(page.text)
        return self.http.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token, "next": ""},
            follow_redirects=False,
        )

    def csrf(self, path: str = "/") -> str:
        return csrf_of(self.http.get(path).text)

    def post_form(self, path: str, data: dict[str, Any], *, page: str | None = None, **kw: Any) -> Any:
        token = self.csrf(page or path)
        return self.http.post(path, data={**data, "csrf_token": token}, follow_redirects=False, **kw)


@pytest.fixture(scope="session")
def migrated_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated, empty database file, copied for each test (migrating once per worker is faster)."""
    settings = make_settings(tmp_path_factory.mktemp("template") / "data")
    prepare_database(settings)
    return settings.data_path / "aktenwerk.sqlite3"


@pytest.fixture
def ui_env(tmp_path: Path, migrated_db: Path) -> Iterator[dict[str, Any]]:
    """Settings + prepared database + the real ``create_app`` (with its container) in a temp dir."""
    from fastapi.testclient import TestClient

    settings = make_settings(tmp_path / "data")
    for suffix in ("", "-wal", "-shm"):
        source = migrated_db.with_name(migrated_db.name + suffix)
        if source.exists():
            shutil.copyfile(source, settings.data_path / source.name)
    app = build_app(settings)
    with TestClient(app, base_url="http://testserver") as client:
        yield {"settings": settings, "app": app, "client": client}


@pytest.fixture
def make_ui_user(ui_env: dict[str, Any]) -> Any:
    def make(username: str, role: str, **fields: Any) -> int:
        return create_user(ui_env["settings"], username, role, ui_env["app"].state.container, **fields)

    return make


@pytest.fixture
def ui(ui_env: dict[str, Any]) -> UiClient:
    return UiClient(ui_env["client"])


# ------------------------------------------------------------------------------------------- browser
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """uvicorn serving ``create_app`` on a free loopback port over a prepared temp data dir."""
    data_dir = tmp_path_factory.mktemp("live") / "data"
    settings = make_settings(data_dir)
    prepare_database(settings)
    port = _free_port()
    env = {**os.environ, "AKTENWERK_DATA_DIR": str(data_dir), "PYTHONPATH": str(ROOT)}
    log = (data_dir / "server.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "tests.e2e.harness:app_from_env",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120  # generous: CI machines may be busy
        while True:
            try:
                if httpx.get(base + "/login", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("UI server did not start: " + (data_dir / "server.log").read_text()[-2000:])
            time.sleep(0.1)
        yield {"base": base, "settings": settings, "data_dir": data_dir}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Journey:
    """One browser context for one user, with axe, CSP watching and screenshots."""

    def __init__(self, browser: Any, base: str, name: str) -> None:
        self.base = base
        self.name = name
        self.context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900},
                                           accept_downloads=True)
        self.page = self.context.new_page()
        self.csp_violations: list[str] = []
        self.page.on("console", self._console)
        self.checked: list[str] = []

    def _console(self, msg: Any) -> None:
        text = msg.text
        if "Content Security Policy" in text or "Refused to" in text:
            self.csp_violations.append(text)

    def goto(self, path: str) -> Any:
        response = self.page.goto(self.base + path)
        self.page.wait_for_load_state("domcontentloaded")
        return response

    def login(self, username: str, password: str = PASSWORD) -> None:
        self.goto("/login")
        self.page.get_by_label("Benutzername").fill(username)
        self.page.get_by_label("Passwort").fill(password)
        self.page.get_by_role("button", name="Anmelden").click()
        self.page.wait_for_load_state("domcontentloaded")
        assert "/login" not in self.page.url, f"login of {username} failed"

    def axe(self) -> list[dict[str, Any]]:
        """Run axe-core (WCAG 2.1 A/AA rules) on the current page; returns serious/critical violations."""
        if not AXE_JS.exists():
            pytest.fail(f"axe-core missing at {AXE_JS}: run scripts/setup.sh")
        # evaluate() runs through the DevTools protocol, so the page's CSP (no inline scripts) still holds
        self.page.evaluate(AXE_JS.read_text(encoding="utf-8"))
        result = self.page.evaluate(
            """async () => {
                const r = await axe.run(document, {runOnly: {type: 'tag',
                    values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
                return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
            }"""
        )
        self.checked.append(self.page.url)
        return [v for v in result if v["impact"] in ("serious", "critical")]

    def check(self, shot: str | None = None) -> None:
        """axe + CSP check of the current page, no untranslated catalog key, and a screenshot when named."""
        text = self.page.evaluate("document.body.innerText")
        raw = sorted(set(RAW_KEY.findall(text)))
        assert not raw, f"untranslated catalog keys on {self.page.url}: {raw}"
        bad = self.axe()
        assert not bad, f"accessibility violations on {self.page.url}: {bad}"
        assert not self.csp_violations, f"CSP violations: {self.csp_violations}"
        if shot:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(SCREENSHOTS / f"{shot}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def journey(browser: Any, live_server: dict[str, Any]) -> Iterator[Any]:
    opened: list[Journey] = []

    def open_journey(name: str) -> Journey:
        j = Journey(browser, live_server["base"], name)
        opened.append(j)
        return j

    yield open_journey
    for j in opened:
        j.close()
