"""Celery tasks of the invoice workflow (JSON args only; beat runs the reminders)."""
# ruff: noqa: PLC0415  -- lazy imports keep worker start-up light

from __future__ import annotations

from dms.worker.app import app

REMINDER_TASK = "invoices.send_reminders"
FILE_TRAIL_TASK = "invoices.file_trail"


@app.task(name=FILE_TRAIL_TASK, acks_late=True, autoretry_for=(OSError,), retry_backoff=2, max_retries=8)
def file_trail_task(invoice_id: int) -> bool:
    """Version the archived approval trail of one invoice after a decision (idempotent)."""
    from dms.invoices.facade import file_trail
    from dms.worker.context import get_container

    return file_trail(get_container(), int(invoice_id))


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
