"""Paperless-ngx-compatible REST API subset under ``/paperless/api/`` (what pypaperless 3.1 and the
mobile apps use): root, documents (list/filter/full-text, detail, PATCH, download/preview/thumb,
metadata, notes, post_document, next_asn), tasks, tags, correspondents, document types, custom fields,
users, groups, ui_settings, remote_version.

Everything goes through Aktenwerk's services and permissions: a user sees only documents they may read.
"""
# ruff: noqa: PLR0917  -- FastAPI endpoints take many form/query parameters

from __future__ import annotations

import hashlib
import json
import math
import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile
from fastapi.responses import JSONResponse
from sqlalchemy import func, select
from sqlmodel import Session, col

from dms import audit
from dms.bootstrap import Container
from dms.db.tables import Document, User, UserGroup
from dms.domain.principal import Principal
from dms.errors import NotFound, PermissionDenied, ValidationFailed
from dms.paperless import labels, query
from dms.paperless.auth import require_pl
from dms.paperless.mapping import (
    API_VERSION,
    PAPERLESS_VERSION,
    custom_fields_from_wire,
    document_json,
    label_json,
    load_context,
    note_json,
    parse_created,
)
from dms.paperless.tables import PaperlessArchive, PaperlessNote, PaperlessTask
from dms.pipeline.detect import detect, extension_mismatch
from dms.services import documents as svc
from dms.web.deps import ContainerDep, ReadSession, Uow

PREFIX = "/paperless/api"
router = APIRouter(prefix=PREFIX, tags=["paperless"])
MAX_PAGE_SIZE = 100_000
READ = "documents:read"
WRITE = "documents:write"
UPLOAD = "documents:upload"
ME = "auth:self"
_HEADERS = {"X-Version": PAPERLESS_VERSION, "X-Api-Version": API_VERSION}
_KINDS = {"tags": "tag", "correspondents": "correspondent", "document_types": "document_type",
          "custom_fields": "custom_field"}


def _json(data: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers=_HEADERS)


def _page(request: Request, total: int, page: int, page_size: int, results: list[Any],
          all_ids: list[int]) -> JSONResponse:
    """DRF page: ``count``, ``next``, ``previous``, ``all`` (every matching id), ``results``."""
    last = max(1, math.ceil(total / page_size))
    if page > last:
        return _json({"detail": "Invalid page."}, 404)

    def link(n: int | None) -> str | None:
        return None if n is None else str(request.url.include_query_params(page=n, page_size=page_size))

    return _json({"count": total, "next": link(page + 1 if page < last else None),
                  "previous": link(page - 1 if page > 1 else None), "all": all_ids, "results": results})


Page = Annotated[int, Query(ge=1)]
PageSize = Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)]


# --------------------------------------------------------------------------------------------- root
@router.get("/")
def api_root(request: Request, principal: Annotated[Principal, require_pl(ME)]) -> JSONResponse:
    base = str(request.url_for("api_root"))
    names = ["correspondents", "custom_fields", "document_types", "documents", "groups", "tags", "tasks",
             "ui_settings", "users"]
    return _json({n: f"{base}{n}/" for n in names})


@router.get("/ui_settings/")
def ui_settings(principal: Annotated[Principal, require_pl(ME)]) -> JSONResponse:
    return _json({
        "user": {"id": principal.user_id, "username": principal.username, "is_staff": principal.role == "admin",
                 "is_superuser": principal.role == "admin", "groups": list(principal.groups)},
        "settings": {"language": "de-de", "app_title": "Aktenwerk", "update_checking": {"backend_setting": "false"}},
        "permissions": [],
    })


@router.get("/remote_version/")
def remote_version(principal: Annotated[Principal, require_pl(ME)]) -> JSONResponse:
    return _json({"version": PAPERLESS_VERSION, "update_available": False})


# ---------------------------------------------------------------------------------------- documents
def _search_ids(container: Container, principal: Principal, text: str) -> tuple[list[int], dict[int, Any]]:
    """Full-text hits in relevance order, through the dms search service (ACL inside the engine)."""
    from dms.search_index import search_as  # noqa: PLC0415 - the search engines load on first use

    ids: list[int] = []
    hits: dict[int, Any] = {}
    for page in range(1, 21):  # at most 2,000 hits feed filtering and paging
        result = search_as(container, principal, text, page=page, page_size=100, facets=[])
        for rank, h in enumerate(result.hits, start=len(ids)):
            if h.id.isdigit():
                ids.append(int(h.id))
                hits[int(h.id)] = {"score": h.score, "highlights": " … ".join(h.highlights), "note_highlights": "",
                                   "rank": rank}
        if page * 100 >= result.total or not result.hits:
            break
    return ids, hits


def _more_like(container: Container, principal: Principal, doc_id: int) -> tuple[list[int], dict[int, Any]]:
    from dms.search_index import backend_of  # noqa: PLC0415 - the search engines load on first use

    res = backend_of(container).more_like_this(str(doc_id), principal.tokens, limit=50)
    ids = [int(h.id) for h in res.hits if h.id.isdigit()]
    return ids, {i: {"score": h.score, "highlights": "", "note_highlights": "", "rank": n}
                 for n, (i, h) in enumerate(zip(ids, res.hits, strict=False))}


@router.get("/documents/")
def list_documents(request: Request, principal: Annotated[Principal, require_pl(READ)], session: ReadSession,
                   container: ContainerDep, page: Page = 1, page_size: PageSize = 25, ordering: str | None = None,
                   full_perms: bool = False, truncate_content: bool = False) -> JSONResponse:
    params = dict(request.query_params)
    rows = query.visible_rows(session, principal)
    for pred in query.build_filters(session, params):
        rows = [r for r in rows if pred(r)]
    hits: dict[int, Any] = {}
    text = params.get("query", "").strip()
    more_like = params.get("more_like_id", "").strip()
    if text or more_like:
        if more_like and not more_like.isdigit():
            raise ValidationFailed("more_like_id must be a document id")
        ids, hits = (_search_ids(container, principal, text) if text
                     else _more_like(container, principal, int(more_like)))
        by_id = {r.id: r for r in rows}
        rows = [by_id[i] for i in ids if i in by_id]
        if ordering:
            rows = query.order(rows, ordering)
    else:
        rows = query.order(rows, ordering)
    total = len(rows)
    chunk = rows[(page - 1) * page_size: page * page_size]
    docs = {d.id: d for d in session.execute(
        select(Document).where(col(Document.id).in_([r.id for r in chunk]))).scalars()}
    ordered = [docs[r.id] for r in chunk if r.id in docs]
    ctx = load_context(session, ordered, labels.resolver_for(container), with_perms=full_perms)
    results = []
    for d in ordered:
        item = document_json(d, ctx, principal, full_perms=full_perms)
        if truncate_content:
            item["content"] = item["content"][:300]
        if int(d.id or 0) in hits:
            item["__search_hit__"] = hits[int(d.id or 0)]
        results.append(item)
    return _page(request, total, page, page_size, results, [r.id for r in rows])


@router.get("/documents/next_asn/")
def next_asn(principal: Annotated[Principal, require_pl(READ)], session: ReadSession) -> JSONResponse:
    values = session.execute(select(col(Document.asn)).where(col(Document.asn).is_not(None))).scalars()
    top = max((int(v) for v in values if v and v.isdigit()), default=0)
    return _json(top + 1)


def _store_upload(container: Container, file: UploadFile) -> tuple[Any, str, str]:
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


def _custom_fields_form(session: Session, raw: list[str] | None) -> dict[str, Any] | None:
    if not raw:
        return None
    if len(raw) == 1 and raw[0].strip().startswith(("{", "[")):
        try:
            value = json.loads(raw[0])
        except json.JSONDecodeError as exc:
            raise ValidationFailed("custom_fields must be JSON or a list of field ids") from exc
        return custom_fields_from_wire(session, value)
    return custom_fields_from_wire(session, [r for r in raw if r.strip()])


@router.post("/documents/post_document/")
def post_document(
    principal: Annotated[Principal, require_pl(UPLOAD)],
    container: ContainerDep,
    uow: Uow,
    document: Annotated[UploadFile, File()],
    title: Annotated[str | None, Form()] = None,
    created: Annotated[str | None, Form()] = None,
    correspondent: Annotated[int | None, Form()] = None,
    document_type: Annotated[int | None, Form()] = None,
    storage_path: Annotated[int | None, Form()] = None,
    tags: Annotated[list[int] | None, Form()] = None,
    archive_serial_number: Annotated[int | None, Form()] = None,
    custom_fields: Annotated[list[str] | None, Form()] = None,
) -> JSONResponse:
    """Upload; answers at once with a task id (a JSON string), like Paperless."""
    container.dispatcher.check()
    session = uow.session
    corr = _label_name(session, "correspondent", correspondent) if correspondent else None
    dtype = _label_name(session, "document_type", document_type) if document_type else None
    asn = _asn(archive_serial_number)
    tag_names = sorted(labels.names_for(session, "tag", tags or []).values())
    fields = _custom_fields_form(session, custom_fields)
    ddate = parse_created(created)
    blob, filename, mime = _store_upload(container, document)
    new = svc.create_document(session, principal, blob, filename=filename, mime_type=mime, title=title,
                              document_type=dtype, document_date=ddate, correspondent=corr, tags=tag_names,
                              custom_fields=fields, channel="api", enqueue=uow.enqueue,
                              refuse_duplicates=container.settings.duplicate_uploads == "refuse")
    if asn is not None:
        svc.update_metadata(session, principal, new.id, {"asn": str(asn)})
    task_id = str(uuid.uuid4())
    session.add(PaperlessTask(task_id=task_id, document_id=new.id, filename=filename, owner_id=principal.user_id or None))
    uow.commit()
    return _json(task_id)


def _doc_or_404(session: Session, principal: Principal, document_id: int) -> Document:
    return svc.get_document(session, principal, document_id)


@router.get("/documents/{document_id}/")
def get_document(document_id: int, principal: Annotated[Principal, require_pl(READ)], session: ReadSession,
                 container: ContainerDep, full_perms: bool = False) -> JSONResponse:
    doc = _doc_or_404(session, principal, document_id)
    ctx = load_context(session, [doc], labels.resolver_for(container), with_perms=full_perms)
    return _json(document_json(doc, ctx, principal, full_perms=full_perms))


def _label_name(session: Session, kind: str, value: object) -> str:
    label_id = labels.wire_id(kind, value)
    return labels.names_for(session, kind, [label_id])[label_id]


MAX_ASN = 0xFFFFFFFF  # Paperless's archive serial numbers are unsigned 32-bit integers


def _asn(value: object) -> int | None:
    """``archive_serial_number`` from the wire: empty → none; else an integer 0…4294967295 (422 otherwise,
    where it used to be a 500 for ``"abc"`` and a silently dropped value for ``-3``)."""
    if value is None or value == "":
        return None
    number: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if number is None or not 0 <= number <= MAX_ASN:
        raise ValidationFailed(f"archive_serial_number must be an integer from 0 to {MAX_ASN}, got {value!r}")
    return number


def _changes_from_wire(session: Session, body: dict[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key, value in body.items():
        if key == "title":
            changes["title"] = value
        elif key in {"correspondent", "document_type"}:
            changes[key] = _label_name(session, key, value) if value not in (None, "") else None
        elif key == "tags":
            if not isinstance(value, list):
                raise ValidationFailed("tags must be a list of ids")
            changes["tags"] = sorted(labels.names_for(session, "tag", value).values())
        elif key in {"created", "created_date"}:
            changes["document_date"] = parse_created(value)
        elif key == "archive_serial_number":
            asn = _asn(value)
            changes["asn"] = None if asn is None else str(asn)
        elif key == "custom_fields":
            changes["custom_fields"] = custom_fields_from_wire(session, value)
        elif key in {"id", "content", "modified", "added", "notes", "owner", "permissions", "set_permissions",
                     "storage_path", "user_can_change", "is_shared_by_requester", "original_file_name",
                     "archived_file_name", "deleted_at", "page_count", "mime_type", "__search_hit__"}:
            continue  # read-only here (owner/permissions: Aktenwerk grants API)
        else:
            raise ValidationFailed(f"unknown document field {key!r}")
    return changes


@router.patch("/documents/{document_id}/")
async def patch_document(document_id: int, request: Request, principal: Annotated[Principal, require_pl(WRITE)],
                         uow: Uow) -> JSONResponse:
    try:
        body = await request.json()
    except ValueError as exc:
        raise ValidationFailed("the body must be a JSON object") from exc
    if not isinstance(body, dict):
        raise ValidationFailed("the body must be a JSON object")
    doc = svc.update_metadata(uow.session, principal, document_id, _changes_from_wire(uow.session, body))
    ctx = load_context(uow.session, [doc], labels.resolver_in(uow.session))
    out = document_json(doc, ctx, principal)
    uow.commit()
    return _json(out)


def _archive_sha(session: Session, principal: Principal, doc: Document) -> tuple[str, str] | None:
    """(sha256, filename) of the archive version: Paperless's imported one, else the OCR PDF/A copy."""
    row = session.get(PaperlessArchive, doc.id)
    if row is not None:
        return row.sha256, row.filename
    try:
        from dms.ocr.service import archive_sha256  # noqa: PLC0415 - optional scan station (ImportError below)
    except ImportError:  # pragma: no cover - scan station not installed
        return None
    sha = archive_sha256(session, principal, int(doc.id or 0))
    if sha:
        stem = doc.filename.rsplit(".", 1)[0] if "." in doc.filename else doc.filename
        return sha, f"{stem}.pdf"
    return None


def _file(container: Container, uow: Uow, principal: Principal, document_id: int, *, original: bool,
          inline: bool) -> Response:
    session = uow.session
    ver = svc.read_original(session, principal, document_id)  # ACL + audited content read
    sha, filename, mime = ver.sha256, ver.filename, ver.mime_type or "application/octet-stream"
    if not original:
        doc = session.get(Document, document_id)
        assert doc is not None
        archive = _archive_sha(session, principal, doc)
        if archive is not None:
            sha, filename, mime = archive[0], archive[1], "application/pdf"
    uow.commit()
    data = container.store.get(sha)  # verifies the hash (IntegrityError → 500, never wrong bytes)
    disposition = "inline" if inline else "attachment"
    return Response(data, media_type=mime, headers={
        "Content-Disposition": f"{disposition}; filename=\"{quote(filename)}\"; filename*=UTF-8''{quote(filename)}",
        "X-Content-Type-Options": "nosniff", "Content-Security-Policy": "sandbox", "ETag": f'"{sha}"'})


@router.get("/documents/{document_id}/download/", response_class=Response, responses={200: {"content": {"*/*": {}}, "description": "File bytes"}})
def download(document_id: int, principal: Annotated[Principal, require_pl(READ)], container: ContainerDep,
             uow: Uow, original: bool = False) -> Response:
    return _file(container, uow, principal, document_id, original=original, inline=False)


@router.get("/documents/{document_id}/preview/", response_class=Response, responses={200: {"content": {"*/*": {}}, "description": "File bytes"}})
def preview(document_id: int, principal: Annotated[Principal, require_pl(READ)], container: ContainerDep,
            uow: Uow, original: bool = False) -> Response:
    return _file(container, uow, principal, document_id, original=original, inline=True)


@router.get("/documents/{document_id}/thumb/", response_class=Response, responses={200: {"content": {"*/*": {}}, "description": "File bytes"}})
def thumb(document_id: int, principal: Annotated[Principal, require_pl(READ)], container: ContainerDep,
          session: ReadSession) -> Response:
    doc = _doc_or_404(session, principal, document_id)
    if not doc.thumbnail_sha256:
        raise NotFound(f"document {document_id} has no thumbnail")
    return Response(container.store.get(doc.thumbnail_sha256), media_type="image/png",
                    headers={"Cache-Control": "private, max-age=3600"})


def _md5(container: Container, sha: str) -> str:
    h = hashlib.md5(usedforsecurity=False)
    with container.store.open(sha) as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


@router.get("/documents/{document_id}/metadata/")
def metadata(document_id: int, principal: Annotated[Principal, require_pl(READ)], container: ContainerDep,
             session: ReadSession) -> JSONResponse:
    """Checksums as Paperless gives them (MD5) plus Aktenwerk's SHA-256 of both files."""
    doc = _doc_or_404(session, principal, document_id)
    archive = _archive_sha(session, principal, doc)
    out: dict[str, Any] = {
        "original_checksum": _md5(container, doc.sha256), "original_size": doc.size,
        "original_mime_type": doc.mime_type, "media_filename": doc.filename, "original_filename": doc.filename,
        "original_sha256": doc.sha256, "has_archive_version": archive is not None, "original_metadata": [],
        "archive_checksum": None, "archive_media_filename": None, "archive_size": None, "archive_metadata": [],
        "archive_sha256": None, "lang": "de",
    }
    if archive is not None:
        out.update({"archive_checksum": _md5(container, archive[0]), "archive_media_filename": archive[1],
                    "archive_size": container.store.size(archive[0]), "archive_sha256": archive[0]})
    return _json(out)


def _notes(session: Session, document_id: int) -> list[dict[str, Any]]:
    rows = list(session.execute(select(PaperlessNote).where(col(PaperlessNote.document_id) == document_id)
                                .order_by(col(PaperlessNote.id).desc())).scalars())
    uids = {n.user_id for n in rows if n.user_id}
    users = {int(u.id or 0): u for u in session.execute(select(User).where(col(User.id).in_(uids))).scalars()} if uids else {}
    return [note_json(n, users) for n in rows]


@router.get("/documents/{document_id}/notes/")
def get_notes(document_id: int, principal: Annotated[Principal, require_pl(READ)], session: ReadSession) -> JSONResponse:
    _doc_or_404(session, principal, document_id)
    return _json(_notes(session, document_id))


@router.post("/documents/{document_id}/notes/")
async def add_note(document_id: int, request: Request, principal: Annotated[Principal, require_pl(WRITE)],
                   uow: Uow) -> JSONResponse:
    try:
        body = await request.json()
    except ValueError as exc:
        raise ValidationFailed("the body must be JSON {\"note\": \"…\"}") from exc
    text = str(body.get("note") or "").strip() if isinstance(body, dict) else ""
    if not text:
        raise ValidationFailed("note must not be empty")
    _doc_or_404(uow.session, principal, document_id)
    note = PaperlessNote(document_id=document_id, note=text, user_id=principal.user_id or None)
    uow.session.add(note)
    uow.session.flush()
    audit.record(uow.session, principal, "document.note_add", "document", document_id, {"note_id": note.id})
    uow.commit()
    return _json(_notes(uow.session, document_id))


@router.delete("/documents/{document_id}/notes/")
def delete_note(document_id: int, principal: Annotated[Principal, require_pl(WRITE)], uow: Uow,
                id: Annotated[int, Query(alias="id")] = 0) -> JSONResponse:
    _doc_or_404(uow.session, principal, document_id)
    note = uow.session.get(PaperlessNote, id)
    if note is None or note.document_id != document_id:
        raise NotFound(f"note {id} not found on document {document_id}")
    if note.user_id != principal.user_id and principal.role != "admin":
        raise PermissionDenied("only the author (or an admin) may delete a note")
    uow.session.delete(note)
    audit.record(uow.session, principal, "document.note_delete", "document", document_id, {"note_id": id})
    uow.commit()
    return _json(_notes(uow.session, document_id))


# ------------------------------------------------------------------------------------------- tasks
_TASK_STATUS = {"processing": "STARTED", "ready": "SUCCESS", "failed": "FAILURE"}


def _task_json(t: PaperlessTask, doc: Document | None) -> dict[str, Any]:
    status = _TASK_STATUS.get(doc.status, "PENDING") if doc is not None else "FAILURE"
    result = None
    if status == "SUCCESS":
        result = f"Success. New document id {t.document_id} created"
    elif status == "FAILURE":
        result = (doc.failure_reason if doc is not None else None) or "document not found"
    return {"id": t.id, "task_id": t.task_id, "task_file_name": t.filename, "date_created": t.created.isoformat(),
            "date_done": doc.processed_at.isoformat() if doc is not None and doc.processed_at else None,
            "type": "file", "status": status, "result": result, "acknowledged": t.acknowledged,
            "related_document": str(t.document_id) if status == "SUCCESS" else None, "owner": t.owner_id}


@router.get("/tasks/")
def tasks(principal: Annotated[Principal, require_pl(UPLOAD)], session: ReadSession,
          task_id: str | None = None) -> JSONResponse:
    q = select(PaperlessTask).order_by(col(PaperlessTask.id).desc())
    if task_id is not None:
        q = q.where(col(PaperlessTask.task_id) == task_id)
    if principal.role != "admin":
        q = q.where(col(PaperlessTask.owner_id) == principal.user_id)
    rows = list(session.execute(q.limit(500)).scalars())
    docs = {d.id: d for d in session.execute(select(Document).where(
        col(Document.id).in_([t.document_id for t in rows if t.document_id]))).scalars()}
    return _json([_task_json(t, docs.get(t.document_id)) for t in rows])


# ---------------------------------------------------------------------- tags, correspondents, types
def _label_counts(session: Session, principal: Principal, kind: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for r in query.visible_rows(session, principal):
        names: tuple[str, ...] | tuple[str | None, ...]
        names = {"tag": r.tags, "correspondent": (r.correspondent,), "document_type": (r.document_type,),
                 "custom_field": r.custom_fields}[kind]
        for n in names:
            if n:
                counts[n] = counts.get(n, 0) + 1
    return counts


def _list_labels(request: Request, principal: Principal, container: Container, resource: str, page: int,
                 page_size: int, full_perms: bool) -> JSONResponse:
    kind = _KINDS[resource]
    with container.uow(read_only=True) as r:
        in_use = labels.names_in_use(r.session)
    labels.resolver_for(container)(in_use)  # names in use get their ids (write only when new)
    with container.uow(read_only=True) as r:
        session = r.session
        rows = labels.list_labels(session, kind)
        params = request.query_params
        if params.get("name__icontains"):
            needle = params["name__icontains"].lower()
            rows = [x for x in rows if needle in x.name.lower()]
        if params.get("name__iexact"):
            rows = [x for x in rows if x.name.lower() == params["name__iexact"].lower()]
        if params.get("id__in"):
            wanted = {int(x) for x in params["id__in"].split(",") if x.strip().isdigit()}
            rows = [x for x in rows if x.id in wanted]
        counts = _label_counts(session, principal, kind)
    chunk = rows[(page - 1) * page_size: page * page_size]
    results = [label_json(x, counts.get(x.name, 0), full_perms=full_perms) for x in chunk]
    return _page(request, len(rows), page, page_size, results, [int(x.id or 0) for x in rows])


def _get_label(principal: Principal, session: Session, resource: str, label_id: int) -> JSONResponse:
    kind = _KINDS[resource]
    row = labels.get_label(session, kind, label_id)
    return _json(label_json(row, _label_counts(session, principal, kind).get(row.name, 0)))


async def _create_label(request: Request, uow: Uow, resource: str) -> JSONResponse:
    try:
        body = await request.json()
    except ValueError as exc:
        raise ValidationFailed("the body must be a JSON object") from exc
    if not isinstance(body, dict):
        raise ValidationFailed("the body must be a JSON object")
    row = labels.create_label(uow.session, _KINDS[resource], str(body.get("name") or ""),
                              data_type=body.get("data_type"), color=body.get("color"))
    uow.session.flush()
    out = label_json(row, 0)
    uow.commit()
    return _json(out, 201)


@router.get("/tags/")
def list_tags(request: Request, principal: Annotated[Principal, require_pl(READ)], container: ContainerDep, page: Page = 1,
              page_size: PageSize = 100, full_perms: bool = False) -> JSONResponse:
    return _list_labels(request, principal, container, "tags", page, page_size, full_perms)


@router.get("/tags/{label_id}/")
def get_tag(label_id: int, principal: Annotated[Principal, require_pl(READ)], session: ReadSession) -> JSONResponse:
    return _get_label(principal, session, "tags", label_id)


@router.post("/tags/")
async def create_tag(request: Request, principal: Annotated[Principal, require_pl(WRITE)], uow: Uow) -> JSONResponse:
    return await _create_label(request, uow, "tags")


@router.get("/correspondents/")
def list_correspondents(request: Request, principal: Annotated[Principal, require_pl(READ)], container: ContainerDep,
                        page: Page = 1, page_size: PageSize = 100, full_perms: bool = False) -> JSONResponse:
    return _list_labels(request, principal, container, "correspondents", page, page_size, full_perms)


@router.get("/correspondents/{label_id}/")
def get_correspondent(label_id: int, principal: Annotated[Principal, require_pl(READ)], session: ReadSession) -> JSONResponse:
    return _get_label(principal, session, "correspondents", label_id)


@router.post("/correspondents/")
async def create_correspondent(request: Request, principal: Annotated[Principal, require_pl(WRITE)],
                               uow: Uow) -> JSONResponse:
    return await _create_label(request, uow, "correspondents")


@router.get("/document_types/")
def list_document_types(request: Request, principal: Annotated[Principal, require_pl(READ)], container: ContainerDep,
                        page: Page = 1, page_size: PageSize = 100, full_perms: bool = False) -> JSONResponse:
    return _list_labels(request, principal, container, "document_types", page, page_size, full_perms)


@router.get("/document_types/{label_id}/")
def get_document_type(label_id: int, principal: Annotated[Principal, require_pl(READ)], session: ReadSession) -> JSONResponse:
    return _get_label(principal, session, "document_types", label_id)


@router.post("/document_types/")
async def create_document_type(request: Request, principal: Annotated[Principal, require_pl(WRITE)],
                               uow: Uow) -> JSONResponse:
    return await _create_label(request, uow, "document_types")


@router.get("/custom_fields/")
def list_custom_fields(request: Request, principal: Annotated[Principal, require_pl(READ)], container: ContainerDep,
                       page: Page = 1, page_size: PageSize = 100) -> JSONResponse:
    return _list_labels(request, principal, container, "custom_fields", page, page_size, False)


@router.get("/custom_fields/{label_id}/")
def get_custom_field(label_id: int, principal: Annotated[Principal, require_pl(READ)], session: ReadSession) -> JSONResponse:
    return _get_label(principal, session, "custom_fields", label_id)


@router.post("/custom_fields/")
async def create_custom_field(request: Request, principal: Annotated[Principal, require_pl(WRITE)],
                              uow: Uow) -> JSONResponse:
    return await _create_label(request, uow, "custom_fields")


# ------------------------------------------------------------------------------------ users, groups
def _user_json(u: User, group_ids: list[int]) -> dict[str, Any]:
    first, _, last = (u.display_name or "").partition(" ")
    return {"id": u.id, "username": u.username, "email": u.email or "", "first_name": first, "last_name": last,
            "date_joined": u.created_at.isoformat(), "is_staff": u.role == "admin", "is_active": u.active,
            "is_superuser": u.role == "admin", "groups": group_ids, "user_permissions": [],
            "inherited_permissions": []}


@router.get("/users/")
def list_users(request: Request, principal: Annotated[Principal, require_pl("users:read")], uow: Uow,
               page: Page = 1, page_size: PageSize = 100) -> JSONResponse:
    session = uow.session
    users = list(session.execute(select(User).order_by(col(User.id))).scalars())
    memberships: dict[int, list[str]] = {}
    for ug in session.execute(select(UserGroup)).scalars():
        memberships.setdefault(ug.user_id, []).append(ug.group_name)
    gids = labels.resolver_in(session)({"group": {g for gs in memberships.values() for g in gs}})["group"]
    chunk = users[(page - 1) * page_size: page * page_size]
    results = [_user_json(u, sorted(gids[g] for g in memberships.get(int(u.id or 0), []))) for u in chunk]
    uow.commit()
    return _page(request, len(users), page, page_size, results, [int(u.id or 0) for u in users])


@router.get("/groups/")
def list_groups(request: Request, principal: Annotated[Principal, require_pl("users:read")], uow: Uow,
                page: Page = 1, page_size: PageSize = 100) -> JSONResponse:
    session = uow.session
    names = set(session.execute(select(func.distinct(col(UserGroup.group_name)))).scalars())
    labels.ids_for(session, "group", names)
    rows = [r for r in labels.list_labels(session, "group") if r.name in names]
    chunk = rows[(page - 1) * page_size: page * page_size]
    results = [label_json(r, 0) for r in chunk]
    uow.commit()
    return _page(request, len(rows), page, page_size, results, [int(r.id or 0) for r in rows])
