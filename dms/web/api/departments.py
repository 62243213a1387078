"""Departments (Organisationseinheiten): reference data every staff user may read; admins create,
rename and deactivate/reactivate them. The code is the key and cannot be changed."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from dms.db.tables import Department
from dms.domain.principal import Principal
from dms.errors import ValidationFailed
from dms.services import departments as svc
from dms.web.deps import ReadSession, Uow, require

router = APIRouter(prefix="/api/v1/departments", tags=["departments"])


class UsageOut(BaseModel):
    users: int = 0
    fileplan_nodes: int = 0
    akten: int = 0
    documents: int = 0
    routing_rules: int = 0
    own_approval_chain: bool = False

    @classmethod
    def of(cls, u: svc.Usage) -> UsageOut:
        return cls(
            users=u.users,
            fileplan_nodes=u.nodes,
            akten=u.akten,
            documents=u.documents,
            routing_rules=u.rules,
            own_approval_chain=u.chain,
        )


class DepartmentOut(BaseModel):
    code: str
    name: str
    active: bool
    created_at: datetime
    updated_at: datetime
    usage: UsageOut

    @classmethod
    def of(cls, d: Department, usage: svc.Usage | None = None) -> DepartmentOut:
        return cls(
            code=d.code,
            name=d.name,
            active=d.active,
            created_at=d.created_at,
            updated_at=d.updated_at,
            usage=UsageOut.of(usage or svc.Usage()),
        )


class DepartmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(
        max_length=svc.MAX_CODE * 4, description="digits/letters/dots/hyphens/underscores, ≤ 64"
    )
    name: str | None = Field(
        default=None, max_length=svc.MAX_NAME * 4, description="readable name; default: code"
    )


class DepartmentUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(default=None, max_length=svc.MAX_NAME * 4)
    active: bool | None = None
    code: str | None = Field(
        default=None, max_length=svc.MAX_CODE * 4, description="must equal the path code"
    )


@router.get("", response_model=list[DepartmentOut])
def list_departments(
    principal: Annotated[Principal, require("departments:read")],
    session: ReadSession,
    include_inactive: bool = True,
) -> list[DepartmentOut]:
    rows = svc.list_departments(session, include_inactive=include_inactive)
    counts = svc.usage(session)
    return [DepartmentOut.of(d, counts.get(d.code)) for d in rows]


@router.post("", status_code=201, response_model=DepartmentOut)
def create_department(
    body: DepartmentIn, principal: Annotated[Principal, require("departments:write")], uow: Uow
) -> DepartmentOut:
    row = svc.create(uow.session, principal, body.code, body.name)
    out = DepartmentOut.of(row, svc.usage(uow.session, [row.code]).get(row.code))
    uow.commit()
    return out


@router.get("/{code}", response_model=DepartmentOut)
def get_department(
    code: str, principal: Annotated[Principal, require("departments:read")], session: ReadSession
) -> DepartmentOut:
    row = svc.get(session, code)
    return DepartmentOut.of(row, svc.usage(session, [code]).get(code))


@router.patch("/{code}", response_model=DepartmentOut)
def update_department(
    code: str, body: DepartmentUpdate, principal: Annotated[Principal, require("departments:write")], uow: Uow
) -> DepartmentOut:
    """Rename and/or deactivate/reactivate. The code stays: it is the key in ACL tokens and references."""
    if body.code is not None and body.code.strip() != code:
        raise ValidationFailed(
            "Der Code einer Organisationseinheit kann nicht geändert werden; nur der Name."
        )
    row = svc.update(uow.session, principal, code, name=body.name, active=body.active)
    out = DepartmentOut.of(row, svc.usage(uow.session, [code]).get(code))
    uow.commit()
    return out
