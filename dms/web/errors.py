"""THE table mapping domain errors to HTTP statuses, and the exception handlers that apply it.

Responses are JSON ``{"detail": "<clear message>"}``. Other contexts' error roots are mapped here too
(one line each); the most specific class wins.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, OperationalError
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
    (OverflowError, 422),  # reliability finding: ids/numbers beyond 64 bit crashed the DB driver (500)
    (DataError, 422),  # PostgreSQL's counterpart (numeric value out of range, bad literal)
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


#: statuses any API route may answer through the table above (documented in the OpenAPI of every route)
ERROR_RESPONSES: dict[int, str] = {
    400: "Bad request", 401: "Not authenticated", 403: "Not allowed", 404: "Not found (or not visible to you)",
    409: "Conflict with the current state", 410: "Gone (disposed)", 413: "Upload too large",
    422: "Invalid input", 429: "Too many attempts", 503: "A required service is unavailable", 507: "Store full",
}
_ERROR_SCHEMA = {"type": "object", "properties": {"detail": {}}, "required": ["detail"]}


def document_error_responses(app: FastAPI) -> None:
    """Add the error statuses of the table to every operation of the OpenAPI (reliability finding: the
    schema promised e.g. only ``204, 422`` for routes that rightly answer 404/409, so generated clients
    and schemathesis could not rely on it)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = generate()  # cached by FastAPI in app.openapi_schema; completed in place
        for operations in schema.get("paths", {}).values():
            for op in operations.values():
                if isinstance(op, dict) and "responses" in op:
                    invalid = op["responses"].get("422", {}).get("content", {}).get("application/json", {})
                    if "schema" in invalid and invalid["schema"] is not _ERROR_SCHEMA:  # FastAPI's list form
                        invalid["schema"] = {"anyOf": [invalid["schema"], _ERROR_SCHEMA]}  # or a domain message
                    for status, text in ERROR_RESPONSES.items():
                        op["responses"].setdefault(str(status), {
                            "description": text, "content": {"application/json": {"schema": _ERROR_SCHEMA}}})
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
