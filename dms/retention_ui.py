"""The retention functions the server-rendered UI calls (``dms.web.ui.backend`` names them).

Same services as the JSON API; shapes match the templates under ``dms/web/ui/templates/records`` and
``admin/retention.html``. To wire: in ``dms/web/ui/backend/__init__.py`` replace each
``<name> = _missing("retention")`` by ``from dms.retention_ui import <name>``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import Request
from sqlalchemy import func, select

from dms.db.tables import AuditEntry
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
    create_hold as _create_hold,
)
from dms.retention_service import (
    release_hold as _release_hold,
)
from dms.retention_settings import RetentionSettings
from dms.retention_xdomea import create_offer, list_handovers
from retention.certificate import certificate_pdf

_UI_STATUS = {"open": "requested"}


def _base() -> Any:
    """The UI plumbing (unit of work, error translation), imported lazily: the UI backend imports this module."""
    from dms.web.ui.backend import base  # noqa: PLC0415 - import cycle with dms.web.ui.backend

    return base


def uow(request: Request, *, read_only: bool = False) -> Any:
    return _base().uow(request, read_only=read_only)


def user_errors() -> Any:
    return _base().user_errors()


def container(request: Request) -> Any:
    return _base().container(request)


def _settings() -> RetentionSettings:
    return RetentionSettings()


#: (container, day) -> (audit head id, rows). The plan depends only on the day and on the records, holds
#: and events — every change to those appends an audit row, so an unchanged audit head means an unchanged
#: plan and the page is served without recomputing the whole plan (2.5 s at 100,000 documents).
_DUE_CACHE: dict[tuple[int, date], tuple[int, list[dict[str, Any]]]] = {}


def retention_due(request: Request, user: Any, day: date) -> list[dict[str, Any]]:
    """Due documents on ``day`` (and due-but-held ones, flagged ``held``), with reasons."""
    with uow(request, read_only=True) as unit, user_errors():
        head = int(unit.session.execute(select(func.max(AuditEntry.id))).scalar() or 0)
        key = (id(container(request)), day)
        cached = _DUE_CACHE.get(key)
        if cached is not None and cached[0] == head:
            return [dict(r) for r in cached[1]]
        plan, titles = compute_plan(unit.session, _settings(), day)
    rows = _due_rows(plan, titles)
    if len(_DUE_CACHE) > 32:
        _DUE_CACHE.clear()
    _DUE_CACHE[key] = (head, rows)
    return [dict(r) for r in rows]


def _due_rows(plan: Any, titles: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for a, held in [(a, False) for a in plan.items] + [(a, True) for a in plan.blocked]:
        rows.append(
            {
                "document_id": int(a.record_id),
                "title": titles.get(a.record_id, ""),
                "held": held,
                "retention_class": a.class_id or "",
                "until": a.keep_until,
                "action": a.action.value if a.action else "review",
                "reason": a.reason(),
            }
        )
    return rows


def holds(request: Request, user: Any) -> list[dict[str, Any]]:
    with uow(request, read_only=True) as unit, user_errors():
        return [
            {
                "id": h.id,
                "scope": f"{h.scope} {h.target}",
                "reason": h.reason,
                "owner": h.owner,
                "created_at": h.created_at,
                "active": h.released_at is None,
            }
            for h in list_holds(unit.session)
        ]


def create_hold(request: Request, user: Any, document_id: int, reason: str) -> int:
    with uow(request) as unit, user_errors():
        row = _create_hold(unit.session, user, document_id=document_id, reason=reason)
        unit.commit()
        return int(row.id or 0)


def release_hold(request: Request, user: Any, hold_id: int) -> None:
    with uow(request) as unit, user_errors():
        _release_hold(unit.session, user, hold_id)
        unit.commit()


def disposals(request: Request, user: Any) -> list[dict[str, Any]]:
    with uow(request, read_only=True) as unit, user_errors():
        rows = list_disposals(unit.session)
    return [
        {
            "id": r.id,
            "requested_by": r.opened_by_name,
            "count": n,
            "status": _UI_STATUS.get(r.state, r.state),
            "may_approve": r.state == "open"
            and r.opened_by != user.user_id
            and user.role == "records_manager",
            "certificate": r.certificate is not None,
            "certificate_pdf": r.certificate is not None,
        }
        for r, n in rows
    ]


def create_disposal(request: Request, user: Any, ids: list[int]) -> int:
    with uow(request) as unit, user_errors():
        row = open_disposal(unit.session, _settings(), user, ids)
        unit.commit()
        return int(row.id or 0)


def approve_disposal(request: Request, user: Any, disposal_id: int) -> dict[str, Any]:
    with uow(request) as unit, user_errors():
        approve(unit.session, user, disposal_id)
        unit.commit()
    with user_errors():
        return execute_disposal(container(request), _settings(), user, disposal_id)


def certificate(request: Request, user: Any, disposal_id: int, fmt: str) -> tuple[Any, str, str]:
    with uow(request, read_only=True) as unit, user_errors():
        body = certificate_of(unit.session, disposal_id)
    if fmt == "pdf":
        return certificate_pdf(body), "application/pdf", f"loeschprotokoll-{disposal_id}.pdf"
    return body, "application/json", f"loeschprotokoll-{disposal_id}.json"


def archive_handover(request: Request, user: Any) -> dict[str, Any]:
    with uow(request, read_only=True) as unit, user_errors():
        return {"handovers": list_handovers(unit.session)}


def archive_offer(request: Request, user: Any, day: date) -> tuple[bytes, str]:
    with uow(request) as unit, user_errors():
        _row, name, xml = create_offer(unit.session, _settings(), user, day)
        unit.commit()
    return xml, name


def retention_classes(request: Request, user: Any) -> list[dict[str, Any]]:
    with user_errors():
        return [
            {
                "id": c.id,
                "name": c.name,
                "period": c.period.german(),
                "trigger": c.start_text(),
                "action": c.action.german(),
                "legal_basis": c.legal_basis,
            }
            for c in registry(_settings()).values()
        ]
