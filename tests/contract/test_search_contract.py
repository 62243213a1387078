"""One contract, every engine: memory (reference), tantivy, elasticsearch (when ES_URL is set)."""

from __future__ import annotations

from datetime import date

import pytest

from search.errors import InvalidSearchRequest
from search.model import SearchRequest, Sort
from search.ports import SearchBackend
from tests.contract.search import engines as _engines
from tests.contract.search.corpus import ALL, DEPT_20, DEPT_32, DEPT_63, corpus, make_doc
from tests.contract.search.engines import EngineFactory

make_engine = _engines.make_engine  # fixtures shared by the search contract modules
engine = _engines.engine


def ids(engine: SearchBackend, query: str, tokens: frozenset[str] = ALL, **kw: object) -> list[str]:
    return [h.id for h in engine.search(SearchRequest(query=query, principal_tokens=tokens, **kw)).hits]  # type: ignore[arg-type]


def idset(engine: SearchBackend, query: str, tokens: frozenset[str] = ALL) -> set[str]:
    return set(ids(engine, query, tokens, page_size=100))


# --- German analysis -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Mueller", {"bau-1", "bau-2", "bau-3", "sec-1"}),  # text and correspondent, Müller ↔ Mueller
        ("Müller", {"bau-1", "bau-2", "bau-3", "sec-1"}),
        ("Schulz", {"fin-2", "ord-2"}),  # correspondent only
        ("Hauptstrasse", {"bau-1", "bau-3"}),  # Straße ↔ Strasse
        ("Hauptstraße", {"bau-1", "bau-3"}),
        ("Bauantrag", {"bau-1", "bau-2", "sec-1"}),  # Bauanträge → Bauantrag (stemming)
        ("Formular", {"bau-1"}),  # Bauantragsformular (decompounding)
        ("Antragsformular", {"bau-1"}),  # inner compounds of Bauantragsformular are indexed too
        ("Anmeldung", {"ord-2"}),  # Gewerbeanmeldung
        ("reinigung", {"fin-2"}),  # Straßenreinigung, Reinigungsgebühren
        ("RECHNUNG", {"fin-1", "fin-2", "fin-3"}),
    ],
)
def test_german_analysis(engine: SearchBackend, query: str, expected: set[str]) -> None:
    assert idset(engine, query) == expected


def test_stop_words_are_ignored_and_said(engine: SearchBackend) -> None:
    res = engine.search(SearchRequest(query="der Bauantrag", principal_tokens=ALL))
    assert {h.id for h in res.hits} == {"bau-1", "bau-2", "sec-1"}
    assert res.notice and "„der“" in res.notice
    only = engine.search(SearchRequest(query="und der die", principal_tokens=ALL))
    assert only.total == 0 and only.notice


# --- query language --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('"Rechnung Stromlieferung"', {"fin-1"}),
        ('"Stromlieferung Rechnung"', set()),
        ("Rechnung -Mahnung", {"fin-1", "fin-2"}),
        ('Rechnung -"offene Rechnung"', {"fin-1", "fin-2"}),
        ("Gewerbe*", {"ord-2", "fin-2"}),  # Gewerbeanmeldung, Gewerbegebiet
        ("Hundesteuer OR Gewerbeanmeldung", {"ord-1", "ord-2"}),
        ("(Hundesteuer ODER Gewerbeanmeldung) Bäckerei", {"ord-2"}),
        ("typ:Rechnung", {"fin-1", "fin-2"}),
        ("typ:rechnung Strom*", {"fin-1"}),
        ("typ:Bescheid OR typ:Mahnung", {"bau-3", "ord-1", "fin-3"}),
        ("akte:63.01.02-2024/0147", {"bau-1", "bau-2", "bau-3"}),
        ("akte:20.30*", {"fin-1", "fin-2", "fin-3"}),
        ("von:Müller", {"bau-1", "bau-2", "bau-3"}),  # Müller and Mueller
        ('von:"Stadtwerke Musterstadt"', {"fin-1", "fin-3"}),
        ("tag:bau", {"bau-1", "bau-2", "bau-3"}),
        ("tag:Bau tag:Genehmigung", {"bau-3"}),
        ("abteilung:32", {"ord-1", "ord-2", "ord-3"}),
        ("asn:ASN-0101", {"fin-2"}),
        ("datum:2024-01-01..2024-06-30", {"bau-1", "bau-2", "bau-3", "ord-2", "sec-1"}),
        ("datum:2025", {"fin-1", "fin-2", "fin-3", "ord-1"}),
        ("datum:2025-02", {"fin-1", "fin-2"}),
        ("datum:..2023-12-31", {"ord-3"}),  # no document date: the upload date counts
        ("datum:2025 -typ:Rechnung", {"fin-3", "ord-1"}),
        ("-typ:Rechnung -typ:Bescheid -typ:Mahnung -datum:2024", {"ord-3"}),
    ],
)
def test_query_language(engine: SearchBackend, query: str, expected: set[str]) -> None:
    assert idset(engine, query) == expected


@pytest.mark.parametrize(
    "query",
    [
        '"Rechnung offen',
        "Rechnung (offen",
        "foo:Rechnung",
        "datum:2025-13",
        "Rechnung OR",
        "OR OR",
        ")",
        "-",
        '"',
        "x*",
    ],
)
def test_syntax_slips_never_error(engine: SearchBackend, query: str) -> None:
    res = engine.search(SearchRequest(query=query, principal_tokens=ALL))
    assert res.total >= 0
    if query.strip() not in {"-", ")"}:
        assert res.notice or res.total >= 0


def test_syntax_slip_degrades_to_words_with_notice(engine: SearchBackend) -> None:
    res = engine.search(SearchRequest(query='"Rechnung Straßenreinigung', principal_tokens=ALL))
    assert {h.id for h in res.hits} == {"fin-2"}
    assert res.notice and "Anführungszeichen" in res.notice
    res = engine.search(SearchRequest(query="farbe:Rechnung", principal_tokens=ALL))
    assert res.notice and "farbe" in res.notice


def test_empty_query_lists_everything_visible(engine: SearchBackend) -> None:
    assert engine.search(SearchRequest(query="", principal_tokens=ALL)).total == len(corpus())
    assert engine.search(SearchRequest(query="", principal_tokens=DEPT_20)).total == 3


# --- permissions -----------------------------------------------------------------------------------
def test_permission_filter_hides_hits_counts_and_facets(engine: SearchBackend) -> None:
    res = engine.search(SearchRequest(query="Bauantrag OR Müller", principal_tokens=DEPT_63))
    assert {h.id for h in res.hits} == {"bau-1", "bau-2", "bau-3"}
    assert res.total == 3
    values = {v.value for vs in res.facets.values() for v in vs}
    assert "Personal" not in values and "Personalamt" not in values and "Vertraulich" not in values
    assert [(v.value, v.count) for v in res.facets["department"]] == [("63", 3)]
    other = engine.search(SearchRequest(query="Bauantrag", principal_tokens=DEPT_20))
    assert other.total == 0 and other.hits == [] and all(v == [] for v in other.facets.values())


def test_no_tokens_sees_nothing(engine: SearchBackend) -> None:
    res = engine.search(SearchRequest(query="", principal_tokens=frozenset()))
    assert res.total == 0 and res.hits == []


def test_user_and_group_tokens(engine: SearchBackend) -> None:
    assert idset(engine, "", frozenset({"user:7"})) == {"ord-1"}
    assert idset(engine, "", frozenset({"group:ausschuss"})) == {"ord-3"}
    assert idset(engine, "Vertraulich", frozenset({"user:99"})) == {"sec-1"}
    assert idset(engine, "Vertraulich", DEPT_32 | DEPT_20 | DEPT_63) == set()


def test_suggestion_does_not_leak_invisible_words(engine: SearchBackend) -> None:
    # "Beurteilung" only occurs in sec-1 (user:99): a typo must not reveal it to others
    hidden = engine.search(SearchRequest(query="Beurtielung", principal_tokens=DEPT_63))
    assert hidden.total == 0 and hidden.suggestion is None
    visible = engine.search(SearchRequest(query="Beurtielung", principal_tokens=frozenset({"user:99"})))
    assert visible.suggestion == "Beurteilung"


# --- ranking, sorting, paging ----------------------------------------------------------------------
def test_title_boost(make_engine: EngineFactory) -> None:
    e = make_engine()
    filler = "Allgemeiner Vermerk zur Akte ohne weiteren Inhalt."
    e.index(
        [
            make_doc("body", title="Vermerk Alpha", content=f"Kanalsanierung geplant. {filler}"),
            make_doc("title", title="Kanalsanierung", content=f"Vermerk Alpha geplant. {filler}"),
        ]
    )
    e.commit()
    hits = e.search(SearchRequest(query="Kanalsanierung", principal_tokens=ALL)).hits
    assert [h.id for h in hits] == ["title", "body"]
    assert hits[0].score > hits[1].score > 0


def test_bm25_prefers_denser_matches(engine: SearchBackend) -> None:
    order = ids(engine, "Rechnung")
    assert set(order) == {"fin-1", "fin-2", "fin-3"}
    # fin-3 mentions "Rechnung" in title and twice in the text
    assert order[0] in {"fin-3", "fin-2", "fin-1"}
    res = engine.search(SearchRequest(query="Rechnung", principal_tokens=ALL))
    scores = [h.score for h in res.hits]
    assert scores == sorted(scores, reverse=True)


def test_sort_by_date_and_paging(engine: SearchBackend) -> None:
    newest = ids(engine, "", ALL, sort=Sort.DATE_DESC, page_size=3)
    assert newest == ["fin-3", "fin-2", "fin-1"]
    oldest = ids(engine, "", ALL, sort=Sort.DATE_ASC, page_size=2)
    assert oldest == ["ord-3", "bau-1"]
    page2 = engine.search(
        SearchRequest(query="", principal_tokens=ALL, sort=Sort.DATE_DESC, page=2, page_size=3)
    )
    assert [h.id for h in page2.hits] == ["ord-1", "bau-3", "ord-2"]
    assert page2.total == len(corpus())
    beyond = engine.search(SearchRequest(query="", principal_tokens=ALL, page=5, page_size=3))
    assert beyond.hits == [] and beyond.total == len(corpus())


def test_relevance_paging_is_consistent(engine: SearchBackend) -> None:
    full = ids(engine, "Rechnung OR Bauantrag OR Bescheid", ALL, page_size=20)
    paged = [
        i
        for p in (1, 2, 3)
        for i in ids(engine, "Rechnung OR Bauantrag OR Bescheid", ALL, page=p, page_size=3)
    ]
    assert paged == full[:9]


def test_invalid_requests_are_clear_errors() -> None:
    with pytest.raises(InvalidSearchRequest):
        SearchRequest(query="x", page=0)
    with pytest.raises(InvalidSearchRequest):
        SearchRequest(query="x", page_size=1000)
    with pytest.raises(InvalidSearchRequest):
        SearchRequest(query="x", sort="colour")  # type: ignore[arg-type]
    with pytest.raises(InvalidSearchRequest):
        SearchRequest(query="x", facets=("nope",))


# --- facets, highlights, suggestions, more-like-this --------------------------------------------------
def test_facets(engine: SearchBackend) -> None:
    res = engine.search(SearchRequest(query="", principal_tokens=ALL))
    f = {k: [(v.value, v.count) for v in vs] for k, vs in res.facets.items()}
    assert f["document_type"][:2] == [("Bescheid", 2), ("Rechnung", 2)]
    assert ("Protokoll", 1) in f["document_type"]
    assert f["department"] == [("32", 3), ("20", 3), ("63", 3), ("10", 1)] or f["department"] == [
        ("20", 3),
        ("32", 3),
        ("63", 3),
        ("10", 1),
    ]
    assert f["department"] == [("20", 3), ("32", 3), ("63", 3), ("10", 1)]  # count desc, value asc
    assert f["year"] == [("2024", 5), ("2025", 4), ("2023", 1)]
    assert f["tag"][0] == ("Bau", 3)
    assert ("Familie Müller", 2) in f["correspondent"] and ("Familie Mueller", 1) in f["correspondent"]
    assert f["akte"][0] == ("63.01.02-2024/0147", 3)
    narrowed = engine.search(
        SearchRequest(query="typ:Rechnung", principal_tokens=ALL, facets=("year", "tag"))
    )
    assert set(narrowed.facets) == {"year", "tag"}
    assert narrowed.facets["year"][0].value == "2025" and narrowed.facets["year"][0].count == 2
    small = engine.search(SearchRequest(query="", principal_tokens=ALL, facet_size=1))
    assert all(len(v) <= 1 for v in small.facets.values())


def test_highlights_mark_matches_safely(make_engine: EngineFactory) -> None:
    e = make_engine()
    e.index(
        [
            make_doc(
                "x",
                title="Vermerk",
                content="Achtung <script>alert(1)</script> die Straßenreinigung ist teuer.",
            )
        ]
    )
    e.commit()
    hit = e.search(SearchRequest(query="Reinigung", principal_tokens=ALL)).hits[0]
    assert hit.highlights == [
        "Achtung &lt;script&gt;alert(1)&lt;/script&gt; die <mark>Straßenreinigung</mark> ist teuer."
    ]
    none = e.search(SearchRequest(query="Reinigung", principal_tokens=ALL, highlight=False)).hits[0]
    assert none.highlights == []


def test_did_you_mean(engine: SearchBackend) -> None:
    res = engine.search(SearchRequest(query="Hundesteuerbeschied", principal_tokens=ALL))
    assert res.total == 0
    assert res.suggestion == "Hundesteuerbescheid"
    assert res.notice and "Meinten Sie" in res.notice
    assert engine.search(SearchRequest(query="Xylophon", principal_tokens=ALL)).suggestion is None


def test_more_like_this(engine: SearchBackend) -> None:
    res = engine.more_like_this("fin-1", ALL, limit=3)
    assert {"fin-2", "fin-3"} <= {h.id for h in res.hits[:2]}  # the other invoices come first
    assert "fin-1" not in {h.id for h in res.hits}
    assert engine.more_like_this("sec-1", DEPT_63).total == 0  # may not read the source document
    assert engine.more_like_this("missing", ALL).total == 0
    restricted = engine.more_like_this("bau-1", DEPT_63)
    assert "sec-1" not in {h.id for h in restricted.hits}


# --- writes, consistency ---------------------------------------------------------------------------
def test_upsert_delete_and_bookkeeping(engine: SearchBackend) -> None:
    assert engine.count() == len(corpus())
    assert engine.get_ids() == {d.id for d in corpus()}
    changed = make_doc(
        "fin-1", title="Rechnung Gaslieferung", content="Gaslieferung Februar", document_type="Rechnung"
    )
    engine.index([changed])
    engine.delete(["ord-2", "does-not-exist"])
    engine.commit()
    assert engine.count() == len(corpus()) - 1
    assert idset(engine, "Stromlieferung") == set()
    assert idset(engine, "Gaslieferung") == {"fin-1"}
    assert idset(engine, "Bäckerei") == set()
    got = engine.get("fin-1")
    assert got is not None and got.title == "Rechnung Gaslieferung"
    assert engine.get("ord-2") is None
    fps = engine.fingerprints()
    assert fps["fin-1"] == changed.fingerprint()
    assert set(fps) == engine.get_ids()


def test_document_round_trip(engine: SearchBackend) -> None:
    original = next(d for d in corpus() if d.id == "bau-1")
    assert engine.get("bau-1") == original


def test_clear(engine: SearchBackend) -> None:
    engine.clear()
    assert engine.count() == 0
    assert engine.search(SearchRequest(query="", principal_tokens=ALL)).total == 0


def test_rebuild_switches_atomically(engine: SearchBackend) -> None:
    with engine.rebuild() as target:
        target.index(
            [
                make_doc(
                    "new-1", title="Neuer Index", content="Frisch aufgebaut", document_date=date(2026, 1, 1)
                )
            ]
        )
        target.commit()
        # the old generation keeps serving while the new one is built
        assert engine.search(SearchRequest(query="Rechnung", principal_tokens=ALL)).total == 3
        assert engine.search(SearchRequest(query="Frisch", principal_tokens=ALL)).total == 0
    engine.refresh()
    assert engine.get_ids() == {"new-1"}
    assert idset(engine, "Frisch") == {"new-1"}


def test_failed_rebuild_keeps_the_old_index(engine: SearchBackend) -> None:
    with pytest.raises(RuntimeError), engine.rebuild() as target:
        target.index([make_doc("tmp", title="Halb fertig", content="abgebrochen")])
        raise RuntimeError("crash while rebuilding")
    engine.refresh()
    assert engine.count() == len(corpus())
    assert idset(engine, "abgebrochen") == set()


def test_absurd_metadata_is_indexed_not_fatal(make_engine: EngineFactory) -> None:
    e = make_engine()
    huge = "Z" * 70_000  # longer than any engine's maximum term length
    e.index(
        [
            make_doc(
                "big", title="Riesig", content="Inhalt " * 20_000, correspondent=huge, akte=huge, tags=[huge]
            )
        ]
    )
    e.commit()
    res = e.search(SearchRequest(query="Riesig", principal_tokens=ALL))
    assert [h.id for h in res.hits] == ["big"]
    assert len(res.facets["akte"][0].value) == 500
    assert e.get("big") is not None and e.get("big").akte == huge  # the stored DTO is complete


def test_stored_content_analysis_indexes_identically(make_engine: EngineFactory) -> None:
    """Documents carrying the analysis stored at ingest answer every query exactly as without it; a stored
    analysis that does not belong to the content (stale, forged) is ignored, never indexed."""
    plain, stored = make_engine(), make_engine()
    plain.index(corpus())
    docs = corpus()
    analyzer = stored.analyzer  # type: ignore[attr-defined]
    for d in docs:
        d.content_analysis = analyzer.encode_content(d.content)
    stale = make_doc("stale-1", title="Vermerk", content="Hundesteuer Anmeldung")
    stale.content_analysis = analyzer.encode_content("Kanalsanierung Bahnhofstraße")
    plain.index([make_doc("stale-1", title="Vermerk", content="Hundesteuer Anmeldung")])
    stored.index([*docs, stale])
    plain.commit()
    stored.commit()
    for query in (
        "Bauantrag",
        "Formular",
        "Mueller",
        "Straße",
        '"Lindenallee 17"',
        "Kanal*",
        "",
        "Hundesteuer",
    ):
        assert ids(stored, query) == ids(plain, query), query
    assert idset(stored, "Kanalsanierung") == idset(plain, "Kanalsanierung")
    assert "stale-1" in idset(stored, "Hundesteuer")
    assert stored.get("bau-1") == plain.get("bau-1")
    assert stored.fingerprints() == plain.fingerprints()
