"""Reminders and escalation before Skonto and due deadlines (run by Celery beat; e-mail via SMTP).

Once per local day and invoice: when the next money-relevant deadline (Skonto while reachable, else the
due date) is at most ``remind_days`` away, the people who may act on the open step are reminded; at most
``escalate_days`` away (or overdue) the finance lead's inbox is added (escalation).
"""

from __future__ import annotations

import smtplib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from typing import Any

from sqlalchemy import select
from sqlmodel import Session, col

from dms import audit
from dms.auth.service import principal_of
from dms.db.tables import User
from dms.db.types import utcnow
from dms.invoices import routing
from dms.invoices.intake import STATUS_HELD, STATUS_IN_APPROVAL, local_today
from dms.invoices.settings import InvoiceSettings
from dms.invoices.tables import Invoice, InvoiceDecision
from dms.invoices.workflow import STATUS_APPROVED, actor_of, case_of
from einvoice.domain import approval

Mailer = Callable[[EmailMessage], None]


@dataclass(frozen=True, slots=True)
class Reminder:
    invoice_id: int
    recipients: tuple[str, ...]
    subject: str
    body: str
    escalation: bool
    days_left: int
    deadline_kind: str = "due"
    extra: dict[str, str] = field(default_factory=dict)


def _deadline(inv: Invoice, today: date) -> tuple[date, str] | None:
    if inv.skonto_deadline is not None and inv.skonto_deadline >= today:
        return inv.skonto_deadline, "skonto"
    if inv.due_date is not None:
        return inv.due_date, "due"
    return None


@dataclass(frozen=True, slots=True)
class _Approver:
    user: User
    actor: approval.Actor
    deputies: tuple[approval.Deputyship, ...]


def _approvers(session: Session, users: list[User]) -> list[_Approver]:
    """Clerks and finance staff with their policy view, loaded once per reminder run."""
    return [
        _Approver(
            u, actor_of(principal_of(session, u)), tuple(routing.deputyships_for(session, int(u.id or 0)))
        )
        for u in users
        if u.role in {"clerk", "finance"}
    ]


def _people_for(
    inv: Invoice,
    *,
    users: list[User],
    approvers: list[_Approver],
    policy: approval.ApprovalPolicy,
    rows: list[Any],
    now: datetime,
) -> list[User]:
    """Users with an e-mail who may act next on ``inv`` (approval step, IBAN release or payment run)."""
    if inv.status in (STATUS_HELD, STATUS_APPROVED):
        return [u for u in users if u.role == "finance"]
    case = case_of(inv, rows)
    return [
        a.user
        for a in approvers
        if approval.approvable_step(policy, case, a.actor, now, a.deputies) is not None
    ]


def due_reminders(
    session: Session, settings: InvoiceSettings, *, now: datetime | None = None
) -> list[Reminder]:
    """Which reminders are due now (not yet sent today)."""
    now = now or utcnow()
    today = local_today(now)
    users = list(
        session.execute(select(User).where(col(User.active).is_(True), col(User.email).is_not(None))).scalars()
    )
    result = []
    open_invoices = list(
        session.execute(
            select(Invoice).where(col(Invoice.status).in_([STATUS_IN_APPROVAL, STATUS_HELD, STATUS_APPROVED]))
        ).scalars()
    )
    approvers = _approvers(session, users)
    policy = routing.load_policy(session)
    rows_by_invoice: dict[int, list[InvoiceDecision]] = {}
    ids = [int(i.id or 0) for i in open_invoices if i.status == STATUS_IN_APPROVAL]
    for start in range(0, len(ids), 500):
        for d in session.execute(
            select(InvoiceDecision)
            .where(col(InvoiceDecision.invoice_id).in_(ids[start : start + 500]))
            .order_by(col(InvoiceDecision.seq))
        ).scalars():
            rows_by_invoice.setdefault(d.invoice_id, []).append(d)
    for inv in open_invoices:
        found = _deadline(inv, today)
        if found is None:
            continue
        deadline, kind = found
        days_left = (deadline - today).days
        if days_left > settings.remind_days:
            continue
        if inv.last_reminder_at is not None and local_today(inv.last_reminder_at) >= today:
            continue
        escalation = days_left <= settings.escalate_days
        people = _people_for(
            inv,
            users=users,
            approvers=approvers,
            policy=policy,
            rows=rows_by_invoice.get(int(inv.id or 0), []),
            now=now,
        )
        recipients = sorted({u.email for u in people if u.email})
        if escalation and settings.escalation_email:
            recipients.append(settings.escalation_email)
        if not recipients:
            continue
        what = "Skontofrist" if kind == "skonto" else "Zahlungsfrist"
        when = (
            "überschritten" if days_left < 0 else ("heute" if days_left == 0 else f"in {days_left} Tag(en)")
        )
        subject = (
            f"{'ESKALATION: ' if escalation else ''}Rechnung {inv.invoice_number or inv.id}: {what} {when}"
        )
        body = (
            f"Rechnung {inv.invoice_number} von {inv.seller_name or 'unbekannt'} über {inv.amount_due} {inv.currency}\n"
            f"Status: {inv.status}\n{what}: {deadline.isoformat()} ({when})\n"
            + (f"Möglicher Skontobetrag: {inv.skonto_amount} {inv.currency}\n" if kind == "skonto" else "")
            + f"Aktenwerk-Rechnung Nr. {inv.id}: /invoices/{inv.id}\n"
        )
        result.append(
            Reminder(int(inv.id or 0), tuple(recipients), subject, body, escalation, days_left, kind)
        )
    return result


def smtp_mailer(settings: InvoiceSettings) -> Mailer:
    def send(msg: EmailMessage) -> None:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=30) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            smtp.send_message(msg)

    return send


def send_reminders(
    session: Session, settings: InvoiceSettings, *, mailer: Mailer | None = None, now: datetime | None = None
) -> list[Reminder]:
    """Send due reminders, stamp ``last_reminder_at`` and audit them. The caller commits.

    A reminder whose mail cannot be sent is not stamped (it is tried again on the next run).
    """
    now = now or utcnow()
    send = mailer or smtp_mailer(settings)
    sent: list[Reminder] = []
    for r in due_reminders(session, settings, now=now):
        msg = EmailMessage()
        msg["From"] = settings.mail_from
        msg["To"] = ", ".join(r.recipients)
        msg["Subject"] = r.subject
        msg.set_content(r.body)
        try:
            send(msg)
        except (OSError, smtplib.SMTPException):
            continue
        inv = session.get(Invoice, r.invoice_id)
        if inv is not None:
            inv.last_reminder_at = now
            session.add(inv)
        audit.record(
            session,
            None,
            "invoice.reminder",
            "invoice",
            r.invoice_id,
            {
                "to": list(r.recipients),
                "escalation": r.escalation,
                "days_left": r.days_left,
                "deadline": r.deadline_kind,
            },
        )
        sent.append(r)
    session.flush()
    return sent


def recipients_of(reminders: Iterable[Reminder]) -> set[str]:
    return {addr for r in reminders for addr in r.recipients}
