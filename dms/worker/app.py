"""The Celery application: ``celery -A dms.worker.app worker`` / ``celery -A dms.worker.app beat``.

Configured from :class:`dms.settings.Settings` (environment). JSON only, tasks take ids, late acks,
rejected (re-queued) when a worker process dies, retries with backoff in the tasks.
"""

from __future__ import annotations

from celery import Celery

from dms.bootstrap import CELERY_TASK_MODULES, PERIODIC_TASKS
from dms.settings import Settings, get_settings
from dms.worker import broker as _broker

_broker.register()


def create_celery(settings: Settings) -> Celery:
    app = Celery("aktenwerk", broker=settings.broker, include=list(CELERY_TASK_MODULES))
    transport_options: dict[str, object] = {"polling_interval": settings.broker_polling_interval}
    if settings.broker.startswith(("redis://", "rediss://")):
        # unacked messages of a killed worker come back after this; the recovery sweep is the backstop
        transport_options = {"visibility_timeout": max(settings.stuck_after_seconds * 2, 600)}
    schedule = {
        "recovery-sweep": {"task": "dms.recovery_sweep", "schedule": settings.sweep_interval_seconds},
        "drain-outbox": {"task": "dms.drain_outbox", "schedule": settings.outbox_interval_seconds},
        "orphan-blob-sweep": {"task": "dms.orphan_sweep", "schedule": settings.orphan_sweep_interval_seconds},
    }
    for name, (task, interval) in PERIODIC_TASKS.items():
        schedule[name] = {"task": task, "schedule": interval() if callable(interval) else interval}
    app.conf.update(
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        worker_concurrency=settings.worker_concurrency,
        worker_hijack_root_logger=False,
        broker_transport_options=transport_options,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,
        beat_schedule=schedule,
        beat_schedule_filename=str(settings.data_path / "celerybeat-schedule"),
        timezone="UTC",
        enable_utc=True,
        task_default_queue="aktenwerk",
    )
    return app


app = create_celery(get_settings())
