"""Server-rendered web UI (Jinja2 + htmx) for clerks, finance, suppliers, records managers and admins.

The application includes :data:`router`; every page calls the same services as the JSON API through
:mod:`dms.web.ui.backend`.
"""

from __future__ import annotations

from fastapi import APIRouter

from dms.web.ui.routes import admin, auth, clerk, finance, portal, records
from dms.web.ui.routing import UiRoute

router = APIRouter(route_class=UiRoute, include_in_schema=False)
for _module in (auth, clerk, finance, portal, records, admin):
    router.include_router(_module.router)

__all__ = ["router"]
