"""Bank statements camt.053 (version .001.08 as used by German banks; .02–.10 read alike) for reconciliation.

Parsed with the package's hardened lxml parser (no entities, no DTD, no network, DOCTYPE refused).
Only what reconciliation needs is read: account, entries with amount, direction, status, dates,
end-to-end ids, remittance text and counterparty.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from lxml import etree

from einvoice.errors import EinvoiceError
from einvoice.payment.errors import PaymentFileError
from einvoice.xmlsafe import localname, namespace, parse_xml

CAMT053_PREFIX = "urn:iso:std:iso:20022:tech:xsd:camt.053.001."
MAX_STATEMENT_BYTES = 128 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class CamtEntry:
    """One booked (or pending) entry of a statement."""

    amount: Decimal
    currency: str
    credit: bool  # CRDT = money in, DBIT = money out
    status: str  # BOOK, PDNG, INFO
    booking_date: date | None
    value_date: date | None
    account_servicer_ref: str | None
    end_to_end_ids: tuple[str, ...] = ()
    remittance: tuple[str, ...] = ()
    counterparty_name: str | None = None
    counterparty_iban: str | None = None
    reversal: bool = False


@dataclass(frozen=True, slots=True)
class CamtStatement:
    """One ``Stmt`` block: an account's statement for a period."""

    statement_id: str
    iban: str | None
    created: datetime | None
    entries: tuple[CamtEntry, ...] = ()


def _d(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip()[:10])
    except ValueError as exc:
        raise PaymentFileError(f"Datum {text!r} im Kontoauszug ungültig.") from exc


def _dt(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise PaymentFileError(f"Zeitpunkt {text!r} im Kontoauszug ungültig.") from exc


def _amount(text: str | None) -> Decimal:
    try:
        value = Decimal((text or "").strip())
    except InvalidOperation as exc:
        raise PaymentFileError(f"Betrag {text!r} im Kontoauszug ungültig.") from exc
    if not value.is_finite() or value < 0:
        raise PaymentFileError(f"Betrag {text!r} im Kontoauszug ungültig.")
    return value


def parse_camt053(data: bytes) -> list[CamtStatement]:
    """Parse a camt.053 document into statements.

    :raises PaymentFileError: unreadable or hostile XML, or not a camt.053 document.
    """
    try:
        root = parse_xml(data, max_bytes=MAX_STATEMENT_BYTES)
    except EinvoiceError as exc:
        raise PaymentFileError(f"Kontoauszug nicht lesbar: {exc}") from exc
    ns_uri = namespace(root)
    if localname(root) != "Document" or not ns_uri.startswith(CAMT053_PREFIX):
        raise PaymentFileError(f"Kein camt.053-Dokument (Wurzel {root.tag!r}).")
    ns = {"c": ns_uri}
    statements = []
    for stmt in root.iterfind("c:BkToCstmrStmt/c:Stmt", ns):
        entries = tuple(_entry(ntry, ns) for ntry in stmt.iterfind("c:Ntry", ns))
        statements.append(
            CamtStatement(
                statement_id=stmt.findtext("c:Id", default="", namespaces=ns),
                iban=stmt.findtext("c:Acct/c:Id/c:IBAN", namespaces=ns),
                created=_dt(stmt.findtext("c:CreDtTm", namespaces=ns)),
                entries=entries,
            )
        )
    return statements


def _entry(ntry: etree._Element, ns: dict[str, str]) -> CamtEntry:
    amt = ntry.find("c:Amt", ns)
    if amt is None:
        raise PaymentFileError("Buchung ohne Betrag im Kontoauszug.")
    credit = ntry.findtext("c:CdtDbtInd", default="", namespaces=ns)
    if credit not in ("CRDT", "DBIT"):
        raise PaymentFileError(f"Soll/Haben-Kennzeichen {credit!r} ungültig.")
    # .08 wraps the status in <Sts><Cd>; .02 has it as text
    status = ntry.findtext("c:Sts/c:Cd", namespaces=ns) or (ntry.findtext("c:Sts", default="", namespaces=ns))
    e2e: list[str] = []
    remittance: list[str] = []
    cp_name: str | None = None
    cp_iban: str | None = None
    party = "Cdtr" if credit == "DBIT" else "Dbtr"
    for tx in ntry.iterfind("c:NtryDtls/c:TxDtls", ns):
        ref = tx.findtext("c:Refs/c:EndToEndId", namespaces=ns)
        if ref and ref != "NOTPROVIDED":
            e2e.append(ref.strip())
        remittance.extend(u.text.strip() for u in tx.findall("c:RmtInf/c:Ustrd", ns) if u.text)
        cp_name = (
            cp_name
            or tx.findtext(f"c:RltdPties/c:{party}/c:Pty/c:Nm", namespaces=ns)
            or tx.findtext(f"c:RltdPties/c:{party}/c:Nm", namespaces=ns)
        )
        cp_iban = cp_iban or tx.findtext(f"c:RltdPties/c:{party}Acct/c:Id/c:IBAN", namespaces=ns)
    return CamtEntry(
        amount=_amount(amt.text),
        currency=amt.get("Ccy", ""),
        credit=credit == "CRDT",
        status=status.strip(),
        booking_date=_d(
            ntry.findtext("c:BookgDt/c:Dt", namespaces=ns) or ntry.findtext("c:BookgDt/c:DtTm", namespaces=ns)
        ),
        value_date=_d(
            ntry.findtext("c:ValDt/c:Dt", namespaces=ns) or ntry.findtext("c:ValDt/c:DtTm", namespaces=ns)
        ),
        account_servicer_ref=ntry.findtext("c:AcctSvcrRef", namespaces=ns),
        end_to_end_ids=tuple(e2e),
        remittance=tuple(remittance),
        counterparty_name=cp_name,
        counterparty_iban=cp_iban,
        reversal=(ntry.findtext("c:RvslInd", default="false", namespaces=ns).strip().lower() == "true"),
    )


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """Outcome of matching outgoing transfers (by end-to-end id) against statement entries."""

    paid: dict[str, CamtEntry] = field(default_factory=dict)  # end-to-end id -> booked debit
    amount_mismatch: dict[str, tuple[Decimal, Decimal]] = field(
        default_factory=dict
    )  # id -> (expected, booked)
    returned: dict[str, CamtEntry] = field(default_factory=dict)  # reversals / returns (credit back)
    open: tuple[str, ...] = ()  # expected but not (yet) on the statement


def reconcile(statements: Iterable[CamtStatement], expected: Mapping[str, Decimal]) -> Reconciliation:
    """Match expected transfers (end-to-end id → amount) against booked entries.

    Batch bookings (one debit for several transfers) are matched per transaction detail: an entry
    carrying several end-to-end ids is counted as paid for each of them when its amount equals
    their expected sum.
    """
    paid: dict[str, CamtEntry] = {}
    mismatch: dict[str, tuple[Decimal, Decimal]] = {}
    returned: dict[str, CamtEntry] = {}
    for stmt in statements:
        for entry in stmt.entries:
            if entry.status and entry.status != "BOOK":
                continue
            ids = [i for i in entry.end_to_end_ids if i in expected]
            if not ids:
                continue
            if entry.credit or entry.reversal:
                for i in ids:
                    returned[i] = entry
                continue
            want = sum((expected[i] for i in ids), Decimal(0))
            if want == entry.amount:
                for i in ids:
                    paid[i] = entry
            else:
                for i in ids:
                    mismatch[i] = (expected[i], entry.amount if len(ids) == 1 else want)
    for i in returned:
        paid.pop(i, None)
    open_ids = tuple(i for i in expected if i not in paid and i not in mismatch and i not in returned)
    return Reconciliation(paid=paid, amount_mismatch=mismatch, returned=returned, open=open_ids)
