"""SEPA credit transfer initiation, pain.001.001.09 (German banks dropped .001.03 in Nov 2025).

The XML is produced by ``sepaxml`` (schema ``pain.001.001.09``), then given deterministic message and
payment-information ids and the creation time, and validated with lxml against the ISO 20022 XSD
shipped in ``einvoice/payment/xsd/``. Amounts are ``Decimal`` with at most two decimals, converted to
integer cents for ``sepaxml`` so control sums are exact. Skonto is applied by the caller (see
:func:`einvoice.domain.terms.payable_amount`); this module transfers exactly what it is given.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path

from lxml import etree
from sepaxml import SepaTransfer

from einvoice.domain.terms import TermsError, normalize_bic
from einvoice.domain.terms import normalize_iban as _normalize_iban
from einvoice.errors import EinvoiceError
from einvoice.payment.errors import PaymentFileError
from einvoice.xmlsafe import parse_xml

PAIN001_NS = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
XSD_PATH = Path(__file__).parent / "xsd" / "pain.001.001.09.xsd"
MAX_AMOUNT = Decimal("999999999.99")  # SEPA credit transfer upper bound
MAX_PAYMENT_FILE_BYTES = 256 * 1024 * 1024
# SEPA "Latin" character set allowed in ids (EPC best practice); names/text are transliterated by sepaxml
_SEPA_ID = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]{1,35}$")

_schema_lock = threading.Lock()
_schema: etree.XMLSchema | None = None


@lru_cache(maxsize=4096)
def normalize_iban(value: str) -> str:
    """Cached IBAN check (a run repeats the same supplier accounts many times)."""
    return _normalize_iban(value)


def _xsd() -> etree.XMLSchema:
    global _schema  # noqa: PLW0603 - parsed once, read-only afterwards
    with _schema_lock:
        if _schema is None:
            parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
            _schema = etree.XMLSchema(etree.parse(str(XSD_PATH), parser))
        return _schema


@dataclass(frozen=True, slots=True)
class Debtor:
    """The paying authority's account (Kasse)."""

    name: str
    iban: str
    bic: str | None = None


@dataclass(frozen=True, slots=True)
class CreditTransfer:
    """One transfer to a supplier. ``end_to_end_id`` comes back on the bank statement (camt.053)."""

    end_to_end_id: str
    creditor_name: str
    iban: str
    amount: Decimal
    remittance: str
    bic: str | None = None
    currency: str = "EUR"


def to_cents(amount: Decimal) -> int:
    """Exact conversion of a positive money amount with at most two decimals to integer cents."""
    try:
        if not isinstance(amount, Decimal) or not amount.is_finite():
            raise PaymentFileError(f"Betrag {amount!r} ist keine endliche Dezimalzahl.")
        cents = amount * 100
        if cents != cents.to_integral_value():
            raise PaymentFileError(f"Betrag {amount} hat mehr als zwei Nachkommastellen.")
    except InvalidOperation as exc:  # pragma: no cover - guarded by is_finite
        raise PaymentFileError(f"Betrag {amount!r} ungültig.") from exc
    if amount <= 0:
        raise PaymentFileError(f"Betrag {amount} muss positiv sein.")
    if amount > MAX_AMOUNT:
        raise PaymentFileError(f"Betrag {amount} übersteigt den SEPA-Höchstbetrag {MAX_AMOUNT}.")
    return int(cents)


def _check_id(value: str, what: str) -> str:
    if not _SEPA_ID.match(value or ""):
        raise PaymentFileError(f"{what} {value!r}: 1–35 Zeichen aus dem SEPA-Zeichensatz erforderlich.")
    return value


def build_pain001(
    debtor: Debtor,
    transfers: Sequence[CreditTransfer],
    *,
    execution_date: date,
    message_id: str,
    created_at: datetime | None = None,
) -> bytes:
    """Build one pain.001.001.09 file (one batch per execution date) and validate it against the XSD.

    :raises PaymentFileError: empty run, bad IBAN/BIC/amount/id, duplicate end-to-end ids, or an XSD
        violation (with the schema's messages in ``problems``).
    """
    if not transfers:
        raise PaymentFileError("Ein Zahlungslauf ohne Überweisungen erzeugt keine Datei.")
    _check_id(message_id, "Nachrichten-ID")
    try:
        config: dict[str, object] = {
            "name": debtor.name,
            "IBAN": normalize_iban(debtor.iban),
            "batch": True,
            "currency": "EUR",
        }
        if debtor.bic:
            config["BIC"] = normalize_bic(debtor.bic)
    except TermsError as exc:
        raise PaymentFileError(f"Auftraggeberkonto ungültig: {exc}") from exc
    sepa = SepaTransfer(config, schema="pain.001.001.09", clean=True)
    seen: set[str] = set()
    for t in transfers:
        _check_id(t.end_to_end_id, "End-to-End-ID")
        if t.end_to_end_id in seen:
            raise PaymentFileError(f"End-to-End-ID {t.end_to_end_id!r} doppelt im Zahlungslauf.")
        seen.add(t.end_to_end_id)
        if t.currency != "EUR":
            raise PaymentFileError(f"SEPA-Überweisung nur in EUR, nicht {t.currency!r} ({t.end_to_end_id}).")
        if not t.creditor_name.strip():
            raise PaymentFileError(f"Empfängername fehlt ({t.end_to_end_id}).")
        try:
            payment: dict[str, object] = {
                "name": t.creditor_name,
                "IBAN": normalize_iban(t.iban),
                "amount": to_cents(t.amount),
                "execution_date": execution_date,
                "description": t.remittance[:140] or t.end_to_end_id,
                "endtoend_id": t.end_to_end_id,
            }
            if t.bic:
                payment["BIC"] = normalize_bic(t.bic)
        except TermsError as exc:
            raise PaymentFileError(f"Überweisung {t.end_to_end_id}: {exc}") from exc
        sepa.add_payment(payment)
    raw = sepa.export(validate=False)
    root = parse_xml(raw, max_bytes=MAX_PAYMENT_FILE_BYTES)
    ns = {"p": PAIN001_NS}
    root.find("p:CstmrCdtTrfInitn/p:GrpHdr/p:MsgId", ns).text = message_id
    stamp = (created_at or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    root.find("p:CstmrCdtTrfInitn/p:GrpHdr/p:CreDtTm", ns).text = stamp.isoformat()
    for n, pmt_inf_id in enumerate(root.iterfind("p:CstmrCdtTrfInitn/p:PmtInf/p:PmtInfId", ns), start=1):
        pmt_inf_id.text = f"{message_id[:30]}-{n}"
    problems = _problems(root)
    if problems:
        raise PaymentFileError("pain.001 verletzt das XSD.", problems=tuple(problems))
    out: bytes = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return out


def validate_pain001(xml: bytes) -> list[str]:
    """XSD problems of a pain.001.001.09 document ([] when valid); sums are checked too."""
    try:
        root = parse_xml(xml, max_bytes=MAX_PAYMENT_FILE_BYTES)
    except EinvoiceError as exc:  # unreadable or hostile input is a problem, not a crash
        return [f"nicht lesbar: {exc}"]
    return _problems(root)


def _problems(root: etree._Element) -> list[str]:
    schema = _xsd()
    if not schema.validate(etree.ElementTree(root)):
        return [f"Zeile {e.line}: {e.message}" for e in schema.error_log]
    summary = _summary(root)
    problems = []
    if summary.control_sum != summary.sum_of_amounts:
        problems.append(f"CtrlSum {summary.control_sum} ≠ Summe der Beträge {summary.sum_of_amounts}")
    if summary.declared_count != len(summary.end_to_end_ids):
        problems.append(f"NbOfTxs {summary.declared_count} ≠ Anzahl Buchungen {len(summary.end_to_end_ids)}")
    return problems


@dataclass(frozen=True, slots=True)
class Pain001Summary:
    """Key figures read back from a pain.001 file."""

    message_id: str
    declared_count: int
    control_sum: Decimal
    sum_of_amounts: Decimal
    end_to_end_ids: tuple[str, ...]
    amounts: dict[str, Decimal]


def summarize_pain001(xml: bytes) -> Pain001Summary:
    """Read message id, control sums and transfers back from a pain.001.001.09 file."""
    return _summary(parse_xml(xml, max_bytes=MAX_PAYMENT_FILE_BYTES))


def _summary(root: etree._Element) -> Pain001Summary:
    ns = {"p": PAIN001_NS}
    hdr = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", ns)
    if hdr is None:
        raise PaymentFileError("Kein pain.001.001.09-Dokument (GrpHdr fehlt).")
    amounts: dict[str, Decimal] = {}
    ids: list[str] = []
    for tx in root.iterfind("p:CstmrCdtTrfInitn/p:PmtInf/p:CdtTrfTxInf", ns):
        e2e = tx.findtext("p:PmtId/p:EndToEndId", default="", namespaces=ns)
        ids.append(e2e)
        amounts[e2e] = Decimal(tx.findtext("p:Amt/p:InstdAmt", default="0", namespaces=ns))
    return Pain001Summary(
        message_id=hdr.findtext("p:MsgId", default="", namespaces=ns),
        declared_count=int(hdr.findtext("p:NbOfTxs", default="0", namespaces=ns)),
        control_sum=Decimal(hdr.findtext("p:CtrlSum", default="0", namespaces=ns)),
        sum_of_amounts=sum(amounts.values(), Decimal(0)),
        end_to_end_ids=tuple(ids),
        amounts=amounts,
    )
