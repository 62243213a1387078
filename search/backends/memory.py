"""In-memory reference engine: a plain inverted index with BM25 (Lucene/Tantivy formula) in Python.

Meant for unit tests and small installations; the contract suite proves the real engines agree with it.
"""

from __future__ import annotations

import math
import threading
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from search.analysis import GermanAnalyzer, normalize_keyword
from search.backends.base import EngineBase, RawHit, RawResult, top_facets
from search.model import SearchDoc, Sort
from search.plan import (
    ACL,
    BODY,
    CORR,
    DAY,
    ID,
    KEYWORD_FIELDS,
    PARTS,
    TITLE,
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

K1 = 1.2
B = 0.75
TEXT_FIELDS = (BODY, TITLE, PARTS, CORR)


def _field_norms_table() -> tuple[int, ...]:
    """Lucene/Tantivy's one-byte document-length buckets: exact up to 40, then 8 buckets per doubling."""
    table = list(range(41))
    value, step = 40, 2
    while len(table) < 256:
        for _ in range(8):
            if len(table) == 256:
                break
            value += step
            table.append(value)
        step *= 2
    return tuple(table)


FIELD_NORMS = _field_norms_table()


def quantized_length(length: int) -> int:
    """Document length as the real engines store it (so BM25 scores agree with Tantivy's)."""
    return FIELD_NORMS[bisect_right(FIELD_NORMS, length) - 1]


MAX_KEYWORD = 500  # characters of a keyword/facet value that are indexed (engines limit term length)


def facet_values(doc: SearchDoc, facet: str) -> list[str]:
    """Display values a document contributes to a facet (shared by all engines' indexing code)."""
    return [v[:MAX_KEYWORD] for v in _facet_values(doc, facet)]


def _facet_values(doc: SearchDoc, facet: str) -> list[str]:
    if facet == "document_type":
        return [doc.document_type] if doc.document_type else []
    if facet == "department":
        return [doc.department] if doc.department else []
    if facet == "correspondent":
        return [doc.correspondent] if doc.correspondent else []
    if facet == "tag":
        return list(dict.fromkeys(t for t in doc.tags if t))
    if facet == "akte":
        return [doc.akte] if doc.akte else []
    if facet == "year":
        return [str(doc.effective_date.year)]
    return []


def keyword_values(doc: SearchDoc) -> dict[str, list[str]]:
    """Normalised values of the exact-match filter fields (and the ACL tokens)."""
    out = {
        KEYWORD_FIELDS["document_type"]: [doc.document_type],
        KEYWORD_FIELDS["department"]: [doc.department],
        KEYWORD_FIELDS["akte"]: [doc.akte or ""],
        KEYWORD_FIELDS["tag"]: list(doc.tags),
        KEYWORD_FIELDS["asn"]: [doc.asn or ""],
    }
    result = {
        k: list(dict.fromkeys(n for n in (normalize_keyword(v[:MAX_KEYWORD]) for v in vs) if n))
        for k, vs in out.items()
    }
    result[ACL] = list(dict.fromkeys(t for t in doc.acl if t))
    return result


class _State:
    def __init__(self) -> None:
        self.docs: dict[str, SearchDoc] = {}
        self.seq: dict[str, int] = {}
        self.next_seq = 0
        self.postings: dict[str, dict[str, dict[str, list[int]]]] = {
            f: defaultdict(dict) for f in TEXT_FIELDS
        }
        self.lengths: dict[str, dict[str, int]] = {f: {} for f in TEXT_FIELDS}
        self.total_len: dict[str, int] = dict.fromkeys(TEXT_FIELDS, 0)
        self.keywords: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
        self.doc_keywords: dict[str, dict[str, list[str]]] = {}


class MemoryBackend(EngineBase):
    name = "memory"

    def __init__(self, analyzer: GermanAnalyzer | None = None) -> None:
        super().__init__(analyzer)
        self._state = _State()
        self._staged: dict[str, SearchDoc | None] = {}
        self._lock = threading.RLock()

    # -- writes -------------------------------------------------------------------------------------
    def index(self, docs: Iterable[SearchDoc]) -> int:
        n = 0
        with self._lock:
            for doc in docs:
                doc.validate()
                self._staged[doc.id] = doc
                n += 1
        return n

    def delete(self, ids: Iterable[str]) -> int:
        n = 0
        with self._lock:
            for doc_id in ids:
                self._staged[doc_id] = None
                n += 1
        return n

    def commit(self) -> None:
        with self._lock:
            staged, self._staged = self._staged, {}
            for doc_id, doc in staged.items():
                self._remove(doc_id)
                if doc is not None:
                    self._add(doc)

    def refresh(self) -> None:
        """Nothing to do: one process, committed state is shared."""

    def clear(self) -> None:
        with self._lock:
            self._state = _State()
            self._staged = {}

    @contextmanager
    def rebuild(self) -> Iterator[MemoryBackend]:
        fresh = MemoryBackend(self.analyzer)
        yield fresh
        fresh.commit()
        with self._lock:
            self._state = fresh._state

    def close(self) -> None:
        """Nothing to release."""

    def _add(self, doc: SearchDoc) -> None:
        st = self._state
        st.docs[doc.id] = doc
        st.seq[doc.id] = st.next_seq
        st.next_seq += 1
        analyzed = self.analyzer.analyze_doc(doc.title, doc.content, doc.correspondent, doc.content_analysis)
        for field_name, text in (
            (BODY, analyzed.body),
            (TITLE, analyzed.title),
            (PARTS, analyzed.parts),
            (CORR, analyzed.correspondent),
        ):
            terms = text.split()
            st.lengths[field_name][doc.id] = len(terms)
            st.total_len[field_name] += len(terms)
            postings = st.postings[field_name]
            for pos, term in enumerate(terms):
                postings[term].setdefault(doc.id, []).append(pos)
        kws = keyword_values(doc)
        kws[ID] = [doc.id]
        st.doc_keywords[doc.id] = kws
        for field_name, values in kws.items():
            for v in values:
                st.keywords[field_name][v].add(doc.id)

    def _remove(self, doc_id: str) -> None:
        st = self._state
        doc = st.docs.pop(doc_id, None)
        if doc is None:
            return
        st.seq.pop(doc_id, None)
        for field_name in TEXT_FIELDS:
            st.total_len[field_name] -= st.lengths[field_name].pop(doc_id, 0)
            postings = st.postings[field_name]
            for term in [t for t, docs in postings.items() if doc_id in docs]:
                del postings[term][doc_id]
                if not postings[term]:
                    del postings[term]
        for field_name, values in st.doc_keywords.pop(doc_id, {}).items():
            for v in values:
                ids = st.keywords[field_name].get(v)
                if ids is not None:
                    ids.discard(doc_id)
                    if not ids:
                        del st.keywords[field_name][v]

    # -- reads --------------------------------------------------------------------------------------
    def get(self, doc_id: str) -> SearchDoc | None:
        return self._state.docs.get(doc_id)

    def get_ids(self) -> set[str]:
        return set(self._state.docs)

    def fingerprints(self) -> dict[str, str]:
        return {i: d.fingerprint() for i, d in self._state.docs.items()}

    def count(self) -> int:
        return len(self._state.docs)

    def _doc_freq(self, field_name: str, term: str) -> int:
        return len(self._state.postings[field_name].get(term, {}))

    def _terms_with_prefix(self, field_name: str, prefix: str, limit: int) -> list[str]:
        postings = self._state.postings[field_name]
        found = [(-len(docs), t) for t, docs in postings.items() if t.startswith(prefix)]
        return [t for _n, t in sorted(found)[:limit]]

    def _count(self, q: Q) -> int:
        with self._lock:
            return len(self._eval(q))

    def _execute(
        self, q: Q, *, sort: Sort, offset: int, limit: int, facets: Sequence[str], facet_size: int
    ) -> RawResult:
        with self._lock:
            st = self._state
            scores = self._eval(q)
            if sort is Sort.RELEVANCE:
                order = sorted(scores, key=lambda i: (-scores[i], st.seq[i]))
            else:
                sign = -1 if sort is Sort.DATE_DESC else 1
                order = sorted(
                    scores, key=lambda i: (sign * st.docs[i].effective_date.toordinal(), st.seq[i])
                )
            page = order[offset : offset + limit]
            relevance = sort is Sort.RELEVANCE
            hits = [RawHit(i, scores[i] if relevance else 0.0, st.docs[i]) for i in page]
            facet_out = {}
            for facet in facets:
                counts: dict[str, int] = defaultdict(int)
                for i in scores:
                    for v in facet_values(st.docs[i], facet):
                        counts[v] += 1
                facet_out[facet] = top_facets(counts.items(), facet_size)
            return RawResult(len(scores), hits, facet_out)

    # -- query evaluation (BM25) --------------------------------------------------------------------
    def _bm25(self, field_name: str, idf: float, tf: float, doc_id: str) -> float:
        st = self._state
        n = max(len(st.docs), 1)
        avgdl = st.total_len[field_name] / n if st.total_len[field_name] else 1.0
        dl = quantized_length(st.lengths[field_name].get(doc_id, 0))
        return idf * (tf * (K1 + 1)) / (tf + K1 * (1 - B + B * dl / avgdl))

    def _idf(self, df: int) -> float:
        n = len(self._state.docs)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def _eval(self, q: Q) -> dict[str, float]:
        st = self._state
        if isinstance(q, MatchAll):
            return dict.fromkeys(st.docs, 0.0)
        if isinstance(q, MatchNone):
            return {}
        if isinstance(q, Term):
            if q.field in st.postings:
                docs = st.postings[q.field].get(q.value, {})
                idf = self._idf(len(docs))
                return {i: self._bm25(q.field, idf, len(pos), i) for i, pos in docs.items()}
            return dict.fromkeys(st.keywords[q.field].get(q.value, ()), 1.0)
        if isinstance(q, TermSet):
            out: dict[str, float] = {}
            for v in q.values:
                out.update(dict.fromkeys(st.keywords[q.field].get(v, ()), 1.0))
            return out
        if isinstance(q, Prefix):
            matched: set[str] = set()
            if q.field in st.postings:
                for term, docs in st.postings[q.field].items():
                    if term.startswith(q.prefix):
                        matched.update(docs)
            else:
                for value, ids in st.keywords[q.field].items():
                    if value.startswith(q.prefix):
                        matched.update(ids)
            return dict.fromkeys(matched, 1.0)
        if isinstance(q, PhraseQ):
            return self._phrase(q)
        if isinstance(q, Range):
            lo = q.lo if q.lo is not None else -(10**9)
            hi = q.hi if q.hi is not None else 10**9
            assert q.field == DAY
            return {i: 1.0 for i, d in st.docs.items() if lo <= d.effective_date.toordinal() <= hi}
        if isinstance(q, Boost):
            return {i: s * q.factor for i, s in self._eval(q.child).items()}
        if isinstance(q, Bool):
            return self._bool(q)
        raise TypeError(f"unsupported query node {q!r}")

    def _phrase(self, q: PhraseQ) -> dict[str, float]:
        postings = self._state.postings[q.field]
        lists = [postings.get(t, {}) for t in q.terms]
        if not all(lists):
            return {}
        idf = sum(self._idf(len(d)) for d in lists)
        out: dict[str, float] = {}
        for doc_id in set(lists[0]).intersection(*lists[1:]):
            later = [set(d[doc_id]) for d in lists[1:]]
            freq = sum(1 for p in lists[0][doc_id] if all((p + k + 1) in s for k, s in enumerate(later)))
            if freq:
                out[doc_id] = self._bm25(q.field, idf, freq, doc_id)
        return out

    def _bool(self, q: Bool) -> dict[str, float]:
        required = [self._eval(c) for c in q.must]
        filters = [self._eval(c) for c in q.filter]
        optional = [self._eval(c) for c in q.should]
        if required or filters:
            base = set.intersection(*(set(r) for r in (*required, *filters)))
        elif optional:
            base = set().union(*(set(o) for o in optional))
        else:
            return {}
        for excluded in q.must_not:
            base -= set(self._eval(excluded))
        scores: dict[str, float] = {}
        for doc_id in base:
            s = sum(r[doc_id] for r in required)
            s += sum(o.get(doc_id, 0.0) for o in optional)
            scores[doc_id] = s
        return scores
