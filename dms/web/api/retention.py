"""Retention API: GoBD delete lock, holds, plan, four-eyes disposal, certificates, fixity, archive hand-over."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from dms.domain.principal import Principal
from dms.errors import ValidationFailed
from dms.retention_facts import registry, today
from dms.retention_fixity import fixity_health, run_fixity
from dms.retention_service import (
    approve,
    certificate_of,
    compute_plan,
    create_hold,
    delete_document,
    disposal_dict,
    execute_disposal,
    get_disposal,
    list_disposals,
    list_holds,
    open_disposal,
    record_event,
    reject,
    release_hold,
    retention_info,
)
from dms.retention_settings import RetentionSettings
from dms.retention_tables import RetentionHold
from dms.retention_xdomea import build_transfer, create_offer, import_message, list_handovers
from dms.web.deps import ContainerDep, ReadSession, Uow, require
from retention.certificate import certificate_pdf

router = APIRouter(prefix="/api/v1", tags=["retention"])

MAX_MESSAGE_BYTES = 64 * 1024 * 1024


def _settings() -> RetentionSettings:
    return RetentionSettings()


class HoldIn(BaseModel):
    document_id: int | None = None
    akte_id: int | None = None
    query: str | None = Field(
        default=None, max_length=1000, description="field:value terms (type, correspondent, …)"
    )
    reason: str = Field(min_length=3, max_length=5000)
    owner: str | None = Field(default=None, max_length=150)
    review_date: date | None = None


class HoldOut(BaseModel):
    id: int
    scope: str
    target: str
    reason: str
    owner: str
    review_date: date | None
    created_at: str
    active: bool
    released_at: str | None
    review_overdue: bool = False

    @classmethod
    def of(cls, h: RetentionHold) -> HoldOut:
        return cls(
            id=int(h.id or 0),
            scope=h.scope,
            target=h.target,
            reason=h.reason,
            owner=h.owner,
            review_date=h.review_date,
            created_at=h.created_at.isoformat(),
            active=h.released_at is None,
            released_at=h.released_at.isoformat() if h.released_at else None,
            review_overdue=h.released_at is None
            and h.review_date is not None
            and h.review_date < today(_settings()),
        )


class DisposalIn(BaseModel):
    document_ids: list[int] = Field(min_length=1, max_length=100_000)
    note: str = Field(default="", max_length=2000)


class RejectIn(BaseModel):
    reason: str = Field(min_length=3, max_length=2000)


class EventIn(BaseModel):
    name: str = Field(min_length=2, max_length=100)
    fiscal_year: int = Field(ge=1900, le=2200)
    occurred_on: date
    note: str | None = Field(default=None, max_length=2000)


class OfferIn(BaseModel):
    as_of: date | None = None
    document_ids: list[int] | None = None


# ---------------------------------------------------------------- documents
@router.delete("/documents/{document_id}", status_code=202)
def delete(
    document_id: int, principal: Annotated[Principal, require("documents:delete")], container: ContainerDep
) -> dict[str, Any]:
    """Request deletion: 409 with the reason while retention runs or a hold applies, else 202 with the
    one-item disposal request a second records manager must approve (four-eyes)."""
    return delete_document(container, _settings(), principal, document_id)


@router.get("/documents/{document_id}/retention")
def document_retention(
    document_id: int,
    principal: Annotated[Principal, require("documents:read")],
    session: ReadSession,
    as_of: date | None = None,
) -> dict[str, Any]:
    """Why is this document kept until when ("Aufbewahrung bis …, weil …")."""
    return retention_info(session, _settings(), principal, document_id, as_of)


# ---------------------------------------------------------------- holds
@router.post("/holds", status_code=201)
def post_hold(
    body: HoldIn, principal: Annotated[Principal, require("retention:holds")], uow: Uow
) -> dict[str, Any]:
    row = create_hold(
        uow.session,
        principal,
        reason=body.reason,
        document_id=body.document_id,
        akte_id=body.akte_id,
        query=body.query,
        owner=body.owner,
        review_date=body.review_date,
    )
    uow.commit()
    return {"id": row.id, "scope": row.scope, "target": row.target}


@router.get("/holds", response_model=list[HoldOut])
def get_holds(
    principal: Annotated[Principal, require("retention:read")], session: ReadSession, active: bool = False
) -> list[HoldOut]:
    return [HoldOut.of(h) for h in list_holds(session, active_only=active)]


@router.delete("/holds/{hold_id}")
def delete_hold(
    hold_id: int,
    principal: Annotated[Principal, require("retention:holds")],
    uow: Uow,
    note: Annotated[str | None, Query(max_length=2000)] = None,
) -> dict[str, Any]:
    row = release_hold(uow.session, principal, hold_id, note)
    uow.commit()
    return {"id": row.id, "released_at": row.released_at.isoformat() if row.released_at else None}


# ---------------------------------------------------------------- classes, events, plan
@router.get("/retention/classes")
def classes(principal: Annotated[Principal, require("retention:read")]) -> list[dict[str, Any]]:
    return [c.to_dict() | {"description": c.describe()} for c in registry(_settings()).values()]


@router.post("/retention/events", status_code=201)
def post_event(
    body: EventIn, principal: Annotated[Principal, require("retention:manage")], uow: Uow
) -> dict[str, Any]:
    row = record_event(
        uow.session,
        principal,
        body.name,
        fiscal_year=body.fiscal_year,
        occurred_on=body.occurred_on,
        note=body.note,
        settings=_settings(),
    )
    uow.commit()
    return {"id": row.id, "name": row.name, "fiscal_year": row.fiscal_year}


@router.get("/retention/plan")
def get_plan(
    principal: Annotated[Principal, require("retention:read")],
    session: ReadSession,
    as_of: date | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> dict[str, Any]:
    """Dry run: what is due on ``as_of`` (default today), with reasons; nothing is changed."""
    settings = _settings()
    plan, titles = compute_plan(session, settings, as_of or today(settings))
    data = plan.to_dict(limit=limit)
    for item in (*data["items"], *data["blocked"]):
        item["title"] = titles.get(item["record_id"], "")
    return data


# ---------------------------------------------------------------- disposals
@router.post("/disposals", status_code=201)
def post_disposal(
    body: DisposalIn, principal: Annotated[Principal, require("retention:dispose")], uow: Uow
) -> dict[str, Any]:
    row = open_disposal(uow.session, _settings(), principal, body.document_ids, note=body.note)
    uow.commit()
    return {"id": row.id, "state": row.state}


@router.get("/disposals")
def get_disposals(
    principal: Annotated[Principal, require("retention:read")], session: ReadSession
) -> list[dict[str, Any]]:
    return [
        {
            "id": r.id,
            "state": r.state,
            "source": r.source,
            "opened_by": r.opened_by_name,
            "approved_by": r.approved_by_name,
            "count": n,
            "certificate": r.certificate is not None,
            "opened_at": r.opened_at.isoformat(),
        }
        for r, n in list_disposals(session)
    ]


@router.get("/disposals/{disposal_id}")
def get_one_disposal(
    disposal_id: int, principal: Annotated[Principal, require("retention:read")], session: ReadSession
) -> dict[str, Any]:
    return disposal_dict(session, get_disposal(session, disposal_id))


@router.post("/disposals/{disposal_id}/approve")
def post_approve(
    disposal_id: int,
    principal: Annotated[Principal, require("retention:dispose")],
    container: ContainerDep,
    uow: Uow,
) -> dict[str, Any]:
    """Four-eyes approval by a different records manager (same person → 403); executes the disposal."""
    approve(uow.session, principal, disposal_id)
    uow.commit()
    return execute_disposal(container, _settings(), principal, disposal_id)


@router.post("/disposals/{disposal_id}/reject")
def post_reject(
    disposal_id: int, body: RejectIn, principal: Annotated[Principal, require("retention:dispose")], uow: Uow
) -> dict[str, Any]:
    row = reject(uow.session, principal, disposal_id, body.reason)
    uow.commit()
    return {"id": row.id, "state": row.state}


@router.get("/disposals/{disposal_id}/certificate", response_model=None)
def get_certificate(
    disposal_id: int,
    principal: Annotated[Principal, require("retention:read")],
    session: ReadSession,
    format: Literal["json", "pdf"] = "json",
) -> dict[str, Any] | Response:
    """Löschprotokoll: items with SHA-256, class, dates, approvers — JSON or PDF (``?format=pdf``)."""
    body = certificate_of(session, disposal_id)
    if format == "pdf":
        return Response(
            certificate_pdf(body),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="loeschprotokoll-{disposal_id}.pdf"'},
        )
    return body


# ---------------------------------------------------------------- fixity
@router.post("/retention/fixity")
def post_fixity(
    principal: Annotated[Principal, require("retention:manage")],
    container: ContainerDep,
    sample: Annotated[int | None, Query(ge=1)] = None,
) -> dict[str, Any]:
    """Re-hash stored originals now (all, or a random sample); the run is stored and audited."""
    return run_fixity(container, _settings(), principal=principal, sample=sample)


@router.get("/retention/fixity")
def get_fixity(
    principal: Annotated[Principal, require("retention:read")], session: ReadSession
) -> dict[str, Any]:
    return fixity_health(session)


# ---------------------------------------------------------------- archive hand-over (xdomea)
@router.get("/archive/handovers")
def handovers(
    principal: Annotated[Principal, require("retention:read")], session: ReadSession
) -> list[dict[str, Any]]:
    return list_handovers(session)


@router.post("/archive/offers", response_class=Response, status_code=201)
def post_offer(
    principal: Annotated[Principal, require("retention:dispose")],
    uow: Uow,
    body: Annotated[OfferIn | None, Body()] = None,
) -> Response:
    """Offer list (xdomea 0501) of due documents; the archive answers with a 0502 appraisal."""
    settings = _settings()
    body = body or OfferIn()
    row, name, xml = create_offer(
        uow.session, settings, principal, body.as_of or today(settings), body.document_ids
    )
    uow.commit()
    return Response(
        xml,
        status_code=201,
        media_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "X-Process-Id": row.process_id},
    )


@router.post("/archive/messages")
async def post_message(
    request: Request, principal: Annotated[Principal, require("retention:dispose")], uow: Uow
) -> dict[str, Any]:
    """Import an archive message (0502 appraisal, 0506 import confirmation, receipts) as XML or zip body."""
    data = await request.body()
    if not data:
        raise ValidationFailed("empty body: send the xdomea message (XML or zip) as the request body")
    if len(data) > MAX_MESSAGE_BYTES:
        raise ValidationFailed("message too large")
    out = import_message(uow.session, _settings(), principal, data)
    uow.commit()
    return out


@router.post("/archive/handovers/{process_id}/transfer", response_class=Response)
def post_transfer(
    process_id: str,
    principal: Annotated[Principal, require("retention:dispose")],
    container: ContainerDep,
    uow: Uow,
) -> Response:
    """The 0503 transfer package (zip) with the primary documents the archive selected."""
    name, data = build_transfer(container, uow.session, _settings(), principal, process_id)
    uow.commit()
    return Response(
        data, media_type="application/zip", headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )
