"""Search hand-over: the indexer port, the batched loader from the database and the outbox drain.

:func:`load_search_docs` / :func:`iter_search_docs` build :class:`search.model.SearchDoc` for many
documents in ONE Core statement (documents ⟕ document_texts ⟕ akten, plain row tuples): what the outbox
drain, ``reindex`` and ``search check`` use, so the database side stays far below the engine's cost per
document. ``tests/unit/dms/test_outbox_batch.py`` proves it equal to reading each document through the ORM.
"""

from __future__ import annotations

import fcntl
import gc
import logging
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import ColumnElement, Integer, Select, bindparam, func, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session as OrmSession

from dms.db.tables import Akte, Document, DocumentText, SearchOutbox, core_table
from dms.db.types import utcnow
from search.analysis import GermanAnalyzer
from search.errors import IndexLocked
from search.model import SearchDoc

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from dms.bootstrap import Container

log = logging.getLogger(__name__)

#: Outbox rows per drain transaction (measured with bench/search_outbox.py; the engine is most
#: efficient with a few thousand documents per commit).
DRAIN_BATCH = 5_000
#: PostgreSQL advisory lock serialising outbox drains (and the re-queue at the end of a reindex):
#: a batch is read, indexed and marked under it, so two Celery workers never index one document's
#: changes out of order. SQLite uses :data:`DRAIN_LOCK_FILE` instead (see :func:`drain_lock`).
DRAIN_LOCK_KEY = 0x616B772D64726E  # "akw-drn"
#: SQLite: the lock file (in the data dir, next to the search index) serialising outbox drain batches
#: and reindex's re-queue between threads and processes (``flock``; released by the OS if a holder dies).
DRAIN_LOCK_FILE = "search-outbox.lock"


class SearchIndexer(Protocol):
    def upsert(self, docs: Sequence[SearchDoc]) -> None: ...

    def delete(self, ids: Sequence[int]) -> None: ...

    def health(self) -> str: ...


class NullIndexer:
    """A real no-op indexer: the default until a search backend is plugged in by ``dms.bootstrap``."""

    def __init__(self) -> None:
        self.upserted = 0
        self.deleted = 0

    def upsert(self, docs: Sequence[SearchDoc]) -> None:
        self.upserted += len(docs)

    def delete(self, ids: Sequence[int]) -> None:
        self.deleted += len(ids)

    def health(self) -> str:
        return "disabled (no search backend configured)"


# --------------------------------------------------------------------------------------- many documents
_DOC = core_table(Document)
_TEXT = core_table(DocumentText)
_AKTE = core_table(Akte)
_OUTBOX = core_table(SearchOutbox)


def _search_doc_select() -> Select[Any]:
    """documents ⟕ document_texts ⟕ akten, live documents only, in the column order of :func:`_to_doc`."""
    d = _DOC.c
    return (
        select(
            d.id,
            d.title,
            _TEXT.c.content,
            d.received_at,
            d.document_type,
            d.department,
            d.correspondent,
            d.tags,
            d.document_date,
            _AKTE.c.aktenzeichen,
            d.asn,
            d.acl_tokens,
            d.custom_fields,
            d.retention_class,
            d.mime_type,
            d.status,
            _TEXT.c.analysis,
        )
        .select_from(
            _DOC.outerjoin(_TEXT, _TEXT.c.document_id == d.id).outerjoin(_AKTE, _AKTE.c.id == d.akte_id)
        )
        .where(d.deleted.is_(False))
    )


def _to_doc(row: Sequence[Any]) -> SearchDoc:
    """One joined row → ``SearchDoc`` (extra: custom fields, retention class, mime type, status)."""
    (doc_id, title, content, created, document_type, department, correspondent, tags, document_date, akte,
     asn, acl_tokens, custom_fields, retention_class, mime_type, status, content_analysis) = row  # fmt: skip
    extra = {str(k): str(v) for k, v in custom_fields.items()} if custom_fields else {}
    if retention_class:
        extra["retention_class"] = retention_class
    if mime_type:
        extra["mime_type"] = mime_type
    extra["status"] = status
    return SearchDoc(
        id=str(doc_id),
        title=title or "",
        content=content or "",
        created=created,
        document_type=document_type or "",
        department=department or "",
        correspondent=correspondent or "",
        tags=[t for t in tags if t] if tags else [],
        document_date=document_date,
        akte=akte,
        asn=asn,
        acl=[t for t in acl_tokens.split(" ") if t],
        extra=extra,
        content_analysis=content_analysis,
    )


def _dialect(db: Session | Connection) -> str:
    return db.get_bind().dialect.name if isinstance(db, OrmSession) else db.dialect.name


def _id_in(column: ColumnElement[int], ids: list[int], dialect: str) -> ColumnElement[bool]:
    """``column IN ids``; on PostgreSQL as ``= ANY(:array)``, one parameter instead of thousands
    (measured: a quarter less time for 5,000 ids; SQLite shows no difference)."""
    if dialect == "postgresql":
        return column == func.any(bindparam("ids", ids, type_=ARRAY(Integer)))
    return column.in_(ids)


def load_search_docs(db: Session | Connection, ids: Iterable[int]) -> list[SearchDoc]:
    """The live documents among ``ids`` as ``SearchDoc`` (deleted and unknown ids are left out), in one
    statement; any order."""
    wanted = list(ids)
    if not wanted:
        return []
    rows = db.execute(_search_doc_select().where(_id_in(_DOC.c.id, wanted, _dialect(db))))
    return [_to_doc(r) for r in rows]


def iter_search_docs(
    db_of: Callable[[], AbstractContextManager[Session | Connection]], batch: int
) -> Iterator[list[SearchDoc]]:
    """Every live document in id order, ``batch`` at a time (keyset pagination, one statement per batch
    in its own short read transaction: no id list in memory, no long-lived snapshot).
    ``db_of()`` returns a context manager yielding a ``Session`` or ``Connection``."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    stmt = _search_doc_select().order_by(_DOC.c.id).limit(batch)
    last = 0
    while True:
        with db_of() as db:
            docs = [_to_doc(r) for r in db.execute(stmt.where(_DOC.c.id > last))]
        if not docs:
            return
        yield docs
        if len(docs) < batch:
            return
        last = int(docs[-1].id)


def refresh_content_analyses(analyzer: GermanAnalyzer, docs: Sequence[SearchDoc]) -> list[dict[str, Any]]:
    """Give every document of ``docs`` a content analysis valid for ``analyzer``, computing it where the
    stored one is missing (texts extracted before analyses were stored) or was made by another analyzer
    version. Returns the new ones for :func:`store_content_analyses` (empty: nothing to write)."""
    new_rows: list[dict[str, Any]] = []
    for doc in docs:
        if not doc.content or analyzer.decode_content(doc.content, doc.content_analysis) is not None:
            continue
        new = analyzer.encode_content(doc.content)
        new_rows.append({"b_id": int(doc.id), "b_new": new, "b_old": doc.content_analysis})
        doc.content_analysis = new
    return new_rows


def store_content_analyses(session: Session, new_rows: Sequence[dict[str, Any]]) -> None:
    """Store what :func:`refresh_content_analyses` computed in ``document_texts.analysis``. A row is only
    overwritten if it still holds the analysis read with the documents: a text re-extracted meanwhile keeps
    the analysis its ingest stored."""
    t = _TEXT.c
    fresh = [{"b_id": r["b_id"], "b_new": r["b_new"]} for r in new_rows if r["b_old"] is None]
    replaced = [r for r in new_rows if r["b_old"] is not None]
    if fresh:
        session.execute(
            update(_TEXT).where(t.document_id == bindparam("b_id"), t.analysis.is_(None)).values(
                analysis=bindparam("b_new")
            ),
            fresh,
        )
    if replaced:
        session.execute(
            update(_TEXT).where(t.document_id == bindparam("b_id"), t.analysis == bindparam("b_old")).values(
                analysis=bindparam("b_new")
            ),
            replaced,
        )


def count_live_documents(db: Session | Connection) -> int:
    return int(
        db.execute(select(func.count()).select_from(_DOC).where(_DOC.c.deleted.is_(False))).scalar_one()
    )


# --------------------------------------------------------------------------------------- outbox drain
def lock_drain(session: Session) -> None:
    """Serialise drains on PostgreSQL until the transaction ends (see :data:`DRAIN_LOCK_KEY`)."""
    if _dialect(session) == "postgresql":
        session.execute(select(func.pg_advisory_xact_lock(DRAIN_LOCK_KEY)))


@contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """An exclusive ``flock`` on ``path`` (created if missing) until the block ends; waits for the holder.

    The file is opened per acquisition: ``flock`` locks belong to an open file description, so two
    threads of one process exclude each other exactly like two processes do. The OS releases the lock
    when its holder dies, so a crashed drainer never leaves it held."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # blocks (without the GIL) until the holder releases
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def drain_lock_path(container: Container) -> Path:
    return container.settings.data_path / DRAIN_LOCK_FILE


@contextmanager
def drain_lock(container: Container) -> Iterator[None]:
    """One drain batch (or reindex's re-queue) at a time on SQLite: :func:`file_lock` on
    :func:`drain_lock_path`. A no-op on PostgreSQL, where :func:`lock_drain` takes the advisory lock
    inside the batch's transaction."""
    if container.db.dialect == "postgresql":
        yield
        return
    with file_lock(drain_lock_path(container)):
        yield


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while a batch is built and indexed.

    A batch allocates tens of thousands of acyclic containers (rows, ``SearchDoc`` with their lists and
    dicts, analysis output) that live until the batch ends and are then freed by reference counting;
    meanwhile they trigger full (generation 2) collections over the whole heap of a worker process:
    measured ~40 % of the database side of a drain (bench/search_outbox.py). The previous state is
    restored afterwards (other threads may allocate meanwhile; their cycles are collected later)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def drain_outbox(container: Container, batch: int = DRAIN_BATCH) -> int:
    """Send pending outbox rows to the indexer; returns how many rows were processed.

    Per batch: read the oldest pending rows, keep the latest op per document, load the live ones in one
    statement (deleted/unknown documents become deletes), hand them to the indexer (which commits the
    engine), then mark exactly those rows processed by their ids. A failing indexer leaves the rows
    pending with ``attempts + 1`` and ``last_error`` and ends the drain. Concurrent drainers take turns
    per batch, so an older state of a document is never indexed after a newer one:

    * PostgreSQL: one transaction under a transaction-scoped advisory lock (:func:`lock_drain`), which
      blocks no other writer;
    * SQLite: under the drain lock file (:func:`drain_lock`), the rows and documents are read in a
      read-only unit of work (one WAL snapshot, no write lock), the engine indexes while NO write
      transaction is open, and the marking is a short write transaction of its own. A change committed
      after the read has its own new outbox row (same transaction as the change): a later batch takes
      it. A crash between the engine commit and the marking leaves the rows pending: re-drained,
      upserts are idempotent.
    """
    if batch < 1:
        raise ValueError("batch must be at least 1")
    drain_batch = _drain_batch_pg if container.db.dialect == "postgresql" else _drain_batch_sqlite
    done = 0
    while True:
        with gc_paused():
            processed, ok = drain_batch(container, batch)
        done += processed
        if not ok or processed < batch:
            return done


_Pending = tuple[list[int], list[SearchDoc], list[int]]  # outbox row ids, upserts, deletes


def _read_batch(session: Session, batch: int) -> _Pending:
    """The oldest ``batch`` pending rows, the latest op per document, the live documents loaded."""
    o = _OUTBOX.c
    rows = session.execute(
        select(o.id, o.document_id, o.op).where(o.processed_at.is_(None)).order_by(o.id).limit(batch)
    ).all()
    if not rows:
        return [], [], []
    latest: dict[int, str] = {}
    for _, doc_id, op in rows:
        latest[doc_id] = op
    upserts = load_search_docs(session, [doc_id for doc_id, op in latest.items() if op != "delete"])
    found = {d.id for d in upserts}
    deletes = [doc_id for doc_id, op in latest.items() if op == "delete" or str(doc_id) not in found]
    return [r[0] for r in rows], upserts, deletes


def _index(container: Container, upserts: list[SearchDoc], deletes: list[int]) -> Exception | None:
    """Hand a batch to the indexer; the exception if it failed (logged)."""
    try:
        if upserts:
            container.indexer.upsert(upserts)
        if deletes:
            container.indexer.delete(deletes)
    except IndexLocked as exc:
        # Another worker process holds the engine's one writer (Tantivy): it drains these rows on its next
        # run (every change enqueues one, and beat runs one every few seconds). Not a failure of the rows.
        log.info("search index writer held by another process; outbox rows left for it: %s", exc)
        return exc
    except Exception as exc:
        log.exception("indexer failed; outbox rows stay pending")
        return exc
    return None


def _mark(session: Session, row_ids: list[int], failure: Exception | None) -> None:
    """Exactly these rows: processed (attempts + 1), or on failure attempts + 1 and the error."""
    o = _OUTBOX.c
    these_rows = _id_in(o.id, row_ids, _dialect(session))
    if failure is None:
        values: dict[str, Any] = {"processed_at": utcnow(), "attempts": o.attempts + 1}
    else:
        values = {"attempts": o.attempts + 1, "last_error": str(failure)[:2000]}
    session.execute(update(_OUTBOX).where(these_rows).values(**values))


def _drain_batch_pg(container: Container, batch: int) -> tuple[int, bool]:
    """One batch in one transaction under the advisory lock: (rows processed, indexer succeeded)."""
    with container.uow() as uow:
        lock_drain(uow.session)
        row_ids, upserts, deletes = _read_batch(uow.session, batch)
        if not row_ids:
            return 0, True
        failure = _index(container, upserts, deletes)
        if not isinstance(failure, IndexLocked):  # rows left to the writer's holder stay untouched
            _mark(uow.session, row_ids, failure)
            uow.commit()
    return (0, False) if failure is not None else (len(row_ids), True)


def _drain_batch_sqlite(container: Container, batch: int) -> tuple[int, bool]:
    """One batch under the drain lock file; only the marking holds SQLite's write lock."""
    with drain_lock(container):
        with container.uow(read_only=True) as uow:  # WAL snapshot: rows and documents agree
            row_ids, upserts, deletes = _read_batch(uow.session, batch)
        if not row_ids:
            return 0, True
        failure = _index(container, upserts, deletes)
        if not isinstance(failure, IndexLocked):  # rows left to the writer's holder stay untouched
            with container.uow() as uow:
                _mark(uow.session, row_ids, failure)
                uow.commit()
    return (0, False) if failure is not None else (len(row_ids), True)
