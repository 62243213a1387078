"""Paperless-style token auth: ``Authorization: Token <token>`` (also ``Bearer``), Aktenwerk API tokens.

``require_pl(permission)`` is the Paperless router's ``require``: it carries the same
``__aktenwerk_permission__`` marker, so the route-permission table test covers these routes too.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Request

from dms.auth import service as auth
from dms.domain.principal import Principal
from dms.errors import PermissionDenied, Unauthenticated
from dms.web.deps import ContainerDep
from dms.web.permissions import role_has

SCHEMES = ("token", "bearer")


def token_of(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() in SCHEMES and value.strip():
        return value.strip()
    return None


def paperless_principal(request: Request, container: ContainerDep) -> Principal:
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    token = token_of(request)
    if not token:
        raise Unauthenticated("Authentication credentials were not provided.")
    with container.uow(read_only=True) as uow:
        principal = auth.principal_of(uow.session, auth.user_for_token(uow.session, token))
    request.state.principal = principal
    return principal


def require_pl(permission: str) -> Any:
    def _check(principal: Annotated[Principal, Depends(paperless_principal)]) -> Principal:
        if not role_has(principal.role, permission):
            raise PermissionDenied(f"your role ({principal.role}) lacks the permission {permission}")
        return principal

    _check.__aktenwerk_permission__ = permission  # type: ignore[attr-defined]  # marker read by dms.web.permissions
    _check.__name__ = f"require_pl_{permission.replace(':', '_')}"
    return Depends(_check)
