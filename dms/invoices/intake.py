"""Receiving an invoice: validate at once, refuse duplicates, derive deadlines, check the IBAN, route.

Channels (API/portal, watched folder, mailbox) all end in :func:`submit_invoice`. An invalid invoice is
recorded as ``rejected`` (with its report, so the supplier sees why) and the caller answers 422; a valid
one enters the approval chain (``in_approval``) or is ``held`` (IBAN differs from the supplier's known
IBANs, unknown supplier, nothing payable) until finance confirms. A supplier without any IBAN on file takes
the first valid invoice's IBAN as known (trust on first use, flagged as an alert and audited).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from dms import audit
from dms.db.types import utcnow
from dms.domain.principal import Principal
from dms.errors import Conflict, PermissionDenied, ValidationFailed
from dms.invoices import routing, suppliers
from dms.invoices.errors import DuplicateInvoice
from dms.invoices.tables import Invoice
from einvoice.domain.terms import (
    TermsError,
    derive_due_date,
    is_sepa_iban,
    is_valid_leitweg_id,
    normalize_bic,
    normalize_iban,
    parse_skonto,
)
from einvoice.errors import EinvoiceError
from einvoice.services import parse, validate

BERLIN = ZoneInfo("Europe/Berlin")
SUBMIT_ROLES = frozenset({"supplier", "finance", "admin"})
STATUS_REJECTED = "rejected"
STATUS_HELD = "held"
STATUS_IN_APPROVAL = "in_approval"
SEPA_CURRENCY = "EUR"  # pain.001 SEPA credit transfers are in euro only


def local_today(now: datetime | None = None) -> date:
    """The calendar day in Germany (receipt dates and deadlines are local days)."""
    return (now or utcnow()).astimezone(BERLIN).date()


@dataclass(frozen=True, slots=True)
class IntakeResult:
    invoice: Invoice
    report: dict[str, Any]
    created: bool  # False when an Idempotency-Key replay returned the earlier invoice
    xml: bytes | None = None  # the invoice XML as received (for PDFs: the embedded file), when readable

    @property
    def rejected(self) -> bool:
        return self.invoice.status == STATUS_REJECTED


def _report_dict(report: Any) -> dict[str, Any]:
    data = dict(report.to_dict()) if hasattr(report, "to_dict") else {}
    data["valid"] = bool(report.valid)
    data.setdefault("findings", [])
    return data


def _validate(data: bytes, filename: str | None) -> tuple[Any, dict[str, Any]]:
    report = validate(data, filename)
    return report, _report_dict(report)


def _parse(data: bytes, filename: str | None) -> Any | None:
    try:
        return parse(data, filename)
    except EinvoiceError:
        return None


def _alert(code: str, message: str, **extra: Any) -> dict[str, Any]:
    return {"code": code, "message": message, "at": utcnow().isoformat(), **extra}


def _facts(parsed: Any) -> dict[str, Any]:
    inv = parsed.invoice
    totals = inv.totals
    seller = inv.seller
    transfers = inv.payment.credit_transfers if inv.payment else []
    amount_due = (
        totals.payable
        if totals and totals.payable is not None
        else (totals.tax_inclusive if totals else None)
    )
    return {
        "invoice_number": (inv.number or None),
        "issue_date": inv.issue_date,
        "currency": (inv.currency_code or "EUR")[:3],
        "bt9": inv.due_date,
        "leitweg_id": (inv.buyer_reference or None),
        "order_reference": (inv.purchase_order_reference or None),
        "payment_terms": inv.payment_terms,
        "seller_name": seller.name if seller else None,
        "seller_vat_id": seller.vat_id if seller else None,
        "gross_total": totals.tax_inclusive if totals else None,
        "amount_due": amount_due,
        "iban": transfers[0].account_id if transfers else None,
        "bic": transfers[0].service_provider_id if transfers else None,
        "credit_note": bool(inv.is_credit_note),
        "syntax": str(parsed.syntax),
    }


def _money(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.quantize(Decimal("0.01"))


def submit_invoice(
    session: Session,
    principal: Principal,
    data: bytes,
    filename: str | None,
    *,
    channel: str = "api",
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> IntakeResult:
    """Receive one invoice file. Raises :class:`DuplicateInvoice` (409) for duplicates.

    The caller commits; for a rejected invoice it still commits (the rejection is recorded) and answers 422.
    """
    if principal.role not in SUBMIT_ROLES:
        raise PermissionDenied("Rechnungen reichen Lieferanten oder die Finanzbuchhaltung ein.")
    if principal.role == "supplier" and principal.supplier_id is None:
        raise PermissionDenied("Ihr Konto ist keinem Lieferanten zugeordnet.")
    if not data:
        raise ValidationFailed("Die Datei ist leer.")
    sha = hashlib.sha256(data).hexdigest()
    idem = None
    if idempotency_key:
        if len(idempotency_key) > 200:
            raise ValidationFailed("Idempotency-Key ist länger als 200 Zeichen.")
        idem = f"{principal.user_id}:{idempotency_key}"
        earlier = session.execute(
            select(Invoice).where(col(Invoice.idempotency_key) == idem)
        ).scalar_one_or_none()
        if earlier is not None:
            if earlier.sha256 != sha:
                raise Conflict("Dieser Idempotency-Key wurde bereits für eine andere Datei verwendet.")
            return IntakeResult(earlier, dict(earlier.validation), created=False)
    existing = session.execute(select(Invoice).where(col(Invoice.file_key) == sha)).scalar_one_or_none()
    if existing is not None:
        raise DuplicateInvoice(
            f"Diese Datei wurde bereits als Rechnung {existing.id} empfangen.", existing_id=existing.id
        )

    report, report_dict = _validate(data, filename)
    received_at = now or utcnow()
    parsed = _parse(data, filename)
    facts = _facts(parsed) if parsed is not None else {}
    supplier_id = principal.supplier_id if principal.role == "supplier" else None
    alerts: list[dict[str, Any]] = []
    if supplier_id is None and facts:
        match = suppliers.match_supplier(session, facts.get("seller_vat_id"), facts.get("seller_name"))
        supplier_id = match.id if match else None

    row = Invoice(
        status=STATUS_REJECTED,
        channel=channel,
        submitted_by=principal.user_id or None,
        supplier_id=supplier_id,
        received_at=received_at,
        filename=(filename or "rechnung")[:255],
        sha256=sha,
        idempotency_key=idem,
        syntax=facts.get("syntax"),
        valid=bool(report.valid),
        validation=report_dict,
        invoice_number=(facts.get("invoice_number") or None),
        issue_date=facts.get("issue_date"),
        currency=facts.get("currency") or "EUR",
        seller_name=facts.get("seller_name"),
        seller_vat_id=facts.get("seller_vat_id"),
        leitweg_id=facts.get("leitweg_id"),
        order_reference=facts.get("order_reference"),
        gross_total=_money(facts.get("gross_total")),
        amount_due=_money(facts.get("amount_due")),
        payment_terms=facts.get("payment_terms"),
    )
    if report.valid and parsed is not None:
        _accept(session, row, facts, alerts, received_at)
    row.alerts = alerts
    session.add(row)
    try:
        session.flush()
    except IntegrityError as exc:  # a concurrent submission of the same invoice won the race
        raise DuplicateInvoice("Diese Rechnung wurde gerade bereits empfangen.") from exc
    audit.record(
        session,
        principal,
        "invoice.receive",
        "invoice",
        row.id,
        {
            "status": row.status,
            "sha256": sha,
            "filename": row.filename,
            "channel": channel,
            "supplier_id": supplier_id,
            "invoice_number": row.invoice_number,
            "valid": row.valid,
            "amount_due": str(row.amount_due) if row.amount_due is not None else None,
            "alerts": [a["code"] for a in alerts],
        },
    )
    xml = bytes(parsed.xml) if parsed is not None and parsed.xml else None
    return IntakeResult(row, report_dict, created=True, xml=xml)


def _accept(
    session: Session, row: Invoice, facts: dict[str, Any], alerts: list[dict[str, Any]], received_at: datetime
) -> None:
    """Fill deadlines, IBAN check and routing of a valid invoice; set ``in_approval`` or ``held``."""
    row.file_key = row.sha256
    supplier_part = (
        f"s{row.supplier_id}"
        if row.supplier_id
        else f"v{(row.seller_vat_id or row.seller_name or '?')[:150]}"
    )
    dedupe = f"{supplier_part}|{(row.invoice_number or '').strip()}|{row.amount_due}"
    other = session.execute(
        select(col(Invoice.id)).where(col(Invoice.dedupe_key) == dedupe)
    ).scalar_one_or_none()
    if other is not None:
        raise DuplicateInvoice(
            f"Rechnung {row.invoice_number} dieses Lieferanten über {row.amount_due} wurde bereits als "
            f"Rechnung {other} empfangen.",
            existing_id=other,
        )
    row.dedupe_key = dedupe
    receipt = local_today(received_at)
    terms = parse_skonto(facts.get("payment_terms"))
    row.skonto_terms = [
        {
            "days": t.days,
            "percent": str(t.percent),
            "base_amount": str(t.base_amount) if t.base_amount is not None else None,
            "source": t.source,
        }
        for t in terms.terms
    ]
    due = derive_due_date(
        receipt_date=receipt,
        due_date=facts.get("bt9"),
        invoice_date=row.issue_date,
        payment_terms=facts.get("payment_terms"),
    )
    row.due_date, row.due_source = due.due, due.source
    for note in due.notes:
        if "271a" in note:
            alerts.append(_alert("payment_term", note))
    for problem in terms.problems:
        alerts.append(_alert("skonto_format", problem))
    if row.issue_date is not None and row.amount_due is not None:
        offers = [t for t in terms.terms if t.percent > 0 and t.deadline(row.issue_date) >= receipt]
        if offers:
            first = min(offers, key=lambda t: t.days)
            row.skonto_deadline = first.deadline(row.issue_date)
            row.skonto_amount = min(first.discount(row.amount_due), row.amount_due)
    if row.leitweg_id and not is_valid_leitweg_id(row.leitweg_id) and any(c == "-" for c in row.leitweg_id):
        alerts.append(_alert("leitweg_id", f"Leitweg-ID {row.leitweg_id} hat eine falsche Prüfziffer."))

    held: list[str] = []
    if facts.get("credit_note"):
        held.append("Gutschrift: keine Zahlung, bitte manuell verbuchen.")
        # a structured marker: confirming the IBAN must never release a credit note into payment
        alerts.append(_alert("credit_note", "Gutschrift (BT-3): wird nicht ausgezahlt."))
    if row.currency != SEPA_CURRENCY:
        alerts.append(
            _alert(
                "foreign_currency",
                f"Währung {row.currency} (BT-5): nicht Teil der SEPA-Zahlungsläufe (nur EUR), "
                "Zahlung gesondert veranlassen.",
            )
        )
    if row.amount_due is None or row.amount_due <= 0:
        held.append("Kein positiver Zahlbetrag (BT-115).")
    raw_iban = facts.get("iban")
    if not raw_iban:
        alerts.append(
            _alert(
                "no_iban",
                "Keine Überweisungs-IBAN (BT-84): nicht Teil der SEPA-Zahlungsläufe, "
                "Zahlung (Lastschrift/Karte) gesondert prüfen.",
            )
        )
    if raw_iban:
        try:
            row.iban = normalize_iban(raw_iban)
        except TermsError as exc:
            held.append(f"IBAN ungültig: {exc}")
            alerts.append(_alert("iban_invalid", str(exc)))
        if row.iban is not None and not is_sepa_iban(row.iban):
            # a SEPA file with it is refused by the bank, while the invoice would read "paid"
            message = (
                f"IBAN {row.iban} liegt nicht im SEPA-Raum: keine SEPA-Überweisung, bitte gesondert zahlen."
            )
            held.append(message)
            alerts.append(_alert("iban_not_sepa", message, iban=row.iban))
        bic = facts.get("bic")
        if bic:
            try:
                row.bic = normalize_bic(bic)
            except TermsError:
                alerts.append(_alert("bic_invalid", f"BIC {bic!r} ungültig; wird nicht verwendet."))
    if row.supplier_id is not None and row.seller_vat_id:
        record = suppliers.get_supplier(session, row.supplier_id)
        if record.vat_id and record.vat_id != "".join(row.seller_vat_id.split()).upper():
            alerts.append(
                _alert(
                    "seller_mismatch",
                    f"USt-IdNr. der Rechnung ({row.seller_vat_id}) weicht vom Lieferanten-Stammsatz "
                    f"({record.vat_id}) ab.",
                )
            )
    if row.supplier_id is None:
        held.append("Lieferant unbekannt: bitte Stammdaten zuordnen.")
        alerts.append(_alert("supplier_unknown", "Kein Lieferanten-Stammsatz zu USt-IdNr./Name gefunden."))
    elif row.iban is not None and not (known := suppliers.known_ibans(session, row.supplier_id)):
        # no account on file yet (master data without bank details): the first invoice's IBAN becomes the
        # known one, visibly; from now on a different IBAN is held as "IBAN changed"
        suppliers.add_known_iban(
            session, None, row.supplier_id, row.iban, bic=row.bic, source="first_invoice"
        )
        alerts.append(
            _alert(
                "iban_first_use",
                f"Erste Bankverbindung des Lieferanten übernommen: {row.iban}",
                iban=row.iban,
            )
        )
    elif row.iban is not None and row.iban not in known:
        held.append("IBAN changed: die Rechnung nennt eine unbekannte Bankverbindung.")
        alerts.append(
            _alert(
                "iban_changed",
                f"IBAN changed: {row.iban} ist für diesen Lieferanten nicht bekannt.",
                iban=row.iban,
            )
        )
    r = routing.route(session, routing.RouteFacts(row.leitweg_id, row.order_reference, row.supplier_id))
    row.department, row.assignee_id, row.routing_rule_id = r.department, r.assignee_id, r.rule_id
    if held:
        row.status = STATUS_HELD
        row.held_reason = " ".join(held)
    else:
        row.status = STATUS_IN_APPROVAL
