"""Login, logout, language switch, static assets."""

from __future__ import annotations

import mimetypes
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, Form, Request, Response
from fastapi.responses import FileResponse

from dms.web.deps import public
from dms.web.ui import backend
from dms.web.ui.context import LANG_COOKIE, principal, role_of, verify_csrf
from dms.web.ui.i18n import LANGUAGES
from dms.web.ui.nav import HOME
from dms.web.ui.rendering import STATIC_DIR, render
from dms.web.ui.routing import UiRoute, error_page, redirect
from dms.web.ui.security import ANON_COOKIE, LoginRateLimiter

router = APIRouter(route_class=UiRoute, include_in_schema=False, dependencies=[public()])

STATIC_FILES = {p.name for p in STATIC_DIR.iterdir() if p.is_file()}


def safe_next(value: str | None, fallback: str) -> str:
    """Only same-site absolute paths are followed after login (no open redirect)."""
    if not value:
        return fallback
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not value.startswith("/") or value.startswith("//") or "\\" in value:
        return fallback
    return value


cookie_secure = backend.cookie_secure


def limiter(request: Request) -> LoginRateLimiter:
    found = getattr(request.app.state, "ui_login_limiter", None)
    if found is None:
        found = LoginRateLimiter()
        request.app.state.ui_login_limiter = found
    return found


@router.get("/static/ui/{name}")
def static_file(name: str) -> Response:
    if name not in STATIC_FILES:
        return Response(status_code=404)
    media = mimetypes.guess_type(name)[0] or "application/octet-stream"
    if name.endswith(".js"):
        media = "text/javascript"
    response = FileResponse(STATIC_DIR / name, media_type=media)
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@router.get("/")
def root(request: Request) -> Response:
    user = principal(request)
    return redirect(HOME.get(role_of(user) or "", "/login") if user else "/login")


@router.get("/login")
def login_form(request: Request, next: str | None = None) -> Response:
    user = principal(request)
    if user is not None:
        return redirect(safe_next(next, HOME.get(role_of(user) or "", "/")))
    return render(request, "login.html", {"next_url": next or "", "username": "", "error_key": None})


@router.post("/login", dependencies=[Depends(verify_csrf)])
def login_submit(
    request: Request,
    username: Annotated[str, Form(max_length=200)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    client = request.client.host if request.client else "unknown"
    rate = limiter(request)
    ctx = {"next_url": next, "username": username, "retry_after": 0}
    wait = rate.retry_after(client, username)
    if wait:
        return render(
            request,
            "login.html",
            {**ctx, "error_key": "login.rate_limited", "retry_after": wait},
            status_code=429,
            headers={"Retry-After": str(wait)},
        )
    result = backend.login(request, username.strip(), password) if username and password else None
    if result is None:
        rate.failed(client, username)
        return render(request, "login.html", {**ctx, "error_key": "login.failed"}, status_code=401)
    rate.succeeded(username)
    token, user = result
    response = redirect(safe_next(next, HOME.get(role_of(user) or "", "/")))
    response.set_cookie(
        backend.SESSION_COOKIE,
        token,
        max_age=backend.session_max_age(request),
        httponly=True,
        secure=cookie_secure(request),
        samesite="lax",
        path="/",
    )
    response.delete_cookie(ANON_COOKIE, path="/")
    return response


@router.post("/logout", dependencies=[Depends(verify_csrf)])
def logout(request: Request) -> Response:
    token = request.cookies.get(backend.SESSION_COOKIE)
    if token:
        backend.logout(request, token)
    response = redirect("/login?msg=logged_out")
    response.delete_cookie(backend.SESSION_COOKIE, path="/")
    return response


@router.post("/lang", dependencies=[Depends(verify_csrf)])
def switch_language(
    request: Request,
    lang: Annotated[str, Form(max_length=5)] = "de",
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> Response:
    if lang not in LANGUAGES:
        return error_page(request, 400, "error.invalid_title", "error.invalid_text", lang)
    response = redirect(safe_next(next, "/"))
    response.set_cookie(
        LANG_COOKIE, lang, max_age=365 * 86400, httponly=True, samesite="lax", secure=cookie_secure(request)
    )
    return response
