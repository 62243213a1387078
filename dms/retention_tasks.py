"""Celery tasks of the retention context (JSON args, ids only): scheduled fixity check, resume disposals."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from dms.domain.principal import SYSTEM
from dms.retention_fixity import run_fixity
from dms.retention_service import execute_disposal, refresh_plan
from dms.retention_settings import RetentionSettings
from dms.retention_tables import DisposalRequestRow
from dms.worker.app import app
from dms.worker.context import get_container

log = logging.getLogger(__name__)

FIXITY_TASK = "retention.fixity_check"
RESUME_TASK = "retention.resume_disposals"
REFRESH_PLAN_TASK = "retention.refresh_plan"


@app.task(name=FIXITY_TASK, acks_late=True)
def fixity_check_task(sample: int | None = None) -> dict[str, Any]:
    settings = RetentionSettings()
    report = run_fixity(get_container(), settings, sample=sample or settings.fixity_sample)
    if not report["healthy"]:
        log.error(
            "fixity check found problems: %s mismatches, %s missing",
            len(report["mismatches"]),
            len(report["missing"]),
        )
    return {k: report[k] for k in ("run_id", "checked", "ok", "healthy")}


@app.task(name=RESUME_TASK, acks_late=True)
def resume_disposals_task() -> list[int]:
    """Finish disposal runs that a dead worker or request left ``approved`` or ``executing`` (per-item states: no double work)."""
    container = get_container()
    pending = col(DisposalRequestRow.state).in_(("approved", "executing"))
    with container.uow(read_only=True) as uow:
        ids = [int(i) for i in uow.session.execute(select(col(DisposalRequestRow.id)).where(pending)).scalars()]
    for disposal_id in ids:
        execute_disposal(container, RetentionSettings(), SYSTEM, disposal_id)
    return ids


@app.task(name=REFRESH_PLAN_TASK, acks_late=True)
def refresh_plan_task(as_of: str | None = None) -> int:
    """Beat (every 15 minutes) and on demand: store a fresh disposal plan for ``/records/due``."""
    day = date.fromisoformat(as_of) if as_of else None
    return refresh_plan(get_container(), RetentionSettings(), day)
