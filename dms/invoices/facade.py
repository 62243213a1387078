"""Use cases of the invoice workflow over a unit of work: what the API, the UI and the channels call.

Each function runs inside the caller's :class:`~dms.db.uow.UnitOfWork` and commits it (services
below never commit). Archiving happens in the same transaction as the state change it records.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from dms.bootstrap import Container
from dms.db.uow import UnitOfWork
from dms.domain.principal import Principal
from dms.invoices import archive, intake, payments, workflow
from dms.invoices.errors import DecisionConflict, DecisionRefused
from dms.invoices.settings import InvoiceSettings, get_invoice_settings
from dms.invoices.tables import Invoice, PaymentRun

FILE_TRAIL_TASK = "invoices.file_trail"
log = logging.getLogger(__name__)


def invoice_settings(container: Container) -> InvoiceSettings:
    """The container's invoice settings (tests/benches attach their own), else from the environment."""
    return getattr(container, "invoice_settings", None) or get_invoice_settings()


_settings = invoice_settings


def submit(
    container: Container,
    uow: UnitOfWork,
    principal: Principal,
    data: bytes,
    filename: str | None,
    *,
    idempotency_key: str | None = None,
    channel: str = "api",
) -> intake.IntakeResult:
    """Receive, validate, record and archive one invoice; commits. Rejected invoices are committed too."""
    result = intake.submit_invoice(
        uow.session, principal, data, filename, channel=channel, idempotency_key=idempotency_key
    )
    if result.created:
        inv = result.invoice
        xml = result.xml if inv.valid else None
        inv.archive = archive.file_invoice(
            uow.session,
            container.store,
            _settings(container),
            container.settings.aktenzeichen_pattern,
            inv,
            original=data,
            xml=xml,
            report=result.report,
            enqueue=uow.enqueue,
        )
        uow.session.add(inv)
        uow.session.flush()
    uow.commit()
    return result


def decide(
    container: Container,
    uow: UnitOfWork,
    principal: Principal,
    invoice_id: int,
    *,
    step: str,
    decision: str,
    comment: str = "",
    reject_to: str = "previous",
) -> dict[str, Any]:
    """Record a decision and commit; the archived approval trail is versioned by a job after commit
    (``invoices.file_trail``), so the decision itself stays fast. Returns the invoice view."""
    try:
        workflow.decide(
            uow.session,
            principal,
            invoice_id,
            step=step,
            decision=decision,
            comment=comment,
            reject_to=reject_to,
        )
    except DecisionRefused:
        uow.commit()  # keep the audit row of the refused attempt
        raise
    except DecisionConflict:
        uow.rollback()
        raise
    inv = workflow.get_invoice(uow.session, principal, invoice_id)
    view = workflow.invoice_view(uow.session, inv)
    if container.settings.eager_tasks:  # inline mode (tests, sync import): file right after commit
        uow.after_commit(lambda: _file_trail_quietly(container, invoice_id))
    else:
        uow.enqueue(FILE_TRAIL_TASK, invoice_id)
    uow.commit()
    return view


def _file_trail_quietly(container: Container, invoice_id: int) -> None:
    try:
        file_trail(container, invoice_id)
    except Exception:  # the decision is committed; a later decision or job files the trail again
        log.exception("could not file the approval trail of invoice %s", invoice_id)


def file_trail(container: Container, invoice_id: int) -> bool:
    """Job: add the current approval trail as a new version of the archived trail document (idempotent)."""
    with container.uow() as uow:
        inv = uow.session.get(Invoice, invoice_id)
        if inv is None:
            return False
        changed = archive.update_trail(
            uow.session,
            container.store,
            inv,
            workflow.decisions_of(uow.session, invoice_id),
            enqueue=uow.enqueue,
        )
        uow.commit()
    return changed


def confirm_iban(
    container: Container, uow: UnitOfWork, principal: Principal, invoice_id: int
) -> dict[str, Any]:
    inv = workflow.confirm_iban(uow.session, principal, invoice_id)
    view = workflow.invoice_view(uow.session, inv)
    uow.commit()
    return view


def create_payment_run(
    container: Container, uow: UnitOfWork, principal: Principal, *, execution_date: date | None = None
) -> PaymentRun:
    run = payments.create_payment_run(
        uow.session, principal, _settings(container), execution_date=execution_date
    )
    uow.commit()
    return run
