"""Sign-in over the dms auth service: password check, server-side sessions (with their CSRF token)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from dms.auth import service as auth
from dms.errors import DmsError
from dms.web.ui.backend.base import settings, uow


def principal_for_session(request: Request, token: str) -> Any | None:
    """The principal of a live session, or None; remembers the session's CSRF token on the request."""
    try:
        with uow(request, read_only=True) as unit:
            row, user = auth.session_for_cookie(unit.session, token)
            principal = auth.principal_of(unit.session, user)
    except DmsError:
        return None
    request.state.ui_session_csrf = row.csrf_token
    return principal


def login(request: Request, username: str, password: str) -> tuple[str, Any] | None:
    """Check the password and open a session: ``(session token, principal)`` or None."""
    hours = int(getattr(settings(request), "session_hours", 8))
    try:
        with uow(request) as unit:
            user = auth.authenticate(unit.session, username, password)
            _row, token = auth.create_session(unit.session, user, hours)
            principal = auth.principal_of(unit.session, user)
            unit.commit()
    except DmsError:
        return None
    return token, principal


def logout(request: Request, token: str) -> None:
    with uow(request) as unit:
        auth.end_session(unit.session, token)
        unit.commit()
