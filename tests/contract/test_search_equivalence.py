"""Every engine answers like the memory reference on a generated corpus: same totals, same hits in the
same order (BM25 with the same document-length buckets), same facets, same permission behaviour."""

from __future__ import annotations

import math

import pytest

from search.backends import create_backend
from search.model import SearchRequest, SearchResult, Sort
from search.ports import SearchBackend
from search.synthetic import generate
from tests.contract.search import engines as _engines
from tests.contract.search.engines import EngineFactory

make_engine = _engines.make_engine  # fixture shared by the search contract modules

QUERIES = [
    "",
    "Rechnung",
    "Hundesteuer",
    "Bauantrag Lageplan",
    '"Stadtkasse überweisen"',
    '"Betrag innerhalb"',
    "Widerspruch -Bescheid",
    "Kanal*",
    "Gewerbesteuer OR Grundsteuer",
    "typ:Rechnung",
    "typ:Bescheid Gebühr",
    "abteilung:63 Grundstück",
    "von:Müller",
    'von:"Stadtwerke Musterstadt"',
    "tag:Bau",
    "datum:2023",
    "datum:2021-01-01..2021-06-30 Antrag",
    "akte:63.01*",
    "Mueller Widerspruch",
    "Strasse",
    "Sanierung",
    "Unterlagen Nachweise",
    "(Wohngeld ODER Elterngeld) -typ:Antrag",
]
PRINCIPALS = [frozenset({"*"}), frozenset({"dept:63", "user:5"}), frozenset({"dept:20", "group:ausschuss"})]


def assert_same_facets(ref: SearchResult, got: SearchResult, label: str) -> None:
    """Same counts in the same order; values must agree except among ties at the cut-off (engines
    that count per segment/shard keep an arbitrary subset of equally frequent boundary values)."""
    assert set(got.facets) == set(ref.facets), label
    for name, ref_values in ref.facets.items():
        got_values = got.facets[name]
        assert [v.count for v in got_values] == [v.count for v in ref_values], f"{label} {name}"
        if len(ref_values) < 5:  # nothing was cut off
            assert got_values == ref_values, f"{label} {name}"
            continue
        boundary = ref_values[-1].count
        assert {v for v in got_values if v.count > boundary} == {v for v in ref_values if v.count > boundary}, (
            f"{label} {name}"
        )


def _close(a: float, b: float, rel: float = 1e-4) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=1e-5)


def _normalised(result: SearchResult) -> SearchResult:
    """Lucene (Elasticsearch) drops BM25's constant (k1+1) factor and averages field lengths over the
    documents that have the field: compare its ranking by scores relative to the best hit."""
    top = max((h.score for h in result.hits), default=0.0) or 1.0
    for h in result.hits:
        h.score = h.score / top
    return result


def _assert_same(ref: SearchResult, got: SearchResult, label: str, rel: float = 1e-4) -> None:
    assert got.total == ref.total, label
    assert_same_facets(ref, got, label)
    if ref.hits and all(h.score == 0.0 for h in ref.hits):  # date order: same dates, same ids per date
        assert [h.document_date for h in got.hits] == [h.document_date for h in ref.hits], label
        by_date_ref = {(h.document_date, h.id) for h in ref.hits}
        boundary = ref.hits[-1].document_date
        assert {x for x in by_date_ref if x[0] != boundary} == {
            (h.document_date, h.id) for h in got.hits if h.document_date != boundary
        }, label
        return
    ref_hits = [(h.id, h.score) for h in ref.hits]
    got_hits = [(h.id, h.score) for h in got.hits]
    assert len(ref_hits) == len(got_hits), label
    for (rid, rs), (gid, gs) in zip(ref_hits, got_hits, strict=True):
        assert _close(rs, gs, rel), f"{label}: score {rs} vs {gs}"
        if rid != gid:
            # equal scores may tie-break differently; the ids must then share the score
            assert any(i == gid and _close(s, rs, rel) for i, s in ref_hits), f"{label}: {rid} vs {gid}"
    ref_marks = {h.id: h.highlights for h in ref.hits}
    for h in got.hits:
        assert h.highlights == ref_marks.get(h.id, h.highlights), label


@pytest.fixture(scope="module")
def docs() -> list:
    return list(generate(400, seed=7, target_chars=600))


def test_engines_agree_with_reference(make_engine: EngineFactory, docs: list) -> None:
    engine: SearchBackend = make_engine()
    if engine.name == "memory":
        pytest.skip("the reference itself")
    reference = create_backend("memory")
    for backend in (engine, reference):
        backend.index(docs)
        backend.commit()
    for tokens in PRINCIPALS:
        for query in QUERIES:
            for sort in (Sort.RELEVANCE, Sort.DATE_DESC):
                req = SearchRequest(
                    query=query, principal_tokens=tokens, page_size=30, sort=sort, facet_size=5
                )
                label = f"{query!r} {sorted(tokens)} {sort}"
                if engine.name == "elasticsearch":
                    _assert_same(
                        _normalised(reference.search(req)), _normalised(engine.search(req)), label, 0.05
                    )
                else:
                    _assert_same(reference.search(req), engine.search(req), label)
    # paging deep into the result list stays in step too
    req = SearchRequest(query="Rechnung OR Bescheid", principal_tokens=PRINCIPALS[0], page=3, page_size=20)
    if engine.name == "elasticsearch":
        _assert_same(_normalised(reference.search(req)), _normalised(engine.search(req)), "page 3", 0.05)
    else:
        _assert_same(reference.search(req), engine.search(req), "page 3")
