"""File plan (Aktenplan, versioned nodes), Akten with generated Aktenzeichen, Vorgänge, zdA closing."""
# ruff: noqa: PLR0917, PLC0415  -- service calls mirror (session, principal, ids…); dialect imports

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlmodel import Session, col

from dms import audit
from dms.db.tables import (
    Akte,
    AkteCounter,
    Document,
    DocumentType,
    FilePlanNode,
    FilePlanNodeVersion,
    Vorgang,
)
from dms.db.types import utcnow
from dms.domain.aktenzeichen import format_aktenzeichen
from dms.domain.principal import Principal
from dms.errors import Conflict, Frozen, NotFound, ValidationFailed
from dms.services import access

_CODE = re.compile(r"^[0-9A-Za-z]+(?:[.\-][0-9A-Za-z]+)*$")
NODE_FIELDS = ("code", "title", "parent_id", "retention_class", "archive_value", "department", "deprecated")


def _version_row(node: FilePlanNode, by: int | None) -> FilePlanNodeVersion:
    return FilePlanNodeVersion(
        node_id=int(node.id or 0), version=node.version, code=node.code, title=node.title, parent_id=node.parent_id,
        retention_class=node.retention_class, archive_value=node.archive_value, department=node.department,
        deprecated=node.deprecated, changed_by=by,
    )


def _check_code(session: Session, code: str, exclude_id: int | None = None) -> str:
    code = (code or "").strip()
    if not code or len(code) > 64 or not _CODE.match(code):
        raise ValidationFailed("file-plan code must be digits/letters separated by dots, e.g. 63.01.02")
    q = select(col(FilePlanNode.id)).where(col(FilePlanNode.code) == code)
    if exclude_id is not None:
        q = q.where(col(FilePlanNode.id) != exclude_id)
    if session.execute(q).first():
        raise Conflict(f"file-plan code {code} already exists")
    return code


def create_node(session: Session, principal: Principal, code: str, title: str, parent_id: int | None = None,
                retention_class: str | None = None, archive_value: str | None = None,
                department: str | None = None) -> FilePlanNode:
    code = _check_code(session, code)
    if not (title or "").strip():
        raise ValidationFailed("title must not be empty")
    if parent_id is not None and session.get(FilePlanNode, parent_id) is None:
        raise NotFound(f"file-plan node {parent_id} not found")
    node = FilePlanNode(code=code, title=title.strip(), parent_id=parent_id, retention_class=retention_class,
                        archive_value=archive_value, department=department)
    session.add(node)
    session.flush()
    session.add(_version_row(node, principal.user_id or None))
    audit.record(session, principal, "fileplan.create", "fileplan_node", node.id, {"code": code, "title": node.title})
    return node


def get_node(session: Session, node_id: int) -> FilePlanNode:
    node = session.get(FilePlanNode, node_id)
    if node is None:
        raise NotFound(f"file-plan node {node_id} not found")
    return node


def update_node(session: Session, principal: Principal, node_id: int, changes: dict[str, Any]) -> FilePlanNode:
    """Change (rename, move, deprecate) a node; each change is a new version, the old one is kept."""
    node = get_node(session, node_id)
    unknown = set(changes) - set(NODE_FIELDS)
    if unknown:
        raise ValidationFailed(f"unknown field(s): {', '.join(sorted(unknown))}")
    if "code" in changes:
        changes["code"] = _check_code(session, changes["code"], exclude_id=node_id)
    if changes.get("parent_id") is not None:
        pid = changes["parent_id"]
        while pid is not None:  # no cycles
            if pid == node_id:
                raise ValidationFailed("a node cannot be moved below itself")
            pid = get_node(session, pid).parent_id
    diff = {k: {"from": getattr(node, k), "to": v} for k, v in changes.items() if getattr(node, k) != v}
    if not diff:
        return node
    for k, v in changes.items():
        setattr(node, k, v)
    node.version += 1
    node.updated_at = utcnow()
    session.add(node)
    session.add(_version_row(node, principal.user_id or None))
    audit.record(session, principal, "fileplan.update", "fileplan_node", node_id, diff)
    return node


def node_history(session: Session, node_id: int) -> list[FilePlanNodeVersion]:
    get_node(session, node_id)
    return list(session.execute(select(FilePlanNodeVersion).where(col(FilePlanNodeVersion.node_id) == node_id)
                                .order_by(col(FilePlanNodeVersion.version))).scalars())


def list_nodes(session: Session, include_deprecated: bool = True) -> list[FilePlanNode]:
    q = select(FilePlanNode).order_by(col(FilePlanNode.code))
    if not include_deprecated:
        q = q.where(col(FilePlanNode.deprecated).is_(False))
    return list(session.execute(q).scalars())


def _next_seq(session: Session, node_id: int, year: int) -> int:
    """Atomically take the next number: one UPSERT … RETURNING (row-locked on PostgreSQL; serial on SQLite)."""
    dialect = session.get_bind().dialect.name
    keys = ["node_id", "year"]
    bump = {"last_seq": col(AkteCounter.last_seq) + 1}
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        stmt = pg_insert(AkteCounter).values(node_id=node_id, year=year, last_seq=1).on_conflict_do_update(
            index_elements=keys, set_=bump).returning(col(AkteCounter.last_seq))
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert
        stmt = sqlite_insert(AkteCounter).values(node_id=node_id, year=year, last_seq=1).on_conflict_do_update(
            index_elements=keys, set_=bump).returning(col(AkteCounter.last_seq))
    return int(session.execute(stmt).scalar_one())


def create_akte(session: Session, principal: Principal, pattern: str, node_id: int, title: str,
                department: str | None = None, year: int | None = None,
                retention_class: str | None = None) -> Akte:
    node = get_node(session, node_id)
    if node.deprecated:
        raise Conflict(f"file-plan node {node.code} is deprecated; file new Akten under its successor")
    if not (title or "").strip():
        raise ValidationFailed("title must not be empty")
    year = year or datetime.now(UTC).year
    if not 1900 <= year <= 2999:
        raise ValidationFailed("year out of range")
    dept = department or node.department or principal.department
    seq = _next_seq(session, int(node.id or 0), year)
    az = format_aktenzeichen(pattern, plan=node.code, year=year, seq=seq, dept=dept)
    if session.execute(select(col(Akte.id)).where(col(Akte.aktenzeichen) == az)).first():
        raise Conflict(f"Aktenzeichen {az} already exists (check the pattern)")
    akte = Akte(aktenzeichen=az, title=title.strip(), fileplan_node_id=int(node.id or 0), department=dept,
                year=year, seq=seq, retention_class=retention_class or node.retention_class,
                created_by=principal.user_id or None)
    session.add(akte)
    session.flush()
    audit.record(session, principal, "akte.create", "akte", akte.id, {"aktenzeichen": az, "title": akte.title})
    return akte


def get_akte(session: Session, principal: Principal, akte_id: int) -> Akte:
    akte = session.get(Akte, akte_id)
    if akte is None:
        raise NotFound(f"Akte {akte_id} not found")
    access.ensure_can_read_akte(session, principal, akte)
    return akte


def list_akten(session: Session, principal: Principal, limit: int = 100, offset: int = 0) -> list[Akte]:
    rows = session.execute(select(Akte).order_by(col(Akte.id).desc()).limit(limit * 5 if "*" not in principal.tokens else limit).offset(offset)).scalars()
    out = [a for a in rows if principal.can_read_acl(access.akte_acl(session, a))]
    return out[:limit]


def update_akte(session: Session, principal: Principal, akte_id: int, changes: dict[str, Any]) -> Akte:
    akte = get_akte(session, principal, akte_id)
    if akte.status != "open":
        raise Frozen(f"Akte {akte.aktenzeichen} is closed (zdA)")
    allowed = {"title", "department", "retention_class"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationFailed(f"unknown field(s): {', '.join(sorted(unknown))}")
    diff = {k: {"from": getattr(akte, k), "to": v} for k, v in changes.items() if getattr(akte, k) != v}
    for k, v in changes.items():
        setattr(akte, k, v)
    session.add(akte)
    if "department" in diff:
        for d in access.documents_under(session, "akte", akte_id):
            access.refresh_acl(session, d)
    audit.record(session, principal, "akte.update", "akte", akte_id, diff)
    return akte


def close_akte(session: Session, principal: Principal, akte_id: int) -> Akte:
    """zdA: close the Akte and its Vorgänge; its documents become immutable (finalised)."""
    akte = get_akte(session, principal, akte_id)
    if akte.status != "open":
        raise Conflict(f"Akte {akte.aktenzeichen} is already closed")
    processing = session.execute(select(func.count()).select_from(Document).where(
        col(Document.akte_id) == akte_id, col(Document.status) == "processing")).scalar_one()
    if processing:
        raise Conflict(f"Akte {akte.aktenzeichen} still has {processing} document(s) in processing")
    now = utcnow()
    akte.status, akte.closed_at, akte.closed_by = "closed", now, principal.user_id or None
    session.add(akte)
    for v in session.execute(select(Vorgang).where(col(Vorgang.akte_id) == akte_id, col(Vorgang.status) == "open")).scalars():
        v.status, v.closed_at = "closed", now
        session.add(v)
    for d in session.execute(select(Document).where(col(Document.akte_id) == akte_id, col(Document.finalised).is_(False))).scalars():
        d.finalised, d.finalised_at = True, now
        session.add(d)
    audit.record(session, principal, "akte.close", "akte", akte_id, {"aktenzeichen": akte.aktenzeichen})
    return akte


def create_vorgang(session: Session, principal: Principal, akte_id: int, title: str) -> Vorgang:
    akte = get_akte(session, principal, akte_id)
    if akte.status != "open":
        raise Frozen(f"Akte {akte.aktenzeichen} is closed (zdA)")
    if not (title or "").strip():
        raise ValidationFailed("title must not be empty")
    n = (session.execute(select(func.max(col(Vorgang.number))).where(col(Vorgang.akte_id) == akte_id)).scalar() or 0) + 1
    v = Vorgang(akte_id=akte_id, number=n, title=title.strip(), created_by=principal.user_id or None)
    session.add(v)
    session.flush()
    audit.record(session, principal, "vorgang.create", "vorgang", v.id, {"akte_id": akte_id, "number": n})
    return v


def get_vorgang(session: Session, principal: Principal, vorgang_id: int) -> Vorgang:
    v = session.get(Vorgang, vorgang_id)
    if v is None:
        raise NotFound(f"Vorgang {vorgang_id} not found")
    access.ensure_can_read_vorgang(session, principal, v)
    return v


def list_vorgaenge(session: Session, principal: Principal, akte_id: int) -> list[Vorgang]:
    get_akte(session, principal, akte_id)
    return list(session.execute(select(Vorgang).where(col(Vorgang.akte_id) == akte_id).order_by(col(Vorgang.number))).scalars())


def close_vorgang(session: Session, principal: Principal, vorgang_id: int) -> Vorgang:
    v = get_vorgang(session, principal, vorgang_id)
    if v.status != "open":
        raise Conflict(f"Vorgang {vorgang_id} is already closed")
    v.status, v.closed_at = "closed", utcnow()
    session.add(v)
    audit.record(session, principal, "vorgang.close", "vorgang", vorgang_id, {})
    return v


def create_document_type(session: Session, principal: Principal, name: str, title: str = "",
                         fields: list[dict[str, Any]] | None = None, retention_class: str | None = None) -> DocumentType:
    name = (name or "").strip()
    if not re.match(r"^[a-z0-9_\-]{1,64}$", name):
        raise ValidationFailed("document type name: 1–64 of a-z 0-9 _ -")
    if session.execute(select(col(DocumentType.id)).where(col(DocumentType.name) == name)).first():
        raise Conflict(f"document type {name} already exists")
    clean = []
    for f in fields or []:
        fname = str(f.get("name", "")).strip()
        if not fname:
            raise ValidationFailed("every custom field needs a name")
        clean.append({"name": fname, "type": str(f.get("type", "string")), "required": bool(f.get("required", False))})
    dt = DocumentType(name=name, title=title or name, fields=clean, retention_class=retention_class)
    session.add(dt)
    session.flush()
    audit.record(session, principal, "document_type.create", "document_type", dt.id, {"name": name, "fields": clean})
    return dt


def list_document_types(session: Session) -> list[DocumentType]:
    return list(session.execute(select(DocumentType).order_by(col(DocumentType.name))).scalars())


def import_plan(session: Session, principal: Principal, rows: list[dict[str, str]]) -> dict[str, int]:
    """Import a published Aktenplan (rows with ``code``, ``title`` and optional ``retention_class``,
    ``department``, ``archive_value``). Parents follow from the dotted codes; existing codes get a new
    version when something changed. Returns counts ``created``/``updated``/``unchanged``."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    by_code = {n.code: n for n in list_nodes(session)}
    for i, row in enumerate(sorted(rows, key=lambda r: (r.get("code") or "").count(".")), start=1):
        code = (row.get("code") or "").strip()
        title = (row.get("title") or "").strip()
        if not code or not title:
            raise ValidationFailed(f"row {i}: code and title are required")
        parent_code = code.rsplit(".", 1)[0] if "." in code else None
        parent = by_code.get(parent_code) if parent_code else None
        extra = {k: (row.get(k) or None) for k in ("retention_class", "department", "archive_value")}
        node = by_code.get(code)
        if node is None:
            node = create_node(session, principal, code, title, parent.id if parent else None, **extra)
            by_code[code] = node
            counts["created"] += 1
            continue
        changes: dict[str, Any] = {"title": title, "parent_id": parent.id if parent else node.parent_id}
        changes.update({k: v for k, v in extra.items() if v is not None})
        before = node.version
        update_node(session, principal, int(node.id or 0), changes)
        counts["updated" if node.version != before else "unchanged"] += 1
    return counts
