"""Stable Paperless integer ids for Aktenwerk's named labels (tags, correspondents, types, fields, groups).

Ids are handed out on first sight of a name and never change; they never commit (the caller's unit of
work does). Names are the truth on the document; ids only exist for the wire.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from dms.db.tables import Document, DocumentType, UserGroup
from dms.errors import NotFound, ValidationFailed
from dms.paperless.tables import LABEL_KINDS, PaperlessLabel

if TYPE_CHECKING:
    from dms.bootstrap import Container

#: {kind: names} -> {kind: {name: id}}
Resolver = Callable[[dict[str, set[str]]], dict[str, dict[str, int]]]

CUSTOM_FIELD_TYPES = ("string", "boolean", "integer", "float", "monetary", "date", "url", "documentlink",
                      "select", "longtext")


def _check_kind(kind: str) -> None:
    if kind not in LABEL_KINDS:
        raise ValidationFailed(f"unknown label kind {kind!r}")


def ids_for(session: Session, kind: str, names: Iterable[str]) -> dict[str, int]:
    """``{name: id}`` for the names, creating ids for names seen for the first time."""
    _check_kind(kind)
    wanted = {n for n in names if n}
    if not wanted:
        return {}
    found = {
        r.name: int(r.id)
        for r in session.execute(
            select(col(PaperlessLabel.id), col(PaperlessLabel.name)).where(
                col(PaperlessLabel.kind) == kind, col(PaperlessLabel.name).in_(wanted)
            )
        )
    }
    for name in sorted(wanted - set(found)):
        if len(name) > 300:
            raise ValidationFailed(f"{kind} name longer than 300 characters")
        row = PaperlessLabel(kind=kind, name=name)
        session.add(row)
        session.flush()
        found[name] = int(row.id or 0)
    return found


def lookup(session: Session, kind: str, names: Iterable[str]) -> dict[str, int]:
    """``{name: id}`` of names that already have an id (never writes)."""
    wanted = {n for n in names if n}
    if not wanted:
        return {}
    return {r.name: int(r.id) for r in session.execute(
        select(col(PaperlessLabel.id), col(PaperlessLabel.name)).where(
            col(PaperlessLabel.kind) == kind, col(PaperlessLabel.name).in_(wanted)))}


def resolver_in(session: Session) -> Resolver:
    """Resolve inside a write transaction the caller already holds."""
    return lambda wanted: {kind: ids_for(session, kind, names) for kind, names in wanted.items()}


def resolver_for(container: Container) -> Resolver:
    """Resolve for read-only requests: look up in a read transaction; only names seen for the first time
    get their ids in a short write transaction of their own."""

    def resolve(wanted: dict[str, set[str]]) -> dict[str, dict[str, int]]:
        with container.uow(read_only=True) as r:
            found = {kind: lookup(r.session, kind, names) for kind, names in wanted.items()}
        missing = {kind: {n for n in names if n} - set(found[kind]) for kind, names in wanted.items()}
        if any(missing.values()):
            for attempt in (1, 2):
                try:
                    with container.uow() as w:
                        for kind, names in missing.items():
                            found[kind].update(ids_for(w.session, kind, names))
                        w.commit()
                    break
                except IntegrityError:  # a concurrent request registered the same name: look again
                    if attempt == 2:
                        raise
        return found

    return resolve


def id_for(session: Session, kind: str, name: str | None) -> int | None:
    if not name:
        return None
    return ids_for(session, kind, [name])[name]


def wire_id(kind: str, value: object) -> int:
    """A label id as a client sends it (``5`` or ``"5"``, like DRF's primary-key fields); anything else
    (``"x"``, ``1.5``, ``true``, a list) is a :class:`ValidationFailed`, never a 500."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise ValidationFailed(f"{kind} ids must be integers, got {value!r}")


def names_for(session: Session, kind: str, ids: Iterable[object]) -> dict[int, str]:
    """``{id: name}``; unknown ids raise :class:`ValidationFailed` (a client sent a stale id)."""
    want = {wire_id(kind, i) for i in ids}
    if not want:
        return {}
    rows = session.execute(
        select(col(PaperlessLabel.id), col(PaperlessLabel.name)).where(
            col(PaperlessLabel.kind) == kind, col(PaperlessLabel.id).in_(want)
        )
    ).all()
    out = {int(r.id): r.name for r in rows}
    missing = want - set(out)
    if missing:
        raise ValidationFailed(f"unknown {kind} id(s): {', '.join(map(str, sorted(missing)))}")
    return out


def get_label(session: Session, kind: str, label_id: int) -> PaperlessLabel:
    row = session.get(PaperlessLabel, label_id)
    if row is None or row.kind != kind:
        raise NotFound(f"{kind} {label_id} not found")
    return row


def create_label(session: Session, kind: str, name: str, *, data_type: str | None = None,
                 color: str | None = None) -> PaperlessLabel:
    """Register a name (idempotent: an existing name returns its row)."""
    _check_kind(kind)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed("name must not be empty")
    if kind == "custom_field":
        data_type = data_type or "string"
        if data_type not in CUSTOM_FIELD_TYPES:
            raise ValidationFailed(f"data_type must be one of {', '.join(CUSTOM_FIELD_TYPES)}")
    lid = ids_for(session, kind, [name])[name]
    row = session.get(PaperlessLabel, lid)
    assert row is not None
    if data_type and row.data_type != data_type:
        row.data_type = data_type
    if color:
        row.color = color
    session.add(row)
    return row


def names_in_use(session: Session) -> dict[str, set[str]]:
    """Every name in use: document tags, correspondents, types, custom fields; defined types; groups."""
    tags: set[str] = set()
    corr: set[str] = set()
    types: set[str] = set()
    fields: set[str] = set()
    rows = session.execute(
        select(col(Document.tags), col(Document.correspondent), col(Document.document_type),
               col(Document.custom_fields)).where(col(Document.deleted).is_(False)))
    for r in rows:
        tags.update(r.tags or [])
        if r.correspondent:
            corr.add(r.correspondent)
        if r.document_type:
            types.add(r.document_type)
        fields.update((r.custom_fields or {}).keys())
    types.update(session.execute(select(col(DocumentType.name))).scalars())
    groups = set(session.execute(select(func.distinct(col(UserGroup.group_name)))).scalars())
    return {"tag": tags, "correspondent": corr, "document_type": types, "custom_field": fields, "group": groups}


def list_labels(session: Session, kind: str) -> list[PaperlessLabel]:
    _check_kind(kind)
    return list(session.execute(
        select(PaperlessLabel).where(col(PaperlessLabel.kind) == kind).order_by(func.lower(col(PaperlessLabel.name)))
    ).scalars())
