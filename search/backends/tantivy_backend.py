"""Embedded default engine on Tantivy (PyPI ``tantivy``): an on-disk index beside the data.

* Text arrives pre-analysed by :mod:`search.analysis` and is tokenized on whitespace only, so Tantivy
  and the other engines index identical terms. BM25 (k1=1.2, b=0.75) ranks; the plan boosts titles.
* Generations: ``<path>/CURRENT`` names the live index directory (``gen-000001``…). ``rebuild()`` fills a
  new generation while the old one keeps serving, then switches ``CURRENT`` atomically; every handle
  (also in other processes) notices the switch on its next search.
* One writer per generation (Tantivy's lock file); readers reload on commit.
"""

from __future__ import annotations

import dataclasses
import json
import multiprocessing
import os
import re
import shutil
import threading
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import tantivy

from search.analysis import GermanAnalyzer, default_analyzer
from search.backends.base import EngineBase, RawHit, RawResult, top_facets
from search.backends.memory import facet_values, keyword_values
from search.errors import BackendUnavailable, DocumentInvalid, IndexLocked, SearchError
from search.model import FacetValue, SearchDoc, Sort, fingerprint_of
from search.plan import (
    ACL,
    BODY,
    CORR,
    DAY,
    FACET_FIELDS,
    ID,
    KEYWORD_FIELDS,
    PARTS,
    TITLE,
    YEAR,
    Bool,
    Boost,
    MatchAll,
    MatchNone,
    PhraseQ,
    Prefix,
    Q,
    Range,
    Term,
    TermSet,
)

SCHEMA_VERSION = "1"
RESULT_CACHE_SIZE = 1_024  # (index state, plan) -> total + facets
FACET_THREADS = 2
PARALLEL_MIN_BATCH = 2_000  # smaller batches are analysed in-process (IPC would cost more than it saves)
_REGEX_META = re.compile(r"([\\.+*?()|\[\]{}^$#&\-~])")
_GEN_RE = re.compile(r"^gen-(\d{6})$")
TEXT_FACETS = {name: f for name, f in FACET_FIELDS.items() if name != "year"}


def build_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field(ID, tokenizer_name="raw", index_option="basic")
    sb.add_bytes_field("src", stored=True)
    sb.add_text_field(BODY, tokenizer_name="whitespace", index_option="position")
    sb.add_text_field(TITLE, tokenizer_name="whitespace", index_option="position")
    sb.add_text_field(PARTS, tokenizer_name="whitespace", index_option="freq")
    sb.add_text_field(CORR, tokenizer_name="whitespace", index_option="position")
    for kw in (*KEYWORD_FIELDS.values(), ACL):
        sb.add_text_field(kw, tokenizer_name="raw", index_option="basic")
    for ff in TEXT_FACETS.values():
        sb.add_text_field(ff, tokenizer_name="raw", index_option="basic", fast=True)
    sb.add_integer_field(DAY, indexed=True, fast=True)
    sb.add_integer_field(YEAR, fast=True)
    return sb.build()


def _regex_escape(text: str) -> str:
    return _REGEX_META.sub(r"\\\1", text)


class _Generation:
    """One opened index directory."""

    def __init__(self, directory: Path, schema: tantivy.Schema, create: bool) -> None:
        self.directory = directory
        self.name = directory.name
        directory.mkdir(parents=True, exist_ok=True)
        try:
            self.index = tantivy.Index(schema, path=str(directory), reuse=not create)
        except (ValueError, OSError) as exc:
            raise BackendUnavailable(f"cannot open the search index at {directory}: {exc}") from exc
        self.schema = schema
        self.writer: Any = None
        # Readers reload explicitly when meta.json changes (see TantivyBackend._searcher), so a searcher
        # always belongs to a known index state: the key of the count/facet cache.
        self.index.config_reader(reload_policy="Manual")
        self.meta = directory / "meta.json"
        self.stamp: tuple[int, int, int] | None = None
        self.reload()

    def reload(self, stamp: tuple[int, int, int] | None = None) -> None:
        """Reload the searcher; the stamp is taken *before* reloading, so it never claims a newer
        state than the searcher has (a commit in between just causes one more reload later)."""
        stamp = stamp or self.meta_stamp()
        self.index.reload()
        self.stamp = stamp

    def meta_stamp(self) -> tuple[int, int, int] | None:
        try:
            st = self.meta.stat()
        except OSError:
            return None
        return (st.st_mtime_ns, st.st_ino, st.st_size)


class TantivyBackend(EngineBase):
    name = "tantivy"

    def __init__(
        self,
        path: Path,
        *,
        heap_size: int = 256_000_000,
        num_threads: int = 0,
        workers: int = 0,
        analyzer: GermanAnalyzer | None = None,
    ) -> None:
        """``workers`` > 0 analyses batches of at least :data:`PARALLEL_MIN_BATCH` documents in that many
        worker processes (the default analyzer there: same analysis) while this process feeds Tantivy.
        Off by default: on two cores Tantivy's own writer threads already use the second core and the
        pickling costs ~25 % more CPU, so it measured slower there (bench/search.py --workers)."""
        super().__init__(analyzer)
        self.workers = workers
        self._workers_pool: Any = None
        self._results: OrderedDict[Any, tuple[int, dict[str, list[FacetValue]]]] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._facet_threads: ThreadPoolExecutor | None = None
        self.path = Path(path)
        self.heap_size = heap_size
        self.num_threads = num_threads
        self.schema = build_schema()
        self._lock = threading.RLock()
        self.path.mkdir(parents=True, exist_ok=True)
        self._current_file = self.path / "CURRENT"
        self._current_stat: tuple[int, int] | None = None
        if not self._current_file.exists():
            self._write_current(self._gen_name(1))
        self._gen = self._open_current()

    # -- generations ----------------------------------------------------------------------------------
    @staticmethod
    def _gen_name(n: int) -> str:
        return f"gen-{n:06d}"

    def _write_current(self, name: str) -> None:
        tmp = self.path / f"CURRENT.{os.getpid()}.tmp"
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(json.dumps({"generation": name, "schema": SCHEMA_VERSION}))
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self._current_file)

    def _read_current(self) -> str:
        try:
            data = json.loads(self._current_file.read_text(encoding="utf-8"))
            stat = self._current_file.stat()
        except (OSError, ValueError) as exc:
            raise BackendUnavailable(f"search index pointer {self._current_file} unreadable: {exc}") from exc
        if data.get("schema") != SCHEMA_VERSION:
            raise BackendUnavailable("search index was built by another version: run `aktenwerk reindex`")
        self._current_stat = (stat.st_mtime_ns, stat.st_ino)
        name = str(data["generation"])
        if not _GEN_RE.match(name):
            raise BackendUnavailable(f"search index pointer names an invalid generation {name!r}")
        return name

    def _open_current(self) -> _Generation:
        name = self._read_current()
        return _Generation(self.path / name, self.schema, create=False)

    def _maybe_switch(self) -> None:
        """Pick up a generation switched by ``rebuild()`` (possibly in another process)."""
        try:
            stat = self._current_file.stat()
        except OSError:
            return
        if (stat.st_mtime_ns, stat.st_ino) == self._current_stat:
            return
        with self._lock:
            name = self._read_current()
            if name != self._gen.name:
                old = self._gen
                self._gen = _Generation(self.path / name, self.schema, create=False)
                self._close_writer(old)

    def generation(self) -> str:
        return self._gen.name

    # -- writes ---------------------------------------------------------------------------------------
    def _writer(self, gen: _Generation) -> Any:
        if gen.writer is None:
            try:
                gen.writer = gen.index.writer(self.heap_size, self.num_threads)
            except ValueError as exc:
                raise IndexLocked(
                    f"search index {gen.directory} is locked by another writer (one writer at a time): {exc}"
                ) from exc
        return gen.writer

    @staticmethod
    def _close_writer(gen: _Generation) -> None:
        if gen.writer is not None:
            with suppress(ValueError):
                gen.writer.rollback()
            gen.writer = None

    def to_document(self, doc: SearchDoc) -> tantivy.Document:
        return _make_document(doc.id, prepare_fields(doc, self.analyzer))

    def _prepared(self, docs: Sequence[SearchDoc]) -> Iterator[tuple[str, dict[str, Any]]]:
        """(id, fields) per document, in order; large batches are analysed by the worker pool."""
        pool = self._pool() if len(docs) >= PARALLEL_MIN_BATCH else None
        if pool is None:
            analyzer = self.analyzer
            for doc in docs:
                yield doc.id, prepare_fields(doc, analyzer)
            return
        size = max(200, len(docs) // (self.workers * 4))
        chunks = [docs[i : i + size] for i in range(0, len(docs), size)]
        # plain tuples cross the process boundary: pickling them is ~3x cheaper than dataclasses/dicts
        payloads = [[tuple(getattr(d, name) for name in _DOC_FIELDS) for d in chunk] for chunk in chunks]
        for chunk, prepared in zip(chunks, pool.imap(_prepare_chunk, payloads), strict=True):
            for doc, values in zip(chunk, prepared, strict=True):
                if isinstance(values, str):  # the worker's validation message
                    raise DocumentInvalid(values)
                yield doc.id, {k: v for k, v in zip(_PREPARED_KEYS, values, strict=True) if v is not None}

    def _pool(self) -> Any:
        """The analysis worker processes (started on first use; ``None`` when ``workers`` is 0)."""
        if self.workers <= 0 or type(self.analyzer) is not GermanAnalyzer:
            return None  # workers run the stock analyzer: a customised one stays in-process
        if self._workers_pool is None:
            ctx = multiprocessing.get_context("spawn")  # never fork a process that runs Tantivy threads
            self._workers_pool = ctx.Pool(self.workers)
        return self._workers_pool

    def _index_into(self, gen: _Generation, docs: Iterable[SearchDoc]) -> int:
        writer = self._writer(gen)
        batch = docs if isinstance(docs, Sequence) else list(docs)
        n = 0
        for doc_id, fields in self._prepared(batch):
            tdoc = _make_document(doc_id, fields)
            writer.delete_documents_by_term(ID, doc_id)
            writer.add_document(tdoc)
            n += 1
        return n

    def index(self, docs: Iterable[SearchDoc]) -> int:
        with self._lock:
            self._maybe_switch()  # after a rebuild elsewhere, write into the live generation
            return self._index_into(self._gen, docs)

    def delete(self, ids: Iterable[str]) -> int:
        with self._lock:
            self._maybe_switch()
            writer = self._writer(self._gen)
            n = 0
            for doc_id in ids:
                writer.delete_documents_by_term(ID, doc_id)
                n += 1
            return n

    def commit(self) -> None:
        with self._lock:
            gen = self._gen
            if gen.writer is not None:
                gen.writer.commit()
            gen.reload()

    def refresh(self) -> None:
        self._maybe_switch()
        self._gen.reload()

    def clear(self) -> None:
        with self._lock:
            writer = self._writer(self._gen)
            writer.delete_all_documents()
            writer.commit()
            self._gen.reload()

    @contextmanager
    def rebuild(self) -> Iterator[_RebuildTarget]:
        with self._lock:
            numbers = [int(m.group(1)) for p in self.path.iterdir() if (m := _GEN_RE.match(p.name))]
            name = self._gen_name(max(numbers, default=0) + 1)
            gen = _Generation(self.path / name, self.schema, create=True)
        target = _RebuildTarget(self, gen)
        try:
            yield target
            target.commit()
            writer = gen.writer
            if writer is not None:
                writer.wait_merging_threads()
                gen.writer = None
        except BaseException:
            self._close_writer(gen)
            shutil.rmtree(gen.directory, ignore_errors=True)
            raise
        with self._lock:
            previous = self._gen
            self._write_current(name)
            self._current_stat = None
            self._maybe_switch()
            self._close_writer(previous)
            self._collect_garbage(keep={name, previous.name})

    def _collect_garbage(self, keep: set[str]) -> None:
        """Drop generations older than the previous one (readers elsewhere may still use that)."""
        for p in self.path.iterdir():
            if _GEN_RE.match(p.name) and p.name not in keep:
                shutil.rmtree(p, ignore_errors=True)

    def close(self) -> None:
        with self._lock:
            self._close_writer(self._gen)
            pool, self._workers_pool = self._workers_pool, None
            threads, self._facet_threads = self._facet_threads, None
            if threads is not None:
                threads.shutdown(wait=True)
            if pool is not None:
                pool.terminate()
                pool.join()

    # -- reads ----------------------------------------------------------------------------------------
    def _searcher(self) -> Any:
        return self._state()[1]

    def _state(self) -> tuple[tuple[str, tuple[int, int, int] | None], Any]:
        """(index state key, searcher of exactly that state): reloads when a commit (possibly in
        another process) rewrote ``meta.json``; the stamp is read before reloading, so a cached result
        is never filed under a state older than the searcher that computed it."""
        self._maybe_switch()
        gen = self._gen
        stamp = gen.meta_stamp()
        if stamp != gen.stamp:
            with self._lock:
                if stamp != gen.stamp:
                    gen.reload(stamp)
        return (gen.name, stamp), gen.index.searcher()

    @staticmethod
    def _load(searcher: Any, address: Any) -> dict[str, Any]:
        raw = searcher.doc(address).get_first("src")
        return dict(json.loads(bytes(raw).decode("utf-8")))

    def get(self, doc_id: str) -> SearchDoc | None:
        searcher = self._searcher()
        result = searcher.search(tantivy.Query.term_query(self.schema, ID, doc_id), 1)
        for _score, address in result.hits:
            data = self._load(searcher, address)
            data.pop("_fp", None)
            return SearchDoc.from_json(data)
        return None

    def _all_payloads(self) -> Iterator[dict[str, Any]]:
        searcher = self._searcher()
        total = searcher.num_docs
        if total == 0:
            return
        result = searcher.search(tantivy.Query.all_query(), total, count=False)
        for _score, address in result.hits:
            yield self._load(searcher, address)

    def get_ids(self) -> set[str]:
        return {p["id"] for p in self._all_payloads()}

    def fingerprints(self) -> dict[str, str]:
        return {p["id"]: p["_fp"] for p in self._all_payloads()}

    def count(self) -> int:
        return int(self._searcher().num_docs)

    def _doc_freq(self, field_name: str, term: str) -> int:
        return int(self._searcher().doc_freq(field_name, term))

    def _terms_with_prefix(self, field_name: str, prefix: str, limit: int) -> list[str]:
        return [t for t, _n in self._searcher().terms_with_prefix(field_name, prefix, limit=limit)]

    def _count(self, q: Q) -> int:
        state, searcher = self._state()
        key = (state, q, (), 0)
        cached = self._cache_get(key)
        if cached is not None:
            return cached[0]
        n = int(searcher.search(self._translate(q), 1, count=True).count)
        self._cache_put(key, (n, {}))
        return n

    def _cache_get(self, key: Any) -> tuple[int, dict[str, list[FacetValue]]] | None:
        with self._cache_lock:
            value = self._results.get(key)
            if value is not None:
                self._results.move_to_end(key)
            return value

    def _cache_put(self, key: Any, value: tuple[int, dict[str, list[FacetValue]]]) -> None:
        with self._cache_lock:
            self._results[key] = value
            while len(self._results) > RESULT_CACHE_SIZE:
                self._results.popitem(last=False)

    def _execute(
        self, q: Q, *, sort: Sort, offset: int, limit: int, facets: Sequence[str], facet_size: int
    ) -> RawResult:
        # Total and facets depend only on the index state and the plan (which carries the permission
        # filter), not on sort or page: they are cached per state, like Elasticsearch's request cache.
        state, searcher = self._state()
        key = (state, q, tuple(facets), facet_size)
        cached = self._cache_get(key)
        query = self._translate(q)
        future: Future[dict[str, list[FacetValue]]] | None = None
        if cached is None and facets:
            # Tantivy releases the GIL: facets are counted on another core while this thread ranks,
            # loads and (in ``search``) highlights the page
            future = self._facet_executor().submit(self._facets, searcher, query, facets, facet_size)
        kwargs: dict[str, Any] = {"count": cached is None, "offset": offset}
        if sort is not Sort.RELEVANCE:
            kwargs["order_by_field"] = DAY
            kwargs["order"] = tantivy.Order.Desc if sort is Sort.DATE_DESC else tantivy.Order.Asc
        try:
            result = searcher.search(query, limit, **kwargs)
        except ValueError as exc:
            raise BackendUnavailable(f"search failed: {exc}") from exc
        hits: list[RawHit] = []
        if sort is Sort.RELEVANCE:
            scored = [(float(key), addr) for key, addr in result.hits]
        else:
            # order_key is the date; report the BM25-free constant score like the other engines
            scored = [(0.0, addr) for _key, addr in result.hits]
        for score, address in scored:
            data = self._load(searcher, address)
            data.pop("_fp", None)
            doc = SearchDoc.from_json(data)
            hits.append(RawHit(doc.id, score, doc))
        if cached is not None:
            total, facet_out = cached
            return RawResult(total, hits, {name: list(values) for name, values in facet_out.items()})
        total = int(result.count)
        if not facets or not total:
            facet_out = {f: [] for f in facets}
            self._cache_put(key, (total, facet_out))
            return RawResult(total, hits, facet_out)
        assert future is not None

        def finish() -> dict[str, list[FacetValue]]:
            try:
                out = future.result()
            except ValueError as exc:
                raise BackendUnavailable(f"facet aggregation failed: {exc}") from exc
            self._cache_put(key, (total, out))
            return {name: list(values) for name, values in out.items()}

        return RawResult(total, hits, {}, pending_facets=finish)

    def _facet_executor(self) -> ThreadPoolExecutor:
        if self._facet_threads is None:
            with self._lock:
                if self._facet_threads is None:
                    self._facet_threads = ThreadPoolExecutor(FACET_THREADS, thread_name_prefix="facets")
        return self._facet_threads

    def _facets(
        self, searcher: Any, query: Any, facets: Sequence[str], size: int
    ) -> dict[str, list[FacetValue]]:
        # Like Elasticsearch's shard_size: each segment contributes its top ``segment_size`` values.
        # Exact for low-cardinality facets; for Akten/correspondents a rare boundary value may be missed.
        wanted = size + 5
        spec = {
            name: {"terms": {"field": FACET_FIELDS[name], "size": wanted, "segment_size": wanted * 2 + 10}}
            for name in facets
        }
        result = searcher.aggregate(query, spec)
        out: dict[str, list[Any]] = {}
        for name in facets:
            buckets = result.get(name, {}).get("buckets", [])
            pairs = []
            for b in buckets:
                key = b["key"]
                if name == "year":
                    key = str(int(key))
                pairs.append((str(key), int(b["doc_count"])))
            out[name] = top_facets(pairs, size)
        return out

    # -- plan -> tantivy query ------------------------------------------------------------------------
    def _translate(self, q: Q) -> Any:
        T = tantivy.Query
        schema = self.schema
        if isinstance(q, MatchAll):
            return T.const_score_query(T.all_query(), 0.0)
        if isinstance(q, MatchNone):
            return T.empty_query()
        if isinstance(q, Term):
            return T.term_query(schema, q.field, q.value)
        if isinstance(q, TermSet):
            return T.term_set_query(schema, q.field, list(q.values))
        if isinstance(q, Prefix):
            return T.regex_query(schema, q.field, _regex_escape(q.prefix) + ".*")
        if isinstance(q, PhraseQ):
            return T.phrase_query(schema, q.field, list(q.terms))
        if isinstance(q, Range):
            return T.range_query(schema, q.field, tantivy.FieldType.Integer, q.lo, q.hi)
        if isinstance(q, Boost):
            return T.boost_query(self._translate(q.child), q.factor)
        if isinstance(q, Bool):
            clauses: list[tuple[Any, Any]] = []
            clauses += [(tantivy.Occur.Must, self._translate(c)) for c in q.must]
            clauses += [(tantivy.Occur.Must, T.const_score_query(self._translate(c), 0.0)) for c in q.filter]
            clauses += [(tantivy.Occur.Should, self._translate(c)) for c in q.should]
            clauses += [(tantivy.Occur.MustNot, self._translate(c)) for c in q.must_not]
            if not any(o != tantivy.Occur.MustNot for o, _ in clauses):
                clauses.append((tantivy.Occur.Must, T.all_query()))
            return T.boolean_query(clauses)
        raise TypeError(f"unsupported query node {q!r}")


def prepare_fields(doc: SearchDoc, analyzer: GermanAnalyzer) -> dict[str, Any]:
    """Everything Tantivy stores and indexes for ``doc`` (plain Python values: picklable)."""
    doc.validate()
    analyzed = analyzer.analyze_doc(doc.title, doc.content, doc.correspondent, doc.content_analysis)
    canonical = doc.canonical_json()
    # stored source = the canonical JSON with the fingerprint prepended (one serialisation per doc)
    src = b'{"_fp":"' + fingerprint_of(canonical).encode("ascii") + b'",' + canonical[1:]
    day = doc.effective_date
    fields: dict[str, Any] = {
        ID: doc.id,
        "src": src,
        BODY: analyzed.body,
        TITLE: analyzed.title,
        PARTS: analyzed.parts,
        CORR: analyzed.correspondent,
        DAY: day.toordinal(),
        YEAR: day.year,
    }
    for kw, values in keyword_values(doc).items():
        if values:
            fields[kw] = values
    for facet, ff in TEXT_FACETS.items():
        values = facet_values(doc, facet)
        if values:
            fields[ff] = values
    return fields


def _prepare_chunk(rows: Sequence[tuple[Any, ...]]) -> list[tuple[Any, ...] | str]:
    """Worker-process side of :meth:`TantivyBackend._prepared`: SearchDoc field tuples in, prepared
    field tuples (``None`` = field absent) out; an invalid document yields its message."""
    analyzer = default_analyzer()
    out: list[tuple[Any, ...] | str] = []
    for row in rows:
        try:
            fields = prepare_fields(SearchDoc(**dict(zip(_DOC_FIELDS, row, strict=True))), analyzer)
        except SearchError as exc:
            out.append(str(exc))
            continue
        out.append(tuple(fields.get(k) for k in _PREPARED_KEYS))
    return out


def _make_document(doc_id: str, fields: dict[str, Any]) -> tantivy.Document:
    try:
        return tantivy.Document(**fields)
    except (ValueError, TypeError) as exc:
        raise DocumentInvalid(f"document {doc_id!r} cannot be indexed: {exc}") from exc


_DOC_FIELDS = tuple(f.name for f in dataclasses.fields(SearchDoc))
_PREPARED_KEYS = (
    ID,
    "src",
    BODY,
    TITLE,
    PARTS,
    CORR,
    DAY,
    YEAR,
    *KEYWORD_FIELDS.values(),
    ACL,
    *TEXT_FACETS.values(),
)


class _RebuildTarget:
    """Write handle on a generation being built by :meth:`TantivyBackend.rebuild`."""

    def __init__(self, backend: TantivyBackend, gen: _Generation) -> None:
        self._backend = backend
        self._gen = gen

    def index(self, docs: Iterable[SearchDoc]) -> int:
        return self._backend._index_into(self._gen, docs)

    def delete(self, ids: Iterable[str]) -> int:
        writer = self._backend._writer(self._gen)
        n = 0
        for doc_id in ids:
            writer.delete_documents_by_term(ID, doc_id)
            n += 1
        return n

    def commit(self) -> None:
        if self._gen.writer is not None:
            self._gen.writer.commit()
