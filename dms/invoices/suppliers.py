"""Suppliers (Kreditoren) and their known IBANs."""

from __future__ import annotations

import re
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlmodel import Session, col

from dms import audit
from dms.db.types import utcnow
from dms.domain.principal import Principal
from dms.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dms.invoices.tables import Supplier, SupplierIban
from einvoice.domain.terms import TermsError, normalize_bic, normalize_iban

MASTER_DATA_ROLES = frozenset({"admin", "finance"})
#: USt-IdNr. / VAT id as written on invoices (BT-31): country prefix + 2–20 letters, digits or + * . -
_VAT_ID = re.compile(r"^[A-Z]{2}[0-9A-Z+*.\-]{2,20}$")


def _norm_vat(vat_id: str | None) -> str | None:
    v = "".join((vat_id or "").split()).upper()
    return v or None


def create_supplier(
    session: Session,
    actor: Principal | None,
    name: str,
    *,
    vat_id: str | None = None,
    ibans: Iterable[str] = (),
    email: str | None = None,
) -> Supplier:
    """Create a supplier with its known IBANs (checked with schwifty). ``actor`` None = CLI/system."""
    if actor is not None and actor.role not in MASTER_DATA_ROLES:
        raise PermissionDenied("Nur Finanzen oder Administration dürfen Lieferanten anlegen.")
    name = " ".join((name or "").split())
    if not name or len(name) > 300:
        raise ValidationFailed("Lieferantenname fehlt oder ist länger als 300 Zeichen.")
    vat = _norm_vat(vat_id)
    if vat is not None and not _VAT_ID.match(vat):
        raise ValidationFailed(f"USt-IdNr. {vat_id!r} ist ungültig (erwartet z. B. DE123456789).")
    if vat is not None and session.execute(select(col(Supplier.id)).where(col(Supplier.vat_id) == vat)).first():
        raise Conflict(f"Ein Lieferant mit USt-IdNr. {vat} existiert bereits.")
    normalized: list[str] = []
    for raw in ibans:
        try:
            iban = normalize_iban(raw)
        except TermsError as exc:
            raise ValidationFailed(str(exc)) from exc
        if iban not in normalized:
            normalized.append(iban)
    supplier = Supplier(
        name=name, vat_id=vat, email=(email or None), created_by=actor.user_id if actor else None
    )
    session.add(supplier)
    session.flush()
    for iban in normalized:
        session.add(
            SupplierIban(
                supplier_id=int(supplier.id or 0),
                iban=iban,
                source="master_data",
                confirmed_by=actor.user_id if actor else None,
            )
        )
    audit.record(
        session,
        actor,
        "supplier.create",
        "supplier",
        supplier.id,
        {"name": name, "vat_id": vat, "ibans": normalized},
    )
    return supplier


def get_supplier(session: Session, supplier_id: int) -> Supplier:
    supplier = session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound(f"Lieferant {supplier_id} nicht gefunden.")
    return supplier


def supplier_exists(session: Session, supplier_id: int) -> bool:
    """For the user CLI/API: does ``--supplier ID`` name an existing supplier record?"""
    return session.get(Supplier, supplier_id) is not None


def known_ibans(session: Session, supplier_id: int) -> set[str]:
    return set(
        session.execute(select(col(SupplierIban.iban)).where(col(SupplierIban.supplier_id) == supplier_id)).scalars()
    )


def add_known_iban(
    session: Session,
    actor: Principal | None,
    supplier_id: int,
    iban: str,
    *,
    bic: str | None = None,
    source: str = "master_data",
) -> SupplierIban:
    """Record an IBAN as known for the supplier (idempotent)."""
    get_supplier(session, supplier_id)
    try:
        iban = normalize_iban(iban)
        bic = normalize_bic(bic) if bic else None
    except TermsError as exc:
        raise ValidationFailed(str(exc)) from exc
    existing = session.scalars(
        select(SupplierIban).where(col(SupplierIban.supplier_id) == supplier_id, col(SupplierIban.iban) == iban)
    ).one_or_none()
    if existing is not None:
        return existing
    row = SupplierIban(
        supplier_id=supplier_id,
        iban=iban,
        bic=bic,
        source=source,
        confirmed_by=actor.user_id if actor else None,
        confirmed_at=utcnow(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session, actor, "supplier.iban_add", "supplier", supplier_id, {"iban": iban, "source": source}
    )
    return row


def match_supplier(session: Session, vat_id: str | None, name: str | None) -> Supplier | None:
    """Find the supplier record of an invoice's seller: by VAT id (BT-31), else by exact name (BT-27)."""
    vat = _norm_vat(vat_id)
    if vat:
        found = session.scalars(select(Supplier).where(col(Supplier.vat_id) == vat)).first()
        if found is not None:
            return found
    if name and name.strip():
        rows = list(
            session.scalars(
                select(Supplier).where(func.lower(col(Supplier.name)) == " ".join(name.split()).lower()).limit(2)
            )
        )
        if len(rows) == 1:
            return rows[0]
    return None


def list_suppliers(session: Session, *, limit: int = 200, offset: int = 0) -> list[Supplier]:
    return list(session.execute(select(Supplier).order_by(col(Supplier.id)).limit(limit).offset(offset)).scalars())
