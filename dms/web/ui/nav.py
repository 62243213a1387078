"""Role-aware navigation: which UI areas each role sees, in one table.

The table decides what the navigation *shows*; every route still checks its permission on the server
(``dms.web.ui.context.require_role``), so a hidden link is never the only protection.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

ROLES: Final = ("admin", "records_manager", "clerk", "finance", "supplier", "auditor")


@dataclass(frozen=True)
class NavItem:
    key: str  # catalog key "nav.<key>"
    path: str
    roles: frozenset[str]


def _r(*roles: str) -> frozenset[str]:
    return frozenset(roles)


STAFF = _r("admin", "records_manager", "clerk", "finance", "auditor")

#: UI area → roles allowed to open it. Also used by the route guards.
AREAS: Final[dict[str, frozenset[str]]] = {
    "inbox": _r("clerk", "admin"),
    "search": STAFF,
    "upload": _r("clerk", "admin", "records_manager"),
    "documents": STAFF,
    "akten": STAFF,
    "invoices": _r("finance", "admin", "auditor"),
    "payment_runs": _r("finance", "admin", "auditor"),
    "finance_dashboard": _r("finance", "admin", "auditor"),
    "portal": _r("supplier"),
    "records": _r("records_manager", "admin", "auditor"),
    "admin": _r("admin"),
}

NAVIGATION: Final[tuple[NavItem, ...]] = (
    NavItem("inbox", "/inbox", AREAS["inbox"]),
    NavItem("search", "/search", AREAS["search"]),
    NavItem("upload", "/upload", AREAS["upload"]),
    NavItem("akten", "/akten", AREAS["akten"]),
    NavItem("invoices", "/invoices", AREAS["invoices"]),
    NavItem("payment_runs", "/payment-runs", AREAS["payment_runs"]),
    NavItem("finance_dashboard", "/finance/dashboard", AREAS["finance_dashboard"]),
    NavItem("portal_upload", "/portal/upload", AREAS["portal"]),
    NavItem("portal_invoices", "/portal/invoices", AREAS["portal"]),
    NavItem("records_due", "/records/due", AREAS["records"]),
    NavItem("records_holds", "/records/holds", AREAS["records"]),
    NavItem("records_disposals", "/records/disposals", AREAS["records"]),
    NavItem("admin_users", "/admin/users", AREAS["admin"]),
    NavItem("admin_fileplan", "/admin/fileplan", AREAS["admin"]),
    NavItem("admin_retention", "/admin/retention-classes", AREAS["admin"]),
    NavItem("admin_routing", "/admin/routing", AREAS["admin"]),
    NavItem("admin_health", "/admin/health", AREAS["admin"]),
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


def navigation_for(role: str | None) -> list[NavItem]:
    if not role:
        return []
    return [item for item in NAVIGATION if role in item.roles]


def may_open(role: str | None, area: str) -> bool:
    return role is not None and role in AREAS[area]
