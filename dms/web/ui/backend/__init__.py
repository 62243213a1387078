"""The UI's single seam to the application services.

Every page calls the same service functions the JSON API uses; these modules only find them (through
the application container on ``request.app.state``) and shape their results for templates. No business
rule lives here.
"""

from __future__ import annotations

from dms.web.ui.backend.admin import (
    create_user,
    fileplan,
    health,
    import_fileplan,
    users,
)
from dms.web.ui.backend.auth import current_principal, login, logout
from dms.web.ui.backend.base import (
    SESSION_COOKIE,
    NotFound,
    ServiceUnavailable,
    UserError,
    cookie_secure,
    secret,
    session_max_age,
    settings,
    status_of,
)
from dms.web.ui.backend.documents import (
    akte,
    akten,
    akten_for_select,
    close_akte,
    document,
    inbox,
    original_response,
    preview_png,
    save_search,
    saved_searches,
    update_document,
    upload,
)
from dms.web.ui.backend.invoices import (
    confirm_iban,
    create_payment_run,
    decide,
    finance_metrics,
    invoice,
    invoice_worklist,
    pain001,
    payment_runs,
    rendering,
    routing_rules,
    submit_invoice,
    supplier_invoices,
)
from dms.web.ui.backend.pending import _missing
from dms.web.ui.backend.records import (
    approve_disposal,
    archive_handover,
    archive_offer,
    certificate,
    create_disposal,
    create_hold,
    disposals,
    holds,
    release_hold,
    retention_classes,
    retention_due,
)

search = _missing("search")

__all__ = [
    "SESSION_COOKIE",
    "NotFound",
    "ServiceUnavailable",
    "UserError",
    "akte",
    "akten",
    "akten_for_select",
    "approve_disposal",
    "archive_handover",
    "archive_offer",
    "certificate",
    "close_akte",
    "confirm_iban",
    "cookie_secure",
    "create_disposal",
    "create_hold",
    "create_payment_run",
    "create_user",
    "current_principal",
    "decide",
    "disposals",
    "document",
    "fileplan",
    "finance_metrics",
    "health",
    "holds",
    "import_fileplan",
    "inbox",
    "invoice",
    "invoice_worklist",
    "login",
    "logout",
    "original_response",
    "pain001",
    "payment_runs",
    "preview_png",
    "release_hold",
    "rendering",
    "retention_classes",
    "retention_due",
    "routing_rules",
    "save_search",
    "saved_searches",
    "secret",
    "session_max_age",
    "settings",
    "status_of",
    "submit_invoice",
    "supplier_invoices",
    "update_document",
    "upload",
    "users",
]
