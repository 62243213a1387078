"""Server-rendered web UI (Jinja2 + htmx) for clerks, finance, suppliers, records managers and admins.

The application includes :data:`router`; every page calls the same services as the JSON API through
:mod:`dms.web.ui.backend`.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.routing import APIRoute

from dms.web.deps import declared_permissions
from dms.web.ui.routes import admin, auth, clerk, finance, portal, records
from dms.web.ui.routing import UiRoute

router = APIRouter(route_class=UiRoute, include_in_schema=False)
for _module in (auth, clerk, finance, portal, records, admin):
    router.include_router(_module.router)

__all__ = ["router"]


def ui_routes() -> list[tuple[str, str, str]]:
    """(method, path, declared permission) of every UI route, for the permission table and its tests."""
    found: list[tuple[str, str, str]] = []
    for module in (auth, clerk, finance, portal, records, admin):
        for route in module.router.routes:
            if isinstance(route, APIRoute):
                perms = sorted(declared_permissions(route.dependant))
                found.extend((m, route.path, perms[0] if perms else "") for m in sorted(route.methods or set()))
    return found
