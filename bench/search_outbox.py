"""Steady-state indexing from the outbox and ``reindex``, database → Tantivy, on a real installation.

Creates an installation in a temp data dir (embedded SQLite by default, or a fresh PostgreSQL database
with ``--database-url``), bulk-inserts N synthetic German documents (~2 KB text each, search/synthetic.py)
with Core statements, then:

  reindex   ``dms.search_index.reindex`` over all N documents (the initial index; keyset batches)
  warmup    a small drain (opens the index writer; not counted)
  drain     M outbox rows (half metadata edits of existing documents, half new documents) drained to
            completion by ``dms.pipeline.indexing.drain_outbox`` with the real Tantivy indexer. As in the
            product, each text carries the search analysis the ingest worker stored with it
            (``DocumentText.analysis``, computed during ``load``, timed there as ``ingest_analysis_*``);
            ``--analyse-in-drain`` stores none (the path after an analyzer upgrade)
  loader    (``--loader K``) the batched loader alone on K random documents, database side only
  writes    (``--probe-writes``) another M changes drained while a second thread commits one tiny write
            unit of work (one UPDATE of one document row) every 20 ms: how long such a write (an upload,
            an edit, an audit row of a web process) waits while the drain runs — wall per write (max,
            p50, p99) and the drain's own figures under that load
  verify    (``--verify``) ``search check``: the index equals the database after the drain

Every phase prints one JSON line: wall seconds, CPU seconds (process: all threads incl. Tantivy's;
``main_thread``: the calling thread only), docs/s, and the split between the database side (reading
outbox rows, loading documents, marking rows — everything outside the engine) and the engine
(``backend.index`` + ``commit``), each with wall and CPU.

Usage:
  .venv/bin/python bench/search_outbox.py --docs 100000 --changes 20000
  .venv/bin/python bench/search_outbox.py --docs 1000000 --changes 100000 --verify
  .venv/bin/python bench/search_outbox.py --docs 100000 --changes 20000 --probe-writes
  .venv/bin/python bench/search_outbox.py --docs 100000 --changes 20000 \\
      --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test      # a temp database is created there
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import bindparam, create_engine, func, select, text, update

from dms.bootstrap import Container, build_container
from dms.db.migrate import upgrade
from dms.db.tables import Akte, Document, DocumentText, FilePlanNode, SearchOutbox, core_table
from dms.db.uow import RecordingDispatcher
from dms.ops.setup import ensure_dirs
from dms.pipeline.indexing import DRAIN_BATCH, drain_outbox, load_search_docs
from dms.search_index import backend_of, check, close_backend, reindex
from dms.settings import Settings
from search.analysis import default_analyzer
from search.model import SearchDoc
from search.synthetic import generate

DOC, TEXT, AKTE, NODE, OUTBOX = (
    core_table(m) for m in (Document, DocumentText, Akte, FilePlanNode, SearchOutbox)
)
INSERT_CHUNK = 5_000
RETENTION = ["A5", "B10", "C30", None, None]


# ------------------------------------------------------------------------------------------ clocks
class Clock:
    """Wall, process CPU (all threads) and calling-thread CPU, summed over ``with clock:`` blocks."""

    def __init__(self) -> None:
        self.wall = self.cpu = self.thread = 0.0

    def __enter__(self) -> Clock:
        self._w, self._c, self._t = time.perf_counter(), time.process_time(), time.thread_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall += time.perf_counter() - self._w
        self.cpu += time.process_time() - self._c
        self.thread += time.thread_time() - self._t

    def as_dict(self, prefix: str, docs: int) -> dict[str, float]:
        per = 1000 / docs if docs else 0.0
        return {
            f"{prefix}_wall_s": round(self.wall, 3),
            f"{prefix}_cpu_s": round(self.cpu, 3),
            f"{prefix}_main_thread_cpu_s": round(self.thread, 3),
            f"{prefix}_cpu_ms_per_doc": round(self.cpu * per, 4),
            f"{prefix}_main_thread_cpu_ms_per_doc": round(self.thread * per, 4),
        }


class TimedIndexer:
    """Wraps the real indexer: everything inside ``upsert``/``delete`` is engine time."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.clock, self.upserted, self.deleted = inner, Clock(), 0, 0

    def upsert(self, docs: Sequence[SearchDoc]) -> None:
        with self.clock:
            self.inner.upsert(docs)
        self.upserted += len(docs)

    def delete(self, ids: Sequence[int]) -> None:
        with self.clock:
            self.inner.delete(ids)
        self.deleted += len(ids)

    def health(self) -> str:
        return str(self.inner.health())


class TimedBackend:
    """Wraps the engine for ``reindex``: the rebuild target's ``index``/``commit`` are engine time."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.clock = inner, Clock()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    @contextmanager
    def rebuild(self) -> Iterator[Any]:
        clock = self.clock

        class Target:
            def __init__(self, inner: Any) -> None:
                self.inner = inner

            def index(self, docs: Any) -> int:
                with clock:
                    return int(self.inner.index(docs))

            def commit(self) -> None:
                with clock:
                    self.inner.commit()

        with self.inner.rebuild() as target:
            yield Target(target)
        # the generation switch (after the final commit) counts as engine time as well


def emit(results: list[dict[str, Any]], record: dict[str, Any]) -> None:
    results.append(record)
    print(json.dumps(record), flush=True)


# ------------------------------------------------------------------------------------------ installation
@contextmanager
def installation(args: argparse.Namespace) -> Iterator[Container]:
    pg_db: str | None = None
    admin: Any = None
    values: dict[str, Any] = {"search_backend": "tantivy", "secret_key": "bench"}
    if args.database_url:
        from sqlalchemy.engine import make_url

        from dms.db.engine import normalise_url

        try:
            base = make_url(normalise_url(args.database_url))
            pg_db = f"akw_outbox_{uuid.uuid4().hex[:8]}"
            admin = create_engine(base, isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{pg_db}"'))
        except Exception as exc:  # reported as one sentence, exit code 1
            raise SystemExit(f"cannot create a temporary database at {args.database_url}: {exc}") from None
        values["database_url"] = base.set(database=pg_db).render_as_string(hide_password=False)
    tmp = Path(args.path) if args.path else Path(tempfile.mkdtemp(prefix="aw-outbox-"))
    settings = Settings(data_dir=tmp / "data", **values)
    ensure_dirs(settings)
    upgrade(settings.db_url)
    container = build_container(settings, dispatcher=RecordingDispatcher())
    try:
        yield container
    finally:
        close_backend(container)
        container.close()
        if admin is not None:
            with admin.connect() as conn:
                conn.execute(
                    text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{pg_db}'")
                )
                conn.execute(text(f'DROP DATABASE IF EXISTS "{pg_db}"'))
            admin.dispose()
        if not args.keep and not args.path:
            shutil.rmtree(tmp, ignore_errors=True)


class Loader:
    """Bulk Core inserts of synthetic documents (explicit ids; file-plan nodes and Akten made on demand)."""

    def __init__(self, container: Container, seed: int, *, analyse: bool = True) -> None:
        self.container = container
        self.seed = seed
        #: like the ingest worker: the text's search analysis is stored with it (DocumentText.analysis)
        self.analyzer = default_analyzer() if analyse else None
        self.analysis_clock = Clock()
        self.nodes: dict[str, int] = {}
        self.akten: dict[str, int] = {}
        self.now = datetime.now(UTC)

    def insert(self, start: int, n: int) -> None:
        """Documents with ids ``start + 1 … start + n`` (synthetic ``doc-<start>…``)."""
        batch: list[SearchDoc] = []
        for doc in generate(n, self.seed, start=start):
            batch.append(doc)
            if len(batch) == INSERT_CHUNK:
                self._write(batch)
                batch = []
        if batch:
            self._write(batch)

    def _write(self, docs: list[SearchDoc]) -> None:
        nodes: list[dict[str, Any]] = []
        akten: list[dict[str, Any]] = []
        rows: list[dict[str, Any]] = []
        texts: list[dict[str, Any]] = []
        for d in docs:
            doc_id = int(d.id.removeprefix("doc-")) + 1
            akte_id = None
            if d.akte:
                plan, _, rest = d.akte.partition("-")
                if plan not in self.nodes:
                    self.nodes[plan] = len(self.nodes) + 1
                    nodes.append({"id": self.nodes[plan], "code": plan, "title": f"Aktenplan {plan}",
                                  "department": d.department, "updated_at": self.now})  # fmt: skip
                akte_id = self.akten.get(d.akte)
                if akte_id is None:
                    akte_id = self.akten[d.akte] = len(self.akten) + 1
                    year, _, seq = rest.partition("/")
                    akten.append({"id": akte_id, "aktenzeichen": d.akte, "title": f"Akte {d.akte}",
                                  "fileplan_node_id": self.nodes[plan], "department": d.department,
                                  "year": int(year), "seq": int(seq), "status": "open",
                                  "created_at": self.now})  # fmt: skip
            custom = {"Rechnungsnummer": f"RE-{doc_id:08d}", "Betrag": f"{doc_id % 9973},00"} if (
                d.document_type == "Rechnung") else {}  # fmt: skip
            rows.append({
                "id": doc_id, "title": d.title, "document_type": d.document_type, "correspondent": d.correspondent,
                "tags": list(d.tags), "document_date": d.document_date, "department": d.department,
                "custom_fields": custom, "retention_class": RETENTION[doc_id % len(RETENTION)], "asn": d.asn,
                "akte_id": akte_id, "channel": "upload", "received_at": d.created, "filename": f"{doc_id}.pdf",
                "mime_type": "application/pdf", "size": len(d.content) * 3, "sha256": f"{doc_id:064x}",
                "status": "ready", "acl_tokens": " " + " ".join(d.acl) + " ", "updated_at": self.now,
            })  # fmt: skip
            analysis = None
            if self.analyzer is not None:
                with self.analysis_clock:
                    analysis = self.analyzer.encode_content(d.content)
            texts.append({"document_id": doc_id, "version_no": 1, "content": d.content, "attachments": [],
                          "analysis": analysis})  # fmt: skip
        with self.container.db.write.begin() as conn:
            if nodes:
                conn.execute(NODE.insert(), nodes)
            if akten:
                conn.execute(AKTE.insert(), akten)
            conn.execute(DOC.insert(), rows)
            conn.execute(TEXT.insert(), texts)

    def fix_sequences(self) -> None:
        """PostgreSQL: move the id sequences past the explicit ids."""
        if self.container.db.dialect != "postgresql":
            return
        with self.container.db.write.begin() as conn:
            for table in ("documents", "akten", "fileplan_nodes"):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                  f"(SELECT coalesce(max(id), 1) FROM {table}))"))  # fmt: skip


def write_changes(
    container: Container, loader: Loader, existing: int, first_new: int, m: int, rng: random.Random
) -> None:
    """M outbox rows: M/2 metadata edits of existing documents (title, tags; the text and its stored
    analysis stay, as for any edit short of a new version), M/2 new documents."""
    updates = m // 2
    new = m - updates
    changed = sorted(rng.sample(range(1, existing + 1), updates))
    now = datetime.now(UTC)
    with container.db.write.begin() as conn:
        for i in range(0, len(changed), INSERT_CHUNK):
            chunk = changed[i : i + INSERT_CHUNK]
            conn.execute(
                update(DOC).where(DOC.c.id == bindparam("b_id")).values(
                    title=DOC.c.title + " (geändert)", tags=["Wiedervorlage"],
                    metadata_version=DOC.c.metadata_version + 1, updated_at=now),
                [{"b_id": d} for d in chunk],
            )  # fmt: skip
    loader.insert(first_new - 1, new)
    loader.fix_sequences()
    ids = changed + list(range(first_new, first_new + new))
    rng.shuffle(ids)  # outbox order = commit order of the changes, not id order
    with container.db.write.begin() as conn:
        for i in range(0, len(ids), INSERT_CHUNK):
            conn.execute(
                OUTBOX.insert(),
                [{"document_id": d, "op": "upsert", "created_at": now} for d in ids[i : i + INSERT_CHUNK]],
            )


def pending(container: Container) -> int:
    with container.db.read.connect() as conn:
        return int(
            conn.execute(
                select(func.count()).select_from(OUTBOX).where(OUTBOX.c.processed_at.is_(None))
            ).scalar_one()
        )


# ------------------------------------------------------------------------------------------ phases
def phase_reindex(container: Container, docs: int, batch: int) -> dict[str, Any]:
    backend = TimedBackend(backend_of(container))
    progressed = [0]
    total = Clock()
    with total:
        report = reindex(container, batch=batch, progress=lambda n: progressed.__setitem__(0, progressed[0] + n),
                         backend=backend)  # type: ignore[arg-type]  # fmt: skip
    assert report.documents == docs == progressed[0], (report.documents, docs, progressed[0])
    return split("reindex", report.documents, total, backend.clock, batch=batch)


def phase_drain(container: Container, changes: int, batch: int) -> dict[str, Any]:
    indexer = TimedIndexer(container.indexer)
    container.indexer = indexer
    total = Clock()
    try:
        with total:
            processed = drain_outbox(container, batch=batch)
    finally:
        container.indexer = indexer.inner
    left = pending(container)
    assert processed == changes and left == 0, (processed, changes, left)
    rec = split("drain", processed, total, indexer.clock, batch=batch)
    rec["upserted"], rec["deleted"] = indexer.upserted, indexer.deleted
    return rec


def phase_writes(container: Container, changes: int, batch: int, interval: float = 0.02) -> dict[str, Any]:
    """The drain of ``changes`` rows while another thread commits a tiny write every ``interval`` s."""
    waits: list[float] = []
    writer_cpu = [0.0]
    stop = threading.Event()

    def writer() -> None:
        started = time.thread_time()
        while not stop.is_set():
            t0 = time.perf_counter()
            with container.uow() as uow:
                uow.session.execute(update(DOC).where(DOC.c.id == 1).values(updated_at=datetime.now(UTC)))
                uow.commit()
            waits.append(time.perf_counter() - t0)
            stop.wait(interval)
        writer_cpu[0] = time.thread_time() - started

    thread = threading.Thread(target=writer, name="probe-writer")
    thread.start()
    try:
        time.sleep(0.2)  # a few uncontended writes first
        rec = phase_drain(container, changes, batch)
    finally:
        stop.set()
        thread.join()
    ms = sorted(w * 1000 for w in waits)
    rec["phase"] = "writes"
    rec.update({
        "writes": len(ms), "write_interval_ms": interval * 1000, "write_wait_max_ms": round(ms[-1], 1),
        "write_wait_p50_ms": round(ms[len(ms) // 2], 1), "write_wait_p99_ms": round(ms[int(len(ms) * 0.99)], 1),
        "writes_over_100ms": sum(1 for w in ms if w > 100), "writer_thread_cpu_s": round(writer_cpu[0], 3),
    })  # fmt: skip
    return rec


def split(phase: str, docs: int, total: Clock, engine: Clock, **extra: Any) -> dict[str, Any]:
    db = Clock()
    db.wall, db.cpu, db.thread = (
        total.wall - engine.wall,
        total.cpu - engine.cpu,
        total.thread - engine.thread,
    )
    rec: dict[str, Any] = {"phase": phase, "docs": docs, **extra,
                           "docs_per_s_wall": round(docs / total.wall, 1) if total.wall else None}  # fmt: skip
    rec.update(total.as_dict("total", docs))
    rec.update(db.as_dict("db", docs))
    rec.update(engine.as_dict("engine", docs))
    return rec


def phase_loader(container: Container, docs: int, k: int, batch: int, rng: random.Random) -> dict[str, Any]:
    """Database side only: the batched Core loader on K random ids."""
    ids = sorted(rng.sample(range(1, docs + 1), min(k, docs)))
    core = Clock()
    with core:
        for i in range(0, len(ids), batch):
            with container.uow(read_only=True) as uow:
                load_search_docs(uow.session, ids[i : i + batch])
    rec: dict[str, Any] = {"phase": "loader", "docs": len(ids), "batch": batch}
    rec.update(core.as_dict("core", len(ids)))
    return rec


def sizes(value: str) -> list[int]:
    """``"1000,5000"`` → ``[1000, 5000]`` (each at least 1)."""
    try:
        out = [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a comma list of numbers: {value!r}") from None
    if not out or min(out) < 1:
        raise argparse.ArgumentTypeError(f"batch sizes must be at least 1: {value!r}")
    return out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--docs", type=int, default=100_000, help="documents in the installation (default 100000)")
    p.add_argument("--changes", type=int, default=20_000, help="outbox rows to drain: half updates, half new")
    p.add_argument(
        "--batch",
        type=sizes,
        default=[DRAIN_BATCH],
        help=f"drain batch; a comma list drains --changes fresh changes per size (default {DRAIN_BATCH})",
    )
    p.add_argument(
        "--reindex-batch",
        type=sizes,
        default=None,
        help="reindex batch; a comma list reindexes once per size (default: the reindex default)",
    )
    p.add_argument("--warmup", type=int, default=500, help="changes drained before timing (not counted)")
    p.add_argument("--loader", type=int, default=5_000, metavar="K",
                   help="time the batched loader alone on K documents (0: skip)")  # fmt: skip
    p.add_argument("--database-url", default=None,
                   help="PostgreSQL server URL; a temporary database is created there and dropped")  # fmt: skip
    p.add_argument("--path", default=None, help="data dir parent (default: a temp dir, removed)")
    p.add_argument("--keep", action="store_true", help="keep the temp dir")
    p.add_argument(
        "--verify", action="store_true", help="run `search check` after the drain (must be in sync)"
    )
    p.add_argument(
        "--skip-reindex", action="store_true", help="no reindex phase (the drain then builds the index)"
    )
    p.add_argument("--analyse-in-drain", action="store_true",
                   help="store no content analysis with the texts (the path after an analyzer upgrade)")  # fmt: skip
    p.add_argument("--probe-writes", action="store_true",
                   help="drain --changes more rows while a thread commits a tiny write every 20 ms")  # fmt: skip
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--json", default=None, help="also write all records to this file")
    args = p.parse_args()
    for name in ("docs", "changes"):
        if getattr(args, name) < 1:
            p.error(f"--{name} must be at least 1")
    if args.warmup < 0 or args.warmup * 2 > args.docs:
        p.error("--warmup must be between 0 and half of --docs")

    from dms.search_index import REINDEX_BATCH

    reindex_batches = args.reindex_batch or [REINDEX_BATCH]
    rng = random.Random(args.seed)
    results: list[dict[str, Any]] = []
    with installation(args) as container:
        loader = Loader(container, args.seed, analyse=not args.analyse_in_drain)
        clock = Clock()
        with clock:
            loader.insert(0, args.docs)
            loader.fix_sequences()
        mode = "in the drain" if args.analyse_in_drain else "stored at ingest"
        emit(results, {"phase": "load", "docs": args.docs, "db": container.db.dialect, "content_analysis": mode,
                       "docs_per_s_wall": round(args.docs / clock.wall, 1), **clock.as_dict("total", args.docs),
                       **loader.analysis_clock.as_dict("ingest_analysis", args.docs)})  # fmt: skip
        docs = args.docs
        if not args.skip_reindex:
            for size in reindex_batches:
                emit(results, phase_reindex(container, docs, size))
        if args.loader:
            emit(results, phase_loader(container, docs, args.loader, args.batch[0], rng))
        if args.warmup:
            write_changes(container, loader, docs, docs + 1, args.warmup, rng)
            docs += args.warmup - args.warmup // 2
            drain_outbox(container, batch=args.batch[0])
        for size in args.batch:
            write_changes(container, loader, docs, docs + 1, args.changes, rng)
            docs += args.changes - args.changes // 2
            rec = phase_drain(container, args.changes, size)
            rec["content_analysis"] = mode
            rec["ru_maxrss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
            emit(results, rec)
        if args.probe_writes:
            write_changes(container, loader, docs, docs + 1, args.changes, rng)
            docs += args.changes - args.changes // 2
            emit(results, phase_writes(container, args.changes, args.batch[0]))
        if args.verify:
            clock = Clock()
            with clock:
                report = check(container, batch=reindex_batches[0])
            emit(results, {"phase": "verify", "ok": report.ok, "database": report.database,
                           "indexed": report.indexed, "missing": len(report.missing), "stale": len(report.stale),
                           "orphaned": len(report.orphaned), **clock.as_dict("total", report.database)})  # fmt: skip
            if not report.ok or report.database != docs:
                print(f"index out of sync after the drain: {report.to_dict()}", file=sys.stderr)
                return 1
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
