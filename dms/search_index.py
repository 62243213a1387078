"""dms ↔ search: builds ``SearchDoc`` DTOs from dms data, plugs the configured engine in as the outbox
indexer, rebuilds the index without downtime and reports drift.

* :class:`SearchIndexAdapter` implements dms' ``SearchIndexer`` port (``upsert``/``delete``/``health``)
  on a :class:`search.ports.SearchBackend`; ``dms.pipeline.indexing.drain_outbox`` feeds it batches of
  ``SearchDoc`` built by ``dms.pipeline.indexing.load_search_docs`` (one Core statement per batch).
  Each call writes and commits, so an outbox row is only marked done once its change is durable.
* :func:`reindex` fills a fresh index generation from the database while the live one keeps serving,
  switches atomically, then re-queues the outbox rows written during the rebuild (idempotent upserts),
  so nothing changed meanwhile is lost.
* :func:`check` compares DB and index by fingerprint: missing, stale and orphaned documents.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select, update
from sqlmodel import col

from dms.db.tables import Document, SearchOutbox
from dms.domain.principal import Principal
from dms.pipeline.indexing import (
    count_live_documents,
    drain_lock,
    gc_paused,
    iter_search_docs,
    lock_drain,
    refresh_content_analyses,
    store_content_analyses,
)
from search.analysis import GermanAnalyzer
from search.backends import create_backend
from search.model import SearchDoc, SearchRequest, SearchResult, Sort
from search.ports import SearchBackend

if TYPE_CHECKING:
    from sqlmodel import Session

    from dms.bootstrap import Container
    from dms.settings import Settings

log = logging.getLogger(__name__)
INDEX_DIRNAME = "search-index"
REINDEX_BATCH = 5_000  # measured with bench/search_outbox.py: 500 → 4,900 docs/s, 2,000–5,000 → ~6,200


# --------------------------------------------------------------------------------------- engine
def build_backend(settings: Settings) -> SearchBackend:
    """The engine named by ``settings.search_backend`` (tantivy index under ``<data>/search-index``)."""
    kind = settings.search_backend
    if kind == "tantivy":
        return create_backend("tantivy", path=settings.data_path / INDEX_DIRNAME)
    if kind == "elasticsearch":
        return create_backend("elasticsearch", url=settings.es_url)
    return create_backend("memory")


class SearchIndexAdapter:
    """dms' ``SearchIndexer`` port on a search engine. Opening the engine is lazy (no I/O at build)."""

    def __init__(self, settings: Settings | None = None, backend: SearchBackend | None = None) -> None:
        if settings is None and backend is None:
            raise ValueError("SearchIndexAdapter needs settings or a backend")
        self._settings = settings
        self._backend = backend
        self._lock = threading.Lock()

    @property
    def backend(self) -> SearchBackend:
        if self._backend is None:
            with self._lock:
                if self._backend is None:
                    assert self._settings is not None
                    self._backend = build_backend(self._settings)
        return self._backend

    def upsert(self, docs: Sequence[SearchDoc]) -> None:
        backend = self.backend
        backend.index(docs)
        backend.commit()

    def delete(self, ids: Sequence[int]) -> None:
        backend = self.backend
        backend.delete([str(i) for i in ids])
        backend.commit()

    def health(self) -> str:
        try:
            backend = self.backend
            return f"{backend.name}: {backend.count()} documents indexed"
        except Exception as exc:  # health must report, never raise
            return f"unavailable: {exc}"

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()


def close_backend(container: Container) -> None:
    """Release the engine's writer (one writer per index): CLI commands call this before exiting."""
    indexer = container.indexer
    if isinstance(indexer, SearchIndexAdapter):
        indexer.close()
    cached = getattr(container, "_search_backend", None)
    if cached is not None:
        cached.close()


def build_search_indexer(settings: Settings) -> SearchIndexAdapter:
    """Registered in ``dms.bootstrap.build_indexer``."""
    return SearchIndexAdapter(settings)


def backend_of(container: Container) -> SearchBackend:
    """The engine behind a container (its indexer's, or a read handle built from the settings)."""
    indexer = container.indexer
    if isinstance(indexer, SearchIndexAdapter):
        return indexer.backend
    cached = getattr(container, "_search_backend", None)
    if cached is None:
        cached = build_backend(container.settings)
        container._search_backend = cached  # type: ignore[attr-defined]
    return cached


# --------------------------------------------------------------------------------------- search
def search_as(
    container: Container,
    principal: Principal,
    query: str,
    *,
    page: int = 1,
    page_size: int = 20,
    sort: str | None = None,
    facets: Sequence[str] | None = None,
) -> SearchResult:
    """Search with the principal's access tokens; hits whose document changed visibility or was
    deleted since it was indexed are dropped (defence in depth against a lagging index)."""
    kwargs: dict[str, Any] = {}
    if facets is not None:
        kwargs["facets"] = tuple(facets)
    request = SearchRequest(
        query=query,
        principal_tokens=principal.tokens,
        page=page,
        page_size=page_size,
        sort=Sort.parse(sort),
        **kwargs,
    )
    backend = backend_of(container)  # readers pick up commits and generation switches by themselves
    result = backend.search(request)
    if result.hits and "*" not in principal.tokens:
        ids = [int(h.id) for h in result.hits if h.id.isdigit()]
        with container.uow(read_only=True) as uow:
            rows = uow.session.execute(
                select(col(Document.id), col(Document.acl_tokens), col(Document.deleted)).where(
                    col(Document.id).in_(ids)
                )
            ).all()
        visible = {
            str(r.id)
            for r in rows
            if not r.deleted and principal.can_read_acl(t for t in r.acl_tokens.split(" ") if t)
        }
        result.hits = [h for h in result.hits if h.id in visible]
    return result


# --------------------------------------------------------------------------------------- reindex
@dataclass
class ReindexReport:
    documents: int = 0
    analysed: int = 0  # texts whose stored search analysis was missing or outdated (now stored)
    requeued: int = 0
    generation: str | None = None
    seconds: float = 0.0


@contextmanager
def _read_session(container: Container) -> Iterator[Session]:
    """A read-only session: one short read transaction per batch."""
    with container.uow(read_only=True) as uow:
        yield uow.session


def _live_batches(container: Container, batch: int) -> Iterator[list[SearchDoc]]:
    """Every live document as ``SearchDoc``, ``batch`` at a time, id order (keyset pagination)."""
    return iter_search_docs(lambda: _read_session(container), batch)


def count_documents(container: Container) -> int:
    with container.uow(read_only=True) as uow:
        return count_live_documents(uow.session)


def reindex(
    container: Container,
    *,
    batch: int = REINDEX_BATCH,
    progress: Callable[[int], None] | None = None,
    backend: SearchBackend | None = None,
) -> ReindexReport:
    """Rebuild the whole index from the database with no downtime (see module docstring)."""
    import time  # noqa: PLC0415 - only needed here

    started = time.perf_counter()
    backend = backend or backend_of(container)
    report = ReindexReport()
    with container.uow(read_only=True) as uow:
        mark = int(uow.session.execute(select(func.coalesce(func.max(col(SearchOutbox.id)), 0))).scalar_one())
    analyzer = getattr(backend, "analyzer", None)
    analyzer = analyzer if isinstance(analyzer, GermanAnalyzer) else None
    with backend.rebuild() as target:
        batches = _live_batches(container, batch)
        while True:
            with gc_paused():  # per batch: see dms.pipeline.indexing.gc_paused
                docs = next(batches, None)
                if docs is None:
                    break
                new_rows = refresh_content_analyses(analyzer, docs) if analyzer is not None else []
                if new_rows:  # the engine would analyse these anyway: keep the result
                    with container.uow() as uow:
                        store_content_analyses(uow.session, new_rows)
                        uow.commit()
                    report.analysed += len(new_rows)
                report.documents += target.index(docs)
                n = len(docs)
                del docs
            if progress:
                progress(n)
        target.commit()
    backend.refresh()
    report.generation = getattr(backend, "generation", lambda: None)()
    # Changes that arrived while we were building went to the old generation: apply them again.
    # A drain batch in flight finishes (and marks its rows) first: SQLite's drain lock file, then
    # PostgreSQL's advisory lock inside the transaction.
    with drain_lock(container), container.uow() as uow:
        lock_drain(uow.session)
        result = uow.session.execute(
            update(SearchOutbox).where(col(SearchOutbox.id) > mark).values(processed_at=None)
        )
        report.requeued = int(result.rowcount or 0)  # type: ignore[attr-defined]
        if report.requeued:
            uow.enqueue("dms.drain_outbox")
        uow.commit()
    report.seconds = time.perf_counter() - started
    return report


# --------------------------------------------------------------------------------------- drift
@dataclass
class DriftReport:
    database: int = 0
    indexed: int = 0
    missing: list[str] = field(default_factory=list)  # in the DB, not in the index
    stale: list[str] = field(default_factory=list)  # indexed content differs from the DB
    orphaned: list[str] = field(default_factory=list)  # in the index, deleted/unknown in the DB
    pending: int = 0  # outbox rows not yet processed (changes in flight)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.orphaned)

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "database": self.database,
            "indexed": self.indexed,
            "missing": self.missing,
            "stale": self.stale,
            "orphaned": self.orphaned,
            "pending_outbox": self.pending,
        }


def check(container: Container, *, batch: int = REINDEX_BATCH) -> DriftReport:
    """Compare every live document's fingerprint with the index. In-flight documents (pending outbox
    rows) are not counted as drift."""
    backend = backend_of(container)
    backend.refresh()
    indexed = backend.fingerprints()
    with container.uow(read_only=True) as uow:
        pending_ids = {
            str(i)
            for i in uow.session.execute(
                select(col(SearchOutbox.document_id)).where(col(SearchOutbox.processed_at).is_(None))
            ).scalars()
        }
    report = DriftReport(indexed=len(indexed), pending=len(pending_ids))
    seen: set[str] = set()
    for docs in _live_batches(container, batch):
        report.database += len(docs)
        for doc in docs:
            seen.add(doc.id)
            if doc.id in pending_ids:
                continue
            fp = indexed.get(doc.id)
            if fp is None:
                report.missing.append(doc.id)
            elif fp != doc.fingerprint():
                report.stale.append(doc.id)
    report.orphaned = sorted((set(indexed) - seen) - pending_ids, key=_id_key)
    report.missing.sort(key=_id_key)
    report.stale.sort(key=_id_key)
    return report


def repair(container: Container, report: DriftReport) -> int:
    """Queue outbox rows that fix the drift (upserts for missing/stale, deletes for orphans)."""
    rows = [
        SearchOutbox(document_id=int(i), op="upsert") for i in (*report.missing, *report.stale) if i.isdigit()
    ]
    rows += [SearchOutbox(document_id=int(i), op="delete") for i in report.orphaned if i.isdigit()]
    if not rows:
        return 0
    with container.uow() as uow:
        uow.session.add_all(rows)
        uow.enqueue("dms.drain_outbox")
        uow.commit()
    return len(rows)


def _id_key(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (1 << 62, value)
