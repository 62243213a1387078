"""Composition root: builds the object graph (database, store, queue, indexer, pipeline) from settings.

Other contexts plug in here with ONE line each in the marked registration blocks below.
"""
# ruff: noqa: PLC0415  -- lazy imports keep start-up light and avoid import cycles

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dms.db.engine import Database, make_database
from dms.db.uow import JobDispatcher, RecordingDispatcher, UnitOfWork
from dms.pipeline.base import IngestStep
from dms.pipeline.indexing import NullIndexer, SearchIndexer
from dms.settings import Settings
from dms.storage.local import LocalBlobStore
from dms.storage.ports import BlobStore

# ---------------------------------------------------------------------------------------------
# Table modules (one SQLModel metadata). Alembic's env.py and the test fixtures import them all.
TABLE_MODULES: list[str] = [
    "dms.db.tables",
    # >>> registration: table modules of other contexts, one line each >>>
    "dms.invoices.tables",
    "dms.retention_tables",
    "dms.ocr.tables",  # scan station: archive copies, inbox files (issue 7)
    "dms.paperless.tables",  # Paperless bridge: label ids, notes, tasks, import map (issue 9)
    "dms.web.ui.tables",  # web UI: saved searches (issue 8)
    "dms.services.departments",  # departments as records; registers first uses of a code (issue 8)
    # <<< registration <<<
]

# Celery task modules the worker imports.
CELERY_TASK_MODULES: list[str] = [
    "dms.worker.tasks",
    # >>> registration: task modules of other contexts, one line each >>>
    "dms.invoices.tasks",
    "dms.retention_tasks",
    "dms.ocr.tasks",  # scan station: inbox polling (issue 7)
    # <<< registration <<<
]

def _scan_inbox_interval() -> float:
    from dms.ocr.config import OcrSettings  # lazy: read when beat builds its schedule

    return OcrSettings().inbox_interval_seconds


# Periodic jobs: name -> (task name, interval in seconds, or a function returning it from a setting);
# beat runs them.
PERIODIC_TASKS: dict[str, tuple[str, float | Callable[[], float]]] = {
    # >>> registration: periodic tasks of other contexts, one line each >>>
    "invoice-reminders": ("invoices.send_reminders", 3600.0),
    "retention-fixity": ("retention.fixity_check", 86400.0),
    "retention-resume-disposals": ("retention.resume_disposals", 900.0),
    "retention-refresh-plan": ("retention.refresh_plan", 900.0),  # stored plan behind /records/due
    "scan-inbox": ("ocr.scan_inbox", _scan_inbox_interval),  # scan station (issue 7)
    # <<< registration <<<
}

# Extra ingest steps: "module:factory" called with the Container, inserted after the named step.
EXTRA_INGEST_STEPS: list[tuple[str, str]] = [
    # >>> registration: (after_step_name, "module:factory"), one line each >>>
    # <<< registration <<<
]


def build_indexer(settings: Settings) -> SearchIndexer:
    """The search backend behind the outbox drain (``search_backend`` setting)."""
    # >>> registration: the search context returns its backend adapter here >>>
    from dms.search_index import build_search_indexer  # search/ engines behind the outbox (issue 4)
    return build_search_indexer(settings)
    # <<< registration <<<
    return NullIndexer()


def build_ocr_step(settings: Settings, container: Container) -> IngestStep:
    """The step in the OCR slot of the pipeline."""
    # >>> registration: the OCR context returns its step here >>>
    from dms.ocr.step import build_ocr_step as _ocr_step  # scan station: OCR to PDF/A (issue 7)
    return _ocr_step(container)
    # <<< registration <<<
    from dms.pipeline.steps import OcrSlot

    return OcrSlot()


# ---------------------------------------------------------------------------------------------
def import_table_modules() -> None:
    for mod in TABLE_MODULES:
        importlib.import_module(mod)


def _load(ref: str) -> Any:
    mod, _, attr = ref.partition(":")
    return getattr(importlib.import_module(mod), attr)


@dataclass
class Container:
    settings: Settings
    db: Database
    store: BlobStore
    dispatcher: JobDispatcher
    indexer: SearchIndexer
    steps: list[IngestStep] = field(default_factory=list)

    def uow(self, *, read_only: bool = False) -> UnitOfWork:
        return UnitOfWork(self.db, self.dispatcher, read_only=read_only)

    def close(self) -> None:
        self.db.dispose()


def build_pipeline(container: Container) -> list[IngestStep]:
    """THE ordered list of ingest steps."""
    from dms.pipeline.detect import DetectType
    from dms.pipeline.extract import ExtractText
    from dms.pipeline.steps import Done, SearchHandover, Thumbnail

    steps: list[IngestStep] = [
        DetectType(),
        build_ocr_step(container.settings, container),
        ExtractText(container.store),
        Thumbnail(),
        SearchHandover(),
        Done(),
    ]
    for after, ref in EXTRA_INGEST_STEPS:
        idx = next((i for i, s in enumerate(steps) if s.name == after), len(steps) - 2)
        steps.insert(idx + 1, _load(ref)(container))
    return steps


def build_container(
    settings: Settings,
    *,
    dispatcher: JobDispatcher | None = None,
    store: BlobStore | None = None,
    indexer: SearchIndexer | None = None,
    pool: bool = True,
) -> Container:
    """Wire everything. ``dispatcher``: default Celery (or inline when ``settings.eager_tasks``)."""
    import_table_modules()
    db = make_database(settings.db_url, pool=pool)
    container = Container(
        settings=settings,
        db=db,
        store=store or LocalBlobStore(settings.store_path),
        dispatcher=dispatcher or RecordingDispatcher(),
        indexer=indexer or build_indexer(settings),
    )
    container.steps = build_pipeline(container)
    if dispatcher is None:
        if settings.eager_tasks:
            from dms.worker.inline import InlineDispatcher

            container.dispatcher = InlineDispatcher(container)
        else:
            from dms.worker.dispatch import CeleryDispatcher

            container.dispatcher = CeleryDispatcher(settings)
    return container
