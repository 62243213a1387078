"""Server-rendered web UI (Jinja2 + htmx) for clerks, finance, suppliers, records managers and admins.

The application includes :data:`router`; every page calls the same services as the JSON API through
:mod:`dms.web.ui.backend`. The router is built on first access, so importing :mod:`dms.web.ui.tables`
(the table registration of the worker and migrations) does not load the pages.
"""

from __future__ import annotations

from typing import Any

__all__ = ["router", "ui_routes"]


def _modules() -> tuple[Any, ...]:
    from dms.web.ui.routes import admin, auth, clerk, finance, portal, records  # noqa: PLC0415

    return (auth, clerk, finance, portal, records, admin)


def _build_router() -> Any:
    from fastapi import APIRouter  # noqa: PLC0415

    from dms.web.ui.routing import UiRoute  # noqa: PLC0415

    built = APIRouter(route_class=UiRoute, include_in_schema=False)
    for module in _modules():
        built.include_router(module.router)
    return built


_router: Any = None


def __getattr__(name: str) -> Any:
    global _router  # noqa: PLW0603 - built once per process
    if name == "router":
        if _router is None:
            _router = _build_router()
        return _router
    raise AttributeError(name)


def ui_routes() -> list[tuple[str, str, str]]:
    """(method, path, declared permission) of every UI route, for the permission table and its tests."""
    from fastapi.routing import APIRoute  # noqa: PLC0415

    from dms.web.deps import declared_permissions  # noqa: PLC0415

    found: list[tuple[str, str, str]] = []
    for module in _modules():
        for route in module.router.routes:
            if isinstance(route, APIRoute):
                perms = sorted(declared_permissions(route.dependant))
                found.extend((m, route.path, perms[0] if perms else "") for m in sorted(route.methods or set()))
    return found
