"""Sign-in over the dms auth service: password check, server-side sessions (with their CSRF token)."""

from __future__ import annotations

from typing import Any

from fastapi import Request

from dms.auth import service as auth
from dms.errors import DmsError
from dms.web import deps
from dms.web.ui.backend.base import container, settings, uow


def current_principal(request: Request) -> Any | None:
    """The principal of this request exactly as the API sees it (session cookie or bearer token)."""
    try:
        return deps.get_principal(request, container(request))
    except DmsError:
        return None


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
