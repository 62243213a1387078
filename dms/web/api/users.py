"""Users and their tokens (administration)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select
from sqlmodel import col

from dms.auth import service as auth
from dms.db.tables import User, UserGroup
from dms.domain.principal import Principal
from dms.errors import ValidationFailed
from dms.invoices.suppliers import supplier_exists
from dms.web.api.schemas import TokenIn, TokenOut, UserIn, UserOut, UserUpdate
from dms.web.deps import ReadSession, Uow, require

router = APIRouter(prefix="/api/v1/users", tags=["users"])


class RevokedOut(BaseModel):
    revoked: int


def _groups(session: ReadSession, user_id: int) -> list[str]:
    return sorted(session.execute(select(col(UserGroup.group_name)).where(col(UserGroup.user_id) == user_id)).scalars())


@router.get("", response_model=list[UserOut])
def list_users(principal: Annotated[Principal, require("users:read")], session: ReadSession,
               role: str | None = None, limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[UserOut]:
    q = select(User).order_by(col(User.id)).limit(limit)
    if role:
        q = q.where(col(User.role) == role)
    return [UserOut.of(u, _groups(session, int(u.id or 0))) for u in session.execute(q).scalars()]


@router.post("", status_code=201, response_model=UserOut)
def create_user(body: UserIn, principal: Annotated[Principal, require("users:admin")], uow: Uow) -> UserOut:
    if body.supplier_id is not None and not supplier_exists(uow.session, body.supplier_id):
        raise ValidationFailed(f"supplier {body.supplier_id} does not exist")
    user = auth.create_user(uow.session, principal, body.username, body.role, password=body.password,
                            department=body.department, supplier_id=body.supplier_id, amount_limit=body.amount_limit,
                            groups=body.groups, display_name=body.display_name, email=body.email)
    uow.commit()
    return UserOut.of(user, body.groups)


@router.get("/{user_id}", response_model=UserOut)
def get_user(user_id: int, principal: Annotated[Principal, require("users:read")], session: ReadSession) -> UserOut:
    return UserOut.of(auth.get_user(session, user_id), _groups(session, user_id))


@router.patch("/{user_id}", response_model=UserOut)
def update_user(user_id: int, body: UserUpdate, principal: Annotated[Principal, require("users:admin")],
                uow: Uow) -> UserOut:
    if body.supplier_id is not None and not supplier_exists(uow.session, body.supplier_id):
        raise ValidationFailed(f"supplier {body.supplier_id} does not exist")
    user = auth.update_user(uow.session, principal, user_id, **body.model_dump(exclude_unset=True))
    uow.commit()
    return UserOut.of(user, _groups(uow.session, user_id))


@router.post("/{user_id}/tokens", status_code=201, response_model=TokenOut)
def create_token(user_id: int, body: TokenIn, principal: Annotated[Principal, require("users:admin")],
                 uow: Uow) -> TokenOut:
    row, plain = auth.create_token(uow.session, principal, user_id, body.name, body.days)
    uow.commit()
    return TokenOut.of(row, plain)


@router.get("/{user_id}/tokens", response_model=list[TokenOut])
def list_tokens(user_id: int, principal: Annotated[Principal, require("users:admin")],
                session: ReadSession) -> list[TokenOut]:
    return [TokenOut.of(t) for t in auth.list_tokens(session, user_id)]


@router.delete("/{user_id}/tokens/{token_id}", status_code=204)
def revoke_token(user_id: int, token_id: int, principal: Annotated[Principal, require("users:admin")],
                 uow: Uow) -> None:
    """Revoke one API token of the user; effective with the next request (the token cache is cleared)."""
    auth.revoke_token(uow.session, principal, token_id, owner_id=user_id)
    uow.commit()


@router.delete("/{user_id}/tokens", response_model=RevokedOut)
def revoke_tokens(user_id: int, principal: Annotated[Principal, require("users:admin")], uow: Uow) -> RevokedOut:
    """Revoke every API token of the user."""
    count = auth.revoke_tokens(uow.session, principal, user_id)
    uow.commit()
    return RevokedOut(revoked=count)


@router.delete("/{user_id}/sessions", response_model=RevokedOut)
def revoke_sessions(user_id: int, principal: Annotated[Principal, require("users:admin")],
                    uow: Uow) -> RevokedOut:
    """End every browser session of the user (they must sign in again)."""
    count = auth.revoke_sessions(uow.session, principal, user_id)
    uow.commit()
    return RevokedOut(revoked=count)
