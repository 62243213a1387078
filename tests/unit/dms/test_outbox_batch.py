"""The batched path from the database to the search engine (issue 4): one Core statement builds the same
``SearchDoc`` as the per-document ORM path; the outbox drain reads and marks rows set-wise and keeps its
guarantees (latest op wins, deletes for gone documents, failures stay pending, marked only after the
indexer returned, concurrent drainers never interleave); reindex and check stream keyset batches."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlmodel import Session, select

from dms.db.tables import Akte, Document, DocumentText, FilePlanNode, SearchOutbox
from dms.pipeline.indexing import (
    drain_outbox,
    iter_search_docs,
    load_search_docs,
)
from dms.pipeline.runner import content_analysis
from dms.search_index import backend_of, check, reindex
from search.model import SearchDoc


class RecordingIndexer:
    """Keeps what it was given; optionally slow, failing, or running a hook while "indexing"."""

    def __init__(self, *, delay: float = 0.0, fail: Exception | None = None, hook: Any = None) -> None:
        self.upserts: list[SearchDoc] = []
        self.deletes: list[int] = []
        self.calls = 0
        self.delay, self.fail, self.hook = delay, fail, hook
        self._lock = threading.Lock()

    def upsert(self, docs: Sequence[SearchDoc]) -> None:
        self._call()
        with self._lock:
            self.upserts.extend(docs)

    def delete(self, ids: Sequence[int]) -> None:
        self._call()
        with self._lock:
            self.deletes.extend(ids)

    def _call(self) -> None:
        self.calls += 1
        if self.hook is not None:
            self.hook()
        if self.delay:
            time.sleep(self.delay)
        if self.fail is not None:
            raise self.fail

    def health(self) -> str:
        return "recording"


def _node_and_akte(session: Session) -> Akte:
    node = FilePlanNode(code="63.01", title="Bauanträge")
    session.add(node)
    session.flush()
    akte = Akte(aktenzeichen="63.01-2026/0007", title="Neubau Lindenallee", fileplan_node_id=int(node.id or 0),
                year=2026, seq=7)  # fmt: skip
    session.add(akte)
    session.flush()
    return akte


def _doc(i: int, **kw: Any) -> Document:
    values: dict[str, Any] = {"title": f"Dokument {i}", "sha256": f"{i:064x}", "status": "ready",
                              "acl_tokens": " dept:63 "}  # fmt: skip
    values.update(kw)
    return Document(**values)


def _varied_documents(container: Any) -> dict[str, int]:
    """Documents covering every optional part; returns name -> id."""
    with container.uow() as uow:
        s = uow.session
        akte = _node_and_akte(s)
        docs = {
            "full": _doc(
                1,
                document_type="Bescheid",
                department="63",
                correspondent="Anna Müller",
                tags=["Bau", "", "dringend"],
                document_date=date(2025, 3, 14),
                custom_fields={
                    "Betrag": 1234.5,
                    "Flur": 17,
                    "geprüft": True,
                    "leer": None,
                    "liste": [1, "a"],
                },
                retention_class="B10",
                asn="ASN-0001",
                akte_id=akte.id,
                mime_type="application/pdf",
                acl_tokens=" dept:63 user:5 group:ausschuss ",
                received_at=datetime(2025, 3, 15, 9, 30, 1, 123456, tzinfo=UTC),
            ),
            "bare": _doc(2, title="", mime_type=None, tags=[], custom_fields={}, acl_tokens=" "),
            "no_text": _doc(3, akte_id=akte.id, tags=["Frist"], status="processing"),
            "deleted": _doc(4, deleted=True),
            "umlaut": _doc(5, title="Größenänderung", correspondent="Öztürk & Söhne", department="20"),
        }
        s.add_all(docs.values())
        s.flush()
        ids = {name: int(d.id or 0) for name, d in docs.items()}
        for name in ("full", "bare", "deleted", "umlaut"):
            content = f"Inhalt {name} – Straße"
            analysis = content_analysis(content) if name != "bare" else None
            s.add(DocumentText(document_id=ids[name], version_no=1, content=content, analysis=analysis))
        uow.commit()
    return ids


def _reference(container: Any, ids: Sequence[int]) -> list[SearchDoc]:
    """Each live document read through the ORM, one by one (what the drain did before the batched
    loader): the reference the loader must equal."""
    out = []
    with container.uow(read_only=True) as uow:
        s = uow.session
        for i in ids:
            doc = s.get(Document, i)
            if doc is None or doc.deleted:
                continue
            text = s.get(DocumentText, doc.id)
            akte = s.get(Akte, doc.akte_id) if doc.akte_id else None
            extra = {str(k): str(v) for k, v in (doc.custom_fields or {}).items()}
            if doc.retention_class:
                extra["retention_class"] = doc.retention_class
            if doc.mime_type:
                extra["mime_type"] = doc.mime_type
            extra["status"] = doc.status
            out.append(
                SearchDoc(
                    id=str(doc.id),
                    title=doc.title or "",
                    content=text.content if text else "",
                    created=doc.received_at,
                    document_type=doc.document_type or "",
                    department=doc.department or "",
                    correspondent=doc.correspondent or "",
                    tags=[t for t in doc.tags or [] if t],
                    document_date=doc.document_date,
                    akte=akte.aktenzeichen if akte else None,
                    asn=doc.asn,
                    acl=[t for t in doc.acl_tokens.split(" ") if t],
                    extra=extra,
                    content_analysis=text.analysis if text else None,
                )
            )
    return out


def _outbox(container: Any, *pairs: tuple[int, str]) -> None:
    with container.uow() as uow:
        uow.session.add_all([SearchOutbox(document_id=d, op=op) for d, op in pairs])
        uow.commit()


def _outbox_rows(container: Any) -> list[SearchOutbox]:
    with container.uow(read_only=True) as uow:
        return list(uow.session.scalars(select(SearchOutbox).order_by(SearchOutbox.id)))  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------ loader
def test_batched_loader_builds_the_same_search_docs_as_the_orm_path(container: Any) -> None:
    ids = _varied_documents(container)
    everything = [*ids.values(), 999_999]
    expected = _reference(container, everything)
    assert {d.id for d in expected} == {str(ids[n]) for n in ("full", "bare", "no_text", "umlaut")}
    with container.uow(read_only=True) as uow:
        got = sorted(load_search_docs(uow.session, everything), key=lambda d: int(d.id))
        assert load_search_docs(uow.session, []) == []
    assert got == expected
    assert [d.fingerprint() for d in got] == [d.fingerprint() for d in expected]
    # derived, so outside equality: the analysis stored with the text travels along
    assert [d.content_analysis for d in got] == [d.content_analysis for d in expected]
    assert [d.content_analysis is not None for d in got] == [True, False, False, True]
    full = next(d for d in got if d.id == str(ids["full"]))
    assert full.extra == {"Betrag": "1234.5", "Flur": "17", "geprüft": "True", "leer": "None",
                          "liste": "[1, 'a']", "retention_class": "B10", "mime_type": "application/pdf",
                          "status": "ready"}  # fmt: skip
    assert full.akte == "63.01-2026/0007" and full.tags == ["Bau", "dringend"]
    assert full.acl == ["dept:63", "user:5", "group:ausschuss"]
    assert full.created == datetime(2025, 3, 15, 9, 30, 1, 123456, tzinfo=UTC)
    no_text = next(d for d in got if d.id == str(ids["no_text"]))
    assert no_text.content == "" and no_text.akte == "63.01-2026/0007"
    assert next(d for d in got if d.id == str(ids["bare"])).acl == []


def test_keyset_batches_cover_every_live_document_once_in_id_order(container: Any) -> None:
    ids = _varied_documents(container)
    expected = _reference(container, sorted(ids.values()))

    def session() -> Any:
        return container.db.read.connect()  # a Connection is its own context manager

    batches = list(iter_search_docs(session, 2))
    assert [len(b) for b in batches] == [2, 2]
    assert [d for b in batches for d in b] == expected
    assert [d for b in iter_search_docs(session, 100) for d in b] == expected
    with pytest.raises(ValueError, match="at least 1"):
        list(iter_search_docs(session, 0))


# ------------------------------------------------------------------------------------------ drain
def test_drain_latest_op_wins_and_gone_documents_become_deletes(make_container: Any, settings: Any) -> None:
    indexer = RecordingIndexer()
    container = make_container(settings, indexer=indexer)
    ids = _varied_documents(container)
    full, bare, no_text, deleted = ids["full"], ids["bare"], ids["no_text"], ids["deleted"]
    _outbox(
        container,
        (full, "upsert"), (full, "delete"),  # deleted last -> delete
        (bare, "delete"), (bare, "upsert"),  # upserted last -> upsert
        (no_text, "upsert"), (no_text, "upsert"),  # once
        (deleted, "upsert"),  # soft-deleted document -> delete
        (999_999, "upsert"),  # unknown document -> delete
    )  # fmt: skip
    assert drain_outbox(container) == 8
    assert sorted(int(d.id) for d in indexer.upserts) == sorted([bare, no_text])
    assert indexer.upserts[0] in _reference(container, [bare, no_text])
    assert sorted(indexer.deletes) == sorted([full, deleted, 999_999])
    rows = _outbox_rows(container)
    assert all(r.processed_at is not None and r.attempts == 1 and r.last_error is None for r in rows)
    assert drain_outbox(container) == 0


def test_failing_indexer_leaves_rows_pending_with_attempts_and_error(
    make_container: Any, settings: Any
) -> None:
    indexer = RecordingIndexer(fail=ConnectionError("index went away"))
    container = make_container(settings, indexer=indexer)
    ids = _varied_documents(container)
    _outbox(container, (ids["full"], "upsert"), (ids["bare"], "upsert"))
    assert drain_outbox(container) == 0
    assert drain_outbox(container) == 0
    rows = _outbox_rows(container)
    assert [(r.processed_at, r.attempts, r.last_error) for r in rows] == [(None, 2, "index went away")] * 2
    indexer.fail = None
    assert drain_outbox(container) == 2
    assert [(r.processed_at is not None, r.attempts) for r in _outbox_rows(container)] == [(True, 3)] * 2


def test_rows_left_to_the_process_holding_the_index_writer_stay_untouched(
    make_container: Any, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Tantivy has one writer per index: a worker process that finds it held by another process leaves
    the rows to that process, without counting an attempt or an error, and without an error log."""
    from search.errors import IndexLocked

    indexer = RecordingIndexer(fail=IndexLocked("search index … is locked by another writer"))
    container = make_container(settings, indexer=indexer)
    ids = _varied_documents(container)
    _outbox(container, (ids["full"], "upsert"), (ids["bare"], "upsert"))
    with caplog.at_level("INFO"):
        assert drain_outbox(container) == 0
    assert [(r.processed_at, r.attempts, r.last_error) for r in _outbox_rows(container)] == [(None, 0, None)] * 2
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "WARNING")]
    assert any("held by another process" in r.getMessage() for r in caplog.records)
    indexer.fail = None  # the holder drains them
    assert drain_outbox(container) == 2
    assert [(r.processed_at is not None, r.attempts) for r in _outbox_rows(container)] == [(True, 1)] * 2


def test_rows_are_marked_processed_only_after_the_indexer_returned(
    make_container: Any, settings: Any
) -> None:
    seen: list[list[Any]] = []
    probe = create_engine(settings.db_url)  # another connection: sees only committed state

    def look() -> None:
        with probe.connect() as conn:
            seen.append(list(conn.execute(text("SELECT processed_at FROM search_outbox")).scalars()))

    container = make_container(settings, indexer=RecordingIndexer(hook=look))
    ids = _varied_documents(container)
    _outbox(container, (ids["full"], "upsert"), (ids["bare"], "delete"))
    assert drain_outbox(container) == 2
    probe.dispose()
    assert seen == [[None, None], [None, None]]  # during upsert and delete: still pending
    assert all(r.processed_at is not None for r in _outbox_rows(container))


def test_batch_must_be_positive(container: Any) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        drain_outbox(container, batch=0)


@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def test_concurrent_drainers_take_turns_and_index_each_change_once(
    db: str, make_container: Any, request: pytest.FixtureRequest
) -> None:
    settings = request.getfixturevalue("pg_settings" if db == "postgres" else "settings")
    indexer = RecordingIndexer(delay=0.02)
    container = make_container(settings, indexer=indexer)
    with container.uow() as uow:
        docs = [_doc(i) for i in range(1, 121)]
        uow.session.add_all(docs)
        uow.session.flush()
        doc_ids = [int(d.id or 0) for d in docs]
        uow.session.add_all([SearchOutbox(document_id=i, op="upsert") for i in doc_ids])
        uow.commit()
    done: list[int] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            done.append(drain_outbox(container, batch=10))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert sum(done) == 120  # every row marked by exactly one drainer …
    assert sorted(int(d.id) for d in indexer.upserts) == doc_ids  # … and indexed exactly once
    assert all(r.processed_at is not None and r.attempts == 1 for r in _outbox_rows(container))


@pytest.mark.postgres
def test_a_lower_id_committed_while_indexing_stays_pending(make_container: Any, pg_settings: Any) -> None:
    """PostgreSQL hands out ids before commit: a row with a LOWER id may become visible after the drain
    read. Marking names the rows that were read, never an id range, so that row is not lost."""
    container = make_container(pg_settings, indexer=RecordingIndexer())
    ids = _varied_documents(container)
    writer = create_engine(pg_settings.db_url)
    conn = writer.connect()
    slow = conn.begin()  # a transaction that took its id first but commits late
    late = conn.execute(
        text("INSERT INTO search_outbox (document_id, op, created_at, attempts) "
             "VALUES (:d, 'upsert', now(), 0) RETURNING id"),
        {"d": ids["bare"]},
    ).scalar_one()  # fmt: skip
    _outbox(container, (ids["full"], "upsert"))  # a higher id, committed now
    container.indexer.hook = slow.commit  # commits while the drain is indexing
    assert drain_outbox(container, batch=100) == 1
    container.indexer.hook = None
    conn.close()
    writer.dispose()
    assert [r.id for r in _outbox_rows(container) if r.processed_at is None] == [late]
    assert drain_outbox(container) == 1


# ------------------------------------------------------------------------------------------ reindex / check
def test_reindex_streams_keyset_batches_and_check_agrees(container: Any) -> None:
    ids = _varied_documents(container)
    with container.uow() as uow:
        uow.session.add_all([_doc(100 + i) for i in range(7)])
        uow.commit()
    progress: list[int] = []
    report = reindex(container, batch=3, progress=progress.append)
    live = 4 + 7
    assert report.documents == live and sum(progress) == live and progress == [3, 3, 3, 2]
    backend = backend_of(container)
    expected = _reference(container, sorted({*ids.values(), *range(1, 1000)}))
    assert backend.fingerprints() == {d.id: d.fingerprint() for d in expected}
    drift = check(container, batch=2)
    assert drift.ok and drift.database == live and drift.indexed == live
    with container.uow() as uow:
        doc = uow.session.get(Document, ids["umlaut"])
        assert doc is not None
        doc.title = "geändert ohne Outbox"
        uow.session.add(doc)
        uow.commit()
    assert check(container, batch=2).stale == [str(ids["umlaut"])]


def test_cyclic_gc_is_paused_per_batch_and_restored(make_container: Any, settings: Any) -> None:
    import gc

    states: list[bool] = []
    indexer = RecordingIndexer(hook=lambda: states.append(gc.isenabled()))
    container = make_container(settings, indexer=indexer)
    ids = _varied_documents(container)
    _outbox(container, (ids["full"], "upsert"))
    assert gc.isenabled()
    assert drain_outbox(container) == 1
    assert states == [False] and gc.isenabled()
    indexer.fail = ConnectionError("down")
    _outbox(container, (ids["bare"], "upsert"))
    assert drain_outbox(container) == 0
    assert gc.isenabled()  # restored after a failing batch too
    gc.disable()
    try:
        indexer.fail = None
        assert drain_outbox(container) == 1
        assert not gc.isenabled()  # a caller's choice is left alone
    finally:
        gc.enable()


def _stored_analyses(container: Any) -> dict[int, str | None]:
    with container.uow(read_only=True) as uow:
        return {t.document_id: t.analysis for t in uow.session.exec(select(DocumentText)).all()}


def test_reindex_stores_missing_and_outdated_content_analyses(container: Any) -> None:
    """Texts extracted before analyses were stored (NULL) or analysed by another analyzer version get the
    analysis the reindex computes anyway; valid ones and deleted documents' texts are left alone."""
    ids = _varied_documents(container)
    with container.uow() as uow:
        t = uow.session.get(DocumentText, ids["umlaut"])
        assert t is not None
        t.analysis = "0123456789abcdef:5:00000000\nveraltet\n"  # an older analyzer's stamp
        uow.session.add(t)
        uow.commit()
    before = _stored_analyses(container)
    report = reindex(container, batch=2)
    after = _stored_analyses(container)
    analyzer = backend_of(container).analyzer  # type: ignore[attr-defined]
    assert report.analysed == 2
    assert after[ids["bare"]] == content_analysis("Inhalt bare – Straße")
    assert after[ids["umlaut"]] == content_analysis("Inhalt umlaut – Straße")
    assert after[ids["full"]] == before[ids["full"]]  # valid: untouched
    assert after[ids["deleted"]] == before[ids["deleted"]]
    for i in (ids["bare"], ids["umlaut"], ids["full"]):
        content = f"Inhalt {next(n for n, v in ids.items() if v == i)} – Straße"
        assert analyzer.decode_content(content, after[i]) is not None
    assert reindex(container, batch=2).analysed == 0  # nothing left to store
    assert check(container).ok


def test_refreshing_analyses_never_overwrites_a_text_re_extracted_meanwhile(container: Any) -> None:
    from dms.pipeline.indexing import refresh_content_analyses, store_content_analyses

    ids = _varied_documents(container)
    analyzer = backend_of(container).analyzer  # type: ignore[attr-defined]
    with container.uow(read_only=True) as uow:
        docs = load_search_docs(uow.session, [ids["bare"]])
    with container.uow() as uow:  # a new ingest stores another text and its analysis in between
        t = uow.session.get(DocumentText, ids["bare"])
        assert t is not None
        t.content, t.analysis = "Neuer Text", content_analysis("Neuer Text")
        uow.session.add(t)
        uow.commit()
    new_rows = refresh_content_analyses(analyzer, docs)
    assert len(new_rows) == 1  # computed for the batch...
    with container.uow() as uow:
        store_content_analyses(uow.session, new_rows)
        uow.commit()
    assert _stored_analyses(container)[ids["bare"]] == content_analysis("Neuer Text")  # ...not stored


# ------------------------------------------------------------------------------------------ SQLite drain lock
def _edit(container: Any, doc_id: int, title: str) -> None:
    """What a service does: change the document and write its outbox row in one unit of work."""
    with container.uow() as uow:
        doc = uow.session.get(Document, doc_id)
        assert doc is not None
        doc.title = title
        uow.session.add(doc)
        uow.session.add(SearchOutbox(document_id=doc_id, op="upsert"))
        uow.commit()


def test_a_write_commits_while_the_sqlite_drain_is_inside_the_indexer(
    make_container: Any, settings: Any
) -> None:
    """The engine indexes while no SQLite write transaction is open: an edit (a write unit of work of
    another thread) commits during the indexer call instead of waiting for the batch; its change has
    its own outbox row, so the next drain indexes it (nothing lost)."""
    writer: dict[str, Any] = {}

    def edit_meanwhile() -> None:
        if writer:
            return
        started = time.perf_counter()
        thread = threading.Thread(target=_edit, args=(container, ids["umlaut"], "während der Indexierung"))
        thread.start()
        thread.join(3)  # the drain stays inside the indexer meanwhile
        writer["committed_inside"] = not thread.is_alive()
        writer["seconds"] = time.perf_counter() - started
        writer["thread"] = thread

    indexer = RecordingIndexer(delay=0.3, hook=edit_meanwhile)
    container = make_container(settings, indexer=indexer)
    ids = _varied_documents(container)
    _outbox(container, (ids["umlaut"], "upsert"))
    assert drain_outbox(container, batch=100) == 1
    writer["thread"].join(60)
    assert writer["committed_inside"], "the write waited for the drain batch to end"
    assert writer["seconds"] < 1.0
    assert [d.title for d in indexer.upserts] == ["Größenänderung"]  # the state the drain read
    pending = [r for r in _outbox_rows(container) if r.processed_at is None]
    assert [(r.document_id, r.attempts) for r in pending] == [(ids["umlaut"], 0)]  # the edit's own row
    assert drain_outbox(container, batch=100) == 1
    assert [d.title for d in indexer.upserts] == ["Größenänderung", "während der Indexierung"]
    assert all(r.processed_at is not None for r in _outbox_rows(container))


def test_concurrent_sqlite_drainers_never_interleave_or_index_an_older_state_last(
    make_container: Any, settings: Any
) -> None:
    """Three drainer threads while a writer keeps editing: one batch is inside the indexer at a time,
    every document's indexed versions only go forward, and the index ends at the database's state."""
    active, most = [0], [0]
    guard = threading.Lock()

    def inside() -> None:
        with guard:
            active[0] += 1
            most[0] = max(most[0], active[0])
        time.sleep(0.005)
        with guard:
            active[0] -= 1

    indexer = RecordingIndexer(hook=inside)
    container = make_container(settings, indexer=indexer)
    with container.uow() as uow:
        docs = [_doc(i, title="v0") for i in range(1, 6)]
        uow.session.add_all(docs)
        uow.commit()
        doc_ids = [int(d.id or 0) for d in docs]
    stop = threading.Event()
    errors: list[BaseException] = []

    def edit() -> None:
        try:
            for n in range(1, 41):
                _edit(container, doc_ids[n % len(doc_ids)], f"v{n}")
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            stop.set()

    def drain() -> None:
        try:
            while not stop.is_set():
                drain_outbox(container, batch=3)
            drain_outbox(container, batch=3)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=edit), *(threading.Thread(target=drain) for _ in range(3))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors
    assert most[0] == 1  # batches never overlapped
    seen: dict[str, list[int]] = {}
    for d in indexer.upserts:
        seen.setdefault(d.id, []).append(int(d.title[1:]))
    assert all(versions == sorted(versions) for versions in seen.values()), seen
    final = {d.id: d.title for d in _reference(container, doc_ids)}
    assert {i: f"v{v[-1]}" for i, v in seen.items()} == final
    assert all(r.processed_at is not None for r in _outbox_rows(container))


def test_a_drain_waits_for_another_process_holding_the_drain_lock(make_container: Any, settings: Any) -> None:
    """The SQLite drain lock is an OS file lock in the data dir: a second process on the same data dir
    (here: one holding the lock until told) keeps this process' drain from starting its batch."""
    import subprocess
    import sys

    from dms.pipeline.indexing import drain_lock_path

    indexer = RecordingIndexer()
    container = make_container(settings, indexer=indexer)
    ids = _varied_documents(container)
    _outbox(container, (ids["full"], "upsert"))
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys; from pathlib import Path; from dms.pipeline.indexing import file_lock\n"
         "with file_lock(Path(sys.argv[1])):\n    print('held', flush=True); sys.stdin.readline()\n",
         str(drain_lock_path(container))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        done: list[int] = []
        drainer = threading.Thread(target=lambda: done.append(drain_outbox(container)))
        drainer.start()
        drainer.join(0.5)
        assert drainer.is_alive() and indexer.calls == 0  # waiting for the other process
        assert holder.stdin is not None
        holder.stdin.write("\n")
        holder.stdin.flush()
        drainer.join(30)
        assert done == [1] and indexer.calls == 1
    finally:
        holder.kill()
        holder.wait()
    assert drain_lock_path(container).parent == settings.data_path


def test_reindex_requeue_waits_for_an_sqlite_drain_batch_in_flight(container: Any) -> None:
    """reindex re-queues the rows written during the rebuild only once no drain batch is in flight
    (a batch marking them after the re-queue would lose changes that went to the old generation)."""
    from dms.pipeline.indexing import drain_lock

    _varied_documents(container)
    finished: list[Any] = []
    with drain_lock(container):
        thread = threading.Thread(target=lambda: finished.append(reindex(container)))
        thread.start()
        thread.join(1.0)
        assert thread.is_alive() and not finished  # the re-queue waits for the lock
    thread.join(30)
    assert len(finished) == 1 and finished[0].documents == 4
