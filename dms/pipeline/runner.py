"""Runs the ordered steps for one document: claim (short txn) → steps (no txn) → persist (short txn)."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Literal

from sqlalchemy.exc import OperationalError

from dms import audit
from dms.db.tables import Document, DocumentText, SearchOutbox
from dms.db.types import utcnow
from dms.errors import DmsError, IntegrityError, NotFound, Unavailable
from dms.pipeline.base import IngestContext
from search.analysis import default_analyzer

if TYPE_CHECKING:
    from dms.bootstrap import Container

log = logging.getLogger(__name__)
Outcome = Literal["ready", "failed", "skipped"]
#: errors worth retrying later (the task retries with backoff; the sweep catches the rest)
TRANSIENT = (Unavailable, OperationalError, ConnectionError, TimeoutError)


def _fail(container: Container, document_id: int, reason: str) -> Outcome:
    with container.uow() as uow:
        doc = uow.session.get(Document, document_id)
        if doc is None:
            return "skipped"
        doc.status = "failed"
        doc.failure_reason = reason[:4000]
        doc.processed_at = utcnow()
        doc.updated_at = utcnow()
        uow.session.add(doc)
        # a failed document stays findable by its metadata (and `search check` agrees with `reindex`)
        uow.session.add(SearchOutbox(document_id=document_id, op="upsert"))
        uow.enqueue("dms.drain_outbox")
        audit.record(uow.session, None, "document.failed", "document", document_id, {"reason": reason[:500]})
        uow.commit()
    return "failed"


def content_analysis(text: str) -> str | None:
    """The search analysis stored with an extracted text (``DocumentText.analysis``): computed here, once
    per text version, so the outbox drain indexes later metadata changes without analysing the text."""
    if not text:
        return None
    try:
        return default_analyzer().encode_content(text)
    except Exception:  # an optimisation only: the indexer analyses the text itself without it
        log.exception("search analysis of an extracted text failed; the indexer will analyse it")
        return None


def release_claim(container: Container, document_id: int) -> None:
    """Best effort: un-claim so that a retry may run at once (else the sweep catches it later)."""
    try:
        with container.uow() as uow:
            doc = uow.session.get(Document, document_id)
            if doc is not None and doc.status == "processing":
                doc.processing_started_at = None
                uow.session.add(doc)
                uow.commit()
    except Exception:
        log.warning("could not release the claim on document %s", document_id)


def process_document(container: Container, document_id: int) -> Outcome:
    """Process one document idempotently. Raises only transient errors (for a retry)."""
    settings = container.settings
    # 1. claim
    with container.uow() as uow:
        doc = uow.session.get(Document, document_id)
        if doc is None or doc.deleted or doc.status != "processing":
            return "skipped"
        started = doc.processing_started_at
        if started is not None and (utcnow() - started).total_seconds() < settings.stuck_after_seconds:
            return "skipped"  # another worker claimed it recently (a duplicate message)
        attempts = doc.processing_attempts
        gave_up = attempts >= settings.max_processing_attempts
        if not gave_up:
            doc.processing_attempts += 1
            doc.processing_started_at = utcnow()
            uow.session.add(doc)
            version_no, sha, filename = doc.current_version, doc.sha256, doc.filename
            declared, doc_type = doc.mime_type, doc.document_type
            uow.commit()
    if gave_up:  # outside the claim transaction (SQLite allows one writer)
        return _fail(
            container, document_id,
            f"gave up after {attempts} processing attempts (worker crashed or timed out each time)",
        )

    if settings.ingest_debug_delay:
        time.sleep(settings.ingest_debug_delay)

    # 2. steps (no transaction open)
    try:
        data = container.store.get(sha)
    except (NotFound, IntegrityError) as exc:
        return _fail(container, document_id, f"original unavailable: {exc}")
    ctx = IngestContext(
        document_id=document_id, version_no=version_no, filename=filename, data=data, sha256=sha,
        declared_mime=declared, document_type=doc_type,
    )
    for step in container.steps:
        try:
            step.run(ctx)
        except TRANSIENT:
            release_claim(container, document_id)
            raise
        except DmsError as exc:
            return _fail(container, document_id, f"{step.name}: {exc}")
        except Exception as exc:
            log.exception("ingest step %s failed for document %s", step.name, document_id)
            return _fail(container, document_id, f"{step.name}: {type(exc).__name__}: {exc}")

    # a preview can be regenerated: no fsync for it
    thumb = container.store.put(ctx.thumbnail_png, durable=False).sha256 if ctx.thumbnail_png else None

    analysis = content_analysis(ctx.text) if ctx.index else None

    # 3. persist
    with container.uow() as uow:
        doc = uow.session.get(Document, document_id)
        if doc is None or doc.status != "processing" or doc.current_version != version_no:
            return "skipped"  # superseded meanwhile (new version) or finished by a concurrent run
        doc.mime_type = ctx.mime_type
        doc.page_count = ctx.page_count
        doc.thumbnail_sha256 = thumb
        doc.status = "ready"
        doc.failure_reason = None
        doc.processed_at = utcnow()
        doc.updated_at = utcnow()
        uow.session.add(doc)
        text = uow.session.get(DocumentText, document_id)
        if text is None:
            text = DocumentText(document_id=document_id, version_no=version_no)
        text.version_no = version_no
        text.content = ctx.text
        text.attachments = ctx.attachments
        text.analysis = analysis
        uow.session.add(text)
        if ctx.index:
            uow.session.add(SearchOutbox(document_id=document_id, op="upsert"))
            uow.enqueue("dms.drain_outbox")
        audit.record(
            uow.session, None, "document.processed", "document", document_id,
            {"version": version_no, "mime_type": ctx.mime_type, "chars": len(ctx.text), "warnings": ctx.warnings[:5]},
        )
        uow.commit()
    return "ready"
