"""Records-manager pages over ``dms.retention_service`` / ``dms.retention_xdomea`` (as the API uses them)."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request

from dms.retention_facts import registry
from dms.retention_service import (
    approve,
    certificate_of,
    compute_plan,
    execute_disposal,
    list_disposals,
    list_holds,
    open_disposal,
)
from dms.retention_service import (
    create_hold as svc_create_hold,
)
from dms.retention_service import (
    release_hold as svc_release_hold,
)
from dms.retention_settings import RetentionSettings
from dms.retention_xdomea import create_offer, list_handovers
from dms.web.ui.backend.base import container, uow, user_errors
from retention.certificate import certificate_pdf

DISPOSER_ROLES = frozenset({"records_manager", "admin"})


def _settings() -> RetentionSettings:
    return RetentionSettings()


def retention_due(request: Request, user: Any, as_of: date) -> list[dict[str, Any]]:
    """The dry-run plan on ``as_of``: due items (with the reason) and held ones (shown, not selectable)."""
    with uow(request, read_only=True) as unit, user_errors():
        plan, titles = compute_plan(unit.session, _settings(), as_of)
        data = plan.to_dict(limit=1000)
    rows = []
    for item, held in [(i, False) for i in data["items"]] + [(i, True) for i in data["blocked"]]:
        rid = str(item["record_id"])
        rows.append(
            {
                "document_id": int(rid) if rid.isdigit() else rid,
                "title": titles.get(item["record_id"], "") or f"#{rid}",
                "retention_class": item.get("class_id") or "–",
                "until": item.get("keep_until"),
                "action": item.get("action") or "review",
                "reason": item.get("reason") or "",
                "held": held or bool(item.get("hold_ids")),
            }
        )
    return rows


def holds(request: Request, user: Any) -> list[dict[str, Any]]:
    with uow(request, read_only=True) as unit:
        rows = list_holds(unit.session)
    return [
        {
            "id": h.id,
            "scope": f"{h.scope}: {h.target}",
            "reason": h.reason,
            "owner": h.owner,
            "created_at": h.created_at,
            "active": h.released_at is None,
        }
        for h in rows
    ]


def create_hold(request: Request, user: Any, document_id: int, reason: str) -> int:
    with uow(request) as unit, user_errors():
        row = svc_create_hold(unit.session, user, reason=reason, document_id=document_id)
        unit.commit()
    return int(row.id or 0)


def release_hold(request: Request, user: Any, hold_id: int) -> None:
    with uow(request) as unit, user_errors():
        svc_release_hold(unit.session, user, hold_id, None)
        unit.commit()


def disposals(request: Request, user: Any) -> list[dict[str, Any]]:
    role = getattr(user, "role", "")
    with uow(request, read_only=True) as unit:
        rows = list_disposals(unit.session)
    out = []
    for r, n in rows:
        pending = r.state == "open"
        out.append(
            {
                "id": r.id,
                "requested_by": r.opened_by_name,
                "count": n,
                "status": r.state,
                "may_approve": pending and role in DISPOSER_ROLES and r.opened_by != user.user_id,
                "pending": pending,
                "certificate": r.certificate is not None,
                "certificate_pdf": r.certificate is not None,
            }
        )
    return out


def create_disposal(request: Request, user: Any, document_ids: list[int]) -> int:
    with uow(request) as unit, user_errors():
        row = open_disposal(unit.session, _settings(), user, document_ids)
        unit.commit()
    return int(row.id or 0)


def approve_disposal(request: Request, user: Any, disposal_id: int) -> None:
    """Four eyes: the service refuses the requester; execution removes content and issues the certificate."""
    with uow(request) as unit, user_errors():
        approve(unit.session, user, disposal_id)
        unit.commit()
    with user_errors():
        execute_disposal(container(request), _settings(), user, disposal_id)


def certificate(request: Request, user: Any, disposal_id: int, fmt: str) -> tuple[Any, str, str]:
    with uow(request, read_only=True) as unit, user_errors():
        body = certificate_of(unit.session, disposal_id)
    if fmt == "pdf":
        return certificate_pdf(body), "application/pdf", f"loeschprotokoll-{disposal_id}.pdf"
    return body, "application/json", f"loeschprotokoll-{disposal_id}.json"


def archive_handover(request: Request, user: Any) -> dict[str, Any]:
    with uow(request, read_only=True) as unit:
        items = list_handovers(unit.session)
    return {
        "handovers": [
            {"id": h["process_id"], "status": h["status"], "count": h["count"]}
            for h in items
        ],
        "may_offer": getattr(user, "role", "") in DISPOSER_ROLES,
    }


def archive_offer(request: Request, user: Any, as_of: date) -> tuple[bytes, str]:
    """Create the xdomea 0501 offer list of what is due on ``as_of`` (recorded as a hand-over process)."""
    with uow(request) as unit, user_errors():
        _row, name, xml = create_offer(unit.session, _settings(), user, as_of, None)
        unit.commit()
    return (xml if isinstance(xml, bytes) else str(xml).encode("utf-8")), name


def retention_classes(request: Request, user: Any) -> list[dict[str, Any]]:
    out = []
    for c in registry(_settings()).values():
        out.append(
            {
                "id": c.id,
                "name": c.name,
                "period": "dauernd" if c.period.permanent else c.period.german(),
                "trigger": "" if c.period.permanent else c.start_text(),
                "action": c.action.german(),
                "legal_basis": c.legal_basis,
            }
        )
    return out
