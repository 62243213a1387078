"""Documents API: upload, metadata, originals (audited), versions, finalise, re-file."""
# ruff: noqa: PLC0415, PLR0917  -- FastAPI endpoints take many form/query parameters; lazy imports

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import FileResponse, Response
from sqlalchemy import select
from sqlmodel import col
from starlette.concurrency import run_in_threadpool

from dms.db.engine import Database
from dms.db.tables import DocumentText
from dms.domain.principal import Principal
from dms.errors import IntegrityError, NotFound, ValidationFailed
from dms.pipeline.detect import detect, extension_mismatch
from dms.services import documents as svc
from dms.storage.local import LocalBlobStore
from dms.web.api.schemas import (
    DocumentList,
    DocumentOut,
    FilingOut,
    MetadataUpdate,
    MetadataVersionOut,
    RefileIn,
    TextOut,
    UploadAccepted,
    VersionOut,
)
from dms.web.deps import ContainerDep, ReadSession, Uow, require

router = APIRouter(prefix="/api/v1/documents", tags=["documents"])

_INLINE_TYPES = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/tiff", "text/plain"}


def _store_upload(container: Any, file: UploadFile) -> tuple[Any, str, str | None]:
    """Stream the upload into the store (size-limited). Returns (blob, safe filename, detected mime)."""
    if svc.path_traversal(file.filename):
        raise ValidationFailed(
            f"refused the file name {file.filename!r}: it contains a path ('..' or an absolute path); "
            "send the bare file name")
    filename = svc.sanitise_filename(file.filename)
    f = file.file
    f.seek(0)
    head = f.read(8192)
    if not head:
        raise ValidationFailed("the file is empty (0 bytes)")
    mismatch = extension_mismatch(head, filename)
    if mismatch:
        raise ValidationFailed(f"refused {filename}: {mismatch}")
    f.seek(0)
    blob = container.store.put_stream(f, max_bytes=container.settings.max_upload_bytes)
    return blob, filename, detect(head, filename)


def _custom_fields(raw: str | None) -> dict[str, Any] | None:
    if not raw:
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValidationFailed("custom_fields must be a JSON object") from exc
    if not isinstance(value, dict):
        raise ValidationFailed("custom_fields must be a JSON object")
    return value


@router.post("", status_code=202, response_model=UploadAccepted,
             summary="Upload a document (returns at once; processing continues in the background)")
def upload_document(
    principal: Annotated[Principal, require("documents:upload")],
    container: ContainerDep,
    uow: Uow,
    file: Annotated[UploadFile, File(description="The document file")],
    title: Annotated[str | None, Form(max_length=500)] = None,
    akte_id: Annotated[int | None, Form()] = None,
    vorgang_id: Annotated[int | None, Form()] = None,
    # column widths: longer values are refused (422), never truncated or left to the database (500)
    document_type: Annotated[str | None, Form(max_length=64)] = None,
    department: Annotated[str | None, Form(max_length=64)] = None,
    document_date: Annotated[str | None, Form(max_length=32)] = None,
    retention_class: Annotated[str | None, Form(max_length=64)] = None,
    correspondent: Annotated[str | None, Form(max_length=300)] = None,
    tags: Annotated[str | None, Form(description="Comma-separated")] = None,
    custom_fields: Annotated[str | None, Form(description="JSON object")] = None,
    channel: Annotated[str, Form(max_length=32)] = "api",
) -> UploadAccepted:
    container.dispatcher.check()  # 503 before storing anything if the queue is down
    if retention_class:  # 422 for a class that is not configured, before anything is stored
        from dms.retention_service import validate_retention_class
        from dms.retention_settings import RetentionSettings

        validate_retention_class(RetentionSettings(), retention_class)
    blob, filename, mime = _store_upload(container, file)
    new = svc.create_document(
        uow.session, principal, blob, filename=filename, mime_type=mime, title=title, akte_id=akte_id,
        vorgang_id=vorgang_id, document_type=document_type, department=department, document_date=document_date,
        retention_class=retention_class, correspondent=correspondent,
        tags=[t.strip() for t in tags.split(",") if t.strip()] if tags else None,
        custom_fields=_custom_fields(custom_fields), channel=channel, enqueue=uow.enqueue,
        refuse_duplicates=container.settings.duplicate_uploads == "refuse",
    )
    uow.commit()
    return UploadAccepted(id=new.id, sha256=new.sha256, size=blob.size, duplicate_of=new.duplicate_of)


def _out(session: Any, doc: Any) -> DocumentOut:
    """A document as ``GET /documents/{id}`` shows it, including its current archive copy's SHA-256."""
    return DocumentOut.of(doc, svc.current_archive_sha256s(session, [doc]).get(int(doc.id or 0)))


@router.get("", response_model=DocumentList)
def list_documents(
    principal: Annotated[Principal, require("documents:read")],
    session: ReadSession,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
    akte_id: int | None = None,
    status: str | None = None,
) -> DocumentList:
    rows, total = svc.list_documents(session, principal, limit=limit, offset=offset, akte_id=akte_id, status=status)
    archives = svc.current_archive_sha256s(session, list(rows))
    return DocumentList(total=total, items=[DocumentOut.of(d, archives.get(int(d.id or 0))) for d in rows])


def _document_view(db: Database, principal: Principal, document_id: int) -> dict[str, Any]:
    with db.read.connect() as conn:
        return svc.document_view(conn, principal, document_id)


@router.get("/{document_id}", response_model=DocumentOut)
async def get_document(document_id: int, principal: Annotated[Principal, require("documents:read")],
                       container: ContainerDep) -> Response:
    """The hottest read of the API, kept cheap: one Core query, no ORM entity, no session, the JSON built
    here (returning a ``Response`` skips FastAPI's second validation pass and its thread-pool hop).

    On SQLite the primary-key read runs on the event loop: a WAL reader never waits for a lock and the read
    costs less CPU than a thread-pool round trip; on PostgreSQL (network I/O) it goes to the thread pool."""
    db = container.db
    if db.dialect == "sqlite":
        view = _document_view(db, principal, document_id)
    else:
        view = await run_in_threadpool(_document_view, db, principal, document_id)
    return Response(DocumentOut(**view).model_dump_json(), media_type="application/json")


@router.patch("/{document_id}", response_model=DocumentOut)
def update_document(document_id: int, body: MetadataUpdate,
                    principal: Annotated[Principal, require("documents:write")], uow: Uow) -> DocumentOut:
    changes = body.model_dump(exclude_unset=True)
    doc = svc.update_metadata(uow.session, principal, document_id, changes)
    uow.commit()
    return _out(uow.session, doc)


def _send_blob(container: Any, sha256: str, filename: str, mime: str | None, inline: bool) -> Response:
    media = mime or "application/octet-stream"
    disposition = "inline" if inline and media in _INLINE_TYPES else "attachment"
    headers = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox", "ETag": f'"{sha256}"'}
    store = container.store
    if isinstance(store, LocalBlobStore):
        if not store.verify(sha256):
            raise IntegrityError(f"stored original {sha256} failed its integrity check; not delivered")
        return FileResponse(store.path_for(sha256), media_type=media, filename=filename,
                            content_disposition_type=disposition, headers=headers)
    data = store.get(sha256)
    from urllib.parse import quote

    headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(filename)}"
    return Response(data, media_type=media, headers=headers)


# The original is delivered with the media type it was stored with (PDF, TIFF, XML, …): any type.
_ORIGINAL_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"*/*": {}}, "description": "The exact bytes uploaded, with their stored media type"}
}


@router.get("/{document_id}/original", response_class=Response, responses=_ORIGINAL_RESPONSES)
def get_original(document_id: int, principal: Annotated[Principal, require("documents:read")],
                 container: ContainerDep, uow: Uow, inline: bool = False) -> Response:
    ver = svc.read_original(uow.session, principal, document_id)
    uow.commit()
    return _send_blob(container, ver.sha256, ver.filename, ver.mime_type, inline)


@router.get("/{document_id}/versions/{version_no}/original", response_class=Response,
            responses=_ORIGINAL_RESPONSES)
def get_version_original(document_id: int, version_no: int, principal: Annotated[Principal, require("documents:read")],
                         container: ContainerDep, uow: Uow, inline: bool = False) -> Response:
    ver = svc.read_original(uow.session, principal, document_id, version_no)
    uow.commit()
    return _send_blob(container, ver.sha256, ver.filename, ver.mime_type, inline)


@router.get("/{document_id}/text", response_model=TextOut)
def get_text(document_id: int, principal: Annotated[Principal, require("documents:read")], uow: Uow) -> TextOut:
    svc.get_document(uow.session, principal, document_id)
    text = uow.session.execute(select(DocumentText).where(col(DocumentText.document_id) == document_id)).scalar_one_or_none()
    from dms import audit

    audit.record(uow.session, principal, "document.read_text", "document", document_id, {})
    uow.commit()
    return TextOut(document_id=document_id, version_no=text.version_no if text else None,
                   content=text.content if text else "", attachments=text.attachments if text else [])


@router.get("/{document_id}/thumbnail", response_class=Response,
            responses={200: {"content": {"image/png": {}}}})
def get_thumbnail(document_id: int, principal: Annotated[Principal, require("documents:read")],
                  container: ContainerDep, session: ReadSession) -> Response:
    doc = svc.get_document(session, principal, document_id)
    if not doc.thumbnail_sha256:
        raise NotFound(f"document {document_id} has no preview")
    return Response(container.store.get(doc.thumbnail_sha256), media_type="image/png",
                    headers={"Cache-Control": "private, max-age=3600"})


@router.get("/{document_id}/versions", response_model=list[VersionOut])
def list_versions(document_id: int, principal: Annotated[Principal, require("documents:read")],
                  session: ReadSession) -> list[VersionOut]:
    return [VersionOut.of(v) for v in svc.list_versions(session, principal, document_id)]


@router.post("/{document_id}/versions", status_code=202, response_model=VersionOut)
def add_version(
    document_id: int,
    principal: Annotated[Principal, require("documents:write")],
    container: ContainerDep,
    uow: Uow,
    file: Annotated[UploadFile, File()],
    comment: Annotated[str | None, Form()] = None,
) -> VersionOut:
    container.dispatcher.check()
    svc.get_document(uow.session, principal, document_id)
    blob, filename, mime = _store_upload(container, file)
    ver = svc.add_version(uow.session, principal, document_id, blob, filename, mime, comment, enqueue=uow.enqueue)
    uow.commit()
    return VersionOut.of(ver)


@router.get("/{document_id}/metadata-history", response_model=list[MetadataVersionOut])
def metadata_history(document_id: int, principal: Annotated[Principal, require("documents:read")],
                     session: ReadSession) -> list[MetadataVersionOut]:
    return [MetadataVersionOut.of(m) for m in svc.metadata_history(session, principal, document_id)]


@router.get("/{document_id}/filing-history", response_model=list[FilingOut])
def filing_history(document_id: int, principal: Annotated[Principal, require("documents:read")],
                   session: ReadSession) -> list[FilingOut]:
    return [FilingOut.of(f) for f in svc.filing_history(session, principal, document_id)]


@router.post("/{document_id}/finalise", response_model=DocumentOut)
def finalise(document_id: int, principal: Annotated[Principal, require("documents:finalise")], uow: Uow) -> DocumentOut:
    doc = svc.finalise(uow.session, principal, document_id)
    uow.commit()
    return _out(uow.session, doc)


@router.post("/{document_id}/refile", response_model=DocumentOut)
def refile(document_id: int, body: RefileIn, principal: Annotated[Principal, require("documents:write")],
           uow: Uow) -> DocumentOut:
    doc = svc.refile(uow.session, principal, document_id, body.akte_id, body.vorgang_id, body.reason)
    uow.commit()
    return _out(uow.session, doc)


@router.post("/{document_id}/reprocess", status_code=202, response_model=DocumentOut)
def reprocess(document_id: int, principal: Annotated[Principal, require("documents:write")],
              container: ContainerDep, uow: Uow) -> DocumentOut:
    """Run the pipeline again for a failed document (e.g. after installing a missing tool)."""
    container.dispatcher.check()
    doc = svc.reprocess(uow.session, principal, document_id, enqueue=uow.enqueue)
    uow.commit()
    return _out(uow.session, doc)
