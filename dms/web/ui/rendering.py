"""Jinja2 environment and the one function that turns a template into a secured HTML response."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from dms.web.ui.backend import cookie_secure
from dms.web.ui.context import ui_context
from dms.web.ui.i18n import LANGUAGE_NAMES, LANGUAGES
from dms.web.ui.security import ANON_COOKIE, SECURITY_HEADERS

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"


def format_money(value: object, language: str = "de", currency: str = "EUR") -> str:
    """``1234.5`` → ``1.234,50 €`` (de) or ``€1,234.50`` (en); Decimal only, never float rounding."""
    if value is None or value == "":
        return "–"
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    text = f"{amount.quantize(Decimal('0.01')):,.2f}"
    symbol = "€" if currency == "EUR" else currency
    if language == "de":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
        return f"{text} {symbol}"
    return f"{symbol}{text}" if symbol == "€" else f"{text} {symbol}"


def format_date(value: object, language: str = "de") -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, str):
        text = value
        try:
            value = datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
        except ValueError:
            return text
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M") if language == "de" else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y") if language == "de" else value.isoformat()
    return str(value)


def format_size(value: object) -> str:
    try:
        size = float(str(value))
    except ValueError:
        return str(value)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(value)


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATE_DIR)),
        autoescape=select_autoescape(["html", "svg", "xml"], default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = format_money
    env.filters["fdate"] = format_date
    env.filters["size"] = format_size
    env.globals["LANGUAGES"] = LANGUAGES
    env.globals["LANGUAGE_NAMES"] = LANGUAGE_NAMES
    return env


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """Render ``template`` with the per-request UI context (language, principal, CSRF, navigation)."""
    ctx = dict(ui_context(request))
    if context:
        ctx.update(context)
    html = environment().get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status_code)
    apply_security_headers(response.headers)
    response.headers["Cache-Control"] = "no-store"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    anon = getattr(request.state, "ui_new_anon", None)
    if anon:  # first visit: bind CSRF tokens of anonymous forms (login) to this browser
        response.set_cookie(
            ANON_COOKIE, anon, httponly=True, samesite="lax", secure=cookie_secure(request), path="/"
        )
    return response


def apply_security_headers(headers: Any) -> None:
    for key, value in SECURITY_HEADERS.items():
        headers[key] = value
