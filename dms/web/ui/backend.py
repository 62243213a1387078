"""The UI's single seam to the application services.

Every page calls the same service functions the JSON API uses; this module only finds them (on
``request.app.state``) and adapts their results to what templates need. No business rule lives here.
"""

from __future__ import annotations

from typing import Any, Final

from fastapi import Request

SESSION_COOKIE: Final = "aw_session"


class NotFound(Exception):
    """The object does not exist or the principal may not see it (the UI never tells the two apart)."""


class ServiceUnavailable(Exception):
    """A service the page needs is not part of this installation (yet)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def settings(request: Request) -> Any:
    found = getattr(request.app.state, "settings", None)
    if found is None:
        raise ServiceUnavailable("settings")
    return found


def secret(request: Request) -> bytes:
    try:
        value = settings(request).effective_secret()
    except ServiceUnavailable:
        value = "aktenwerk-ui-unconfigured"
    return ("ui:" + value).encode()


def cookie_secure(request: Request) -> bool:
    try:
        configured = bool(getattr(settings(request), "cookie_secure", False))
    except ServiceUnavailable:
        configured = False
    loopback = (request.url.hostname or "") in {"127.0.0.1", "localhost", "::1"}
    return configured or loopback or request.url.scheme == "https"


def session_max_age(request: Request) -> int:
    try:
        return int(getattr(settings(request), "session_hours", 8)) * 3600
    except ServiceUnavailable:
        return 8 * 3600


def principal_for_session(request: Request, token: str) -> Any | None:
    """The principal of a live session token, or None (expired, revoked, unknown)."""
    raise ServiceUnavailable("sessions")


def login(request: Request, username: str, password: str) -> tuple[str, Any] | None:
    """Check the password and open a session: ``(session token, principal)`` or None."""
    raise ServiceUnavailable("sessions")


def logout(request: Request, token: str) -> None:
    raise ServiceUnavailable("sessions")
