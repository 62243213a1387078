"""HTTP-level UI tests: login, sessions, CSRF, CSP, rate limiting, role-aware navigation, i18n."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dms.web.ui.i18n import LANGUAGES
from dms.web.ui.security import CONTENT_SECURITY_POLICY, LoginRateLimiter
from tests.e2e.harness import csrf_of

CATALOGS = Path(__file__).resolve().parents[2] / "dms" / "web" / "ui" / "i18n"


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    de = json.loads((CATALOGS / "de.json").read_text(encoding="utf-8"))
    for lang in LANGUAGES:
        other = json.loads((CATALOGS / f"{lang}.json").read_text(encoding="utf-8"))
        assert set(other) == set(de), f"{lang}: keys differ: {set(de) ^ set(other)}"
        for key, text in de.items():
            assert sorted(_placeholders(text)) == sorted(_placeholders(other[key])), key


def _placeholders(text: str) -> list[str]:
    import string

    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


def test_login_page_has_csp_and_no_inline_script(ui) -> None:
    r = ui.http.get("/login")
    assert r.status_code == 200
    assert r.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert "<script>" not in r.text and " style=" not in r.text
    assert '<html lang="de">' in r.text
    assert 'href="#main"' in r.text and '<main id="main"' in r.text


def test_login_without_csrf_token_is_refused(ui, make_ui_user) -> None:
    make_ui_user("klara", "clerk", department="63")
    r = ui.http.post("/login", data={"username": "klara", "password": "x"}, follow_redirects=False)
    assert r.status_code == 403
    assert "Formular abgelaufen" in r.text


def test_login_sets_secure_httponly_samesite_session(ui, make_ui_user) -> None:
    make_ui_user("klara", "clerk", department="63")
    r = ui.login("klara")
    assert r.status_code == 303
    assert r.headers["location"] == "/inbox"
    cookie = r.headers["set-cookie"]
    assert "aktenwerk_session=" in cookie
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Max-Age=" in cookie
    page = ui.http.get("/inbox")
    assert page.status_code == 200
    assert "Posteingang" in page.text


def test_session_cookie_is_secure_on_https(ui_env, make_ui_user) -> None:
    from fastapi.testclient import TestClient

    make_ui_user("klara", "clerk", department="63")
    client = TestClient(ui_env["app"], base_url="https://aktenwerk.example")  # shares the running app
    token = csrf_of(client.get("/login").text)
    r = client.post("/login", data={"username": "klara", "password": "Geheim-Passwort-2026",
                                    "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303
    assert "Secure" in r.headers["set-cookie"]


def test_wrong_password_and_rate_limit(ui, make_ui_user) -> None:
    make_ui_user("klara", "clerk", department="63")
    for _ in range(5):
        r = ui.login("klara", "falsch-falsch-falsch")
        assert r.status_code == 401
        assert "falsch" in r.text  # "Benutzername oder Passwort ist falsch."
    r = ui.login("klara")  # the right password is refused too while blocked
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 0


def test_rate_limiter_window() -> None:
    now = [1000.0]
    limiter = LoginRateLimiter(max_failures=2, window=60, clock=lambda: now[0])
    limiter.failed("1.2.3.4", "a")
    assert limiter.retry_after("1.2.3.4", "a") == 0
    limiter.failed("1.2.3.4", "a")
    assert limiter.retry_after("1.2.3.4", "a") > 0
    assert limiter.retry_after("5.6.7.8", "a") > 0  # per user name too
    now[0] += 61
    assert limiter.retry_after("1.2.3.4", "a") == 0


def test_pages_need_login_and_redirect_back(ui, make_ui_user) -> None:
    r = ui.http.get("/search?q=Bauantrag", follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=%2Fsearch%3Fq%3DBauantrag"
    make_ui_user("klara", "clerk", department="63")
    page = ui.http.get("/login?next=/akten")
    token = csrf_of(page.text)
    r = ui.http.post("/login", data={"username": "klara", "password": "Geheim-Passwort-2026",
                                     "csrf_token": token, "next": "/akten"}, follow_redirects=False)
    assert r.headers["location"] == "/akten"


def test_open_redirect_is_refused(ui, make_ui_user) -> None:
    make_ui_user("klara", "clerk", department="63")
    token = csrf_of(ui.http.get("/login").text)
    r = ui.http.post("/login", data={"username": "klara", "password": "Geheim-Passwort-2026",
                                     "csrf_token": token, "next": "//evil.example/x"}, follow_redirects=False)
    assert r.headers["location"] == "/inbox"


@pytest.mark.parametrize(
    ("role", "visible", "hidden"),
    [
        ("clerk", ["/inbox", "/search", "/upload"], ["/invoices", "/admin/users", "/portal/upload"]),
        ("finance", ["/invoices", "/payment-runs", "/finance/dashboard"], ["/inbox", "/admin/users"]),
        ("supplier", ["/portal/upload", "/portal/invoices"], ["/search", "/invoices", "/inbox"]),
        ("records_manager", ["/records/due", "/records/holds"], ["/invoices", "/admin/users"]),
        ("admin", ["/admin/users", "/admin/health"], ["/portal/upload"]),
    ],
)
def test_role_aware_navigation_and_guards(ui, make_ui_user, role, visible, hidden) -> None:
    extra = {"supplier_id": 1} if role == "supplier" else {}
    make_ui_user("u1", role, department="20", **extra)
    assert ui.login("u1").status_code == 303
    home = ui.http.get("/")
    page = ui.http.get(home.url.path) if home.status_code == 200 else home
    nav = page.text.split('<nav class="main-nav"', 1)[1].split("</nav>", 1)[0]
    for path in visible:
        assert f'href="{path}"' in nav, (role, path)
    for path in hidden:
        assert f'href="{path}"' not in nav, (role, path)
        if role != "admin":
            assert ui.http.get(path, follow_redirects=False).status_code == 403, (role, path)


def test_post_with_token_of_other_session_is_refused(ui_env, make_ui_user) -> None:
    from fastapi.testclient import TestClient

    make_ui_user("klara", "clerk", department="63")
    make_ui_user("karl", "clerk", department="63")
    a, b = ui_env["client"], TestClient(ui_env["app"])  # two browsers, one running app
    for client, name in ((a, "klara"), (b, "karl")):
        token = csrf_of(client.get("/login").text)
        client.post("/login", data={"username": name, "password": "Geheim-Passwort-2026",
                                    "csrf_token": token})
    token_a = csrf_of(a.get("/search").text)
    r = b.post("/search/saved", data={"name": "x", "query_string": "q=a", "csrf_token": token_a},
               follow_redirects=False)
    assert r.status_code == 403
    r = a.post("/search/saved", data={"name": "x", "query_string": "q=a", "csrf_token": token_a},
               follow_redirects=False)
    assert r.status_code == 303


def test_logout_ends_the_session(ui, make_ui_user) -> None:
    make_ui_user("klara", "clerk", department="63")
    ui.login("klara")
    cookie = ui.http.cookies.get("aktenwerk_session")
    r = ui.post_form("/logout", {}, page="/inbox")
    assert r.status_code == 303
    ui.http.cookies.set("aktenwerk_session", cookie)  # a stolen copy of the old cookie no longer works
    assert ui.http.get("/inbox", follow_redirects=False).status_code == 303


def test_language_switch_to_english(ui, make_ui_user) -> None:
    make_ui_user("klara", "clerk", department="63")
    ui.login("klara")
    r = ui.post_form("/lang", {"lang": "en", "next": "/inbox"}, page="/inbox")
    assert r.status_code == 303 and r.headers["location"] == "/inbox"
    page = ui.http.get("/inbox")
    assert '<html lang="en">' in page.text and "Inbox" in page.text and "Skip to content" in page.text
    r = ui.post_form("/lang", {"lang": "xx", "next": "/inbox"}, page="/inbox")
    assert r.status_code == 400


def test_static_assets_are_whitelisted(ui) -> None:
    assert ui.http.get("/static/ui/htmx.min.js").headers["content-type"].startswith("text/javascript")
    assert ui.http.get("/static/ui/ui.css").status_code == 200
    assert ui.http.get("/static/ui/..%2F..%2Fsettings.py").status_code == 404
    assert ui.http.get("/static/ui/nope.js").status_code == 404


def test_expired_session_sends_back_to_login(ui_env, ui, make_ui_user) -> None:
    from datetime import timedelta

    from sqlalchemy import update

    from dms.db.tables import WebSession
    from dms.db.types import utcnow

    make_ui_user("klara", "clerk", department="63")
    ui.login("klara")
    assert ui.http.get("/inbox", follow_redirects=False).status_code == 200
    container = ui_env["app"].state.container
    with container.uow() as unit:
        unit.session.execute(update(WebSession).values(expires_at=utcnow() - timedelta(seconds=1)))
        unit.commit()
    r = ui.http.get("/inbox", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


@pytest.mark.parametrize("role", ["clerk", "finance", "supplier", "records_manager", "admin", "auditor"])
def test_every_navigation_page_renders_translated_in_both_languages(ui, make_ui_user, role) -> None:
    import re as _re

    from tests.e2e.conftest import RAW_KEY

    extra = {"supplier_id": 1} if role == "supplier" else {}
    make_ui_user("u1", role, department="63", **extra)
    ui.login("u1")
    nav = ui.http.get("/search" if role != "supplier" else "/portal/upload").text
    paths = _re.findall(r'<li><a href="(/[^"]+)"', nav.split('<nav class="main-nav"', 1)[1].split("</nav>", 1)[0])
    assert paths
    for lang in ("de", "en"):
        ui.post_form("/lang", {"lang": lang, "next": "/"}, page=paths[0])
        for path in paths:
            r = ui.http.get(path)
            assert r.status_code == 200, (lang, path, r.status_code)
            text = _re.sub(r"<[^>]+>", " ", r.text)
            assert not RAW_KEY.findall(text), (lang, path, RAW_KEY.findall(text))
            assert f'<html lang="{lang}">' in r.text
