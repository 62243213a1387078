"""THE table mapping domain errors to HTTP statuses, and the exception handlers that apply it.

Responses are JSON ``{"detail": "<clear message>"}``. Other contexts' error roots are mapped here too
(one line each); the most specific class wins.
"""

from __future__ import annotations

import importlib
import logging

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from dms import errors as e

log = logging.getLogger(__name__)

#: (exception class or "module:Class", status). Order does not matter: the most specific class wins.
ERROR_STATUS: list[tuple[type[BaseException] | str, int]] = [
    (e.DmsError, 400),
    (e.ValidationFailed, 422),
    (e.NotFound, 404),
    (e.Conflict, 409),
    (e.Frozen, 409),
    (e.Unauthenticated, 401),
    (e.PermissionDenied, 403),
    (e.PayloadTooLarge, 413),
    (e.Gone, 410),
    (e.Unavailable, 503),
    (e.StorageFull, 507),
    (e.IntegrityError, 500),
    (OperationalError, 503),
    (PoolTimeout, 503),
    (OverflowError, 422),  # e.g. an id beyond the database's integer range: bad input, not a crash
    # >>> registration: other contexts' error roots/subclasses, one line each >>>
    ("einvoice.errors:EinvoiceError", 422),
    ("search.errors:SearchError", 400),
    ("search.errors:InvalidSearchRequest", 422),
    ("search.errors:BackendUnavailable", 503),
    ("retention.errors:RetentionError", 409),
    # <<< registration <<<
]

_MESSAGES = {
    OperationalError: "the database is unavailable; please retry shortly",
    PoolTimeout: "the database is overloaded; please retry shortly",
    OverflowError: "a number in the request is out of range",
}


def _resolve() -> dict[type[BaseException], int]:
    table: dict[type[BaseException], int] = {}
    for exc, status in ERROR_STATUS:
        if isinstance(exc, str):
            mod, _, name = exc.partition(":")
            try:
                cls = getattr(importlib.import_module(mod), name)
            except (ImportError, AttributeError):
                continue  # that context does not exist (yet)
            table[cls] = status
        else:
            table[exc] = status
    return table


def status_for(exc: BaseException, table: dict[type[BaseException], int]) -> int:
    for cls in type(exc).__mro__:
        if cls in table:
            return table[cls]
    return 500


def install_error_handlers(app: FastAPI) -> None:
    table = _resolve()

    async def handler(request: Request, exc: Exception) -> JSONResponse:
        status = status_for(exc, table)
        message = _MESSAGES.get(type(exc)) or next(
            (m for c, m in _MESSAGES.items() if isinstance(exc, c)), None
        ) or str(exc) or type(exc).__name__
        if status >= 500:
            log.warning("%s on %s %s: %s", status, request.method, request.url.path, exc)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        if status == 503:
            headers = {"Retry-After": "5"}
        return JSONResponse({"detail": message}, status_code=status, headers=headers)

    for cls in table:
        app.add_exception_handler(cls, handler)  # type: ignore[arg-type]
