"""A container for one CLI command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from dms.bootstrap import Container, build_container
from dms.db.uow import RecordingDispatcher
from dms.settings import Settings


@contextmanager
def cli_container(settings: Settings, *, queue: bool = False) -> Iterator[Container]:
    """Without ``queue`` no jobs are sent (user/admin commands); with it jobs go to Celery or run inline."""
    c = build_container(settings, pool=False) if queue else build_container(
        settings, dispatcher=RecordingDispatcher(), pool=False)
    try:
        yield c
    finally:
        c.close()
