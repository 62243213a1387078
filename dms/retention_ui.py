"""The retention functions the server-rendered UI calls (``dms.web.ui.backend`` names them).

Same services as the JSON API; shapes match the templates under ``dms/web/ui/templates/records`` and
``admin/retention.html``. To wire: in ``dms/web/ui/backend/__init__.py`` replace each
``<name> = _missing("retention")`` by ``from dms.retention_ui import <name>``.
"""

from __future__ import annotations

import logging
import threading
from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request

from dms.retention_facts import registry, today
from dms.retention_service import (
    approve,
    certificate_of,
    count_live,
    execute_disposal,
    latest_run,
    list_disposals,
    list_holds,
    open_disposal,
    plan_changes,
    plan_items,
    refresh_plan,
    update_plan,
)
from dms.retention_service import (
    create_hold as _create_hold,
)
from dms.retention_service import (
    release_hold as _release_hold,
)
from dms.retention_settings import RetentionSettings
from dms.retention_tables import RetentionPlanRun
from dms.retention_xdomea import create_offer, list_handovers
from retention.certificate import certificate_pdf

_UI_STATUS = {"open": "requested"}
log = logging.getLogger(__name__)


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


PAGE_SIZE = 200
#: without any stored plan, archives up to this size get their first plan while the page waits (< ~0.3 s);
#: larger ones get it in the background and the page says so
SYNC_LIMIT = 20_000
_REFRESHING: set[tuple[int, date]] = set()
_REFRESH_LOCK = threading.Lock()


def refreshing(container_: Any, day: date) -> bool:
    with _REFRESH_LOCK:
        return (id(container_), day) in _REFRESHING


def refresh_in_background(container_: Any, day: date) -> None:
    """Recompute the stored plan of ``day`` in a thread of this process (one at a time per day)."""
    key = (id(container_), day)
    with _REFRESH_LOCK:
        if key in _REFRESHING:
            return
        _REFRESHING.add(key)

    def work() -> None:
        try:
            refresh_plan(container_, _settings(), day)
        except Exception:  # logged; the stored plan stays and the next view tries again
            log.exception("retention plan refresh for %s failed", day)
        finally:
            with _REFRESH_LOCK:
                _REFRESHING.discard(key)

    threading.Thread(target=work, name=f"retention-plan-{day}", daemon=True).start()


def retention_due(request: Request, user: Any, day: date, page: int = 1) -> dict[str, Any]:
    """One page of the stored disposal plan for ``day`` (due documents, then due-but-held ones), with
    when it was computed. Changes to single documents since then are applied at once (re-assessed by
    the retention core); wider changes or a new day are recomputed in the background while the stored
    plan is shown with its date. Only a day without any stored plan is computed while the page waits."""
    settings = _settings()
    c = container(request)
    with uow(request, read_only=True) as unit, user_errors():
        run = latest_run(unit.session, day)
        fallback = latest_run(unit.session) if run is None else None
        changes = plan_changes(unit.session, run.audit_head) if run is not None else None
        live_documents = count_live(unit.session) if run is None and fallback is None else 0
    if run is None:
        if fallback is not None and day == today(settings) and 0 < (day - fallback.as_of).days <= 7:
            run_id = int(fallback.id or 0)  # yesterday's plan, clearly dated, while today's is computed
            refresh_in_background(c, day)
        elif live_documents > SYNC_LIMIT:
            refresh_in_background(c, day)  # the first plan of a large archive: the page says it is coming
            return _computing(day)
        else:
            with user_errors():
                run_id = refresh_plan(c, settings, day)
    else:
        run_id = int(run.id or 0)
        assert changes is not None
        head, documents = changes
        if documents is None:
            refresh_in_background(c, day)
        elif head != run.audit_head:
            with user_errors():
                update_plan(c, settings, run_id, since=run.audit_head, head=head, documents=documents)
    page = max(1, page)
    with uow(request, read_only=True) as unit, user_errors():
        stored = unit.session.get(RetentionPlanRun, run_id)
        if stored is None:  # replaced by a newer run in between
            stored = latest_run(unit.session, day) or latest_run(unit.session)
        assert stored is not None
        items, total, held = plan_items(unit.session, int(stored.id or 0), (page - 1) * PAGE_SIZE, PAGE_SIZE)
    zone = ZoneInfo(settings.timezone)
    return {
        "items": [
            {"document_id": i.document_id, "title": i.title, "held": i.held, "retention_class": i.class_id,
             "until": i.keep_until, "action": i.action, "reason": i.reason}
            for i in items
        ],
        "total": total,
        "held": held,
        "page": page,
        "pages": max(1, -(-total // PAGE_SIZE)),
        "as_of": stored.as_of,
        "computed_at": stored.computed_at.astimezone(zone),
        "updated_at": stored.updated_at.astimezone(zone),
        "refreshing": refreshing(c, day),
    }


def _computing(day: date) -> dict[str, Any]:
    return {"items": [], "total": 0, "held": 0, "page": 1, "pages": 1, "as_of": day, "computed_at": None,
            "updated_at": None, "refreshing": True}


def refresh_due(request: Request, user: Any, day: date) -> None:
    """'Neu berechnen': a full recomputation of ``day`` in the background."""
    refresh_in_background(container(request), day)


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
