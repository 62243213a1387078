"""Scale-out engine on Elasticsearch (official client 9.x).

* An index template (``<alias>-template``) fixes settings and a strict mapping: text fields use the
  ``whitespace`` analyzer on text pre-analysed by :mod:`search.analysis`, so Elasticsearch sees the very
  same terms as Tantivy and the memory engine; BM25 with ES defaults (k1=1.2, b=0.75).
* Searches go through an alias. ``rebuild()`` fills a new concrete index and swaps the alias in one
  atomic ``_aliases`` call (zero downtime), then deletes the old index.
* Indexing uses the bulk helper; :meth:`commit` refreshes so writes become visible.
Client errors are translated to :class:`~search.errors.BackendUnavailable` at this boundary.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TypeVar

from elasticsearch import ApiError, Elasticsearch, NotFoundError, TransportError, helpers

from search.analysis import GermanAnalyzer
from search.backends.base import EngineBase, RawHit, RawResult, top_facets
from search.backends.memory import facet_values, keyword_values
from search.errors import BackendUnavailable
from search.model import SearchDoc, Sort
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

T = TypeVar("T")
TEXT_FACETS = {name: f for name, f in FACET_FIELDS.items() if name != "year"}


def index_template(alias: str, *, shards: int = 1, replicas: int = 0) -> dict[str, Any]:
    text = {"type": "text", "analyzer": "whitespace", "search_analyzer": "whitespace"}
    properties: dict[str, Any] = {
        ID: {"type": "keyword"},
        "fp": {"type": "keyword", "index": False},
        "src": {"type": "object", "enabled": False},
        BODY: text,
        TITLE: text,
        PARTS: {**text, "index_options": "freqs"},
        CORR: text,
        DAY: {"type": "integer"},
        YEAR: {"type": "integer"},
    }
    for kw in (*KEYWORD_FIELDS.values(), ACL, *TEXT_FACETS.values()):
        properties[kw] = {"type": "keyword"}
    return {
        "index_patterns": [f"{alias}-*"],
        "template": {
            "settings": {
                "number_of_shards": shards,
                "number_of_replicas": replicas,
                "refresh_interval": "1s",
            },
            "mappings": {"dynamic": "strict", "properties": properties},
        },
    }


def translate(q: Q) -> dict[str, Any]:
    """Plan → Elasticsearch query DSL (pure; unit-tested without a server)."""
    if isinstance(q, MatchAll):
        return {"bool": {"filter": [{"match_all": {}}]}}  # matches everything, scores 0
    if isinstance(q, MatchNone):
        return {"match_none": {}}
    if isinstance(q, Term):
        return {"term": {q.field: {"value": q.value}}}
    if isinstance(q, TermSet):
        return {"terms": {q.field: list(q.values)}}
    if isinstance(q, Prefix):
        return {"prefix": {q.field: {"value": q.prefix}}}
    if isinstance(q, PhraseQ):
        return {"match_phrase": {q.field: {"query": " ".join(q.terms), "analyzer": "whitespace"}}}
    if isinstance(q, Range):
        bounds: dict[str, int] = {}
        if q.lo is not None:
            bounds["gte"] = q.lo
        if q.hi is not None:
            bounds["lte"] = q.hi
        return {"range": {q.field: bounds}}
    if isinstance(q, Boost):
        return {"bool": {"must": [translate(q.child)], "boost": q.factor}}
    if isinstance(q, Bool):
        body: dict[str, Any] = {}
        if q.must:
            body["must"] = [translate(c) for c in q.must]
        if q.filter:
            body["filter"] = [translate(c) for c in q.filter]
        if q.should:
            body["should"] = [translate(c) for c in q.should]
        if q.must_not:
            body["must_not"] = [translate(c) for c in q.must_not]
        if not (q.must or q.filter or q.should):
            body["must"] = [{"match_all": {}}]
        return {"bool": body}
    raise TypeError(f"unsupported query node {q!r}")


class ElasticsearchBackend(EngineBase):
    name = "elasticsearch"

    def __init__(
        self,
        url: str,
        *,
        index: str = "aktenwerk-search",
        shards: int = 1,
        replicas: int = 0,
        client: Elasticsearch | None = None,
        analyzer: GermanAnalyzer | None = None,
        request_timeout: float = 30.0,
    ) -> None:
        super().__init__(analyzer)
        self.alias = index
        self.shards = shards
        self.replicas = replicas
        self.client = client or Elasticsearch(url, request_timeout=request_timeout)
        self._call(self._ensure_setup)

    # -- boundary -------------------------------------------------------------------------------------
    @staticmethod
    def _call(fn: Callable[[], T]) -> T:
        try:
            return fn()
        except (TransportError, ApiError) as exc:
            raise BackendUnavailable(f"elasticsearch: {exc}") from exc

    def _ensure_setup(self) -> None:
        self.client.indices.put_index_template(
            name=f"{self.alias}-template",
            **index_template(self.alias, shards=self.shards, replicas=self.replicas),
        )
        if not self.client.indices.exists_alias(name=self.alias):
            first = self._new_index_name()
            self.client.indices.create(index=first, aliases={self.alias: {"is_write_index": True}})

    def _new_index_name(self) -> str:
        return f"{self.alias}-{time.strftime('%Y%m%d%H%M%S')}-{time.monotonic_ns() % 1_000_000:06d}"

    def _concrete_indices(self) -> list[str]:
        try:
            return sorted(self.client.indices.get_alias(name=self.alias).body)
        except NotFoundError:
            return []

    # -- writes ---------------------------------------------------------------------------------------
    def to_source(self, doc: SearchDoc) -> dict[str, Any]:
        doc.validate()
        analyzed = self.analyzer.analyze_doc(doc.title, doc.content, doc.correspondent, doc.content_analysis)
        source: dict[str, Any] = {
            ID: doc.id,
            "fp": doc.fingerprint(),
            "src": doc.to_json(),
            BODY: analyzed.body,
            TITLE: analyzed.title,
            PARTS: analyzed.parts,
            CORR: analyzed.correspondent,
            DAY: doc.effective_date.toordinal(),
            YEAR: doc.effective_date.year,
        }
        for kw, values in keyword_values(doc).items():
            if values:
                source[kw] = values
        for facet, ff in TEXT_FACETS.items():
            values = facet_values(doc, facet)
            if values:
                source[ff] = values
        return source

    def _bulk(self, actions: Iterable[dict[str, Any]]) -> int:
        def run() -> int:
            ok, errors = helpers.bulk(
                self.client, actions, raise_on_error=False, ignore_status=(404,), chunk_size=1000
            )
            failed = errors if isinstance(errors, list) else []
            if failed:
                raise BackendUnavailable(
                    f"elasticsearch bulk write failed for {len(failed)} document(s): {failed[:3]}"
                )
            return int(ok)

        return self._call(run)

    def _index_into(self, index: str, docs: Iterable[SearchDoc]) -> int:
        return self._bulk(
            {"_op_type": "index", "_index": index, "_id": d.id, "_source": self.to_source(d)} for d in docs
        )

    def index(self, docs: Iterable[SearchDoc]) -> int:
        return self._index_into(self.alias, docs)

    def delete(self, ids: Iterable[str]) -> int:
        return self._bulk({"_op_type": "delete", "_index": self.alias, "_id": i} for i in ids)

    def commit(self) -> None:
        self._call(lambda: self.client.indices.refresh(index=self.alias))

    def refresh(self) -> None:
        """Nothing to do: every request sees the latest refreshed state (``commit`` refreshes)."""

    def clear(self) -> None:
        self._call(
            lambda: self.client.delete_by_query(
                index=self.alias, query={"match_all": {}}, refresh=True, conflicts="proceed"
            )
        )

    @contextmanager
    def rebuild(self) -> Iterator[_EsRebuildTarget]:
        new = self._new_index_name()
        self._call(lambda: self.client.indices.create(index=new, settings={"refresh_interval": "-1"}))
        target = _EsRebuildTarget(self, new)
        try:
            yield target
            self._call(
                lambda: self.client.indices.put_settings(index=new, settings={"refresh_interval": "1s"})
            )
            self._call(lambda: self.client.indices.refresh(index=new))
        except BaseException:
            self.client.indices.delete(index=new, ignore_unavailable=True)
            raise
        old = self._call(self._concrete_indices)
        actions: list[dict[str, Any]] = [{"remove": {"index": o, "alias": self.alias}} for o in old]
        actions.append({"add": {"index": new, "alias": self.alias, "is_write_index": True}})
        self._call(lambda: self.client.indices.update_aliases(actions=actions))
        for name in old:
            self._drop_index(name)

    def _drop_index(self, name: str) -> None:
        self._call(lambda: self.client.indices.delete(index=name, ignore_unavailable=True))

    def close(self) -> None:
        self.client.close()

    # -- reads ----------------------------------------------------------------------------------------
    def get(self, doc_id: str) -> SearchDoc | None:
        def run() -> SearchDoc | None:
            res = self.client.search(
                index=self.alias, query={"term": {ID: doc_id}}, size=1, source_includes=["src"]
            )
            hits = res["hits"]["hits"]
            return SearchDoc.from_json(hits[0]["_source"]["src"]) if hits else None

        return self._call(run)

    def _scan(self) -> Iterator[dict[str, Any]]:
        body = {"query": {"match_all": {}}, "_source": [ID, "fp"]}
        for hit in helpers.scan(self.client, index=self.alias, query=body):
            yield hit["_source"]

    def get_ids(self) -> set[str]:
        return self._call(lambda: {s[ID] for s in self._scan()})

    def fingerprints(self) -> dict[str, str]:
        return self._call(lambda: {s[ID]: s["fp"] for s in self._scan()})

    def count(self) -> int:
        return self._call(lambda: int(self.client.count(index=self.alias)["count"]))

    def _doc_freq(self, field_name: str, term: str) -> int:
        return self._count(Term(field_name, term))

    def _terms_with_prefix(self, field_name: str, prefix: str, limit: int) -> list[str]:
        # text fields have no terms_enum support; the suggester path below is used instead
        raise NotImplementedError

    def _vocabulary_candidates(self, stem: str, max_edits: int, prefix_len: int) -> list[str]:
        def run() -> list[str]:
            res = self.client.search(
                index=self.alias,
                size=0,
                suggest={
                    "vocab": {
                        "text": stem,
                        "term": {
                            "field": BODY,
                            "analyzer": "whitespace",
                            "suggest_mode": "always",
                            "max_edits": max_edits,
                            "prefix_length": prefix_len,
                            "min_word_length": 3,
                            "size": 20,
                            "string_distance": "damerau_levenshtein",
                        },
                    }
                },
            )
            out: list[str] = []
            for entry in res.get("suggest", {}).get("vocab", []):
                out.extend(opt["text"] for opt in entry.get("options", []))
            return out

        return self._call(run)

    def _count(self, q: Q) -> int:
        return self._call(lambda: int(self.client.count(index=self.alias, query=translate(q))["count"]))

    def _execute(
        self, q: Q, *, sort: Sort, offset: int, limit: int, facets: Sequence[str], facet_size: int
    ) -> RawResult:
        params: dict[str, Any] = {
            "index": self.alias,
            "query": translate(q),
            "from_": offset,
            "size": limit,
            "track_total_hits": True,
            "source_includes": ["src"],
        }
        if sort is not Sort.RELEVANCE:
            params["sort"] = [{DAY: {"order": "desc" if sort is Sort.DATE_DESC else "asc"}}]
        if facets:
            params["aggs"] = {
                name: {
                    "terms": {
                        "field": FACET_FIELDS[name],
                        "size": facet_size,
                        "order": [{"_count": "desc"}, {"_key": "asc"}],
                    }
                }
                for name in facets
            }
        res = self._call(lambda: self.client.search(**params))
        hits: list[RawHit] = []
        for h in res["hits"]["hits"]:
            doc = SearchDoc.from_json(h["_source"]["src"])
            score = float(h["_score"]) if sort is Sort.RELEVANCE and h.get("_score") is not None else 0.0
            hits.append(RawHit(doc.id, score, doc))
        facet_out: dict[str, list[Any]] = {}
        aggs = res.get("aggregations", {}) or {}
        for name in facets:
            buckets = aggs.get(name, {}).get("buckets", [])
            facet_out[name] = top_facets(((str(b["key"]), int(b["doc_count"])) for b in buckets), facet_size)
        return RawResult(int(res["hits"]["total"]["value"]), hits, facet_out)


class _EsRebuildTarget:
    def __init__(self, backend: ElasticsearchBackend, index: str) -> None:
        self._backend = backend
        self._index = index

    def index(self, docs: Iterable[SearchDoc]) -> int:
        return self._backend._index_into(self._index, docs)

    def delete(self, ids: Iterable[str]) -> int:
        return self._backend._bulk({"_op_type": "delete", "_index": self._index, "_id": i} for i in ids)

    def commit(self) -> None:
        """Refresh happens once when the rebuild finishes."""
