"""Aktenwerk document ↔ Paperless-ngx JSON (the one place that translates between the two shapes)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from dms.db.tables import AccessGrant, Document, DocumentText, User
from dms.domain.principal import Principal
from dms.errors import ValidationFailed
from dms.paperless import labels
from dms.paperless.tables import PaperlessArchive, PaperlessLabel, PaperlessNote
from dms.web.permissions import role_has

PAPERLESS_VERSION = "2.15.3"
API_VERSION = "7"
_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(name: str) -> str:
    return _SLUG.sub("-", name.lower()).strip("-") or "x"


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def created_of(doc: Document) -> date:
    """Paperless ``created``: the document date, else the day it was received."""
    return doc.document_date or doc.received_at.date()


def asn_int(asn: str | None) -> int | None:
    return int(asn) if asn and asn.isdigit() else None


def parse_created(value: Any) -> date | None:
    """``created`` as Paperless clients send it: a date or a datetime (its date part counts)."""
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).date() if "T" in text or " " in text \
            else date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationFailed(f"created must be an ISO date or datetime, got {value!r}") from exc


@dataclass
class PageContext:
    """Everything needed to render a page of documents, loaded with one query per kind."""

    tag_ids: dict[str, int] = field(default_factory=dict)
    corr_ids: dict[str, int] = field(default_factory=dict)
    type_ids: dict[str, int] = field(default_factory=dict)
    field_ids: dict[str, int] = field(default_factory=dict)
    texts: dict[int, str] = field(default_factory=dict)
    notes: dict[int, list[PaperlessNote]] = field(default_factory=dict)
    archives: dict[int, PaperlessArchive] = field(default_factory=dict)
    grants: dict[int, list[str]] = field(default_factory=dict)
    group_ids: dict[str, int] = field(default_factory=dict)


def load_context(session: Session, docs: Sequence[Document], resolve: labels.Resolver, *,
                 with_content: bool = True, with_perms: bool = False) -> PageContext:
    """Label ids via ``resolve`` (read requests never hold the write lock for this), the rest via ``session``."""
    ctx = PageContext()
    ids = [int(d.id or 0) for d in docs]
    found = resolve({
        "tag": {t for d in docs for t in d.tags or []},
        "correspondent": {d.correspondent for d in docs if d.correspondent},
        "document_type": {d.document_type for d in docs if d.document_type},
        "custom_field": {k for d in docs for k in (d.custom_fields or {})},
    })
    ctx.tag_ids, ctx.corr_ids = found["tag"], found["correspondent"]
    ctx.type_ids, ctx.field_ids = found["document_type"], found["custom_field"]
    if not ids:
        return ctx
    if with_content:
        ctx.texts = {int(r.document_id): r.content for r in session.execute(
            select(col(DocumentText.document_id), col(DocumentText.content)).where(col(DocumentText.document_id).in_(ids))
        )}
    for n in session.execute(select(PaperlessNote).where(col(PaperlessNote.document_id).in_(ids))
                             .order_by(col(PaperlessNote.id))).scalars():
        ctx.notes.setdefault(n.document_id, []).append(n)
    ctx.archives = {a.document_id: a for a in session.execute(
        select(PaperlessArchive).where(col(PaperlessArchive.document_id).in_(ids))).scalars()}
    if with_perms:
        for g in session.execute(select(AccessGrant).where(
                col(AccessGrant.object_type) == "document", col(AccessGrant.object_id).in_(ids))).scalars():
            ctx.grants.setdefault(g.object_id, []).append(g.grantee)
        ctx.group_ids = resolve({"group": {
            g.partition(":")[2] for gs in ctx.grants.values() for g in gs if g.startswith("group:")}})["group"]
    return ctx


def note_json(n: PaperlessNote, users: dict[int, User] | None = None) -> dict[str, Any]:
    u = (users or {}).get(n.user_id or 0)
    return {"id": n.id, "note": n.note, "created": iso(n.created), "document": n.document_id,
            "user": {"id": n.user_id, "username": u.username if u else "", "first_name": "", "last_name": ""}}


def document_json(doc: Document, ctx: PageContext, principal: Principal, *, full_perms: bool = False) -> dict[str, Any]:
    did = int(doc.id or 0)
    created = created_of(doc)
    archive = ctx.archives.get(did)
    stem = doc.filename.rsplit(".", 1)[0] if "." in doc.filename else doc.filename
    out: dict[str, Any] = {
        "id": did,
        "correspondent": ctx.corr_ids.get(doc.correspondent) if doc.correspondent else None,
        "document_type": ctx.type_ids.get(doc.document_type) if doc.document_type else None,
        "storage_path": None,
        "title": doc.title,
        "content": ctx.texts.get(did, ""),
        "tags": sorted(ctx.tag_ids[t] for t in doc.tags or [] if t in ctx.tag_ids),
        "created": created.isoformat(),
        "created_date": created.isoformat(),
        "modified": iso(doc.updated_at),
        "added": iso(doc.received_at),
        "deleted_at": None,
        "archive_serial_number": asn_int(doc.asn),
        "original_file_name": doc.filename,
        "archived_file_name": (archive.filename if archive else (f"{stem}.pdf" if doc.mime_type == "application/pdf" else None)),
        "owner": doc.uploader_id,
        "user_can_change": role_has(principal.role, "documents:write") and not doc.finalised,
        "is_shared_by_requester": False,
        "notes": [{"id": n.id, "note": n.note, "created": iso(n.created), "document": did, "user": n.user_id}
                  for n in ctx.notes.get(did, [])],
        "custom_fields": [{"field": ctx.field_ids[k], "value": v} for k, v in sorted((doc.custom_fields or {}).items())
                          if k in ctx.field_ids],
        "page_count": doc.page_count,
        "mime_type": doc.mime_type,
    }
    if full_perms:
        grants = ctx.grants.get(did, [])
        users = sorted({int(g[5:]) for g in grants if g.startswith("user:") and g[5:].isdigit()})
        groups = sorted(ctx.group_ids[g[6:]] for g in grants if g.startswith("group:") and g[6:] in ctx.group_ids)
        out["permissions"] = {"view": {"users": users, "groups": groups}, "change": {"users": [], "groups": []}}
    return out


def label_json(row: PaperlessLabel, document_count: int, *, full_perms: bool = False) -> dict[str, Any]:
    """Tag / correspondent / document type / custom field / group in Paperless's shape."""
    base: dict[str, Any] = {"id": row.id, "name": row.name}
    if row.kind == "custom_field":
        base.update({"data_type": row.data_type or "string", "extra_data": {}, "document_count": document_count})
        return base
    if row.kind == "group":
        base["permissions"] = []
        return base
    base.update({"slug": slugify(row.name), "match": "", "matching_algorithm": 0, "is_insensitive": True,
                 "document_count": document_count, "owner": None, "user_can_change": True})
    if row.kind == "tag":
        base.update({"color": row.color or "#a6cee3", "text_color": "#000000", "is_inbox_tag": False})
    if row.kind == "correspondent":
        base["last_correspondence"] = None
    if full_perms:
        base["permissions"] = {"view": {"users": [], "groups": []}, "change": {"users": [], "groups": []}}
    return base


def custom_fields_from_wire(session: Session, value: Any) -> dict[str, Any]:
    """``[{field, value}]`` (or ``{id: value}``) → Aktenwerk's ``{name: value}``."""
    pairs: list[tuple[int, Any]] = []
    if isinstance(value, dict):
        pairs = [(labels.wire_id("custom_field", k), v) for k, v in value.items()]
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, dict) and "field" in item:
                pairs.append((labels.wire_id("custom_field", item["field"]), item.get("value")))
            elif isinstance(item, int | str) and str(item).isdigit():
                pairs.append((int(item), None))
            else:
                raise ValidationFailed("custom_fields must be a list of {field, value} objects")
    elif value is not None:
        raise ValidationFailed("custom_fields must be a list of {field, value} objects")
    names = labels.names_for(session, "custom_field", [p[0] for p in pairs])
    return {names[fid]: v for fid, v in pairs}
