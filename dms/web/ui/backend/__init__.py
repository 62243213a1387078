"""The UI's single seam to the application services.

Every page calls the same service functions the JSON API uses; these modules only find them (through
the application container on ``request.app.state``) and shape their results for templates. No business
rule lives here.
"""

from __future__ import annotations

from dms.web.ui.backend.auth import current_principal, login, logout
from dms.web.ui.backend.base import (
    SESSION_COOKIE,
    NotFound,
    ServiceUnavailable,
    UserError,
    cookie_secure,
    secret,
    session_max_age,
    status_of,
    settings,
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
from dms.web.ui.backend.pending import _missing

search = _missing("search")
invoice_worklist = _missing("invoices")
invoice = _missing("invoices")
decide = _missing("invoices")
confirm_iban = _missing("invoices")
payment_runs = _missing("payment-runs")
create_payment_run = _missing("payment-runs")
pain001 = _missing("payment-runs")
finance_metrics = _missing("invoices")
submit_invoice = _missing("invoices")
supplier_invoices = _missing("invoices")
retention_due = _missing("retention")
holds = _missing("retention")
create_hold = _missing("retention")
release_hold = _missing("retention")
disposals = _missing("retention")
create_disposal = _missing("retention")
approve_disposal = _missing("retention")
certificate = _missing("retention")
archive_handover = _missing("retention")
archive_offer = _missing("retention")
users = _missing("users")
create_user = _missing("users")
fileplan = _missing("fileplan")
import_fileplan = _missing("fileplan")
retention_classes = _missing("retention")
routing_rules = _missing("invoices")
health = _missing("health")

__all__ = [
    "SESSION_COOKIE",
    "NotFound",
    "ServiceUnavailable",
    "UserError",
    "akte",
    "akten",
    "akten_for_select",
    "close_akte",
    "cookie_secure",
    "current_principal",
    "document",
    "inbox",
    "login",
    "logout",
    "original_response",
    "preview_png",
    "save_search",
    "saved_searches",
    "secret",
    "session_max_age",
    "settings",
    "update_document",
    "upload",
]
