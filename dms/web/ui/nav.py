"""Role-aware navigation: which UI areas each role sees, in one table.

The table decides what the navigation *shows*; every route still checks its permission on the server
(``dms.web.ui.context.require_area``), so a hidden link is never the only protection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from dms.web.permissions import role_has

ROLES: Final = ("admin", "records_manager", "clerk", "finance", "supplier", "auditor")


@dataclass(frozen=True)
class NavItem:
    key: str  # catalog key "nav.<key>"
    path: str
    area: str


#: UI areas; role ``r`` may open area ``a`` iff the dms permission table gives ``r`` the permission
#: ``ui:a`` (``dms/web/permissions.py``, the one authorisation table).
AREAS: Final = (
    "inbox",
    "search",
    "upload",
    "documents",
    "akten",
    "invoices",
    "payment_runs",
    "finance_dashboard",
    "portal",
    "records",
    "admin",
)
#: Areas shown in the navigation only to these roles (an admin may open the portal, but it is not theirs).
NAV_ONLY_FOR: Final = {"portal": frozenset({"supplier"})}


NAVIGATION: Final[tuple[NavItem, ...]] = (
    NavItem("inbox", "/inbox", "inbox"),
    NavItem("search", "/search", "search"),
    NavItem("upload", "/upload", "upload"),
    NavItem("akten", "/akten", "akten"),
    NavItem("invoices", "/invoices", "invoices"),
    NavItem("payment_runs", "/payment-runs", "payment_runs"),
    NavItem("finance_dashboard", "/finance/dashboard", "finance_dashboard"),
    NavItem("portal_upload", "/portal/upload", "portal"),
    NavItem("portal_invoices", "/portal/invoices", "portal"),
    NavItem("records_due", "/records/due", "records"),
    NavItem("records_holds", "/records/holds", "records"),
    NavItem("records_disposals", "/records/disposals", "records"),
    NavItem("records_archive", "/records/archive", "records"),
    NavItem("admin_users", "/admin/users", "admin"),
    NavItem("admin_departments", "/admin/departments", "admin"),
    NavItem("admin_limits", "/admin/limits", "admin"),
    NavItem("admin_fileplan", "/admin/fileplan", "admin"),
    NavItem("admin_retention", "/admin/retention-classes", "admin"),
    NavItem("admin_routing", "/admin/routing", "admin"),
    NavItem("admin_health", "/admin/health", "admin"),
)

#: Where a role lands after login.
HOME: Final[dict[str, str]] = {
    "clerk": "/inbox",
    "finance": "/invoices",
    "supplier": "/portal/invoices",
    "records_manager": "/records/due",
    "admin": "/admin/users",
    "auditor": "/search",
}


def may_open(role: str | None, area: str) -> bool:
    return role is not None and role_has(role, f"ui:{area}")


def navigation_for(role: str | None) -> list[NavItem]:
    if not role:
        return []
    return [
        item
        for item in NAVIGATION
        if may_open(role, item.area) and role in NAV_ONLY_FOR.get(item.area, frozenset({role}))
    ]
