"""Payment runs (Zahlungsläufe): every approved, unpaid invoice in exactly one SEPA file.

Exactly once, also for concurrent runs: candidates are claimed by one guarded ``UPDATE … WHERE
status = 'approved' AND payment_run_id IS NULL … RETURNING`` (on PostgreSQL a concurrent run waits for the
row locks and then skips the rows already claimed; SQLite write transactions are serial), and
``inv_payment_run_items.invoice_id`` is unique as a last line of defence.
Skonto is deducted when the execution date is within a Skonto period.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select, update
from sqlmodel import Session, col

from dms import audit
from dms.db.tables import core_table
from dms.db.types import utcnow
from dms.domain.principal import Principal
from dms.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from dms.invoices import suppliers
from dms.invoices.intake import SEPA_CURRENCY, STATUS_HELD, local_today
from dms.invoices.settings import InvoiceSettings
from dms.invoices.tables import Invoice, PaymentRun, PaymentRunItem
from dms.invoices.workflow import STATUS_APPROVED
from einvoice.domain.terms import SkontoTerm, payable_amount
from einvoice.payment.camt import parse_camt053, reconcile
from einvoice.payment.errors import PaymentFileError
from einvoice.payment.sepa import CreditTransfer, Debtor, build_pain001

PAYMENT_ROLES = frozenset({"finance", "admin"})
READ_ROLES = PAYMENT_ROLES | {"auditor"}
STATUS_SCHEDULED = "scheduled"
STATUS_PAID = "paid"


def _require(principal: Principal, roles: frozenset[str], what: str) -> None:
    if principal.role not in roles:
        raise PermissionDenied(f"{what} ist der Finanzbuchhaltung vorbehalten.")


def _terms(raw: list[dict[str, Any]] | None) -> list[SkontoTerm]:
    return [
        SkontoTerm(
            days=int(t["days"]),
            percent=Decimal(t["percent"]),
            base_amount=Decimal(t["base_amount"]) if t.get("base_amount") else None,
            source=t.get("source", "structured"),
        )
        for t in raw or []
    ]


def e2e_id(invoice_id: int) -> str:
    return f"AW-INV-{invoice_id}"


def create_payment_run(
    session: Session,
    principal: Principal,
    settings: InvoiceSettings,
    *,
    execution_date: date | None = None,
    now: datetime | None = None,
) -> PaymentRun:
    """Create a run over every approved, not yet scheduled invoice with a bank account.

    An empty run (nothing to pay) is recorded with status ``empty`` and no file.
    """
    _require(principal, PAYMENT_ROLES, "Ein Zahlungslauf")
    now = now or utcnow()
    today = local_today(now)
    execution_date = execution_date or today
    if execution_date < today:
        raise ValidationFailed("Das Ausführungsdatum liegt in der Vergangenheit.")
    run = PaymentRun(
        status="created",
        message_id=f"AW-{now:%Y%m%d%H%M%S%f}"[:35],
        execution_date=execution_date,
        created_by=principal.user_id or None,
        created_at=now,
    )
    session.add(run)
    session.flush()
    run_id = int(run.id or 0)
    run.message_id = f"AW-RUN-{run_id}-{now:%Y%m%d%H%M%S}"
    # One guarded UPDATE claims the candidates: on PostgreSQL a concurrent run blocks on the same rows and,
    # after the first commits, re-checks the WHERE clause and skips them; SQLite write transactions are serial.
    t = core_table(Invoice)
    candidates = sorted(
        session.execute(
            update(t)
            .where(
                t.c.status == STATUS_APPROVED,
                t.c.payment_run_id.is_(None),
                t.c.iban.is_not(None),
                t.c.currency == SEPA_CURRENCY,  # a USD amount must never leave as the same number in EUR
            )
            .values(payment_run_id=run_id, status=STATUS_SCHEDULED, updated_at=now)
            .returning(
                t.c.id,
                t.c.supplier_id,
                t.c.seller_name,
                t.c.iban,
                t.c.bic,
                t.c.amount_due,
                t.c.issue_date,
                t.c.invoice_number,
                t.c.skonto_terms,
            )
        ).all(),
        key=lambda r: r.id,
    )
    if not candidates:
        run.status = "empty"
        session.add(run)
        session.flush()
        audit.record(session, principal, "invoice.payment_run.create", "payment_run", run_id, {"count": 0})
        return run
    names = {s.id: s.name for s in suppliers.list_suppliers(session, limit=100000)}
    transfers: list[CreditTransfer] = []
    items: list[dict[str, Any]] = []
    total = skonto_total = Decimal("0.00")
    for inv in candidates:
        amount, skonto = payable_amount(
            _terms(inv.skonto_terms), inv.issue_date, inv.amount_due or Decimal(0), execution_date
        )
        e2e = e2e_id(int(inv.id or 0))
        remittance = f"Rechnung {inv.invoice_number or ''} vom {inv.issue_date or ''}".strip()
        if skonto > 0:
            remittance += f" abzgl. Skonto {skonto}"
        transfers.append(
            CreditTransfer(
                e2e,
                names.get(inv.supplier_id) or inv.seller_name or "Lieferant",
                inv.iban or "",
                amount,
                remittance,
                bic=inv.bic,
            )
        )
        items.append(
            {
                "run_id": run_id,
                "invoice_id": inv.id,
                "end_to_end_id": e2e,
                "amount": amount,
                "skonto": skonto,
                "status": STATUS_SCHEDULED,
            }
        )
        total += amount
        skonto_total += skonto
    try:
        xml = build_pain001(
            Debtor(settings.debtor_name, settings.debtor_iban, settings.debtor_bic),
            transfers,
            execution_date=execution_date,
            message_id=run.message_id,
            created_at=now,
        )
    except PaymentFileError as exc:
        detail = "; ".join(exc.problems[:5])
        raise ValidationFailed(f"pain.001 kann nicht erzeugt werden: {exc.message} {detail}".strip()) from exc
    # executemany (psycopg pipelines it): ~10x faster than multi-row VALUES, which SQLAlchemy compiles in Python
    session.execute(core_table(PaymentRunItem).insert(), items)
    run.pain001 = xml.decode("utf-8")
    run.total, run.skonto_total, run.count = total, skonto_total, len(items)
    session.add(run)
    session.flush()
    audit.record(
        session,
        principal,
        "invoice.payment_run.create",
        "payment_run",
        run_id,
        {
            "count": len(items),
            "total": str(total),
            "skonto": str(skonto_total),
            "execution_date": execution_date.isoformat(),
            "message_id": run.message_id,
        },
    )
    return run


def get_run(session: Session, principal: Principal, run_id: int) -> PaymentRun:
    _require(principal, READ_ROLES, "Der Zahlungslauf")
    run = session.get(PaymentRun, run_id)
    if run is None:
        raise NotFound(f"Zahlungslauf {run_id} nicht gefunden.")
    return run


def list_runs(session: Session, principal: Principal, *, limit: int = 200) -> list[PaymentRun]:
    _require(principal, READ_ROLES, "Die Liste der Zahlungsläufe")
    return list(
        session.execute(select(PaymentRun).order_by(col(PaymentRun.id).desc()).limit(limit)).scalars()
    )


def run_items(session: Session, run_id: int) -> list[PaymentRunItem]:
    return list(
        session.execute(
            select(PaymentRunItem)
            .where(col(PaymentRunItem.run_id) == run_id)
            .order_by(col(PaymentRunItem.invoice_id))
        ).scalars()
    )


def run_view(session: Session, run: PaymentRun, *, with_items: bool = False) -> dict[str, Any]:
    items = run_items(session, int(run.id or 0))
    view: dict[str, Any] = {
        "id": run.id,
        "status": run.status,
        "message_id": run.message_id,
        "execution_date": run.execution_date.isoformat(),
        "invoice_ids": [i.invoice_id for i in items],
        "count": run.count,
        "total": f"{run.total:.2f}",
        "skonto_total": f"{run.skonto_total:.2f}",
        "created_at": run.created_at.isoformat(),
    }
    if with_items:
        view["items"] = [
            {
                "invoice_id": i.invoice_id,
                "end_to_end_id": i.end_to_end_id,
                "amount": f"{i.amount:.2f}",
                "skonto": f"{i.skonto:.2f}",
                "status": i.status,
            }
            for i in items
        ]
    return view


def mark_executed(
    session: Session, principal: Principal, run_id: int, *, now: datetime | None = None
) -> PaymentRun:
    """The bank accepted the file: the run's invoices count as paid on the execution date."""
    _require(principal, PAYMENT_ROLES, "Ein Zahlungslauf")
    run = get_run(session, principal, run_id)
    if run.status != "created":
        raise Conflict(f"Zahlungslauf {run_id} ist im Status {run.status} und kann nicht ausgeführt werden.")
    now = now or utcnow()
    for item in run_items(session, run_id):
        inv = session.get(Invoice, item.invoice_id)
        if inv is None:  # pragma: no cover - foreign key
            continue
        inv.status, inv.paid_on, inv.paid_amount, inv.skonto_deducted = (
            STATUS_PAID,
            run.execution_date,
            item.amount,
            item.skonto,
        )
        inv.version += 1
        inv.updated_at = now
        session.add(inv)
        item.status = "executed"
        session.add(item)
    run.status, run.executed_at = "executed", now
    session.add(run)
    session.flush()
    audit.record(
        session, principal, "invoice.payment_run.execute", "payment_run", run_id, {"count": run.count}
    )
    return run


def reconcile_statement(session: Session, principal: Principal, run_id: int, camt: bytes) -> dict[str, Any]:
    """Match a camt.053 statement against the run's transfers by end-to-end id."""
    _require(principal, PAYMENT_ROLES, "Der Kontoabgleich")
    run = get_run(session, principal, run_id)
    items = run_items(session, run_id)
    try:
        statements = parse_camt053(camt)
    except PaymentFileError as exc:
        raise ValidationFailed(exc.message) from exc
    result = reconcile(statements, {i.end_to_end_id: i.amount for i in items})
    for item in items:
        if item.end_to_end_id in result.paid:
            item.status = "booked"
        elif item.end_to_end_id in result.returned:
            # idempotent: it acts only on an invoice still paid/scheduled by this run
            _payment_returned(session, item.invoice_id, run_id)
            item.status = "returned"
        elif item.end_to_end_id in result.amount_mismatch:
            item.status = "mismatch"
        session.add(item)
    if not result.open and not result.amount_mismatch and not result.returned:
        run.status, run.reconciled_at = "reconciled", utcnow()
        session.add(run)
    session.flush()
    summary = {
        "run_id": run_id,
        "booked": sorted(result.paid),
        "returned": sorted(result.returned),
        "amount_mismatch": {k: [f"{a:.2f}", f"{b:.2f}"] for k, (a, b) in result.amount_mismatch.items()},
        "open": list(result.open),
        "status": run.status,
    }
    audit.record(
        session,
        principal,
        "invoice.payment_run.reconcile",
        "payment_run",
        run_id,
        {k: v for k, v in summary.items() if k != "run_id"},
    )
    return summary


def _payment_returned(session: Session, invoice_id: int, run_id: int) -> None:
    """The bank sent a transfer back: the invoice is not paid. It used to stay ``paid`` for good (never paid,
    never late, no alert). Now it is held for finance with the reason; a run item exists only once per
    invoice (exactly-once payment), so the payment is made by hand after clarifying the account."""
    inv = session.get(Invoice, invoice_id)
    if inv is None or inv.payment_run_id != run_id or inv.status not in (STATUS_PAID, STATUS_SCHEDULED):
        return
    now = utcnow()
    reason = (
        f"Überweisung aus Zahlungslauf {run_id} von der Bank zurückgegeben (IBAN {inv.iban}): "
        "Bankverbindung mit dem Lieferanten klären und manuell zahlen."
    )
    inv.status, inv.held_reason = STATUS_HELD, reason
    inv.paid_on = inv.paid_amount = inv.skonto_deducted = None
    inv.version += 1
    inv.updated_at = now
    inv.alerts = [
        *inv.alerts,
        {"code": "payment_returned", "message": reason, "at": now.isoformat(), "run_id": run_id},
    ]
    session.add(inv)


# -------------------------------------------------------------------------------------- booking export

BOOKING_FIELDS = (
    "invoice_id",
    "supplier_id",
    "supplier",
    "supplier_vat_id",
    "invoice_number",
    "issue_date",
    "due_date",
    "currency",
    "gross_total",
    "amount_due",
    "skonto",
    "paid_amount",
    "execution_date",
    "iban",
    "leitweg_id",
    "order_reference",
    "department",
    "payment_run_id",
    "end_to_end_id",
)


@dataclass(frozen=True, slots=True)
class BookingExport:
    content: bytes
    media_type: str
    filename: str


def booking_rows(session: Session, principal: Principal, run_id: int) -> list[dict[str, Any]]:
    run = get_run(session, principal, run_id)
    names = {s.id: s.name for s in suppliers.list_suppliers(session, limit=100000)}
    rows = []
    for item in run_items(session, run_id):
        inv = session.get(Invoice, item.invoice_id)
        if inv is None:  # pragma: no cover - foreign key
            continue
        rows.append(
            {
                "invoice_id": inv.id,
                "supplier_id": inv.supplier_id,
                "supplier": names.get(inv.supplier_id) or inv.seller_name,
                "supplier_vat_id": inv.seller_vat_id,
                "invoice_number": inv.invoice_number,
                "issue_date": inv.issue_date.isoformat() if inv.issue_date else None,
                "due_date": inv.due_date.isoformat() if inv.due_date else None,
                "currency": inv.currency,
                "gross_total": f"{inv.gross_total:.2f}" if inv.gross_total is not None else None,
                "amount_due": f"{inv.amount_due:.2f}" if inv.amount_due is not None else None,
                "skonto": f"{item.skonto:.2f}",
                "paid_amount": f"{item.amount:.2f}",
                "execution_date": run.execution_date.isoformat(),
                "iban": inv.iban,
                "leitweg_id": inv.leitweg_id,
                "order_reference": inv.order_reference,
                "department": inv.department,
                "payment_run_id": run_id,
                "end_to_end_id": item.end_to_end_id,
            }
        )
    return rows


def booking_export(session: Session, principal: Principal, run_id: int, fmt: str = "csv") -> BookingExport:
    """The run's bookings for the municipal finance software: CSV (``;``, UTF-8 with BOM) or JSON."""
    rows = booking_rows(session, principal, run_id)
    if fmt == "json":
        body = json.dumps({"payment_run_id": run_id, "bookings": rows}, ensure_ascii=False, indent=1).encode()
        return BookingExport(body, "application/json", f"buchungen-lauf-{run_id}.json")
    if fmt != "csv":
        raise ValidationFailed("format muss csv oder json sein.")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=BOOKING_FIELDS, delimiter=";", lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else _csv_safe(str(v))) for k, v in row.items()})
    return BookingExport(
        ("\ufeff" + buf.getvalue()).encode("utf-8"), "text/csv; charset=utf-8", f"buchungen-lauf-{run_id}.csv"
    )


def _csv_safe(value: str) -> str:
    """Neutralise spreadsheet formula injection in supplier-controlled text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") and not _is_number(value) else value


def _is_number(value: str) -> bool:
    try:
        Decimal(value)
    except ArithmeticError:
        return False
    return True
