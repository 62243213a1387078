"""Shared plumbing of the UI backend: the container, units of work, error translation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any, Final

from fastapi import Request

from dms.web import deps
from dms.web import errors as app_errors

SESSION_COOKIE: Final = deps.SESSION_COOKIE  # one browser session for UI and API


class NotFound(Exception):
    """The object does not exist or the principal may not see it (the UI never tells the two apart)."""


class ServiceUnavailable(Exception):
    """A service the page needs is not part of this installation (yet)."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class UserError(Exception):
    """A refusal to show inline on the page: catalog key, service message, HTTP status."""

    def __init__(self, key: str, detail: str = "", status: int = 422) -> None:
        super().__init__(detail or key)
        self.key = key
        self.detail = detail
        self.status = status


def container(request: Request) -> Any:
    found = getattr(request.app.state, "container", None)
    if found is None:
        raise ServiceUnavailable("container")
    return found


def settings(request: Request) -> Any:
    found = getattr(request.app.state, "settings", None)
    if found is None:
        found = getattr(getattr(request.app.state, "container", None), "settings", None)
    if found is None:
        raise ServiceUnavailable("settings")
    return found


def secret(request: Request) -> bytes:
    try:
        value = str(settings(request).effective_secret())
    except ServiceUnavailable:
        value = "aktenwerk-ui-unconfigured"
    return ("ui:" + value).encode()


LOOPBACK: Final = frozenset({"127.0.0.1", "localhost", "::1"})


def cookie_secure(request: Request) -> bool:
    """Secure cookies when configured, over HTTPS, and on loopback (browsers treat it as secure)."""
    try:
        configured = bool(getattr(settings(request), "cookie_secure", False))
    except ServiceUnavailable:
        configured = False
    return configured or request.url.scheme == "https" or (request.url.hostname or "") in LOOPBACK


def session_max_age(request: Request) -> int:
    try:
        return int(getattr(settings(request), "session_hours", 8)) * 3600
    except ServiceUnavailable:
        return 8 * 3600


#: HTTP status (from the application's error table) → catalog key of the inline message.
_STATUS_KEYS: Final = {
    403: "error.forbidden_text",
    404: "error.not_found_text",
    409: "error.conflict_text",
    410: "error.gone_text",
    413: "error.too_large_text",
}


@cache
def _error_table() -> dict[type[BaseException], int]:
    return app_errors._resolve()


def status_of(exc: BaseException) -> int:
    """The HTTP status ``dms.web.errors`` assigns (500 for anything that is not a domain error)."""
    return app_errors.status_for(exc, _error_table())


def translate(exc: Exception) -> UserError | None:
    """A domain error of any context as a UserError (None for programming errors → 500)."""
    status = status_of(exc)
    if status >= 500 or status == 401:
        return None
    return UserError(_STATUS_KEYS.get(status, "error.invalid_text"), str(exc), status)


@contextmanager
def user_errors() -> Iterator[None]:
    """Turn domain errors raised inside the block into :class:`UserError` (shown on the page)."""
    try:
        yield
    except UserError:
        raise
    except Exception as exc:
        err = translate(exc)
        if err is None:
            raise
        if err.status == 404:
            raise NotFound(str(exc)) from exc
        raise err from exc


@contextmanager
def uow(request: Request, *, read_only: bool = False) -> Iterator[Any]:
    """A unit of work of the application container; the caller commits.

    On leaving, loaded rows are detached *before* the unit's closing rollback so that pages can still
    read the attributes they loaded (a rollback would expire them).
    """
    with container(request).uow(read_only=read_only) as unit:
        try:
            yield unit
        finally:
            unit.session.expunge_all()
