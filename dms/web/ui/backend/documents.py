"""Clerk pages over ``dms.services.documents`` (the same functions the JSON API calls)."""

from __future__ import annotations

import io
import json
import mimetypes
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
from fastapi import Request, Response
from PIL import Image
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import col

from dms.db.tables import Akte, AuditEntry, Document, FilePlanNode
from dms.db.types import utcnow
from dms.retention_service import retention_info
from dms.retention_settings import RetentionSettings
from dms.services import access
from dms.services import documents as svc
from dms.services import fileplan as fileplan_svc
from dms.web.permissions import role_has
from dms.web.ui.backend.base import NotFound, UserError, container, settings, uow, user_errors
from dms.web.ui.tables import SavedSearch

PREVIEW_WIDTH = 900
MAX_PREVIEW_PAGES = 500


def _doc_row(d: Any) -> dict[str, Any]:
    return {
        "id": d.id,
        "title": d.title,
        "filename": d.filename,
        "document_type": d.document_type,
        "received_at": d.received_at,
        "status": d.status,
        "department": d.department,
    }


INBOX_WINDOW = 50
INBOX_SCAN_LIMIT = 20_000  # rows looked at per page at most (keyset chunks, newest first)
_CHUNK = 1000


def inbox(request: Request, user: Any, page: int = 1) -> dict[str, Any]:
    """Documents not yet filed in an Akte, newest first, that the user may read.

    Walks unfiled rows by descending id (keyset, no count) and keeps those the principal's own read rule
    (``Principal.can_read_acl`` over the document's ACL tokens, as ``access.can_read``) admits.
    """
    want = INBOX_WINDOW * page + 1
    visible: list[int] = []
    with uow(request, read_only=True) as unit, user_errors():
        last_id: int | None = None
        scanned = 0
        while len(visible) < want and scanned < INBOX_SCAN_LIMIT * page:
            query = select(col(Document.id), col(Document.acl_tokens)).where(
                col(Document.deleted).is_(False), col(Document.akte_id).is_(None)
            )
            if last_id is not None:
                query = query.where(col(Document.id) < last_id)
            chunk = unit.session.execute(query.order_by(Document.id.desc()).limit(_CHUNK)).all()  # type: ignore[union-attr]
            if not chunk:
                break
            scanned += len(chunk)
            last_id = int(chunk[-1][0])
            visible += [int(i) for i, acl in chunk if user.can_read_acl(t for t in acl.split(" ") if t)]
        ids = visible[INBOX_WINDOW * (page - 1) : INBOX_WINDOW * page]
        rows = unit.session.execute(select(Document).where(Document.id.in_(ids))).scalars() if ids else []  # type: ignore[union-attr]
        by_id = {r.id: r for r in rows}
        docs = [_doc_row(by_id[i]) for i in ids if i in by_id and access.can_read(user, by_id[i])]
    return {"docs": docs, "total": len(docs), "page": page, "more": len(visible) > INBOX_WINDOW * page}


def document(request: Request, user: Any, doc_id: int) -> dict[str, Any]:

    with uow(request, read_only=True) as unit, user_errors():
        doc = svc.get_document(unit.session, user, doc_id)
        versions = svc.list_versions(unit.session, user, doc_id)
        akte = unit.session.get(Akte, doc.akte_id) if doc.akte_id else None
        retention = retention_info(unit.session, RetentionSettings(), user, doc_id)
    role = getattr(user, "role", "")
    return {
        **_doc_row(doc),
        "correspondent": doc.correspondent or "",
        "tags": list(doc.tags or []),
        "document_date": doc.document_date.isoformat() if doc.document_date else "",
        "retention_class": retention.get("class_id") or doc.retention_class,
        "retention_until": retention.get("keep_until"),
        "retention_reason": retention.get("reason") or "",
        "sha256": doc.sha256,
        "size": doc.size,
        "mime_type": doc.mime_type,
        "failure_reason": doc.failure_reason,
        "akte": {"id": akte.id, "aktenzeichen": akte.aktenzeichen} if akte else None,
        "previewable": (doc.mime_type or "").startswith(("application/pdf", "image/"))
        or doc.filename.lower().endswith(".pdf"),
        "editable": not doc.finalised and role_has(role, "documents:write") and (akte is None or akte.status == "open"),
        "versions": [
            {"version": v.version_no, "filename": v.filename, "created_at": v.created_at, "sha256": v.sha256}
            for v in versions
        ],
    }


def audit_trail(request: Request, user: Any, doc_id: int) -> list[dict[str, Any]]:
    """The document's audit rows, newest first (after the same read check as the document itself)."""
    with uow(request, read_only=True) as unit, user_errors():
        svc.get_document(unit.session, user, doc_id)
        rows = unit.session.execute(
            select(AuditEntry)
            .where(col(AuditEntry.object_type) == "document", col(AuditEntry.object_id) == str(doc_id))
            .order_by(col(AuditEntry.id).desc())
            .limit(200)
        ).scalars()
        return [{"at": a.at, "actor": a.actor, "action": a.action, "detail": _audit_detail(a.details)} for a in rows]


def _audit_detail(details: str) -> str:
    try:
        data = json.loads(details)
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    keys = [k for k in data if k not in {"sha256", "duplicate_of", "warnings"}][:4]
    text = ", ".join(f"{k}: {data[k]}" for k in keys)
    return text if len(text) <= 200 else text[:199] + "…"


def update_document(request: Request, user: Any, doc_id: int, fields: dict[str, str]) -> dict[str, str]:
    """Apply metadata changes; returns field → message for invalid input (empty when saved)."""

    changes: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for key, value in fields.items():
        if key == "tags":
            changes["tags"] = [t.strip() for t in value.split(",") if t.strip()]
        elif key == "document_date":
            if value:
                try:
                    date.fromisoformat(value)
                except ValueError:
                    errors[key] = value
            changes[key] = value or None
        elif key == "title":
            if not value:
                errors[key] = "–"
            changes[key] = value
        else:
            changes[key] = value or None
    if errors:
        return errors
    with uow(request) as unit, user_errors():
        svc.update_metadata(unit.session, user, doc_id, changes)
        unit.commit()
    return {}


def _original_bytes(request: Request, user: Any, doc_id: int, version: int | None) -> tuple[bytes, Any]:

    with uow(request) as unit, user_errors():
        ver = svc.read_original(unit.session, user, doc_id, version)  # audited as a content read
        unit.commit()
    return container(request).store.get(ver.sha256), ver


def original_response(request: Request, user: Any, doc_id: int, version: int | None) -> Response:
    data, ver = _original_bytes(request, user, doc_id, version)
    response = Response(data, media_type=ver.mime_type or "application/octet-stream")
    safe = "".join(c if c.isalnum() or c in "._- " else "_" for c in ver.filename) or "dokument"
    response.headers["Content-Disposition"] = f'attachment; filename="{safe}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def preview_png(request: Request, user: Any, doc_id: int, page_no: int) -> bytes:
    """Page ``page_no`` (1-based) rendered server-side with pypdfium2; images are scaled as they are."""
    if not 1 <= page_no <= MAX_PREVIEW_PAGES:
        raise NotFound("page")
    data, ver = _original_bytes(request, user, doc_id, None)
    buf = io.BytesIO()
    if (ver.mime_type or "").startswith("image/"):
        with Image.open(io.BytesIO(data)) as img:
            img.thumbnail((PREVIEW_WIDTH, PREVIEW_WIDTH * 2))
            img.convert("RGB").save(buf, "PNG", optimize=True)
        return buf.getvalue()

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise NotFound("preview") from exc
    try:
        if page_no > len(pdf):
            raise NotFound("page")
        page = pdf[page_no - 1]
        scale = PREVIEW_WIDTH / max(page.get_width(), 1.0)
        image = page.render(scale=min(scale, 3.0)).to_pil()
        image.save(buf, "PNG", optimize=True)
    finally:
        pdf.close()
    return buf.getvalue()


def upload(request: Request, user: Any, filename: str, data: bytes, fields: dict[str, str]) -> int:
    """Store the bytes and create the document (processing continues in the background)."""

    limit = int(getattr(settings(request), "max_upload_bytes", 100 * 1024 * 1024))
    if not data:
        raise UserError("upload.empty")
    if len(data) > limit:
        raise UserError("error.too_large_text", status=413)
    akte_id = int(fields["akte_id"]) if fields.get("akte_id", "").isdigit() else None

    mime = mimetypes.guess_type(filename)[0]
    with user_errors():
        blob = container(request).store.put(data)
        with uow(request) as unit:
            new = svc.create_document(
                unit.session,
                user,
                blob,
                filename=filename,
                mime_type=mime,
                title=fields.get("title") or None,
                akte_id=akte_id,
                document_type=fields.get("document_type") or None,
                document_date=fields.get("document_date") or None,
                retention_class=fields.get("retention_class") or None,
                channel="upload",
                enqueue=unit.enqueue,
                refuse_duplicates=container(request).settings.duplicate_uploads == "refuse",
            )
            unit.commit()
    return int(new.id)


def akten_for_select(request: Request, user: Any) -> list[dict[str, Any]]:
    return [a for a in akten(request, user, "") if a["status"] == "open"][:200]


def _akte_row(a: Any) -> dict[str, Any]:
    return {"id": a.id, "aktenzeichen": a.aktenzeichen, "title": a.title, "department": a.department,
            "status": a.status}


def akten(request: Request, user: Any, q: str) -> list[dict[str, Any]]:
    """The Akten the user may read (``fileplan.list_akten``), optionally narrowed by file number/title."""
    with uow(request, read_only=True) as unit, user_errors():
        rows = fileplan_svc.list_akten(unit.session, user, limit=500)
        needle = q.strip().lower()
        return [
            _akte_row(a) for a in rows if not needle or needle in a.aktenzeichen.lower() or needle in a.title.lower()
        ]


def akte(request: Request, user: Any, akte_id: int) -> dict[str, Any]:
    with uow(request, read_only=True) as unit, user_errors():
        row = fileplan_svc.get_akte(unit.session, user, akte_id)
        node = unit.session.get(FilePlanNode, row.fileplan_node_id)
        vorgaenge = fileplan_svc.list_vorgaenge(unit.session, user, akte_id)
        docs, _ = svc.list_documents(unit.session, user, limit=500, akte_id=akte_id)
        numbers = {v.id: v.number for v in vorgaenge}
        role = getattr(user, "role", "")
        return {
            **_akte_row(row),
            "retention_class": row.retention_class or (node.retention_class if node else None),
            "fileplan": f"{node.code} {node.title}" if node else None,
            "closed_at": row.closed_at,
            "can_close": row.status == "open" and role_has(role, "akten:close"),
            "vorgaenge": [{"number": v.number, "title": v.title, "status": v.status} for v in vorgaenge],
            "documents": [{**_doc_row(d), "vorgang": numbers.get(d.vorgang_id)} for d in docs],
        }


def close_akte(request: Request, user: Any, akte_id: int) -> None:
    """z.d.A. through the file-plan service (closes Vorgänge, finalises the documents)."""
    with uow(request) as unit, user_errors():
        fileplan_svc.close_akte(unit.session, user, akte_id)
        unit.commit()


# ------------------------------------------------------------------ saved searches (per-user UI preference)
MAX_SAVED = 50
SAVED_DIR = Path("ui") / "saved-searches"  # session 1 kept them as JSON files: imported once, then renamed


def import_saved_search_files(session: Any, data_path: Path) -> int:
    """One-time import of ``<data>/ui/saved-searches/<user id>.json`` into ``ui_saved_searches``.

    Each imported file is renamed to ``*.json.imported`` and the directory to ``saved-searches.imported``
    when done, so the import runs once; names a user already has in the table are kept as they are.
    Returns the number of searches imported."""
    folder = data_path / SAVED_DIR
    if not folder.is_dir():
        return 0
    imported = 0
    now = utcnow()
    for path in sorted(folder.glob("*.json")):
        if not path.stem.isdigit():
            continue
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = []
        user_id = int(path.stem)
        have = set(session.execute(select(col(SavedSearch.name)).where(col(SavedSearch.user_id) == user_id)).scalars())
        items = [d for d in data if isinstance(d, dict) and isinstance(d.get("name"), str)
                 and isinstance(d.get("query"), str)] if isinstance(data, list) else []
        for pos, item in enumerate(items[:MAX_SAVED]):
            name = item["name"][:100]
            if name in have:
                continue
            have.add(name)
            session.add(SavedSearch(user_id=user_id, name=name, query=item["query"][:2000],
                                    created_at=now - timedelta(seconds=pos)))
            imported += 1
        session.flush()
        path.rename(path.with_name(path.name + ".imported"))
    if not any(folder.glob("*.json")):
        folder.rename(folder.with_name(folder.name + ".imported"))
    return imported


def _import_files_once(request: Request) -> None:
    data_path = Path(settings(request).data_path)
    if not (data_path / SAVED_DIR).is_dir():
        return
    with uow(request) as unit:
        try:
            import_saved_search_files(unit.session, data_path)
            unit.commit()
        except (IntegrityError, OSError):  # a concurrent request imported them first
            unit.session.rollback()


def saved_searches(request: Request, user: Any) -> list[dict[str, str]]:
    """This user's saved searches, newest first (at most 50)."""
    _import_files_once(request)
    with uow(request, read_only=True) as unit:
        rows = unit.session.execute(
            select(col(SavedSearch.name), col(SavedSearch.query))
            .where(col(SavedSearch.user_id) == int(user.user_id))
            .order_by(col(SavedSearch.created_at).desc(), col(SavedSearch.id).desc())
            .limit(MAX_SAVED)
        ).all()
    return [{"name": name, "query": query} for name, query in rows]


def save_search(request: Request, user: Any, name: str, query_string: str) -> None:
    """Keep a named search for this user (same name replaces; newest first; at most 50 kept)."""
    _import_files_once(request)
    user_id = int(user.user_id)
    name = name.strip()[:100]
    if not name:
        raise UserError("search.name_required")
    with uow(request) as unit:
        s = unit.session
        s.execute(delete(SavedSearch).where(col(SavedSearch.user_id) == user_id, col(SavedSearch.name) == name))
        s.add(SavedSearch(user_id=user_id, name=name, query=query_string[:2000]))
        s.flush()
        keep = select(col(SavedSearch.id)).where(col(SavedSearch.user_id) == user_id).order_by(
            col(SavedSearch.created_at).desc(), col(SavedSearch.id).desc()).limit(MAX_SAVED)
        s.execute(delete(SavedSearch).where(col(SavedSearch.user_id) == user_id,
                                            col(SavedSearch.id).not_in(keep.scalar_subquery())))
        unit.commit()
