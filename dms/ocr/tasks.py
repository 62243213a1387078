"""Celery task: poll the scan inbox folders (registered in ``dms.bootstrap`` with a periodic entry)."""
# ruff: noqa: PLC0415  -- lazy imports keep worker start-up light

from __future__ import annotations

from dms.worker.app import app


@app.task(name="ocr.scan_inbox", acks_late=True)
def scan_inbox() -> dict[str, int]:
    from dms.ocr.inbox import run_inbox
    from dms.worker.context import get_container

    report = run_inbox(get_container())
    return {"stored": len(report.stored), "failed": len(report.failed), "waiting": len(report.waiting)}
