"""Filing invoices in the DMS: the finance Akte of the year, retention class ``ao147-belege``.

Per received invoice four documents: the original file (bit-exact), the extracted XML, the validation
report (JSON) and the approval trail (JSON; every decision adds a new version, nothing is overwritten).
Filing runs in the intake/decision transaction: an invoice is never accepted without its archive copy.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from dms.db.tables import Akte, Document, FilePlanNode
from dms.domain.principal import SYSTEM
from dms.invoices.settings import InvoiceSettings
from dms.invoices.tables import Invoice, InvoiceDecision
from dms.services import documents, fileplan
from dms.storage.ports import BlobStore, sha256_hex

Enqueue = Callable[..., None] | None


def finance_akte(session: Session, settings: InvoiceSettings, pattern: str, year: int) -> Akte:
    """The open finance Akte ``Eingangsrechnungen <year>`` (file-plan node and Akte created on first use)."""
    node = session.execute(
        select(FilePlanNode).where(col(FilePlanNode.code) == settings.fileplan_code)
    ).scalar_one_or_none()
    if node is None:
        node = fileplan.create_node(
            session,
            SYSTEM,
            settings.fileplan_code,
            "Rechnungsbelege (Eingangsrechnungen)",
            retention_class=settings.retention_class,
            department=settings.finance_department,
        )
    title = f"Eingangsrechnungen {year}"
    akte = (
        session.execute(
            select(Akte)
            .where(
                col(Akte.fileplan_node_id) == node.id,
                col(Akte.year) == year,
                col(Akte.title) == title,
                col(Akte.status) == "open",
            )
            .order_by(col(Akte.id))
        )
        .scalars()
        .first()
    )
    if akte is None:
        akte = fileplan.create_akte(
            session,
            SYSTEM,
            pattern,
            int(node.id or 0),
            title,
            department=settings.finance_department,
            year=year,
            retention_class=settings.retention_class,
        )
    return akte


def _file(
    session: Session,
    *,
    store: BlobStore,
    akte: Akte,
    settings: InvoiceSettings,
    inv: Invoice,
    data: bytes,
    filename: str,
    mime: str,
    kind: str,
    enqueue: Enqueue,
) -> int:
    blob = store.put(data)
    doc = documents.create_document(
        session,
        SYSTEM,
        blob,
        filename=filename,
        mime_type=mime,
        title=f"Rechnung {inv.invoice_number or inv.id} – {inv.seller_name or 'unbekannt'} ({kind})",
        akte_id=akte.id,
        department=settings.finance_department,
        document_date=inv.issue_date,
        retention_class=settings.retention_class,
        correspondent=inv.seller_name,
        tags=["eingangsrechnung", kind],
        custom_fields={},
        channel={"portal": "portal", "folder": "import", "email": "email"}.get(inv.channel, "api"),
        enqueue=enqueue,
    )
    return doc.id


def trail_json(inv: Invoice, decisions: list[InvoiceDecision]) -> bytes:
    return json.dumps(
        {
            "invoice_id": inv.id,
            "invoice_number": inv.invoice_number,
            "status": inv.status,
            "steps": [
                {
                    "seq": d.seq,
                    "step": d.step,
                    "decision": d.decision,
                    "user_id": d.user_id,
                    "user": d.username,
                    "on_behalf_of": d.on_behalf_of,
                    "comment": d.comment,
                    "at": d.at.isoformat(),
                    "amount_limit": str(d.amount_limit) if d.amount_limit is not None else None,
                }
                for d in decisions
            ],
        },
        ensure_ascii=False,
        indent=1,
        sort_keys=True,
    ).encode()


def file_invoice(
    session: Session,
    store: BlobStore,
    settings: InvoiceSettings,
    pattern: str,
    inv: Invoice,
    *,
    original: bytes,
    xml: bytes | None,
    report: dict[str, Any],
    enqueue: Enqueue = None,
    today: date | None = None,
) -> dict[str, int]:
    """File original, XML, report and (empty) trail; returns the document ids by kind."""
    year = (today or inv.received_at.date()).year
    akte = finance_akte(session, settings, pattern, year)
    is_pdf = original[:5] == b"%PDF-"
    base = f"rechnung-{inv.id}"

    def put(data: bytes, filename: str, mime: str, kind: str) -> int:
        return _file(
            session,
            store=store,
            akte=akte,
            settings=settings,
            inv=inv,
            data=data,
            filename=filename,
            mime=mime,
            kind=kind,
            enqueue=enqueue,
        )

    ids = {
        "original": put(
            original,
            inv.filename or f"{base}.bin",
            "application/pdf" if is_pdf else "application/xml",
            "original",
        ),
        "report": put(
            json.dumps(report, ensure_ascii=False, indent=1, default=str).encode(),
            f"{base}-pruefbericht.json",
            "application/json",
            "pruefbericht",
        ),
        "trail": put(trail_json(inv, []), f"{base}-freigabe.json", "application/json", "freigabe"),
    }
    if xml and (is_pdf or xml != original):
        ids["xml"] = put(xml, f"{base}.xml", "application/xml", "xml")
    elif xml:
        ids["xml"] = ids["original"]
    ids["akte_id"] = int(akte.id or 0)
    return ids


def update_trail(
    session: Session,
    store: BlobStore,
    inv: Invoice,
    decisions: list[InvoiceDecision],
    enqueue: Enqueue = None,
) -> bool:
    """Add the current approval trail as a new version of the invoice's trail document.

    Idempotent: nothing happens when the archived version already has this content. Returns whether a
    version was added.
    """
    doc_id = (inv.archive or {}).get("trail")
    if not doc_id:
        return False
    data = trail_json(inv, decisions)
    doc = session.get(Document, int(doc_id))
    if doc is None or doc.sha256 == sha256_hex(data):
        return False
    blob = store.put(data)
    documents.add_version(
        session,
        SYSTEM,
        int(doc_id),
        blob,
        f"rechnung-{inv.id}-freigabe.json",
        "application/json",
        comment=f"Freigabeprotokoll nach Entscheidung {len(decisions)}",
        enqueue=enqueue,
    )
    return True
