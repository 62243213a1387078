"""Health, login/logout, own profile and tokens."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy import select, text
from sqlmodel import col

from dms.auth import service as auth
from dms.db.tables import ApiToken
from dms.domain.principal import Principal
from dms.errors import Unauthenticated
from dms.web.api.schemas import LoginIn, MeOut, TokenIn, TokenOut, UserOut
from dms.web.deps import (
    AUTHENTICATED_DEP,
    SESSION_COOKIE,
    ContainerDep,
    ReadSession,
    Uow,
    public,
)
from dms.web.permissions import ROLE_PERMISSIONS

router = APIRouter(prefix="/api/v1", tags=["system"])


def health_report(container: Any) -> dict[str, Any]:
    checks: dict[str, str] = {}
    try:
        with container.db.read.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["db"] = "ok"
    except Exception as exc:
        checks["db"] = f"error: {type(exc).__name__}"
    try:
        container.dispatcher.check()
        checks["queue"] = "ok"
    except Exception as exc:
        checks["queue"] = f"error: {exc}"
    checks["store"] = container.store.health()
    try:
        checks["index"] = container.indexer.health()
    except Exception as exc:
        checks["index"] = f"error: {type(exc).__name__}"
    from dms.retention_fixity import fixity_health_check  # noqa: PLC0415 - the records context's check

    checks["fixity"] = fixity_health_check(container)  # last scheduled re-hash of the store
    ok = all(not v.startswith("error") for v in checks.values())
    return {"status": "ok" if ok else "degraded", "checks": checks}


@router.get("/health", dependencies=[public()], summary="DB, queue, store and index status")
def health(container: ContainerDep) -> JSONResponse:
    report = health_report(container)
    return JSONResponse(report, status_code=200 if report["status"] == "ok" else 503)


@router.post("/auth/login", dependencies=[public()], response_model=MeOut)
def login(
    body: LoginIn, request: Request, response: Response, container: ContainerDep, uow: Uow
) -> MeOut | JSONResponse:
    # the UI's failed-login limiter, shared: alternating API and form logins gains an attacker nothing
    from dms.web.ui.routes.auth import limiter  # noqa: PLC0415

    client, rate = request.client.host if request.client else "unknown", limiter(request)
    wait = rate.retry_after(client, body.username)
    if wait:
        return JSONResponse({"detail": f"too many failed logins; retry in {wait} s"}, status_code=429,
                            headers={"Retry-After": str(wait)})
    try:
        user = auth.authenticate(uow.session, body.username, body.password)
    except Unauthenticated:
        rate.failed(client, body.username)
        raise
    rate.succeeded(body.username)
    ws, plain = auth.create_session(uow.session, user, container.settings.session_hours)
    principal = auth.principal_of(uow.session, user)
    uow.commit()
    response.set_cookie(
        SESSION_COOKIE, plain, httponly=True, samesite="lax", secure=container.settings.cookie_secure,
        max_age=container.settings.session_hours * 3600, path="/",
    )
    return MeOut(user=UserOut.of(user, principal.groups), permissions=sorted(ROLE_PERMISSIONS[user.role]),
                 csrf_token=ws.csrf_token)


@router.post("/auth/logout", status_code=204)
def logout(request: Request, principal: AUTHENTICATED_DEP, uow: Uow) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        auth.end_session(uow.session, cookie)
        uow.commit()
    resp = Response(status_code=204)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@router.get("/me", response_model=MeOut)
def me(request: Request, principal: AUTHENTICATED_DEP, session: ReadSession) -> MeOut:
    user = auth.get_user(session, principal.user_id)
    return MeOut(user=UserOut.of(user, principal.groups), permissions=sorted(ROLE_PERMISSIONS[user.role]),
                 csrf_token=getattr(request.state, "csrf_token", None))


@router.get("/me/tokens", response_model=list[TokenOut])
def my_tokens(principal: AUTHENTICATED_DEP, session: ReadSession) -> list[TokenOut]:
    rows = session.execute(select(ApiToken).where(col(ApiToken.user_id) == principal.user_id).order_by(col(ApiToken.id))).scalars()
    return [TokenOut.of(t) for t in rows]


@router.post("/me/tokens", status_code=201, response_model=TokenOut)
def create_my_token(body: TokenIn, principal: AUTHENTICATED_DEP, uow: Uow) -> TokenOut:
    row, plain = auth.create_token(uow.session, principal, principal.user_id, body.name, body.days)
    uow.commit()
    return TokenOut.of(row, plain)


@router.delete("/me/tokens/{token_id}", status_code=204)
def revoke_my_token(token_id: int, principal: AUTHENTICATED_DEP, uow: Uow) -> Response:
    auth.revoke_token(uow.session, principal, token_id, owner_id=principal.user_id)
    uow.commit()
    return Response(status_code=204)


_ = Principal  # re-exported type for annotations
