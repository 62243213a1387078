"""Approval workflow: visibility, decisions (policy from ``einvoice.domain.approval``), IBAN release,
worklists by urgency and the late-payment view."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import Session, col

from dms import audit
from dms.db.types import utcnow
from dms.domain.principal import Principal
from dms.errors import NotFound, PermissionDenied, ValidationFailed
from dms.invoices import intake, routing, suppliers
from dms.invoices.errors import DecisionConflict, DecisionRefused
from dms.invoices.intake import STATUS_HELD, local_today
from dms.invoices.tables import Invoice, InvoiceDecision
from einvoice.domain import approval
from einvoice.domain.terms import payee_name_check, urgency_key

READ_ALL = frozenset({"admin", "finance", "auditor", "records_manager"})
STATUS_IN_APPROVAL = intake.STATUS_IN_APPROVAL  # exported: callers read the workflow statuses here
STATUS_APPROVED = "approved"
STATUS_RETURNED = "returned"
_CONFLICT_CODES = {approval.RefusalCode.WRONG_STEP, approval.RefusalCode.NOT_OPEN}
_INPUT_CODES = {approval.RefusalCode.REASON_REQUIRED}


def can_see(principal: Principal, inv: Invoice) -> bool:
    if principal.role in READ_ALL:
        return True
    if principal.role == "supplier":
        return principal.supplier_id is not None and inv.supplier_id == principal.supplier_id
    if principal.role == "clerk":
        return (
            inv.assignee_id == principal.user_id
            or inv.department is None
            or (principal.department is not None and inv.department == principal.department)
        )
    return False


def get_invoice(session: Session, principal: Principal, invoice_id: int) -> Invoice:
    inv = session.get(Invoice, invoice_id)
    if inv is None or not can_see(principal, inv):
        raise NotFound(f"Rechnung {invoice_id} nicht gefunden.")
    return inv


def decisions_of(session: Session, invoice_id: int) -> list[InvoiceDecision]:
    return list(
        session.execute(
            select(InvoiceDecision)
            .where(col(InvoiceDecision.invoice_id) == invoice_id)
            .order_by(col(InvoiceDecision.seq))
        ).scalars()
    )


def _records(rows: list[InvoiceDecision]) -> tuple[approval.StepRecord, ...]:
    return tuple(
        approval.StepRecord(
            step=approval.Step(r.step),
            verdict=approval.Verdict(r.decision),
            user_id=str(r.user_id),
            at=r.at,
            comment=r.comment,
            on_behalf_of=str(r.on_behalf_of) if r.on_behalf_of is not None else None,
            reject_to=approval.RejectTarget(r.reject_to) if r.reject_to else None,
        )
        for r in rows
    )


def case_of(inv: Invoice, rows: list[InvoiceDecision]) -> approval.InvoiceCase:
    assignees = {approval.Step.FACTUAL: str(inv.assignee_id)} if inv.assignee_id is not None else {}
    return approval.InvoiceCase(
        amount=inv.amount_due or Decimal(0),
        department=inv.department,
        submitted_by=str(inv.submitted_by) if inv.submitted_by is not None else None,
        assignees=assignees,
        history=_records(rows),
    )


def actor_of(principal: Principal) -> approval.Actor:
    return approval.Actor(
        user_id=str(principal.user_id),
        role=principal.role,
        department=principal.department,
        amount_limit=principal.amount_limit,
    )


def _parse_enum(enum: type[Any], value: str, what: str) -> Any:
    try:
        return enum(value)
    except ValueError as exc:
        allowed = ", ".join(e.value for e in enum)
        raise ValidationFailed(f"{what} {value!r} unbekannt (erlaubt: {allowed}).") from exc


def decide(
    session: Session,
    principal: Principal,
    invoice_id: int,
    *,
    step: str,
    decision: str,
    comment: str = "",
    reject_to: str = "previous",
    now: datetime | None = None,
) -> InvoiceDecision:
    """Record one approval decision. Refusals raise ``DecisionRefused`` (403) or ``DecisionConflict`` (409).

    The invoice row is locked (``SELECT … FOR UPDATE`` on PostgreSQL; SQLite write transactions are
    serial) and its ``version`` bumped with a compare-and-set, so of concurrent decisions on the same
    step exactly one wins.
    """
    step_e = _parse_enum(approval.Step, step, "Schritt")
    verdict = _parse_enum(approval.Verdict, decision, "Entscheidung")
    target = _parse_enum(approval.RejectTarget, reject_to or "previous", "Rückgabeziel")
    if len(comment or "") > 4000:
        raise ValidationFailed("Kommentar ist länger als 4000 Zeichen.")
    inv = session.execute(
        select(Invoice)
        .where(col(Invoice.id) == invoice_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one_or_none()
    if inv is None or not can_see(principal, inv):
        raise NotFound(f"Rechnung {invoice_id} nicht gefunden.")
    if inv.status == STATUS_HELD:
        raise DecisionConflict(
            f"Rechnung angehalten: {inv.held_reason or 'Prüfung durch Finanzen nötig.'}", code="held"
        )
    if inv.status != STATUS_IN_APPROVAL:
        raise DecisionConflict(f"Rechnung ist nicht in der Freigabe (Status {inv.status}).", code="not_open")
    rows = decisions_of(session, invoice_id)
    at = now or utcnow()
    result = approval.decide(
        routing.load_policy(session),
        case_of(inv, rows),
        actor_of(principal),
        step_e,
        verdict,
        at=at,
        comment=comment or "",
        reject_to=target,
        deputyships=routing.deputyships_for(session, principal.user_id),
    )
    if isinstance(result, approval.Refusal):
        audit.record(
            session,
            principal,
            "invoice.decision_refused",
            "invoice",
            invoice_id,
            {"step": step, "decision": decision, "code": result.code.value},
        )
        if result.code in _CONFLICT_CODES:
            raise DecisionConflict(result.message, code=result.code.value)
        if result.code in _INPUT_CODES:
            raise ValidationFailed(result.message)
        raise DecisionRefused(result.message, code=result.code.value)
    new_status = {
        approval.ApprovalStatus.IN_APPROVAL: STATUS_IN_APPROVAL,
        approval.ApprovalStatus.APPROVED: STATUS_APPROVED,
        approval.ApprovalStatus.RETURNED: STATUS_RETURNED,
    }[result.position.status]
    values: dict[str, Any] = {"version": inv.version + 1, "status": new_status, "updated_at": at}
    if new_status == STATUS_RETURNED:
        values["dedupe_key"] = None  # the supplier may send a corrected invoice with the same number
    changed = session.exec(
        update(Invoice)
        .where(col(Invoice.id) == invoice_id, col(Invoice.version) == inv.version)
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        raise DecisionConflict(
            "Die Rechnung wurde gleichzeitig geändert; bitte neu laden.", code="concurrent"
        )
    rec = result.record
    row = InvoiceDecision(
        invoice_id=invoice_id,
        seq=len(rows) + 1,
        step=rec.step.value,
        decision=rec.verdict.value,
        user_id=principal.user_id,
        username=principal.username,
        on_behalf_of=int(rec.on_behalf_of) if rec.on_behalf_of else None,
        reject_to=rec.reject_to.value if rec.reject_to else None,
        comment=rec.comment,
        amount_limit=principal.amount_limit,
        at=at,
    )
    session.add(row)
    session.flush()
    for key, value in values.items():  # mirror the guarded UPDATE in the loaded row without re-reading it
        set_committed_value(inv, key, value)
    audit.record(
        session,
        principal,
        "invoice.decision",
        "invoice",
        invoice_id,
        {
            "step": rec.step.value,
            "decision": rec.verdict.value,
            "comment": rec.comment,
            "on_behalf_of": rec.on_behalf_of,
            "reject_to": row.reject_to,
            "status": new_status,
            "amount_due": str(inv.amount_due),
            "amount_limit": str(principal.amount_limit),
        },
    )
    return row


def confirm_iban(session: Session, principal: Principal, invoice_id: int) -> Invoice:
    """Finance confirms the invoice's bank account (after a call-back): it becomes a known IBAN and the
    invoice enters approval. The confirming person is audited; they may still not sign the steps they are
    excluded from by separation of duties."""
    if principal.role not in {"finance", "admin"}:
        raise PermissionDenied("Nur Finanzen darf eine geänderte Bankverbindung bestätigen.")
    inv = session.scalars(
        select(Invoice).where(col(Invoice.id) == invoice_id).with_for_update()
    ).one_or_none()
    if inv is None:
        raise NotFound(f"Rechnung {invoice_id} nicht gefunden.")
    if inv.status != STATUS_HELD:
        raise DecisionConflict(f"Rechnung ist nicht angehalten (Status {inv.status}).", code="not_held")
    if inv.supplier_id is None:
        raise DecisionConflict("Lieferant unbekannt: erst Stammdaten zuordnen.", code="supplier_unknown")
    if inv.amount_due is None or inv.amount_due <= 0:
        raise DecisionConflict("Kein positiver Zahlbetrag: nicht freigabefähig.", code="not_payable")
    if any(a.get("code") == "iban_not_sepa" for a in inv.alerts):
        raise DecisionConflict(
            "Die IBAN liegt nicht im SEPA-Raum; die Rechnung kann nicht in einen SEPA-Zahlungslauf.",
            code="iban_not_sepa",
        )
    if any(a.get("code") == "payment_returned" for a in inv.alerts):
        raise DecisionConflict(
            "Die Überweisung kam von der Bank zurück; die Rechnung ist freigegeben und wird manuell gezahlt.",
            code="payment_returned",
        )
    if _is_credit_note(inv):
        # the credit-note hold is not an IBAN question: releasing it would pay the supplier our own credit
        raise DecisionConflict(
            "Gutschrift: wird nicht ausgezahlt und durch eine IBAN-Bestätigung nicht freigegeben; "
            "bitte manuell verbuchen.",
            code="credit_note",
        )
    if inv.iban:
        suppliers.add_known_iban(
            session, principal, inv.supplier_id, inv.iban, bic=inv.bic, source="confirmed_invoice"
        )
    inv.status = STATUS_IN_APPROVAL
    inv.held_reason = None
    inv.version += 1
    inv.updated_at = utcnow()
    inv.alerts = [
        *inv.alerts,
        {
            "code": "iban_confirmed",
            "message": f"IBAN bestätigt von {principal.username}",
            "at": utcnow().isoformat(),
        },
    ]
    session.add(inv)
    session.flush()
    audit.record(session, principal, "invoice.iban_confirm", "invoice", invoice_id, {"iban": inv.iban})
    return inv


def _is_credit_note(inv: Invoice) -> bool:
    """Intake marks credit notes with a ``credit_note`` alert (older rows: only the held reason says so)."""
    return any(a.get("code") == "credit_note" for a in inv.alerts) or (inv.held_reason or "").startswith(
        "Gutschrift"
    )


def assign_supplier(session: Session, principal: Principal, invoice_id: int, supplier_id: int) -> Invoice:
    """Finance links a held invoice of an unknown seller to a supplier record."""
    if principal.role not in {"finance", "admin"}:
        raise PermissionDenied("Nur Finanzen ordnet Lieferanten zu.")
    suppliers.get_supplier(session, supplier_id)
    inv = get_invoice(session, principal, invoice_id)
    if inv.status != STATUS_HELD or inv.supplier_id is not None:
        raise DecisionConflict("Nur angehaltene Rechnungen ohne Lieferant können zugeordnet werden.")
    inv.supplier_id = supplier_id
    inv.version += 1
    session.add(inv)
    session.flush()
    audit.record(
        session, principal, "invoice.supplier_assign", "invoice", invoice_id, {"supplier_id": supplier_id}
    )
    return inv


# ------------------------------------------------------------------------------------------ worklists


@dataclass(frozen=True, slots=True)
class WorkItem:
    invoice: Invoice
    open_step: str | None
    can_act: bool
    urgency: tuple[int, int, Decimal]


def worklist(
    session: Session, principal: Principal, *, view: str = "mine", today: date | None = None, limit: int = 500
) -> list[WorkItem]:
    """Open invoices by urgency (earliest Skonto/due deadline first).

    ``view``: ``mine`` (what this person may sign now, deputyships included), ``all`` (every open
    invoice visible to them), ``held`` (held for IBAN/supplier checks).
    """
    if view not in {"mine", "all", "held"}:
        raise ValidationFailed("view muss mine, all oder held sein.")
    today = today or local_today()
    statuses = [STATUS_HELD] if view == "held" else [STATUS_IN_APPROVAL]
    query = select(Invoice).where(col(Invoice.status).in_(statuses))
    if principal.role == "supplier":
        query = query.where(col(Invoice.supplier_id) == principal.supplier_id)
    elif principal.role == "clerk":
        query = query.where(
            or_(
                col(Invoice.assignee_id) == principal.user_id,
                col(Invoice.department).is_(None),
                col(Invoice.department) == principal.department,
            )
        )
    invoices = list(session.execute(query.limit(5000)).scalars())
    policy = routing.load_policy(session)
    actor = actor_of(principal)
    deputies = routing.deputyships_for(session, principal.user_id)
    now = utcnow()
    rows_by_invoice: dict[int, list[InvoiceDecision]] = {}
    if invoices:
        ids = [i.id for i in invoices]
        for d in session.execute(
            select(InvoiceDecision)
            .where(col(InvoiceDecision.invoice_id).in_(ids))
            .order_by(col(InvoiceDecision.seq))
        ).scalars():
            rows_by_invoice.setdefault(d.invoice_id, []).append(d)
    items = []
    for inv in invoices:
        case = case_of(inv, rows_by_invoice.get(int(inv.id or 0), []))
        pos = approval.position(policy.chain_for(inv.department), case.history)
        step = (
            approval.approvable_step(policy, case, actor, now, deputies)
            if inv.status == STATUS_IN_APPROVAL
            else None
        )
        if view == "mine" and step is None:
            continue
        key = urgency_key(
            today=today,
            due=inv.due_date or today,
            skonto_deadline=inv.skonto_deadline,
            skonto_amount=inv.skonto_amount or Decimal(0),
        )
        items.append(WorkItem(inv, pos.open_step.value if pos.open_step else None, step is not None, key))
    items.sort(key=lambda w: (w.urgency, w.invoice.id))
    return items[:limit]


def recent_invoices(session: Session, principal: Principal, *, limit: int = 100) -> list[Invoice]:
    """Every invoice the principal may see, any status, newest first (a supplier's own list)."""
    query = select(Invoice).order_by(col(Invoice.id).desc())
    if principal.role == "supplier":
        query = query.where(col(Invoice.supplier_id) == principal.supplier_id)
    elif principal.role == "clerk":
        query = query.where(
            or_(
                col(Invoice.assignee_id) == principal.user_id,
                col(Invoice.department).is_(None),
                col(Invoice.department) == principal.department,
            )
        )
    elif principal.role not in READ_ALL:
        return []
    return list(session.execute(query.limit(limit)).scalars())


def late_payments(session: Session, principal: Principal, *, today: date | None = None) -> list[Invoice]:
    """Unpaid invoices past their due date, and paid ones that were paid late (Verzug, § 286/§ 288 BGB)."""
    if principal.role not in READ_ALL:
        raise PermissionDenied("Die Verzugsliste ist der Finanzbuchhaltung vorbehalten.")
    today = today or local_today()
    unpaid = select(Invoice).where(
        col(Invoice.status).in_([STATUS_HELD, STATUS_IN_APPROVAL, STATUS_APPROVED, "scheduled"]),
        col(Invoice.due_date) < today,
    )
    late_paid = select(Invoice).where(
        col(Invoice.status) == "paid", col(Invoice.paid_on) > col(Invoice.due_date)
    )
    result = list(session.execute(unpaid).scalars()) + list(session.execute(late_paid).scalars())
    result.sort(key=lambda i: (i.due_date or today, i.id))
    return result


def invoice_view(session: Session, inv: Invoice) -> dict[str, Any]:
    """The API shape of an invoice (``GET /api/v1/invoices/{id}``)."""
    supplier = suppliers.get_supplier(session, inv.supplier_id) if inv.supplier_id else None
    rows = decisions_of(session, int(inv.id or 0))
    steps = [
        {
            "step": d.step,
            "decision": d.decision,
            "user": d.username,
            "user_id": d.user_id,
            "at": d.at.isoformat(),
            "comment": d.comment,
            "on_behalf_of": d.on_behalf_of,
        }
        for d in rows
    ]
    open_step = None
    if inv.status == STATUS_IN_APPROVAL:
        policy = routing.load_policy(session)
        pos = approval.position(policy.chain_for(inv.department), _records(rows))
        open_step = pos.open_step.value if pos.open_step else None
    return {
        "id": inv.id,
        "status": inv.status,
        "supplier": (
            {"id": supplier.id, "name": supplier.name, "vat_id": supplier.vat_id}
            if supplier
            else (
                {"id": None, "name": inv.seller_name, "vat_id": inv.seller_vat_id}
                if inv.seller_name
                else None
            )
        ),
        "invoice_number": inv.invoice_number,
        "issue_date": inv.issue_date.isoformat() if inv.issue_date else None,
        "currency": inv.currency,
        "gross_total": _s(inv.gross_total),
        "amount_due": _s(inv.amount_due),
        "due_date": inv.due_date.isoformat() if inv.due_date else None,
        "due_source": inv.due_source,
        "skonto_deadline": inv.skonto_deadline.isoformat() if inv.skonto_deadline else None,
        "skonto_amount": _s(inv.skonto_amount),
        "skonto_terms": inv.skonto_terms,
        "iban": inv.iban,
        "payee_check": payee_name_check(supplier.name if supplier else None, inv.seller_name),
        "leitweg_id": inv.leitweg_id,
        "order_reference": inv.order_reference,
        "department": inv.department,
        "assignee_id": inv.assignee_id,
        "open_step": open_step,
        "held_reason": inv.held_reason,
        "alerts": inv.alerts,
        "received_at": inv.received_at.isoformat(),
        "valid": inv.valid,
        "payment_run_id": inv.payment_run_id,
        "paid_amount": _s(inv.paid_amount),
        "skonto_deducted": _s(inv.skonto_deducted),
        "paid_on": inv.paid_on.isoformat() if inv.paid_on else None,
        "archive": inv.archive,
        "steps": steps,
    }


def _s(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"
