"""FastAPI application factory: ``create_app(settings)``.

Routers of other contexts are mounted in the marked registration block (one line each) and get a line
per route in ``dms/web/permissions.py``.
"""
# ruff: noqa: PLC0415  -- lazy imports keep start-up light and avoid import cycles

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from dms.bootstrap import Container, build_container
from dms.settings import Settings, get_settings
from dms.web.errors import document_error_responses, install_error_handlers

#: multipart overhead allowed above the configured file size limit before a request is refused
MULTIPART_SLACK = 1024 * 1024


def _include_routers(app: FastAPI) -> None:
    from dms.web.api import audit, documents, fileplan, system, users

    app.include_router(system.router)
    app.include_router(documents.router)
    app.include_router(fileplan.router)
    app.include_router(users.router)
    app.include_router(audit.router)
    # >>> registration: routers of other contexts, one line each (e.g. app.include_router(x.router)) >>>
    app.include_router(__import__("dms.web.api.invoices", fromlist=["router"]).router)  # invoice workflow
    app.include_router(__import__("dms.web.ui", fromlist=["router"]).router)  # web UI (server-rendered pages)
    app.include_router(__import__("dms.web.api.einvoice", fromlist=["router"]).router)  # e-invoice validation
    app.include_router(__import__("dms.web.api.retention", fromlist=["router"]).router)  # retention, holds, disposal
    app.include_router(__import__("dms.web.api.search", fromlist=["router"]).router)  # full-text search
    app.include_router(__import__("dms.web.api.scan", fromlist=["router"]).router)  # scan station: archive copy
    app.include_router(__import__("dms.paperless.api", fromlist=["router"]).router)  # Paperless-ngx compatible API (issue 9)
    app.include_router(__import__("dms.web.api.departments", fromlist=["router"]).router)  # departments as records
    # <<< registration <<<


class BodySizeLimit:
    """Pure ASGI middleware: refuse a request whose declared Content-Length exceeds the limit (413)."""

    def __init__(self, app: ASGIApp, limit: int, file_limit: int) -> None:
        self.app, self.limit, self.file_limit = app, limit, file_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope.get("headers", ()):
                if name == b"content-length":
                    if value.isdigit() and int(value) > self.limit:
                        response = JSONResponse(
                            {"detail": f"request body of {value.decode()} bytes exceeds the upload limit of "
                                       f"{self.file_limit} bytes"},
                            status_code=413,
                        )
                        await response(scope, receive, send)
                        return
                    break
        await self.app(scope, receive, send)


def create_app(settings: Settings | None = None, container: Container | None = None) -> FastAPI:
    """Build the app. Pass a ``container`` to share one (tests); otherwise it is built at startup."""
    settings = settings or (container.settings if container else get_settings())
    owns_container = container is None

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if getattr(app.state, "container", None) is None:
            app.state.container = build_container(settings)
        yield
        if owns_container:
            app.state.container.close()
            app.state.container = None

    app = FastAPI(
        title="Aktenwerk",
        version="0.1.0",
        description="E-Akte, e-invoices, full-text search and retention for German municipalities.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.container = container
    install_error_handlers(app)

    app.add_middleware(BodySizeLimit, limit=settings.max_upload_bytes + MULTIPART_SLACK,
                       file_limit=settings.max_upload_bytes)
    _include_routers(app)
    document_error_responses(app)
    return app
