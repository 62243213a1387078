"""Recovery sweep: documents stuck in ``processing`` are re-enqueued (or failed after too many tries)."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy import or_, select, update
from sqlmodel import col

from dms.db.tables import Document
from dms.db.types import utcnow

if TYPE_CHECKING:
    from dms.bootstrap import Container

log = logging.getLogger(__name__)


def stuck_documents(container: Container, older_than_seconds: float | None = None, limit: int = 1000) -> list[int]:
    """Claimed but not finished for ``older_than_seconds``; never claimed for 4× that (lost messages)."""
    age = container.settings.stuck_after_seconds if older_than_seconds is None else older_than_seconds
    now = utcnow()
    cutoff, unclaimed_cutoff = now - timedelta(seconds=age), now - timedelta(seconds=age * 4)
    with container.uow(read_only=True) as uow:
        q = (
            select(col(Document.id))
            .where(col(Document.status) == "processing", col(Document.deleted).is_(False))
            .where(
                or_(
                    col(Document.processing_started_at) < cutoff,
                    col(Document.processing_started_at).is_(None) & (col(Document.updated_at) < unclaimed_cutoff),
                )
            )
            .order_by(col(Document.id))
            .limit(limit)
        )
        return [int(i) for i in uow.session.execute(q).scalars()]


def release_orphaned_claims(container: Container) -> list[int]:
    """Embedded mode at worker start: no other worker exists, so every claim is from a dead one.

    The claims are released and the documents re-enqueued (their message died with the worker)."""
    with container.uow() as uow:
        ids = [int(i) for i in uow.session.execute(
            select(col(Document.id)).where(col(Document.status) == "processing",
                                           col(Document.processing_started_at).is_not(None))
        ).scalars()]
        if ids:
            uow.session.execute(update(Document).where(col(Document.id).in_(ids)).values(processing_started_at=None))
        uow.commit()
    for doc_id in ids:
        container.dispatcher.send("dms.ingest", [doc_id])
    if ids:
        log.warning("re-enqueued %d document(s) left claimed by a dead worker: %s", len(ids), ids[:20])
    return ids


def recovery_sweep(container: Container, older_than_seconds: float | None = None) -> list[int]:
    """Re-send ``dms.ingest`` for stuck documents. Processing is idempotent, so duplicates are harmless."""
    ids = stuck_documents(container, older_than_seconds)
    sent: list[int] = []
    for doc_id in ids:
        try:
            container.dispatcher.send("dms.ingest", [doc_id])
        except Exception:
            log.exception("sweep could not re-enqueue document %s", doc_id)
            break
        sent.append(doc_id)
    if sent:
        # reliability finding: with a backlog older than 4x the stuck age, every sweep re-sent every unclaimed
        # document again (9,000+ duplicate messages for 1,000 documents); re-sent ones now wait a full period
        with container.uow() as uow:
            uow.session.execute(
                update(Document)
                .where(col(Document.id).in_(sent), col(Document.processing_started_at).is_(None))
                .values(updated_at=utcnow())
            )
            uow.commit()
    if ids:
        log.warning("recovery sweep re-enqueued %d stuck document(s): %s", len(ids), ids[:20])
    return ids
