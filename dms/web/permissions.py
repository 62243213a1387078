"""THE authorisation tables: which role holds which permission, and which permission each route needs.

Adding a route = one line in ``ROUTE_PERMISSIONS`` (and ``require("<perm>")`` on the route itself);
``tests/unit/dms/test_route_permissions.py`` enumerates ``app.routes`` and fails for a route without a
rule, a rule that disagrees with the route's dependency, or a role × route outcome that differs.
New permissions: add them to ``ROLE_PERMISSIONS`` for the roles that hold them.
"""
# ruff: noqa: PLC0415  -- lazy imports keep start-up light and avoid import cycles

from __future__ import annotations

PUBLIC = "public"  # no authentication needed
AUTHENTICATED = "auth:self"  # any logged-in user (own profile, own tokens)

_READ_DOCS = {"documents:read", "fileplan:read", "akten:read"}
ROLE_PERMISSIONS: dict[str, set[str]] = {
    "admin": {
        "*",  # everything
    },
    "records_manager": _READ_DOCS | {
        "documents:upload", "documents:write", "documents:finalise", "grants:write",
        "fileplan:write", "akten:write", "akten:close", "document_types:write", "audit:read",
        # >>> registration: records_manager permissions of other contexts >>>
        "invoices:read",  # invoice workflow (dms/invoices)
        "ui:records", "ui:search", "ui:upload", "ui:documents", "ui:akten",  # web UI (dms/web/ui)
        "documents:delete", "retention:read", "retention:holds", "retention:dispose", "retention:manage",  # retention
        "departments:read",  # departments as records (dms/services/departments.py)
        # <<< registration <<<
    },
    "clerk": _READ_DOCS | {
        "documents:upload", "documents:write", "documents:finalise", "akten:write",
        # >>> registration: clerk permissions of other contexts >>>
        "invoices:read", "invoices:decide",  # invoice workflow (dms/invoices)
        "ui:inbox", "ui:search", "ui:upload", "ui:documents", "ui:akten",  # web UI (dms/web/ui)
        "departments:read",  # departments as records (dms/services/departments.py)
        # <<< registration <<<
    },
    "finance": _READ_DOCS | {
        "documents:upload",
        # >>> registration: finance permissions of other contexts >>>
        "invoices:submit", "invoices:read", "invoices:decide", "invoices:release", "invoices:deputies", "payments:run", "payments:read", "suppliers:read", "suppliers:write",  # invoice workflow
        "ui:invoices", "ui:payment_runs", "ui:finance_dashboard", "ui:search", "ui:documents", "ui:akten",  # web UI
        "departments:read",  # departments as records (dms/services/departments.py)
        # <<< registration <<<
    },
    "supplier": {
        "documents:upload", "documents:read",  # only what they uploaded / were granted (ACL)
        # >>> registration: supplier permissions of other contexts >>>
        "invoices:submit", "invoices:read",  # invoice workflow: own invoices only (service checks)
        "ui:portal",  # web UI (dms/web/ui)
        # <<< registration <<<
    },
    "auditor": _READ_DOCS | {
        "audit:read", "users:read",
        # >>> registration: auditor permissions of other contexts >>>
        "invoices:read", "payments:read", "suppliers:read",  # invoice workflow
        "ui:search", "ui:documents", "ui:akten", "ui:invoices", "ui:payment_runs", "ui:finance_dashboard", "ui:records",  # web UI
        "retention:read",  # retention
        "departments:read",  # departments as records (dms/services/departments.py)
        # <<< registration <<<
    },
}
for _perms in ROLE_PERMISSIONS.values():
    _perms.add(AUTHENTICATED)


def role_has(role: str, permission: str) -> bool:
    if permission == PUBLIC:
        return True
    perms = ROLE_PERMISSIONS.get(role, set())
    return "*" in perms or permission in perms


#: (METHOD, path template) -> permission. One line per route.
ROUTE_PERMISSIONS: dict[tuple[str, str], str] = {
    # health, docs, session
    ("GET", "/api/v1/health"): PUBLIC,
    ("POST", "/api/v1/auth/login"): PUBLIC,
    ("POST", "/api/v1/auth/logout"): AUTHENTICATED,
    ("GET", "/api/v1/me"): AUTHENTICATED,
    ("GET", "/api/v1/me/tokens"): AUTHENTICATED,
    ("POST", "/api/v1/me/tokens"): AUTHENTICATED,
    ("DELETE", "/api/v1/me/tokens/{token_id}"): AUTHENTICATED,
    # documents
    ("POST", "/api/v1/documents"): "documents:upload",
    ("GET", "/api/v1/documents"): "documents:read",
    ("GET", "/api/v1/documents/{document_id}"): "documents:read",
    ("PATCH", "/api/v1/documents/{document_id}"): "documents:write",
    ("GET", "/api/v1/documents/{document_id}/original"): "documents:read",
    ("GET", "/api/v1/documents/{document_id}/text"): "documents:read",
    ("GET", "/api/v1/documents/{document_id}/thumbnail"): "documents:read",
    ("GET", "/api/v1/documents/{document_id}/versions"): "documents:read",
    ("POST", "/api/v1/documents/{document_id}/versions"): "documents:write",
    ("GET", "/api/v1/documents/{document_id}/versions/{version_no}/original"): "documents:read",
    ("GET", "/api/v1/documents/{document_id}/metadata-history"): "documents:read",
    ("GET", "/api/v1/documents/{document_id}/filing-history"): "documents:read",
    ("POST", "/api/v1/documents/{document_id}/finalise"): "documents:finalise",
    ("POST", "/api/v1/documents/{document_id}/refile"): "documents:write",
    ("POST", "/api/v1/documents/{document_id}/reprocess"): "documents:write",
    # file plan, Akten, Vorgänge, document types, grants
    ("GET", "/api/v1/fileplan"): "fileplan:read",
    ("POST", "/api/v1/fileplan"): "fileplan:write",
    ("GET", "/api/v1/fileplan/{node_id}"): "fileplan:read",
    ("PATCH", "/api/v1/fileplan/{node_id}"): "fileplan:write",
    ("GET", "/api/v1/fileplan/{node_id}/history"): "fileplan:read",
    ("GET", "/api/v1/akten"): "akten:read",
    ("POST", "/api/v1/akten"): "akten:write",
    ("GET", "/api/v1/akten/{akte_id}"): "akten:read",
    ("PATCH", "/api/v1/akten/{akte_id}"): "akten:write",
    ("POST", "/api/v1/akten/{akte_id}/close"): "akten:close",
    ("GET", "/api/v1/akten/{akte_id}/vorgaenge"): "akten:read",
    ("POST", "/api/v1/akten/{akte_id}/vorgaenge"): "akten:write",
    ("GET", "/api/v1/vorgaenge/{vorgang_id}"): "akten:read",
    ("POST", "/api/v1/vorgaenge/{vorgang_id}/close"): "akten:close",
    ("GET", "/api/v1/document-types"): "documents:read",
    ("POST", "/api/v1/document-types"): "document_types:write",
    ("POST", "/api/v1/grants"): "grants:write",
    ("DELETE", "/api/v1/grants"): "grants:write",
    # users and tokens (admin)
    ("GET", "/api/v1/users"): "users:read",
    ("POST", "/api/v1/users"): "users:admin",
    ("GET", "/api/v1/users/{user_id}"): "users:read",
    ("PATCH", "/api/v1/users/{user_id}"): "users:admin",
    ("POST", "/api/v1/users/{user_id}/tokens"): "users:admin",
    ("GET", "/api/v1/users/{user_id}/tokens"): "users:admin",
    ("DELETE", "/api/v1/users/{user_id}/tokens/{token_id}"): "users:admin",
    ("DELETE", "/api/v1/users/{user_id}/tokens"): "users:admin",
    ("DELETE", "/api/v1/users/{user_id}/sessions"): "users:admin",
    # audit
    ("GET", "/api/v1/audit"): "audit:read",
    ("GET", "/api/v1/audit/verify"): "audit:read",
    # >>> registration: routes of other contexts, one line each >>>
    # invoice workflow (dms/web/api/invoices.py)
    ("POST", "/api/v1/invoices"): "invoices:submit",
    ("GET", "/api/v1/invoices"): "invoices:read",
    ("GET", "/api/v1/invoices/{invoice_id}"): "invoices:read",
    ("GET", "/api/v1/invoices/{invoice_id}/validation"): "invoices:read",
    ("POST", "/api/v1/invoices/{invoice_id}/decisions"): "invoices:decide",
    ("POST", "/api/v1/invoices/{invoice_id}/confirm-iban"): "invoices:release",
    ("POST", "/api/v1/invoices/{invoice_id}/supplier"): "invoices:release",
    ("GET", "/api/v1/suppliers"): "suppliers:read",
    ("POST", "/api/v1/suppliers"): "suppliers:write",
    ("GET", "/api/v1/suppliers/{supplier_id}"): "suppliers:read",
    ("POST", "/api/v1/suppliers/{supplier_id}/ibans"): "suppliers:write",
    ("GET", "/api/v1/invoice-routing-rules"): "invoices:read",
    ("POST", "/api/v1/invoice-routing-rules"): "invoices:admin",
    ("DELETE", "/api/v1/invoice-routing-rules/{rule_id}"): "invoices:admin",
    ("GET", "/api/v1/approval-chains"): "invoices:read",
    ("PUT", "/api/v1/approval-chains/{department}"): "invoices:admin",
    ("POST", "/api/v1/deputyships"): "invoices:deputies",
    ("GET", "/api/v1/deputyships"): "invoices:read",
    ("DELETE", "/api/v1/deputyships/{deputyship_id}"): "invoices:deputies",
    ("POST", "/api/v1/payment-runs"): "payments:run",
    ("GET", "/api/v1/payment-runs"): "payments:read",
    ("GET", "/api/v1/payment-runs/{run_id}"): "payments:read",
    ("GET", "/api/v1/payment-runs/{run_id}/pain001"): "payments:read",
    ("POST", "/api/v1/payment-runs/{run_id}/executed"): "payments:run",
    ("POST", "/api/v1/payment-runs/{run_id}/reconcile"): "payments:run",
    ("GET", "/api/v1/payment-runs/{run_id}/booking-export"): "payments:read",
    # web UI (dms/web/ui), server-rendered pages; form posts need the API permission of their action
    ("GET", "/static/ui/{name}"): PUBLIC,
    ("GET", "/"): PUBLIC,
    ("GET", "/login"): PUBLIC,
    ("POST", "/login"): PUBLIC,
    ("POST", "/logout"): PUBLIC,
    ("POST", "/lang"): PUBLIC,
    ("GET", "/inbox"): "ui:inbox",
    ("GET", "/search"): "ui:search",
    ("POST", "/search/saved"): "ui:search",
    ("GET", "/documents/{doc_id}"): "ui:documents",
    ("GET", "/documents/{doc_id}/audit"): "ui:documents",
    ("POST", "/documents/{doc_id}"): "documents:write",
    ("GET", "/documents/{doc_id}/preview/{page_no}.png"): "ui:documents",
    ("GET", "/documents/{doc_id}/download"): "ui:documents",
    ("GET", "/upload"): "ui:upload",
    ("POST", "/upload"): "documents:upload",
    ("GET", "/akten"): "ui:akten",
    ("GET", "/akten/{akte_id}"): "ui:akten",
    ("POST", "/akten/{akte_id}/close"): "akten:close",
    ("GET", "/invoices"): "ui:invoices",
    ("GET", "/invoices/{invoice_id}"): "ui:invoices",
    ("POST", "/invoices/{invoice_id}/decisions"): "invoices:decide",
    ("GET", "/invoices/{invoice_id}/rendering"): "ui:invoices",
    ("POST", "/invoices/{invoice_id}/confirm-iban"): "invoices:release",
    ("GET", "/payment-runs"): "ui:payment_runs",
    ("POST", "/payment-runs"): "payments:run",
    ("GET", "/payment-runs/{run_id}/pain001"): "ui:payment_runs",
    ("GET", "/finance/dashboard"): "ui:finance_dashboard",
    ("GET", "/portal/upload"): "ui:portal",
    ("POST", "/portal/upload"): "invoices:submit",
    ("GET", "/portal/invoices"): "ui:portal",
    ("GET", "/records/due"): "ui:records",
    ("POST", "/records/due/refresh"): "retention:manage",
    ("GET", "/records/holds"): "ui:records",
    ("POST", "/records/holds"): "retention:holds",
    ("POST", "/records/holds/{hold_id}/release"): "retention:holds",
    ("GET", "/records/disposals"): "ui:records",
    ("POST", "/records/disposals"): "retention:dispose",
    ("POST", "/records/disposals/{disposal_id}/approve"): "retention:dispose",
    ("GET", "/records/disposals/{disposal_id}/certificate"): "ui:records",
    ("GET", "/records/archive"): "ui:records",
    ("POST", "/records/archive/offer"): "retention:dispose",
    ("POST", "/records/archive/messages"): "retention:dispose",
    ("POST", "/records/archive/{process_id}/transfer"): "retention:dispose",
    ("GET", "/admin/users"): "ui:admin",
    ("POST", "/admin/users"): "users:admin",
    ("GET", "/admin/fileplan"): "ui:admin",
    ("POST", "/admin/fileplan"): "fileplan:write",
    ("GET", "/admin/retention-classes"): "ui:admin",
    ("GET", "/admin/routing"): "ui:admin",
    ("GET", "/admin/health"): "ui:admin",
    ("GET", "/admin/users/{user_id}"): "ui:admin",
    ("POST", "/admin/users/{user_id}"): "users:admin",
    ("POST", "/admin/users/{user_id}/tokens/{token_id}/revoke"): "users:admin",
    ("POST", "/admin/users/{user_id}/tokens/revoke"): "users:admin",
    ("POST", "/admin/users/{user_id}/sessions/revoke"): "users:admin",
    ("GET", "/admin/limits"): "ui:admin",
    ("POST", "/admin/limits/{user_id}"): "users:admin",
    ("GET", "/admin/departments"): "ui:admin",
    ("GET", "/admin/departments/{code}"): "ui:admin",
    ("POST", "/admin/departments/{code}/chain"): "invoices:admin",
    ("GET", "/admin/fileplan/{node_id}"): "ui:admin",
    ("POST", "/admin/fileplan/{node_id}"): "fileplan:write",
    ("POST", "/admin/routing"): "invoices:admin",
    ("GET", "/admin/routing/{rule_id}"): "ui:admin",
    ("POST", "/admin/routing/{rule_id}"): "invoices:admin",
    ("POST", "/admin/routing/{rule_id}/move"): "invoices:admin",
    ("POST", "/admin/routing/{rule_id}/delete"): "invoices:admin",
    ("POST", "/api/v1/einvoice/validate"): AUTHENTICATED,  # e-invoice pre-check, nothing stored
    ("GET", "/api/v1/search"): "documents:read",  # full-text search (ACL-filtered in the engine)
    ("GET", "/api/v1/search/similar/{document_id}"): "documents:read",  # more like this
    # retention (dms/web/api/retention.py)
    ("DELETE", "/api/v1/documents/{document_id}"): "documents:delete",
    ("GET", "/api/v1/documents/{document_id}/retention"): "documents:read",
    ("POST", "/api/v1/holds"): "retention:holds",
    ("GET", "/api/v1/holds"): "retention:read",
    ("DELETE", "/api/v1/holds/{hold_id}"): "retention:holds",
    ("GET", "/api/v1/retention/classes"): "retention:read",
    ("POST", "/api/v1/retention/events"): "retention:manage",
    ("GET", "/api/v1/retention/plan"): "retention:read",
    ("POST", "/api/v1/disposals"): "retention:dispose",
    ("GET", "/api/v1/disposals"): "retention:read",
    ("GET", "/api/v1/disposals/{disposal_id}"): "retention:read",
    ("POST", "/api/v1/disposals/{disposal_id}/approve"): "retention:dispose",
    ("POST", "/api/v1/disposals/{disposal_id}/reject"): "retention:dispose",
    ("GET", "/api/v1/disposals/{disposal_id}/certificate"): "retention:read",
    ("POST", "/api/v1/retention/fixity"): "retention:manage",
    ("GET", "/api/v1/retention/fixity"): "retention:read",
    ("GET", "/api/v1/archive/handovers"): "retention:read",
    ("POST", "/api/v1/archive/offers"): "retention:dispose",
    ("POST", "/api/v1/archive/messages"): "retention:dispose",
    ("POST", "/api/v1/archive/handovers/{process_id}/transfer"): "retention:dispose",
    ("GET", "/api/v1/documents/{document_id}/archive"): "documents:read",  # scan station (dms/web/api/scan.py)
    ("GET", "/api/v1/documents/{document_id}/archive-info"): "documents:read",  # scan station
    # Paperless-ngx compatible API (dms/paperless/api.py, issue 9)
    ("GET", "/paperless/api/"): AUTHENTICATED,
    ("GET", "/paperless/api/ui_settings/"): AUTHENTICATED,
    ("GET", "/paperless/api/remote_version/"): AUTHENTICATED,
    ("GET", "/paperless/api/documents/"): "documents:read",
    ("GET", "/paperless/api/documents/next_asn/"): "documents:read",
    ("POST", "/paperless/api/documents/post_document/"): "documents:upload",
    ("GET", "/paperless/api/documents/{document_id}/"): "documents:read",
    ("PATCH", "/paperless/api/documents/{document_id}/"): "documents:write",
    ("GET", "/paperless/api/documents/{document_id}/download/"): "documents:read",
    ("GET", "/paperless/api/documents/{document_id}/preview/"): "documents:read",
    ("GET", "/paperless/api/documents/{document_id}/thumb/"): "documents:read",
    ("GET", "/paperless/api/documents/{document_id}/metadata/"): "documents:read",
    ("GET", "/paperless/api/documents/{document_id}/notes/"): "documents:read",
    ("POST", "/paperless/api/documents/{document_id}/notes/"): "documents:write",
    ("DELETE", "/paperless/api/documents/{document_id}/notes/"): "documents:write",
    ("GET", "/paperless/api/tasks/"): "documents:upload",
    ("GET", "/paperless/api/tags/"): "documents:read",
    ("GET", "/paperless/api/tags/{label_id}/"): "documents:read",
    ("POST", "/paperless/api/tags/"): "documents:write",
    ("GET", "/paperless/api/correspondents/"): "documents:read",
    ("GET", "/paperless/api/correspondents/{label_id}/"): "documents:read",
    ("POST", "/paperless/api/correspondents/"): "documents:write",
    ("GET", "/paperless/api/document_types/"): "documents:read",
    ("GET", "/paperless/api/document_types/{label_id}/"): "documents:read",
    ("POST", "/paperless/api/document_types/"): "documents:write",
    ("GET", "/paperless/api/custom_fields/"): "documents:read",
    ("GET", "/paperless/api/custom_fields/{label_id}/"): "documents:read",
    ("POST", "/paperless/api/custom_fields/"): "documents:write",
    ("GET", "/paperless/api/users/"): "users:read",
    ("GET", "/paperless/api/groups/"): "users:read",
    # departments as records (dms/web/api/departments.py); writes are admin only (admin holds "*")
    ("GET", "/api/v1/departments"): "departments:read",
    ("POST", "/api/v1/departments"): "departments:write",
    ("GET", "/api/v1/departments/{code}"): "departments:read",
    ("PATCH", "/api/v1/departments/{code}"): "departments:write",
    ("POST", "/admin/departments"): "departments:write",
    ("POST", "/admin/departments/{code}"): "departments:write",
    # <<< registration <<<
}

#: Framework routes that carry no data (OpenAPI schema and docs pages).
FRAMEWORK_ROUTES: set[str] = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def iter_app_routes(app: object) -> list[tuple[str, str, object]]:
    """``(METHOD, path, dependant)`` for every route of the app (dependant is None for plain routes).

    Works with FastAPI's included-router contexts; HEAD is folded into GET."""
    from fastapi.routing import iter_route_contexts

    out: list[tuple[str, str, object]] = []
    for rc in iter_route_contexts(app.routes):  # type: ignore[attr-defined]
        path = rc.path
        if path is None:
            continue
        dependant = getattr(rc, "dependant", None)
        for m in sorted(rc.methods or {"GET"}):
            if m == "HEAD":
                continue
            out.append((m, path, dependant))
    return out
