"""Shared orchestration for all engines: parse → compile → permission filter → engine → highlights,
facets and suggestions. Engines implement only the small ``_execute``/``_count``/vocabulary primitives,
so behaviour outside raw retrieval is identical by construction."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from search.analysis import GermanAnalyzer, default_analyzer, tokenize
from search.highlight import MatchMemo, snippets
from search.model import FacetValue, Hit, SearchDoc, SearchRequest, SearchResult, Sort
from search.plan import BODY, ID, Bool, MatchNone, Q, Term, compile_query, text_match, with_acl
from search.query import parse
from search.suggest import bounded_distance

MAX_SUGGESTION_CANDIDATES = 10
VOCABULARY_SCAN = 5_000  # most frequent terms per prefix considered for "Meinten Sie …"
MLT_TERMS = 20


@dataclass(slots=True)
class RawHit:
    id: str
    score: float
    doc: SearchDoc


@dataclass(slots=True)
class RawResult:
    total: int
    hits: list[RawHit] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    # an engine may compute facets concurrently: ``search`` calls this after highlighting the hits
    pending_facets: Callable[[], dict[str, list[FacetValue]]] | None = None


def top_facets(counts: Iterable[tuple[str, int]], size: int) -> list[FacetValue]:
    """Deterministic facet order on every engine: count descending, then value ascending."""
    merged: Counter[str] = Counter()
    for value, n in counts:
        if value != "" and n > 0:
            merged[value] += n
    ordered = sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))
    return [FacetValue(v, n) for v, n in ordered[:size]]


def may_read(doc: SearchDoc, principal_tokens: frozenset[str]) -> bool:
    return "*" in principal_tokens or bool(principal_tokens.intersection(doc.acl))


class EngineBase(ABC):
    name = "base"

    def __init__(self, analyzer: GermanAnalyzer | None = None) -> None:
        self.analyzer = analyzer or default_analyzer()

    # -- engine primitives -----------------------------------------------------------------------
    @abstractmethod
    def _execute(
        self, q: Q, *, sort: Sort, offset: int, limit: int, facets: Sequence[str], facet_size: int
    ) -> RawResult: ...

    @abstractmethod
    def _count(self, q: Q) -> int: ...

    @abstractmethod
    def _terms_with_prefix(self, field_name: str, prefix: str, limit: int) -> list[str]:
        """Up to ``limit`` index terms starting with ``prefix``, most frequent first (then a–z)."""

    @abstractmethod
    def _doc_freq(self, field_name: str, term: str) -> int: ...

    def _vocabulary_candidates(self, stem: str, max_edits: int, prefix_len: int) -> list[str]:
        """Index terms (of the analysed body) that may lie within ``max_edits`` of ``stem``: the most
        frequent ones sharing its first ``prefix_len`` letters. Permissions are checked afterwards with a
        filtered count per candidate."""
        return self._terms_with_prefix(BODY, stem[:prefix_len], VOCABULARY_SCAN)

    @abstractmethod
    def get(self, doc_id: str) -> SearchDoc | None: ...

    @abstractmethod
    def count(self) -> int: ...

    # -- shared behaviour ------------------------------------------------------------------------
    def search(self, request: SearchRequest) -> SearchResult:
        compiled = compile_query(parse(request.query), self.analyzer)
        q = with_acl(compiled.ir, request.principal_tokens)
        if isinstance(q, MatchNone) or isinstance(compiled.ir, MatchNone):
            raw = RawResult(0, [], {name: [] for name in request.facets})
        else:
            raw = self._execute(
                q,
                sort=request.sort,
                offset=request.offset,
                limit=request.page_size,
                facets=request.facets,
                facet_size=request.facet_size,
            )
        memo = MatchMemo()
        hits = [self._hit(h, compiled.terms, compiled.prefixes, request.highlight, memo) for h in raw.hits]
        if raw.pending_facets is not None:
            raw.facets = raw.pending_facets()
        notices = list(compiled.notices)
        suggestion = None
        if raw.total == 0 and compiled.single_word and request.principal_tokens:
            suggestion = self.suggest(compiled.single_word, request.principal_tokens)
            if suggestion:
                notices.append(f"Keine Treffer. Meinten Sie „{suggestion}“?")
        return SearchResult(
            total=raw.total,
            hits=hits,
            facets={name: raw.facets.get(name, []) for name in request.facets},
            notice=" ".join(notices) if notices else None,
            suggestion=suggestion,
            page=request.page,
            page_size=request.page_size,
        )

    def _hit(
        self,
        raw: RawHit,
        terms: frozenset[str],
        prefixes: tuple[str, ...],
        highlight: bool,
        memo: MatchMemo | None = None,
    ) -> Hit:
        doc = raw.doc
        marks = snippets(doc.content, terms, prefixes, self.analyzer, memo=memo) if highlight else []
        return Hit(
            id=raw.id,
            title=doc.title,
            score=raw.score,
            highlights=marks,
            document_type=doc.document_type,
            document_date=doc.effective_date,
            akte=doc.akte,
        )

    def suggest(self, word: str, principal_tokens: frozenset[str]) -> str | None:
        """A visible index word within edit distance 1–2 of ``word`` (``None`` if there is none)."""
        stem = self.analyzer.stem(word)
        if stem is None or len(stem) < 3 or stem.isdigit():
            return None
        limit = 1 if len(stem) <= 5 else 2
        best: tuple[tuple[int, int, str], str] | None = None
        # most typos keep the first two letters: look there first, then widen to the first letter
        for prefix_len in (2, 1):
            candidates: list[tuple[int, str]] = []
            for term in self._vocabulary_candidates(stem, limit, prefix_len):
                if term == stem:
                    continue
                d = bounded_distance(stem, term, limit)
                if d is not None:
                    candidates.append((d, term))
            candidates.sort()
            for d, term in candidates[:MAX_SUGGESTION_CANDIDATES]:
                n = self._count(with_acl(text_match(term), principal_tokens))
                if n and (best is None or (d, -n, term) < best[0]):
                    best = ((d, -n, term), term)
            if best is not None:
                break
        if best is None:
            return None
        term = best[1]
        top = self._execute(
            with_acl(text_match(term), principal_tokens),
            sort=Sort.RELEVANCE,
            offset=0,
            limit=1,
            facets=(),
            facet_size=1,
        )
        for hit in top.hits:
            for raw in tokenize(f"{hit.doc.title} {hit.doc.content[:100_000]}"):
                if self.analyzer.stem(raw) == term:
                    return raw
        return term

    def more_like_this(self, doc_id: str, principal_tokens: frozenset[str], limit: int = 10) -> SearchResult:
        source = self.get(doc_id)
        if source is None or not may_read(source, frozenset(principal_tokens)):
            return SearchResult(total=0, page_size=limit)
        tf = Counter(self.analyzer.terms(f"{source.title} {source.content}"))
        total_docs = max(self.count(), 1)
        scored: list[tuple[float, str]] = []
        for term, freq in tf.items():
            df = self._doc_freq(BODY, term)
            if df < 2:
                continue  # only in the source document itself: cannot connect to anything
            scored.append((-(freq * math.log(1 + total_docs / df)), term))
        scored.sort()
        terms = [t for _s, t in scored[:MLT_TERMS]]
        if not terms:
            return SearchResult(total=0, page_size=limit)
        q: Q = Bool(should=tuple(Term(BODY, t) for t in terms), must_not=(Term(ID, doc_id),))
        raw = self._execute(
            with_acl(q, frozenset(principal_tokens)),
            sort=Sort.RELEVANCE,
            offset=0,
            limit=limit,
            facets=(),
            facet_size=1,
        )
        hits = [self._hit(h, frozenset(terms), (), highlight=False) for h in raw.hits]
        return SearchResult(total=raw.total, hits=hits, page_size=limit)
