"""Per-request UI state: language, signed-in principal, CSRF binding, and the route guards."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, Request

from dms.web.permissions import role_has
from dms.web.ui import backend
from dms.web.ui.i18n import Translator, normalise_language
from dms.web.ui.nav import HOME, navigation_for
from dms.web.ui.security import (
    ANON_COOKIE,
    CSRF_FIELD,
    CSRF_HEADER,
    csrf_token,
    new_anonymous_id,
)

LANG_COOKIE = "aw_lang"


class UiRedirect(Exception):
    """Send the browser elsewhere (e.g. to the login page)."""

    def __init__(self, location: str) -> None:
        super().__init__(location)
        self.location = location


class UiForbidden(Exception):
    """The signed-in user may not open this page; rendered as a 403 page with the reason."""

    def __init__(self, reason_key: str = "error.forbidden_text") -> None:
        super().__init__(reason_key)
        self.reason_key = reason_key


class UiCsrfError(Exception):
    """A state-changing request without a valid CSRF token."""


def language(request: Request) -> str:
    cached = getattr(request.state, "ui_lang", None)
    if cached:
        return str(cached)
    lang = normalise_language(request.cookies.get(LANG_COOKIE) or request.headers.get("accept-language"))
    request.state.ui_lang = lang
    return lang


def principal(request: Request) -> Any | None:
    """The signed-in principal (session cookie or bearer token), or None; resolved once per request."""
    if hasattr(request.state, "ui_principal"):
        return request.state.ui_principal
    found = backend.current_principal(request)
    request.state.ui_principal = found
    return found


def via_bearer(request: Request) -> bool:
    """Requests authenticated by an API token carry no ambient cookie: CSRF does not apply."""
    return request.headers.get("authorization", "").lower().startswith("bearer ")


def csrf_binding(request: Request) -> str:
    """What the CSRF token is bound to: the session token, else an anonymous browser id."""
    if principal(request) is not None:
        return "s:" + (request.cookies.get(backend.SESSION_COOKIE) or "")
    anon = request.cookies.get(ANON_COOKIE) or getattr(request.state, "ui_new_anon", None)
    if not anon:
        anon = new_anonymous_id()
        request.state.ui_new_anon = anon
    return "a:" + anon


def csrf_for(request: Request) -> str:
    """The CSRF token for this request's forms: the server-side session's token, else an HMAC."""
    if principal(request) is not None:
        session_token = getattr(request.state, "csrf_token", None)
        if session_token:
            return str(session_token)
    return csrf_token(backend.secret(request), csrf_binding(request))


async def verify_csrf(request: Request) -> None:
    """Dependency for every state-changing UI route: the token must come as form field or header."""
    if request.method in {"GET", "HEAD", "OPTIONS"}:
        return
    if via_bearer(request) and principal(request) is not None:
        return
    token = request.headers.get(CSRF_HEADER)
    if not token:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            token = value if isinstance(value, str) else None
    if not token or not hmac.compare_digest(csrf_for(request), token):
        raise UiCsrfError()


def ui_context(request: Request) -> dict[str, Any]:
    lang = language(request)
    user = principal(request)
    role = getattr(user, "role", None)
    role_value = getattr(role, "value", role)
    return {
        "request": request,
        "lang": lang,
        "t": Translator(lang),
        "user": user,
        "role": role_value,
        "nav": navigation_for(role_value),
        "home": HOME.get(role_value or "", "/login"),
        "csrf": csrf_for(request),
        "csrf_field": CSRF_FIELD,
        "path": request.url.path,
        "flash": request.query_params.get("msg"),
    }


def role_of(user: Any) -> str | None:
    role = getattr(user, "role", None)
    return None if role is None else str(getattr(role, "value", role))


def require_permission(permission: str) -> Callable[[Request], Any]:
    """Dependency: a signed-in principal whose role holds ``permission`` in the dms permission table;
    else a redirect to the login page or a 403 page. Declared like ``dms.web.deps.require`` so the
    route/permission table covers UI routes too."""

    def guard(request: Request) -> Any:
        user = principal(request)
        if user is None:
            target = request.url.path
            if request.url.query:
                target += "?" + request.url.query
            raise UiRedirect("/login?next=" + quote(target, safe=""))
        role = role_of(user)
        if role is None or not role_has(role, permission):
            raise UiForbidden()
        return user

    guard.__aktenwerk_permission__ = permission  # type: ignore[attr-defined]
    guard.__name__ = "require_" + permission.replace(":", "_")
    return guard


def require_area(area: str) -> Callable[[Request], Any]:
    """Pages of a UI area need ``ui:<area>``."""
    return require_permission(f"ui:{area}")


InboxUser = Annotated[Any, Depends(require_area("inbox"))]
SearchUser = Annotated[Any, Depends(require_area("search"))]
UploadUser = Annotated[Any, Depends(require_area("upload"))]
DocumentsUser = Annotated[Any, Depends(require_area("documents"))]
AktenUser = Annotated[Any, Depends(require_area("akten"))]
InvoicesUser = Annotated[Any, Depends(require_area("invoices"))]
PaymentRunsUser = Annotated[Any, Depends(require_area("payment_runs"))]
DashboardUser = Annotated[Any, Depends(require_area("finance_dashboard"))]
PortalUser = Annotated[Any, Depends(require_area("portal"))]
RecordsUser = Annotated[Any, Depends(require_area("records"))]
AdminUser = Annotated[Any, Depends(require_area("admin"))]


# Form posts need the same permission the JSON API demands for that action.
DocumentWriter = Annotated[Any, Depends(require_permission("documents:write"))]
DocumentUploader = Annotated[Any, Depends(require_permission("documents:upload"))]
AkteCloser = Annotated[Any, Depends(require_permission("akten:close"))]
InvoiceDecider = Annotated[Any, Depends(require_permission("invoices:decide"))]
InvoiceReleaser = Annotated[Any, Depends(require_permission("invoices:release"))]
PaymentRunner = Annotated[Any, Depends(require_permission("payments:run"))]
InvoiceSubmitter = Annotated[Any, Depends(require_permission("invoices:submit"))]
HoldKeeper = Annotated[Any, Depends(require_permission("retention:holds"))]
Disposer = Annotated[Any, Depends(require_permission("retention:dispose"))]
UserAdmin = Annotated[Any, Depends(require_permission("users:admin"))]
FileplanWriter = Annotated[Any, Depends(require_permission("fileplan:write"))]
InvoiceAdmin = Annotated[Any, Depends(require_permission("invoices:admin"))]
PlanRefresher = Annotated[Any, Depends(require_permission("retention:manage"))]


def user_message(request: Request, exc: backend.UserError) -> str:
    """The translated lead text of a refusal, followed by the service's own explanation."""
    t = Translator(language(request))
    lead = t(exc.key, detail=exc.detail)
    if exc.detail and exc.detail not in lead:
        return f"{lead} {exc.detail}"
    return lead
