"""Documents: create on upload, versions (never replaced), versioned metadata, finalise, re-file, grants."""
# ruff: noqa: PLC0415, PLR0917  -- service calls mirror (session, principal, ids…)

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any
from urllib.parse import unquote

from sqlalchemy import Connection, func, select
from sqlalchemy import text as sa_text
from sqlmodel import Session, col

from dms import audit
from dms.db.tables import (
    AccessGrant,
    Akte,
    Document,
    DocumentMetadataVersion,
    DocumentType,
    DocumentVersion,
    FilingHistory,
    SearchOutbox,
    User,
    Vorgang,
)
from dms.db.types import utcnow
from dms.domain.principal import Principal
from dms.errors import Conflict, DuplicateDocument, Frozen, Gone, NotFound, PermissionDenied, ValidationFailed
from dms.services import access
from dms.storage.ports import StoredBlob

CHANNELS = ("upload", "api", "scan", "email", "online_application", "import", "portal", "peppol")
INGEST_TASK = "dms.ingest"
#: the states a document's processing can be in (``GET /documents?status=``)
DOCUMENT_STATUSES = ("processing", "ready", "failed")
METADATA_FIELDS = ("title", "document_type", "correspondent", "tags", "document_date", "department",
                   "custom_fields", "retention_class", "asn")
#: control characters, characters Windows refuses, and bidi overrides that disguise an extension ("\u202eexe.txt")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f<>:\"|?*\u200e\u200f\u202a-\u202e\u2066-\u2069]")


_DRIVE = re.compile(r"^[A-Za-z]:[\\/]")


def path_traversal(name: str | None) -> bool:
    """True when a client-sent file name carries a path that climbs or starts at a root.

    ``../x``, ``..\\x``, ``....//x``, ``/etc/x``, ``C:\\x`` and their percent-encoded forms are refused
    at the API with a 4xx; plain names (and names with harmless characters, which
    :func:`sanitise_filename` cleans) pass."""
    if not name:
        return False
    for candidate in {name, unquote(name)}:
        flat = candidate.replace("\\", "/")
        if flat.startswith("/") or _DRIVE.match(candidate):
            return True
        if any(len(seg) >= 2 and set(seg) == {"."} for seg in flat.split("/")):
            return True
    return False


def sanitise_filename(name: str | None) -> str:
    """Keep only the base name: no directories, no control characters, no leading dots."""
    raw = unicodedata.normalize("NFC", name or "")
    raw = raw.replace("\\", "/").split("/")[-1]
    raw = _UNSAFE.sub("_", raw).strip().lstrip(".").strip()
    if raw in {"", ".", ".."}:
        raw = "upload.bin"
    if len(raw) > 200:
        stem, dot, ext = raw.rpartition(".")
        raw = (stem[: 200 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 16 else raw[:200]
    return raw


def parse_date(value: str | date | None, field: str = "document_date") -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValidationFailed(f"{field} must be an ISO date (YYYY-MM-DD), got {value!r}") from exc


def _snapshot(doc: Document) -> dict[str, Any]:
    return {
        "title": doc.title, "document_type": doc.document_type, "correspondent": doc.correspondent,
        "tags": list(doc.tags or []), "document_date": doc.document_date.isoformat() if doc.document_date else None,
        "department": doc.department, "custom_fields": dict(doc.custom_fields or {}),
        "retention_class": doc.retention_class, "asn": doc.asn, "akte_id": doc.akte_id, "vorgang_id": doc.vorgang_id,
    }


def check_custom_fields(session: Session, document_type: str | None, fields: dict[str, Any], *, enforce_required: bool) -> None:
    if not document_type:
        return
    dtype = session.execute(select(DocumentType).where(col(DocumentType.name) == document_type)).scalar_one_or_none()
    if dtype is None:
        return  # free-text document types are allowed; only defined types have field rules
    defs = {f["name"]: f for f in dtype.fields or []}
    unknown = set(fields) - set(defs)
    if unknown and defs:
        raise ValidationFailed(f"unknown custom field(s) for {document_type}: {', '.join(sorted(unknown))}")
    if enforce_required:
        missing = [n for n, f in defs.items() if f.get("required") and fields.get(n) in (None, "")]
        if missing:
            raise ValidationFailed(f"required field(s) missing for document type {document_type}: {', '.join(missing)}")


def _resolve_filing(
    session: Session, principal: Principal, akte_id: int | None, vorgang_id: int | None
) -> tuple[Akte | None, Vorgang | None]:
    akte = vorgang = None
    if vorgang_id is not None:
        vorgang = session.get(Vorgang, vorgang_id)
        if vorgang is None:
            raise NotFound(f"Vorgang {vorgang_id} not found")
        if akte_id is not None and akte_id != vorgang.akte_id:
            raise ValidationFailed(f"Vorgang {vorgang_id} does not belong to Akte {akte_id}")
        akte_id = vorgang.akte_id
        if vorgang.status != "open":
            raise Frozen(f"Vorgang {vorgang_id} is closed (zdA)")
    if akte_id is not None:
        akte = session.get(Akte, akte_id)
        if akte is None:
            raise NotFound(f"Akte {akte_id} not found")
        access.ensure_can_read_akte(session, principal, akte)
        if akte.status != "open":
            raise Frozen(f"Akte {akte.aktenzeichen} is closed (zdA) and accepts no documents")
    return akte, vorgang


@dataclass
class NewDocument:
    id: int
    sha256: str
    duplicate_of: list[int]


def create_document(
    session: Session,
    principal: Principal,
    blob: StoredBlob,
    *,
    filename: str,
    mime_type: str | None = None,
    title: str | None = None,
    akte_id: int | None = None,
    vorgang_id: int | None = None,
    document_type: str | None = None,
    department: str | None = None,
    document_date: str | date | None = None,
    retention_class: str | None = None,
    correspondent: str | None = None,
    tags: list[str] | None = None,
    custom_fields: dict[str, Any] | None = None,
    channel: str = "upload",
    enqueue: Any = None,
    refuse_duplicates: bool = False,
) -> NewDocument:
    """Create a document for stored bytes.

    Same bytes again: with ``refuse_duplicates`` (user intake: API, UI, bulk import — setting
    ``duplicate_uploads``) a :class:`DuplicateDocument` naming the existing document; otherwise a new
    document sharing the blob, listed in ``duplicate_of``. The check is serialised per content hash
    (SQLite: the write transaction; PostgreSQL: a transaction-scoped advisory lock), so concurrent uploads
    of one file leave exactly one document.
    """
    if blob.size == 0:
        raise ValidationFailed("the file is empty (0 bytes)")
    if channel not in CHANNELS:
        raise ValidationFailed(f"unknown channel {channel!r}")
    filename = sanitise_filename(filename)
    akte, vorgang = _resolve_filing(session, principal, akte_id, vorgang_id)
    ddate = parse_date(document_date)
    fields = dict(custom_fields or {})
    check_custom_fields(session, document_type, fields, enforce_required=bool(fields))
    dept = (department or "").strip() or (akte.department if akte else None) or principal.department
    if refuse_duplicates and session.get_bind().dialect.name == "postgresql":
        session.execute(sa_text("SELECT pg_advisory_xact_lock(:key)"), {"key": int(blob.sha256[:15], 16)})
    duplicates = list(
        session.execute(
            select(col(Document.id)).where(col(Document.sha256) == blob.sha256, col(Document.deleted).is_(False)).order_by(col(Document.id)).limit(20)
        ).scalars()
    )
    if refuse_duplicates and duplicates:
        existing = session.get(Document, duplicates[0])
        if existing is not None and access.can_read(principal, existing):
            raise DuplicateDocument(
                f"this file is already stored as document {existing.id} ({existing.title!r}); "
                "upload a new version of that document instead", existing.id)
        raise DuplicateDocument("this file is already stored in Aktenwerk (in a document you may not read)")
    doc = Document(
        title=(title or "").strip()[:500] or filename,
        document_type=(document_type or None),
        correspondent=correspondent,
        tags=sorted(set(tags or [])),
        document_date=ddate,
        department=dept,
        custom_fields=fields,
        retention_class=(retention_class or None),
        akte_id=akte.id if akte else None,
        vorgang_id=vorgang.id if vorgang else None,
        channel=channel,
        uploader_id=principal.user_id or None,
        filename=filename,
        mime_type=mime_type,
        size=blob.size,
        sha256=blob.sha256,
        status="processing",
    )
    session.add(doc)
    session.flush()
    doc_id = int(doc.id or 0)
    access.refresh_acl(session, doc)
    session.add(DocumentVersion(document_id=doc_id, version_no=1, sha256=blob.sha256, size=blob.size,
                                filename=filename, mime_type=mime_type, created_by=principal.user_id or None))
    session.add(DocumentMetadataVersion(document_id=doc_id, metadata_version=1, data=_snapshot(doc),
                                        changed_by=principal.user_id or None))
    audit.record(session, principal, "document.create", "document", doc_id, {
        "sha256": blob.sha256, "size": blob.size, "filename": filename, "channel": channel,
        "akte_id": doc.akte_id, "duplicate_of": duplicates[:5],
    })
    if enqueue is not None:
        enqueue(INGEST_TASK, doc_id)
    return NewDocument(doc_id, blob.sha256, duplicates)


def get_document(session: Session, principal: Principal, document_id: int) -> Document:
    doc = session.get(Document, document_id)
    if doc is None:
        raise NotFound(f"document {document_id} not found")
    access.ensure_can_read(principal, doc)
    if doc.deleted:
        # Disposed under retention: a metadata tombstone remains, the content is gone for good.
        raise Gone(f"document {document_id} was disposed; its content no longer exists (see the deletion certificate)")
    return doc


#: Columns of ``GET /api/v1/documents/{id}``: everything ``DocumentOut`` shows plus what the checks need.
_VIEW_COLUMNS = (
    "id", "title", "filename", "mime_type", "size", "sha256", "status", "failure_reason", "document_type",
    "correspondent", "tags", "document_date", "department", "custom_fields", "retention_class", "asn", "akte_id",
    "vorgang_id", "channel", "uploader_id", "received_at", "processed_at", "current_version", "metadata_version",
    "page_count", "thumbnail_sha256", "finalised", "finalised_at", "deleted", "acl_tokens",
)
_view_stmt: Any = None


def _document_view_stmt() -> Any:
    """One Core statement, built once (its cache key is memoised): the document row and its archive copy."""
    global _view_stmt  # noqa: PLW0603 - a lazily built constant
    if _view_stmt is None:
        from sqlalchemy import bindparam

        from dms.ocr.tables import DocumentArchive  # the scan station's record of the PDF/A copy

        docs = Document.__table__  # type: ignore[attr-defined]
        arch = DocumentArchive.__table__  # type: ignore[attr-defined]
        _view_stmt = (
            select(*(docs.c[name] for name in _VIEW_COLUMNS),
                   arch.c.archive_sha256.label("archive_sha256"), arch.c.version_no.label("archive_version_no"))
            .select_from(docs.outerjoin(arch, arch.c.document_id == docs.c.id))
            .where(docs.c.id == bindparam("document_id"))
        )
    return _view_stmt


def document_view(conn: Connection | Session, principal: Principal, document_id: int) -> dict[str, Any]:
    """The metadata of one document as a plain dict (the hot read of the API: no ORM entity, one query).

    Same checks and order as :func:`get_document`: 404 unknown, 403 not visible, 410 disposed. Not audited
    (metadata is not content; reading the original is)."""
    row = conn.execute(_document_view_stmt(), {"document_id": document_id}).first()
    if row is None:
        raise NotFound(f"document {document_id} not found")
    view = row._asdict()
    acl = [t for t in view.pop("acl_tokens").split(" ") if t]
    if not principal.can_read_acl(acl):
        raise PermissionDenied(f"document {document_id} is not visible to you")
    if view.pop("deleted"):
        raise Gone(f"document {document_id} was disposed; its content no longer exists (see the deletion certificate)")
    archive_sha256, archive_version = view.pop("archive_sha256"), view.pop("archive_version_no")
    view["archive_sha256"] = archive_sha256 if archive_version == view["current_version"] else None
    view["has_thumbnail"] = bool(view.pop("thumbnail_sha256"))
    view["acl"] = acl
    return view


def current_archive_sha256s(session: Session, docs: list[Document]) -> dict[int, str]:
    """SHA-256 of the PDF/A archive copy of each document's *current* version (absent when it has none).

    One query for a page of documents: what ``document_view`` reports per document, for the list and
    for the routes that return a document after changing it."""
    from dms.ocr.tables import DocumentArchive  # the scan station's record of the PDF/A copy

    current = {int(d.id): d.current_version for d in docs if d.id is not None}
    if not current:
        return {}
    rows = session.execute(
        select(col(DocumentArchive.document_id), col(DocumentArchive.version_no), col(DocumentArchive.archive_sha256))
        .where(col(DocumentArchive.document_id).in_(list(current)))
    ).all()
    return {int(doc_id): str(sha) for doc_id, version_no, sha in rows if sha and current.get(int(doc_id)) == version_no}


def read_original(session: Session, principal: Principal, document_id: int, version_no: int | None = None) -> DocumentVersion:
    """The version row whose bytes the caller may now stream. Audited as a content read."""
    doc = get_document(session, principal, document_id)
    n = doc.current_version if version_no is None else version_no
    ver: DocumentVersion | None = session.execute(
        select(DocumentVersion).where(col(DocumentVersion.document_id) == document_id, col(DocumentVersion.version_no) == n)
    ).scalar_one_or_none()
    if ver is None:
        raise NotFound(f"document {document_id} has no version {n}")
    audit.record(session, principal, "document.read_content", "document", document_id, {"version": n, "sha256": ver.sha256})
    return ver


def list_versions(session: Session, principal: Principal, document_id: int) -> list[DocumentVersion]:
    get_document(session, principal, document_id)
    return list(
        session.execute(
            select(DocumentVersion).where(col(DocumentVersion.document_id) == document_id).order_by(col(DocumentVersion.version_no))
        ).scalars()
    )


def _ensure_mutable(doc: Document) -> None:
    if doc.finalised:
        raise Frozen(f"document {doc.id} is finalised and immutable")


def _ensure_filing_open(session: Session, doc: Document) -> None:
    if doc.akte_id:
        akte = session.get(Akte, doc.akte_id)
        if akte is not None and akte.status != "open":
            raise Frozen(f"Akte {akte.aktenzeichen} is closed (zdA); its documents are frozen")


def add_version(session: Session, principal: Principal, document_id: int, blob: StoredBlob, filename: str,
                mime_type: str | None = None, comment: str | None = None, enqueue: Any = None) -> DocumentVersion:
    doc = get_document(session, principal, document_id)
    _ensure_mutable(doc)
    _ensure_filing_open(session, doc)
    if blob.size == 0:
        raise ValidationFailed("the file is empty (0 bytes)")
    if blob.sha256 == doc.sha256:
        raise Conflict(f"these bytes are already the current version of document {document_id}")
    filename = sanitise_filename(filename)
    n = (session.execute(select(func.max(col(DocumentVersion.version_no))).where(col(DocumentVersion.document_id) == document_id)).scalar() or 0) + 1
    ver = DocumentVersion(document_id=document_id, version_no=n, sha256=blob.sha256, size=blob.size,
                          filename=filename, mime_type=mime_type, comment=comment, created_by=principal.user_id or None)
    session.add(ver)
    doc.current_version = n
    doc.sha256, doc.size, doc.filename, doc.mime_type = blob.sha256, blob.size, filename, mime_type
    # a fresh claim: the previous version's processing_started_at must not make the worker think another
    # worker claimed this one recently (the new version would then wait for the recovery sweep)
    doc.status, doc.failure_reason, doc.processing_attempts, doc.processing_started_at = "processing", None, 0, None
    doc.updated_at = utcnow()
    session.add(doc)
    audit.record(session, principal, "document.new_version", "document", document_id,
                 {"version": n, "sha256": blob.sha256, "size": blob.size, "comment": comment})
    if enqueue is not None:
        enqueue(INGEST_TASK, document_id)
    return ver


def update_metadata(session: Session, principal: Principal, document_id: int, changes: dict[str, Any]) -> Document:
    """Change metadata; the previous state stays in ``document_metadata_versions``."""
    doc = get_document(session, principal, document_id)
    _ensure_mutable(doc)
    _ensure_filing_open(session, doc)
    unknown = set(changes) - set(METADATA_FIELDS)
    if unknown:
        raise ValidationFailed(f"unknown metadata field(s): {', '.join(sorted(unknown))}")
    before = _snapshot(doc)
    for key, raw in changes.items():
        value = raw
        if key == "document_date":
            value = parse_date(value)
        elif key == "tags":
            if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
                raise ValidationFailed("tags must be a list of strings")
            value = sorted(set(value))
        elif key == "custom_fields":
            if not isinstance(value, dict):
                raise ValidationFailed("custom_fields must be an object")
        elif key == "title":
            value = str(value or "").strip()[:500]
            if not value:
                raise ValidationFailed("title must not be empty")
        setattr(doc, key, value)
    check_custom_fields(session, doc.document_type, dict(doc.custom_fields or {}), enforce_required=True)
    after = _snapshot(doc)
    if after == before:
        return doc
    doc.metadata_version += 1
    doc.updated_at = utcnow()
    access.refresh_acl(session, doc)
    session.add(doc)
    session.add(DocumentMetadataVersion(document_id=document_id, metadata_version=doc.metadata_version,
                                        data=after, changed_by=principal.user_id or None))
    session.add(SearchOutbox(document_id=document_id, op="upsert"))
    diff = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
    audit.record(session, principal, "document.update_metadata", "document", document_id, diff)
    return doc


def metadata_history(session: Session, principal: Principal, document_id: int) -> list[DocumentMetadataVersion]:
    get_document(session, principal, document_id)
    return list(session.execute(
        select(DocumentMetadataVersion).where(col(DocumentMetadataVersion.document_id) == document_id)
        .order_by(col(DocumentMetadataVersion.metadata_version))
    ).scalars())


def finalise(session: Session, principal: Principal, document_id: int) -> Document:
    doc = get_document(session, principal, document_id)
    if doc.finalised:
        raise Conflict(f"document {document_id} is already finalised")
    if doc.status != "ready":
        raise Conflict(f"document {document_id} is {doc.status}; only ready documents can be finalised")
    check_custom_fields(session, doc.document_type, dict(doc.custom_fields or {}), enforce_required=True)
    doc.finalised = True
    doc.finalised_at = utcnow()
    session.add(doc)
    audit.record(session, principal, "document.finalise", "document", document_id, {"sha256": doc.sha256})
    return doc


def refile(session: Session, principal: Principal, document_id: int, akte_id: int | None,
           vorgang_id: int | None, reason: str | None = None) -> Document:
    """Move a document to another Akte/Vorgang; the history keeps where it was."""
    doc = get_document(session, principal, document_id)
    _ensure_filing_open(session, doc)
    akte, vorgang = _resolve_filing(session, principal, akte_id, vorgang_id)
    new_akte = akte.id if akte else None
    new_vorgang = vorgang.id if vorgang else None
    if (new_akte, new_vorgang) == (doc.akte_id, doc.vorgang_id):
        raise Conflict("the document is already filed there")
    session.add(FilingHistory(document_id=document_id, from_akte_id=doc.akte_id, from_vorgang_id=doc.vorgang_id,
                              to_akte_id=new_akte, to_vorgang_id=new_vorgang, reason=reason, by=principal.user_id or None))
    audit.record(session, principal, "document.refile", "document", document_id, {
        "from": [doc.akte_id, doc.vorgang_id], "to": [new_akte, new_vorgang], "reason": reason})
    doc.akte_id, doc.vorgang_id = new_akte, new_vorgang
    if akte and akte.department and not doc.department:
        doc.department = akte.department
    doc.updated_at = utcnow()
    access.refresh_acl(session, doc)
    session.add(SearchOutbox(document_id=document_id, op="upsert"))
    return doc


def filing_history(session: Session, principal: Principal, document_id: int) -> list[FilingHistory]:
    get_document(session, principal, document_id)
    return list(session.execute(select(FilingHistory).where(col(FilingHistory.document_id) == document_id).order_by(col(FilingHistory.id))).scalars())


def grant(session: Session, principal: Principal, object_type: str, object_id: int, grantee: str) -> AccessGrant:
    if object_type not in access.OBJECT_TYPES:
        raise ValidationFailed(f"object_type must be one of {', '.join(access.OBJECT_TYPES)}")
    access.validate_grantee(grantee)
    model: type[Any] = {"akte": Akte, "vorgang": Vorgang, "document": Document}[object_type]
    if session.get(model, object_id) is None:
        raise NotFound(f"{object_type} {object_id} not found")
    kind, _, value = grantee.partition(":")
    if kind == "user" and session.get(User, int(value)) is None:
        # a grant to an id nobody has yet would be inherited by whoever is created with that id later
        raise NotFound(f"user {value} not found: a grant needs an existing user")
    exists: AccessGrant | None = session.execute(select(AccessGrant).where(
        col(AccessGrant.object_type) == object_type, col(AccessGrant.object_id) == object_id, col(AccessGrant.grantee) == grantee)).scalar_one_or_none()
    if exists:
        return exists
    g = AccessGrant(object_type=object_type, object_id=object_id, grantee=grantee, created_by=principal.user_id or None)
    session.add(g)
    session.flush()
    _refresh_under(session, object_type, object_id)
    audit.record(session, principal, "access.grant", object_type, object_id, {"grantee": grantee})
    return g


def revoke_grant(session: Session, principal: Principal, object_type: str, object_id: int, grantee: str) -> None:
    g = session.execute(select(AccessGrant).where(
        col(AccessGrant.object_type) == object_type, col(AccessGrant.object_id) == object_id, col(AccessGrant.grantee) == grantee)).scalar_one_or_none()
    if g is None:
        raise NotFound(f"no grant for {grantee} on {object_type} {object_id}")
    session.delete(g)
    session.flush()
    _refresh_under(session, object_type, object_id)
    audit.record(session, principal, "access.revoke", object_type, object_id, {"grantee": grantee})


def _refresh_under(session: Session, object_type: str, object_id: int) -> None:
    for d in access.documents_under(session, object_type, object_id):
        access.refresh_acl(session, d)
        session.add(SearchOutbox(document_id=int(d.id or 0), op="upsert"))


def list_documents(session: Session, principal: Principal, *, limit: int = 50, offset: int = 0,
                   akte_id: int | None = None, status: str | None = None) -> tuple[list[Document], int]:
    q = select(Document).where(Document.deleted.is_(False))  # type: ignore[attr-defined]
    if akte_id is not None:
        q = q.where(col(Document.akte_id) == akte_id)
    if status:
        if status not in DOCUMENT_STATUSES:
            raise ValidationFailed(f"unknown status {status!r}: use one of {', '.join(DOCUMENT_STATUSES)}")
        q = q.where(col(Document.status) == status)
    if "*" not in principal.tokens:
        from sqlalchemy import or_
        q = q.where(or_(*[Document.acl_tokens.contains(f" {t} ") for t in principal.tokens]))  # type: ignore[attr-defined]
    total = session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
    rows = list(session.execute(q.order_by(Document.id.desc()).limit(limit).offset(offset)).scalars())  # type: ignore[union-attr]
    return rows, int(total)


def reprocess(session: Session, principal: Principal, document_id: int, enqueue: Any = None) -> Document:
    doc = get_document(session, principal, document_id)
    if doc.status == "processing":
        raise Conflict(f"document {document_id} is already being processed")
    doc.status, doc.failure_reason, doc.processing_attempts, doc.processing_started_at = "processing", None, 0, None
    doc.updated_at = utcnow()
    session.add(doc)
    audit.record(session, principal, "document.reprocess", "document", document_id, {})
    if enqueue is not None:
        enqueue(INGEST_TASK, document_id)
    return doc
