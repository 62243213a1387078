"""Dispatchers: send jobs through Celery (the broker from settings)."""
# ruff: noqa: PLC0415  -- lazy imports keep start-up light and avoid import cycles

from __future__ import annotations

import threading
import time
from typing import Any

from dms.errors import Unavailable
from dms.settings import Settings

_COALESCE = {"dms.drain_outbox": 0.5}  # seconds: don't flood the queue with identical no-arg jobs


class CeleryDispatcher:
    def __init__(self, settings: Settings, app: Any = None) -> None:
        self.settings = settings
        self._ok_until = 0.0
        self._last_sent: dict[str, float] = {}
        self._lock = threading.Lock()
        self._app: Any = app

    @property
    def app(self) -> Any:
        """A Celery app for *these* settings (the module-level one is built from the environment)."""
        if self._app is None:
            from dms.worker.app import create_celery

            self._app = create_celery(self.settings)
        return self._app

    def send(self, task: str, args: list[Any]) -> None:
        window = _COALESCE.get(task)
        if window is not None and not args:
            now = time.monotonic()
            with self._lock:
                if now - self._last_sent.get(task, 0.0) < window:
                    return
                self._last_sent[task] = now
        self.app.send_task(task, args=args)

    def check(self) -> None:
        now = time.monotonic()
        if now < self._ok_until:
            return
        try:
            with self.app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, interval_start=0, timeout=2)
        except Exception as exc:
            raise Unavailable(f"the job queue is unavailable: {type(exc).__name__}") from exc
        self._ok_until = now + 2.0
