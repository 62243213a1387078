"""``UiRoute``: turns UI control-flow exceptions and domain errors into HTML pages (not JSON).

Using a route class keeps the UI self-contained: the application only includes the router.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import RedirectResponse
from fastapi.routing import APIRoute

from dms.web.ui import backend
from dms.web.ui.context import UiCsrfError, UiForbidden, UiRedirect
from dms.web.ui.rendering import apply_security_headers, render

log = logging.getLogger(__name__)


def redirect(location: str, status_code: int = 303) -> RedirectResponse:
    response = RedirectResponse(location, status_code=status_code)
    apply_security_headers(response.headers)
    return response


def error_page(request: Request, status: int, title_key: str, text_key: str, detail: str | None = None) -> Response:
    return render(
        request,
        "error.html",
        {"title_key": title_key, "text_key": text_key, "detail": detail, "status": status},
        status_code=status,
    )


def domain_status(exc: Exception) -> int | None:
    """The HTTP status the application's one error table (``dms.web.errors``) gives a domain error."""
    status = backend.status_of(exc)
    return None if status >= 500 else status


class UiRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        inner = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await inner(request)
            except UiRedirect as exc:
                return redirect(exc.location)
            except UiForbidden as exc:
                return error_page(request, 403, "error.forbidden_title", exc.reason_key)
            except UiCsrfError:
                return error_page(request, 403, "error.csrf_title", "error.csrf_text")
            except backend.ServiceUnavailable as exc:
                return error_page(request, 503, "error.unavailable_title", "error.unavailable_text", exc.name)
            except backend.UserError as exc:
                if exc.status == 403 and request.method == "GET":
                    # reading something not visible looks exactly like reading something absent
                    return error_page(request, 404, "error.not_found_title", "error.not_found_text")
                key = {403: "forbidden", 404: "not_found", 409: "conflict", 410: "gone", 413: "too_large"}.get(
                    exc.status, "invalid"
                )
                return error_page(request, exc.status, f"error.{key}_title", exc.key, exc.detail or None)
            except backend.NotFound as exc:
                return error_page(request, 404, "error.not_found_title", "error.not_found_text", str(exc) or None)
            except RequestValidationError as exc:
                fields = sorted({str(e.get("loc", ("", ""))[-1]) for e in exc.errors()})
                return error_page(request, 422, "error.invalid_title", "error.invalid_text", ", ".join(fields))
            except HTTPException as exc:
                if exc.status_code == 401:
                    return redirect("/login?next=" + quote(request.url.path, safe=""))
                key = {403: "forbidden", 404: "not_found", 413: "too_large"}.get(exc.status_code, "generic")
                detail = exc.detail if isinstance(exc.detail, str) else None
                return error_page(request, exc.status_code, f"error.{key}_title", f"error.{key}_text", detail)
            except Exception as exc:
                status = domain_status(exc)
                if status is None:
                    log.exception("UI %s %s failed", request.method, request.url.path)
                    return error_page(request, 500, "error.generic_title", "error.server_text")
                key = {403: "forbidden", 404: "not_found", 409: "conflict", 410: "gone", 413: "too_large"}.get(
                    status, "invalid"
                )
                return error_page(request, status, f"error.{key}_title", f"error.{key}_text", str(exc))

        return handler
