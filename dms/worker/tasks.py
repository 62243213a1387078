"""Celery tasks (JSON args, ids only). ``run_job`` is the same dispatch used inline in tests."""
# ruff: noqa: PLC0415  -- lazy imports keep start-up light and avoid import cycles

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from celery import signals
from sqlalchemy.exc import OperationalError

from dms.errors import Unavailable
from dms.worker.app import app
from dms.worker.context import get_container, reset_container

if TYPE_CHECKING:
    from dms.bootstrap import Container

log = logging.getLogger(__name__)
RETRYABLE = (Unavailable, OperationalError, ConnectionError, TimeoutError)


def run_job(container: Container, task: str, args: list[Any]) -> Any:
    """Run a job in-process (used by the inline dispatcher and by the Celery tasks below)."""
    from dms.pipeline.indexing import drain_outbox
    from dms.pipeline.runner import process_document
    from dms.worker.sweep import recovery_sweep

    if task == "dms.ingest":
        return process_document(container, int(args[0]))
    if task == "dms.drain_outbox":
        return drain_outbox(container)
    if task == "dms.recovery_sweep":
        return recovery_sweep(container)
    if task == "dms.orphan_sweep":
        from dms.ops.blobs import sweep_orphans

        return sweep_orphans(container)
    registered = app.tasks.get(task)
    if registered is None:
        raise LookupError(f"unknown task {task}")
    return registered.run(*args)


@app.task(
    name="dms.ingest", bind=True, acks_late=True, reject_on_worker_lost=True,
    autoretry_for=RETRYABLE, retry_backoff=2, retry_backoff_max=120, retry_jitter=True, max_retries=8,
)
def ingest(self: Any, document_id: int) -> str:
    from dms.pipeline.runner import process_document

    return process_document(get_container(), int(document_id))


@app.task(name="dms.drain_outbox", acks_late=True, autoretry_for=RETRYABLE, retry_backoff=2, max_retries=5)
def drain_outbox_task() -> int:
    from dms.pipeline.indexing import drain_outbox

    return drain_outbox(get_container())


@app.task(name="dms.recovery_sweep", acks_late=True)
def recovery_sweep_task() -> int:
    from dms.worker.broker import purge_delivered
    from dms.worker.sweep import recovery_sweep

    container = get_container()
    purge_delivered(container.settings.broker)
    return len(recovery_sweep(container))


@app.task(name="dms.orphan_sweep", acks_late=True)
def orphan_sweep_task() -> int:
    """Quarantine blobs no row refers to (older than ``AKTENWERK_ORPHAN_GRACE_SECONDS``); beat runs it hourly."""
    from dms.ops.blobs import sweep_orphans

    return len(sweep_orphans(get_container()).orphaned)


@signals.worker_process_init.connect
def _child_init(**_: Any) -> None:
    reset_container()


@signals.worker_ready.connect
def _on_worker_ready(**_: Any) -> None:
    """At worker start, re-enqueue what a previous (killed) worker left in processing."""
    try:
        from dms.worker.sweep import recovery_sweep, release_orphaned_claims

        container = get_container()
        if container.settings.embedded_broker:
            # one embedded worker only: claimed documents belong to a dead worker, their message is gone
            release_orphaned_claims(container)
        else:
            recovery_sweep(container)
        from dms.ops.blobs import sweep_orphans

        sweep_orphans(container)  # blobs of uploads killed before their commit (older than the grace period)
        reset_container()  # the pool children build their own
    except Exception:
        log.exception("startup recovery sweep failed")

