"""Server-rendered web UI (Jinja2 + htmx) for clerks, finance, suppliers, records managers and admins.

The application includes :data:`router`; every page calls the same services as the JSON API through
:mod:`dms.web.ui.backend`.
"""

from __future__ import annotations

from fastapi import APIRouter

from dms.web.ui.routes import auth
from dms.web.ui.routing import UiRoute

router = APIRouter(route_class=UiRoute, include_in_schema=False)
router.include_router(auth.router)

__all__ = ["router"]
