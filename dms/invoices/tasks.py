"""Celery tasks of the invoice workflow (JSON args only; beat runs the reminders)."""
# ruff: noqa: PLC0415  -- lazy imports keep worker start-up light

from __future__ import annotations

from dms.worker.app import app

REMINDER_TASK = "invoices.send_reminders"


@app.task(name=REMINDER_TASK, acks_late=True)
def send_reminders_task() -> int:
    """Send due reminders/escalations; returns how many mails went out."""
    from dms.invoices.reminders import send_reminders
    from dms.invoices.settings import get_invoice_settings
    from dms.worker.context import get_container

    container = get_container()
    with container.uow() as uow:
        sent = send_reminders(uow.session, get_invoice_settings())
        uow.commit()
    return len(sent)
