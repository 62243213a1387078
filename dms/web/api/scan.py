"""Scan station API: the PDF/A archive copy of a document and its OCR record."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel

from dms import audit
from dms.domain.principal import Principal
from dms.errors import IntegrityError
from dms.ocr import service
from dms.web.deps import ContainerDep, ReadSession, Uow, require

router = APIRouter(prefix="/api/v1/documents", tags=["scan"])


class ArchiveInfo(BaseModel):
    document_id: int
    version_no: int
    sha256: str
    status: str
    archive_sha256: str | None
    conformance: str | None
    ocr_applied: bool | None
    skipped_reason: str | None
    pages: int | None
    warnings: list[str]
    created_at: datetime | None


@router.get("/{document_id}/archive-info", response_model=ArchiveInfo)
def get_archive_info(document_id: int, principal: Annotated[Principal, require("documents:read")],
                     session: ReadSession) -> ArchiveInfo:
    doc, row = service.archive_info(session, principal, document_id)
    return ArchiveInfo(
        document_id=document_id, version_no=doc.current_version, sha256=doc.sha256, status=doc.status,
        archive_sha256=row.archive_sha256 if row else None, conformance=row.conformance if row else None,
        ocr_applied=row.ocr_applied if row else None, skipped_reason=row.skipped_reason if row else None,
        pages=row.pages if row else None, warnings=list(row.warnings) if row else [],
        created_at=row.created_at if row else None,
    )


@router.get("/{document_id}/archive", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "The PDF/A-2b archive copy"}})
def get_archive(document_id: int, principal: Annotated[Principal, require("documents:read")],
                container: ContainerDep, uow: Uow) -> Response:
    doc, row = service.require_archive(uow.session, principal, document_id)
    digest = str(row.archive_sha256)
    if not container.store.verify(digest):
        raise IntegrityError(f"archive copy {digest} failed its integrity check; not delivered")
    audit.record(uow.session, principal, "document.read_archive", "document", document_id, {"sha256": digest})
    uow.commit()
    stem = doc.filename.rsplit(".", 1)[0] or "document"
    headers = {
        "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox", "ETag": f'"{digest}"',
        "X-Archive-SHA256": digest,
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(stem + '.pdfa.pdf')}",
    }
    return Response(container.store.get(digest), media_type="application/pdf", headers=headers)
