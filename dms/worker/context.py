"""The per-process container of a worker (built lazily; rebuilt in each forked child)."""
# ruff: noqa: PLC0415  -- lazy imports keep start-up light and avoid import cycles

from __future__ import annotations

from dms.bootstrap import Container, build_container
from dms.db.uow import RecordingDispatcher
from dms.settings import get_settings

_container: Container | None = None


def get_container() -> Container:
    global _container  # noqa: PLW0603 - one container per worker process
    if _container is None:
        from dms.worker.dispatch import CeleryDispatcher

        settings = get_settings()
        _container = build_container(settings, dispatcher=RecordingDispatcher())
        from dms.worker.app import app

        _container.dispatcher = CeleryDispatcher(settings, app=app)  # reuse the worker's own app
    return _container


def reset_container() -> None:
    """Forget the parent's engines after fork (never share pooled connections across processes)."""
    global _container  # noqa: PLW0603 - one container per worker process
    if _container is not None:
        _container.db.write.dispose(close=False)
        if _container.db.read is not _container.db.write:
            _container.db.read.dispose(close=False)
    _container = None
