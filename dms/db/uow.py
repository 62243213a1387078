"""Unit of work: one transaction; queued jobs are sent only after a successful commit."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Protocol

from sqlmodel import Session

from dms.db.engine import Database

log = logging.getLogger(__name__)


class JobDispatcher(Protocol):
    """Sends background jobs (task name + JSON-able args)."""

    def send(self, task: str, args: list[Any]) -> None: ...

    def check(self) -> None:
        """Raise :class:`dms.errors.Unavailable` if jobs cannot be sent now."""
        ...


@dataclass
class RecordingDispatcher:
    """Keeps sent jobs in a list (tests, or when no queue is wanted)."""

    sent: list[tuple[str, list[Any]]] = field(default_factory=list)

    def send(self, task: str, args: list[Any]) -> None:
        self.sent.append((task, list(args)))

    def check(self) -> None:
        return None


class UnitOfWork:
    """``with UnitOfWork(db, dispatcher) as uow: ...; uow.commit()``. Leaving without commit rolls back."""

    def __init__(self, db: Database, dispatcher: JobDispatcher | None = None, *, read_only: bool = False):
        self.db = db
        self.dispatcher = dispatcher
        self.read_only = read_only
        self._jobs: list[tuple[str, list[Any]]] = []
        self._after_commit: list[Callable[[], None]] = []
        self.session: Session

    def __enter__(self) -> UnitOfWork:
        engine = self.db.read if self.read_only else self.db.write
        self.session = Session(engine, expire_on_commit=False, autoflush=True)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        # close() rolls back an uncommitted transaction and detaches the objects with their loaded state
        self._jobs.clear()
        self._after_commit.clear()
        self.session.close()

    def enqueue(self, task: str, *args: Any) -> None:
        """Queue a job; it is sent after commit and dropped on rollback."""
        self._jobs.append((task, list(args)))

    def after_commit(self, fn: Callable[[], None]) -> None:
        self._after_commit.append(fn)

    def commit(self) -> None:
        self.session.commit()
        jobs, self._jobs = self._jobs, []
        hooks, self._after_commit = self._after_commit, []
        for task, args in jobs:
            if self.dispatcher is None:
                continue
            try:
                self.dispatcher.send(task, args)
            except Exception:  # the recovery sweep re-sends what the database says is pending
                log.exception("could not send job %s%r after commit; the recovery sweep will retry", task, args)
        for fn in hooks:
            fn()

    def rollback(self) -> None:
        self._jobs.clear()
        self._after_commit.clear()
        self.session.rollback()
