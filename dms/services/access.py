"""Document visibility: department + explicit grants, inherited Akte → Vorgang → Dokument."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import Session, col

from dms.db.tables import AccessGrant, Akte, Document, Vorgang
from dms.domain.principal import Principal
from dms.errors import PermissionDenied, ValidationFailed

OBJECT_TYPES = ("akte", "vorgang", "document")


def _grants(session: Session, object_type: str, object_id: int | None) -> set[str]:
    if object_id is None:
        return set()
    return set(
        session.execute(
            select(col(AccessGrant.grantee)).where(
                col(AccessGrant.object_type) == object_type, col(AccessGrant.object_id) == object_id
            )
        ).scalars()
    )


def compute_acl(session: Session, doc: Document) -> list[str]:
    toks: set[str] = set()
    if doc.department:
        toks.add(f"dept:{doc.department}")
    if doc.uploader_id:
        toks.add(f"user:{doc.uploader_id}")
    toks |= _grants(session, "document", doc.id)
    if doc.vorgang_id:
        toks |= _grants(session, "vorgang", doc.vorgang_id)
    if doc.akte_id:
        akte = session.get(Akte, doc.akte_id)
        if akte is not None and akte.department:
            toks.add(f"dept:{akte.department}")
        toks |= _grants(session, "akte", doc.akte_id)
    return sorted(toks)


def refresh_acl(session: Session, doc: Document) -> None:
    doc.acl_tokens = " " + " ".join(compute_acl(session, doc)) + " "
    session.add(doc)


def acl_of(doc: Document) -> list[str]:
    return [t for t in doc.acl_tokens.split(" ") if t]


def can_read(principal: Principal, doc: Document) -> bool:
    return principal.can_read_acl(acl_of(doc))


def ensure_can_read(principal: Principal, doc: Document) -> None:
    if not can_read(principal, doc):
        raise PermissionDenied(f"document {doc.id} is not visible to you")


def akte_acl(session: Session, akte: Akte) -> set[str]:
    toks = {f"dept:{akte.department}"} if akte.department else set()
    if akte.created_by:
        toks.add(f"user:{akte.created_by}")
    return toks | _grants(session, "akte", akte.id)


def ensure_can_read_akte(session: Session, principal: Principal, akte: Akte) -> None:
    if not principal.can_read_acl(akte_acl(session, akte)):
        raise PermissionDenied(f"Akte {akte.aktenzeichen} is not visible to you")


def ensure_can_read_vorgang(session: Session, principal: Principal, vorgang: Vorgang) -> None:
    akte = session.get(Akte, vorgang.akte_id)
    assert akte is not None
    toks = akte_acl(session, akte) | _grants(session, "vorgang", vorgang.id)
    if not principal.can_read_acl(toks):
        raise PermissionDenied(f"Vorgang {vorgang.id} is not visible to you")


def validate_grantee(grantee: str) -> str:
    kind, _, value = grantee.partition(":")
    if kind not in {"user", "group", "dept"} or not value or " " in value:
        raise ValidationFailed("grantee must look like user:<id>, group:<name> or dept:<code>")
    if kind == "user" and not value.isdigit():
        raise ValidationFailed("user grantee must be user:<numeric id>")
    return grantee


def documents_under(session: Session, object_type: str, object_id: int) -> list[Document]:
    if object_type == "document":
        d = session.get(Document, object_id)
        return [d] if d else []
    column = col(Document.akte_id) if object_type == "akte" else col(Document.vorgang_id)
    return list(session.execute(select(Document).where(column == object_id)).scalars())
