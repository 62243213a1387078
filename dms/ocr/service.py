"""Scan station services used by the API, the CLI and the worker (no commits here, except ``retry``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlmodel import Session

from dms.db.tables import Document
from dms.domain.principal import Principal
from dms.errors import NotFound
from dms.ocr import resiscan
from dms.ocr.tables import DocumentArchive
from dms.services import documents as svc

if TYPE_CHECKING:
    from dms.bootstrap import Container

SYSTEM = Principal(user_id=0, username="scan-station", role="admin")


def archive_info(session: Session, principal: Principal, document_id: int) -> tuple[Document, DocumentArchive | None]:
    """The document (access-checked) and its archive-copy record, if OCR produced one for this version."""
    doc = svc.get_document(session, principal, document_id)
    row = session.get(DocumentArchive, document_id)
    if row is not None and row.version_no != doc.current_version:
        row = None  # a newer version is still being processed
    return doc, row


def archive_sha256(session: Session, principal: Principal, document_id: int) -> str | None:
    """SHA-256 of the PDF/A archive copy of the current version, or None."""
    _, row = archive_info(session, principal, document_id)
    return row.archive_sha256 if row else None


def require_archive(session: Session, principal: Principal, document_id: int) -> tuple[Document, DocumentArchive]:
    doc, row = archive_info(session, principal, document_id)
    if row is None or not row.archive_sha256:
        reason = f" ({row.skipped_reason})" if row is not None and row.skipped_reason else ""
        raise NotFound(f"document {document_id} has no PDF/A archive copy{reason}")
    return doc, row


def retry(container: Container, document_id: int, principal: Principal = SYSTEM) -> Document:
    """Run the pipeline (with OCR) again for a failed or finished document; the original is unchanged."""
    with container.uow() as uow:
        doc = svc.reprocess(uow.session, principal, document_id, enqueue=uow.enqueue)
        uow.commit()
    return doc


# ------------------------------------------------------------------------ TR-RESISCAN batch records
def batch_store(container: Container) -> resiscan.ResiscanStore:
    return resiscan.ResiscanStore(container.settings.data_path / "scan-records")


def refresh_batch(container: Container, record: resiscan.ScanBatchRecord) -> resiscan.ScanBatchRecord:
    """Copy each document's processing state and archive-copy hash into the batch record."""
    with container.uow(read_only=True) as uow:
        for entry in record.documents:
            if not entry.document_id:
                continue
            doc = uow.session.get(Document, int(entry.document_id))
            row = uow.session.get(DocumentArchive, int(entry.document_id))
            if doc is None or doc.deleted:
                entry.status, entry.failure = "failed", "document deleted"
                continue
            if doc.status == "failed":
                entry.status, entry.failure = "failed", doc.failure_reason
            elif doc.status == "ready":
                entry.status, entry.failure = "ok", None
            else:
                entry.status, entry.failure = "ok", None  # still processing: no archive hash yet
            entry.archive_sha256 = row.archive_sha256 if row and row.version_no == doc.current_version else None
    return record


# ------------------------------------------------------------------------ disposal (retention)
def archive_digests(session: Session, document_id: int) -> set[str]:
    """Content-store digests of the document's archive copy, for disposal to delete with the originals."""
    row = session.get(DocumentArchive, document_id)
    return {row.archive_sha256} if row is not None and row.archive_sha256 else set()


def forget_archive(session: Session, document_id: int) -> None:
    """Drop the archive-copy record of a disposed document (its blob is deleted by the caller)."""
    row = session.get(DocumentArchive, document_id)
    if row is not None:
        session.delete(row)
