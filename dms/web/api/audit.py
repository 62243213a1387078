"""Audit log reading and chain verification."""
# ruff: noqa: PLR0917  -- FastAPI endpoints take many query parameters

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlmodel import col

from dms import audit
from dms.db.tables import AuditEntry
from dms.domain.principal import Principal
from dms.web.api.schemas import AuditOut
from dms.web.deps import ContainerDep, ReadSession, require

router = APIRouter(prefix="/api/v1/audit", tags=["audit"])


@router.get("", response_model=list[AuditOut])
def list_audit(principal: Annotated[Principal, require("audit:read")], session: ReadSession,
               object_type: str | None = None, object_id: str | None = None, action: str | None = None,
               after_id: Annotated[int, Query(ge=0)] = 0,
               limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[AuditOut]:
    q = select(AuditEntry).where(col(AuditEntry.id) > after_id).order_by(col(AuditEntry.id)).limit(limit)
    if object_type:
        q = q.where(col(AuditEntry.object_type) == object_type)
    if object_id:
        q = q.where(col(AuditEntry.object_id) == object_id)
    if action:
        q = q.where(col(AuditEntry.action) == action)
    return [AuditOut.of(a) for a in session.execute(q).scalars()]


@router.get("/verify")
def verify(principal: Annotated[Principal, require("audit:read")], container: ContainerDep) -> dict[str, Any]:
    with container.db.read.connect() as conn:
        r = audit.verify_chain(conn)
    return {"ok": r.ok, "rows": r.rows, "head_hash": r.head_hash, "broken_id": r.broken_id, "reason": r.reason}
