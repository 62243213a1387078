"""The invoice workflow's Celery wiring: task names and the beat schedule."""

from __future__ import annotations

from typing import Any

from dms.bootstrap import CELERY_TASK_MODULES, PERIODIC_TASKS


def test_tasks_and_beat_schedule_are_registered(settings: Any) -> None:
    import importlib

    from dms.worker.app import app, create_celery

    for mod in CELERY_TASK_MODULES:
        importlib.import_module(mod)
    assert "invoices.file_trail" in app.tasks
    assert "invoices.send_reminders" in app.tasks
    assert PERIODIC_TASKS["invoice-reminders"] == ("invoices.send_reminders", 3600.0)
    schedule = create_celery(settings).conf.beat_schedule
    assert schedule["invoice-reminders"]["task"] == "invoices.send_reminders"
