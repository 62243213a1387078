"""Inline dispatcher: runs jobs synchronously right after commit (tests, `import --sync`)."""
# ruff: noqa: PLC0415  -- lazy imports keep start-up light and avoid import cycles

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dms.bootstrap import Container


class InlineDispatcher:
    def __init__(self, container: Container) -> None:
        self.container = container
        self.sent: list[tuple[str, list[Any]]] = []
        self._depth = 0

    def send(self, task: str, args: list[Any]) -> None:
        from dms.worker.tasks import run_job

        self.sent.append((task, list(args)))
        if self._depth > 3:
            return
        self._depth += 1
        try:
            run_job(self.container, task, args)
        finally:
            self._depth -= 1

    def check(self) -> None:
        return None
