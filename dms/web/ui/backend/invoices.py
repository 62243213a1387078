"""Finance and supplier pages over ``dms.invoices`` (facade, workflow, payments) and ``einvoice``."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any

from fastapi import Request
from sqlalchemy import or_, select
from sqlmodel import col

from dms.db.types import utcnow
from dms.invoices import facade, payments, routing, suppliers, workflow
from dms.invoices.errors import DuplicateInvoice
from dms.invoices.intake import local_today
from dms.invoices.tables import Invoice, InvoiceDecision
from dms.web.permissions import role_has
from dms.web.ui.backend.base import NotFound, UserError, container, uow, user_errors
from einvoice.domain import approval
from einvoice.services import parse, render_html

STEPS = ("factual", "arithmetic", "payment_order")


def _days(until: date | None, today: date) -> int | None:
    return None if until is None else (until - today).days


def _supplier_name(session: Any, inv: Invoice, cache: dict[int, str]) -> str:
    if inv.supplier_id:
        if inv.supplier_id not in cache:
            cache[inv.supplier_id] = suppliers.get_supplier(session, inv.supplier_id).name
        return cache[inv.supplier_id]
    return inv.seller_name or "–"


def _alert_codes(inv: Invoice) -> list[str]:
    return [str(a.get("code") or a.get("kind") or "alert") for a in (inv.alerts or []) if isinstance(a, dict)]


def _row(session: Any, inv: Invoice, today: date, names: dict[int, str], open_step: str | None) -> dict[str, Any]:
    return {
        "id": inv.id,
        "supplier": _supplier_name(session, inv, names),
        "invoice_number": inv.invoice_number or f"#{inv.id}",
        "amount_due": inv.amount_due,
        "due_date": inv.due_date,
        "days_to_due": _days(inv.due_date, today),
        "skonto_deadline": inv.skonto_deadline,
        "days_to_skonto": _days(inv.skonto_deadline, today),
        "status": inv.status,
        "open_step": open_step,
        "alerts": _alert_codes(inv),
    }


def invoice_worklist(request: Request, user: Any, view: str) -> list[dict[str, Any]]:
    """``mine``/``all``: the workflow's urgency order (Skonto first); ``late``: the late-payment view."""
    today = local_today()
    names: dict[int, str] = {}
    with uow(request, read_only=True) as unit, user_errors():
        if view == "late":
            return [_row(unit.session, i, today, names, None) for i in workflow.late_payments(unit.session, user)]
        items = workflow.worklist(unit.session, user, view=view)
        return [_row(unit.session, w.invoice, today, names, w.open_step) for w in items]


def _step_states(session: Any, user: Any, inv: Invoice, view: dict[str, Any]) -> list[dict[str, Any]]:
    """Each step of the invoice's chain: decided, or open (with whether *this* user may sign it and why
    not, answered by the approval policy itself), or pending."""
    policy = routing.load_policy(session)
    chain = policy.chain_for(inv.department)
    rows = workflow.decisions_of(session, int(inv.id or 0))
    case = workflow.case_of(inv, rows)
    position = approval.position(chain, case.history)
    latest: dict[str, dict[str, Any]] = {}
    for s in view["steps"]:
        latest[s["step"]] = s
    states = []
    for step in chain.steps:
        done = position.active.get(step)
        entry: dict[str, Any] = {"step": step.value, "decision": None, "may": False, "open": False, "reason": ""}
        if done is not None:
            recorded = latest.get(step.value, {})
            entry.update(decision="approve", user=recorded.get("user", ""), at=recorded.get("at"),
                         comment=recorded.get("comment", ""))
        elif inv.status == workflow.STATUS_IN_APPROVAL and position.open_step == step:
            entry["open"] = True
            outcome = approval.decide(
                policy, case, workflow.actor_of(user), step, approval.Verdict.APPROVE,
                at=utcnow(), deputyships=tuple(routing.deputyships_for(session, user.user_id)),
            )
            if isinstance(outcome, approval.Refusal):
                entry["reason"] = outcome.message
            else:
                entry["may"] = True
        states.append(entry)
    return states


def _report(validation: dict[str, Any]) -> dict[str, Any]:
    findings = [
        {
            "rule_id": f.get("rule") or f.get("rule_id") or "",
            "severity": f.get("severity", "error"),
            "message": f.get("message_de") or f.get("message") or "",
            "location": f.get("location") or "",
        }
        for f in validation.get("findings", [])
        if isinstance(f, dict)
    ]
    return {
        "valid": bool(validation.get("valid")),
        "findings": findings,
        "errors": [f for f in findings if f["severity"] in ("error", "fatal")],
    }


def invoice(request: Request, user: Any, invoice_id: int) -> dict[str, Any]:
    with uow(request, read_only=True) as unit, user_errors():
        inv = workflow.get_invoice(unit.session, user, invoice_id)
        view = workflow.invoice_view(unit.session, inv)
        steps = _step_states(unit.session, user, inv, view)
    supplier = view.get("supplier") or {}
    alerts = [
        {"kind": str(a.get("code") or "alert"), "message": str(a.get("message") or "")}
        for a in (inv.alerts or [])
        if isinstance(a, dict)
    ]
    role = getattr(user, "role", "")
    return {
        **view,
        "supplier": supplier.get("name") or "–",
        "invoice_number": inv.invoice_number or f"#{inv.id}",
        "amount_due": inv.amount_due,
        "due_date": inv.due_date,
        "skonto_deadline": inv.skonto_deadline,
        "skonto_amount": inv.skonto_amount,
        "steps": steps,
        "alerts": alerts,
        "report": _report(inv.validation or {}),
        "can_confirm_iban": role_has(role, "invoices:release"),
        "document_id": (inv.archive or {}).get("original"),
        "has_rendering": bool(inv.valid),
    }


def rendering(request: Request, user: Any, invoice_id: int) -> str:
    """The human-readable invoice as rendered by ``einvoice`` (a whole HTML page, shown in a frame)."""
    with uow(request, read_only=True) as unit, user_errors():
        inv = workflow.get_invoice(unit.session, user, invoice_id)
    data = container(request).store.get(inv.sha256)
    with user_errors():
        return render_html(parse(data, inv.filename or None))


def decide(request: Request, user: Any, invoice_id: int, *, step: str, decision: str, comment: str) -> None:
    with uow(request) as unit, user_errors():
        facade.decide(container(request), unit, user, invoice_id, step=step, decision=decision, comment=comment)


def confirm_iban(request: Request, user: Any, invoice_id: int) -> None:
    with uow(request) as unit, user_errors():
        facade.confirm_iban(container(request), unit, user, invoice_id)


def payment_runs(request: Request, user: Any) -> dict[str, Any]:
    role = getattr(user, "role", "")
    with uow(request, read_only=True) as unit, user_errors():
        runs = [payments.run_view(unit.session, r) for r in payments.list_runs(unit.session, user)]
        names: dict[int, str] = {}
        ready_rows = list(
            unit.session.execute(
                select(Invoice)
                .where(col(Invoice.status) == workflow.STATUS_APPROVED, col(Invoice.payment_run_id).is_(None))
                .order_by(col(Invoice.id))
                .limit(500)
            ).scalars()
        )
        today = local_today()
        ready = [
            {**_row(unit.session, i, today, names, None), "pay_amount": _pay_amount(i, today)} for i in ready_rows
        ]
    for r in runs:
        r["total"] = Decimal(r["total"])
    return {"runs": runs, "ready": ready, "can_run": role_has(role, "payments:run")}


def _pay_amount(inv: Invoice, today: date) -> Decimal | None:
    """Shown for information; the payment run computes the binding amount."""
    if inv.amount_due is None:
        return None
    if inv.skonto_deadline and inv.skonto_amount and today <= inv.skonto_deadline:
        return inv.amount_due - inv.skonto_amount
    return inv.amount_due


def create_payment_run(request: Request, user: Any) -> int:
    with uow(request) as unit, user_errors():
        run = facade.create_payment_run(container(request), unit, user)
    return int(run.id or 0)


def pain001(request: Request, user: Any, run_id: int) -> tuple[bytes, str]:
    with uow(request, read_only=True) as unit, user_errors():
        run = payments.get_run(unit.session, user, run_id)
    if not run.pain001:
        raise NotFound(f"payment run {run_id} has no pain.001 file")
    return run.pain001.encode("utf-8"), f"{run.message_id}.pain.001.001.09.xml"


def finance_metrics(request: Request, user: Any, months: int = 6) -> dict[str, Any]:
    """Reporting over recorded facts, per month: cycle time (receipt → payment order), Skonto deducted
    in payment runs, and late invoices (paid after, or still open past, their due date)."""
    today = local_today()
    cycle: dict[str, list[int]] = defaultdict(list)
    skonto: dict[str, Decimal] = defaultdict(Decimal)
    late: dict[str, int] = defaultdict(int)
    with uow(request, read_only=True) as unit, user_errors():
        workflow.late_payments(unit.session, user)  # the same authorisation as the late-payment view
        ordered = unit.session.execute(
            select(col(InvoiceDecision.at), col(Invoice.received_at))
            .join(Invoice, col(Invoice.id) == col(InvoiceDecision.invoice_id))
            .where(col(InvoiceDecision.step) == "payment_order", col(InvoiceDecision.decision) == "approve")
        ).all()
        for at, received in ordered:
            cycle[at.strftime("%Y-%m")].append(max((at - received).days, 0))
        for run in payments.list_runs(unit.session, user, limit=10_000):
            skonto[run.created_at.strftime("%Y-%m")] += run.skonto_total or Decimal(0)
        offered = captured = late_open = 0
        for inv in unit.session.execute(
            select(Invoice).where(Invoice.valid.is_(True), Invoice.due_date.is_not(None)).limit(200_000)  # type: ignore[attr-defined,union-attr]
        ).scalars():
            if inv.skonto_amount and inv.payment_run_id:
                offered += 1
                captured += 1 if inv.skonto_deducted else 0
            if inv.paid_on and inv.paid_on > inv.due_date:
                late[inv.due_date.strftime("%Y-%m")] += 1
            elif not inv.paid_on and inv.due_date < today and inv.status not in {"rejected", "returned"}:
                late[inv.due_date.strftime("%Y-%m")] += 1
                late_open += 1
    keys = sorted(set(cycle) | set(skonto) | set(late))[-months:]
    all_days = [d for k in keys for d in cycle.get(k, [])]
    return {
        "cycle_time": [
            {"label": k, "days": round(sum(cycle[k]) / len(cycle[k]), 1) if cycle.get(k) else 0} for k in keys
        ],
        "skonto": [{"label": k, "captured": skonto.get(k, Decimal(0))} for k in keys],
        "late": [{"label": k, "late": late.get(k, 0)} for k in keys],
        "avg_cycle_days": round(sum(all_days) / len(all_days), 1) if all_days else "–",
        "skonto_rate": round(100 * captured / offered) if offered else "–",
        "late_open": late_open,
    }


def submit_invoice(request: Request, user: Any, filename: str, data: bytes) -> dict[str, Any]:
    """Supplier portal: validate at once and record (rejected invoices are recorded too)."""
    if not data:
        raise UserError("upload.empty")
    try:
        with uow(request) as unit, user_errors():
            result = facade.submit(container(request), unit, user, data, filename, channel="portal")
    except UserError as exc:
        if isinstance(exc.__cause__, DuplicateInvoice):
            raise UserError("portal.duplicate", str(exc.__cause__), 409) from exc
        raise
    inv = result.invoice
    return {
        "accepted": not result.rejected,
        "invoice_number": inv.invoice_number,
        "status": inv.status,
        "report": _report(result.report or {}),
        "error": None,
    }


def supplier_invoices(request: Request, user: Any) -> list[dict[str, Any]]:
    """The supplier's own invoices only (their supplier record, or submitted by this account)."""
    conditions = [Invoice.submitted_by == user.user_id]
    if user.supplier_id is not None:
        conditions.append(Invoice.supplier_id == user.supplier_id)
    with uow(request, read_only=True) as unit:
        rows = list(
            unit.session.execute(
                select(Invoice).where(or_(*conditions)).order_by(Invoice.id.desc()).limit(500)  # type: ignore[union-attr]
            ).scalars()
        )
        out = []
        for inv in rows:
            reason = inv.held_reason or ""
            if inv.status in {"rejected", workflow.STATUS_RETURNED}:
                decisions = workflow.decisions_of(unit.session, int(inv.id or 0))
                rejections = [d.comment for d in decisions if d.decision == "reject" and d.comment]
                errors = _report(inv.validation or {})["errors"]
                reason = rejections[-1] if rejections else "; ".join(
                    f"{e['rule_id']}: {e['message']}" for e in errors[:3]
                )
            out.append(
                {
                    "invoice_number": inv.invoice_number,
                    "received_at": inv.received_at,
                    "amount_due": inv.amount_due,
                    "status": inv.status,
                    "reason": reason,
                }
            )
    return out
