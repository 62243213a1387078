"""``Annotated`` dependencies every router uses: container, sessions, unit of work, principal, ``require``.

Usage::

    @router.get("/things/{thing_id}")
    def get_thing(thing_id: int, principal: Annotated[Principal, require("things:read")], db: DbSession): ...

Each route declares exactly one permission with ``require(...)`` (or ``public()``) and has a line in
``dms/web/permissions.py::ROUTE_PERMISSIONS``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from dms.auth import service as auth
from dms.auth.cache import principal_cache
from dms.auth.secrets import token_hash
from dms.bootstrap import Container
from dms.db.uow import UnitOfWork
from dms.domain.principal import Principal
from dms.errors import PermissionDenied, Unauthenticated
from dms.web.permissions import AUTHENTICATED, PUBLIC, role_has

SESSION_COOKIE = "aktenwerk_session"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


async def get_container(request: Request) -> Container:
    # async: trivial dependencies run on the event loop instead of costing a thread-pool hop each
    return request.app.state.container  # type: ignore[no-any-return]


ContainerDep = Annotated[Container, Depends(get_container)]


# Creating a session does no I/O (the connection is taken on first use, inside the sync endpoint), so
# these are async generators: no thread-pool round trip per request just to open and close a session.
async def get_uow(container: ContainerDep) -> AsyncIterator[UnitOfWork]:
    """A write unit of work; the route calls ``uow.commit()`` (jobs are sent after it)."""
    with container.uow() as uow:
        yield uow


async def get_db_session(container: ContainerDep) -> AsyncIterator[Session]:
    """A read-write session (write transaction on first statement); commit via ``session.commit()``."""
    with container.uow() as uow:
        yield uow.session


async def get_read_session(container: ContainerDep) -> AsyncIterator[Session]:
    with container.uow(read_only=True) as uow:
        yield uow.session


Uow = Annotated[UnitOfWork, Depends(get_uow)]
DbSession = Annotated[Session, Depends(get_db_session)]
ReadSession = Annotated[Session, Depends(get_read_session)]


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def _same_origin(request: Request) -> bool:
    origin = request.headers.get("origin")
    if not origin:
        return True  # non-browser clients; SameSite=Lax blocks cross-site cookie posts anyway
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1].rstrip("/") == host




def _resolve(request: Request, container: Container, token: str | None, cookie: str | None) -> Principal:
    with container.uow(read_only=True) as uow:
        if token:
            user = auth.user_for_token(uow.session, token)
        else:
            assert cookie is not None
            ws, user = auth.session_for_cookie(uow.session, cookie)
            request.state.csrf_token = ws.csrf_token
        return auth.principal_of(uow.session, user)


def _credentials(request: Request) -> tuple[str | None, str | None]:
    token = _bearer(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not token and not cookie:
        raise Unauthenticated("authentication required: send 'Authorization: Bearer <token>' or log in")
    if not token and request.method in UNSAFE_METHODS and not _same_origin(request):
        raise PermissionDenied("cross-site request refused")
    return token, cookie


def get_principal(request: Request, container: Container) -> Principal:
    """Bearer token first, else the session cookie. 401 when neither is valid. (Sync: does I/O.)"""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    token, cookie = _credentials(request)
    principal = principal_cache.get(token_hash(token)) if token else None
    if principal is None:
        principal = _resolve(request, container, token, cookie)
        if token:
            principal_cache.put(token_hash(token), principal)
    request.state.principal = principal
    return principal


async def current_principal(request: Request, container: ContainerDep) -> Principal:
    """The dependency behind ``CurrentPrincipal``: cache hits stay on the event loop, misses use a thread."""
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    token, _ = _credentials(request)
    hit = principal_cache.get(token_hash(token)) if token else None
    if hit is not None:
        request.state.principal = hit
        return hit
    return await run_in_threadpool(get_principal, request, container)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require(permission: str) -> Any:
    """Dependency that authenticates and checks ``permission``; resolves to the :class:`Principal`."""

    async def _check(principal: CurrentPrincipal) -> Principal:
        if not role_has(principal.role, permission):
            raise PermissionDenied(f"your role ({principal.role}) lacks the permission {permission}")
        return principal

    _check.__aktenwerk_permission__ = permission  # type: ignore[attr-defined]
    _check.__name__ = f"require_{permission.replace(':', '_')}"
    return Depends(_check)


def public() -> Any:
    """Marks a route as intentionally public (no authentication)."""

    async def _public() -> None:
        return None

    _public.__aktenwerk_permission__ = PUBLIC  # type: ignore[attr-defined]
    return Depends(_public)


def declared_permissions(dependant: Any) -> set[str]:
    """All permissions declared (via ``require``/``public``) anywhere in a route's dependency tree."""
    found: set[str] = set()
    stack = [dependant]
    while stack:
        d = stack.pop()
        perm = getattr(d.call, "__aktenwerk_permission__", None)
        if perm:
            found.add(perm)
        stack.extend(d.dependencies)
    return found


#: Any authenticated user (own profile, own tokens, logout).
AUTHENTICATED_DEP = Annotated[Principal, require(AUTHENTICATED)]
