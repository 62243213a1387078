"""Tantivy specifics: generations on disk, cross-handle visibility, one writer, corrupt pointer."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from search.backends.tantivy_backend import TantivyBackend
from search.errors import BackendUnavailable, DocumentInvalid
from search.model import SearchDoc, SearchRequest

ALL = frozenset({"*"})


def doc(i: str, text: str) -> SearchDoc:
    return SearchDoc(id=i, title=text, content=text, created=datetime(2024, 1, 1, tzinfo=UTC), acl=["dept:1"])


def small(path: Path) -> TantivyBackend:
    return TantivyBackend(path, heap_size=15_000_000, num_threads=1)


def test_reader_handle_sees_commits_and_generation_switch(tmp_path: Path) -> None:
    writer = small(tmp_path)
    reader = small(tmp_path)
    writer.index([doc("1", "Alpha")])
    writer.commit()
    reader.refresh()
    assert reader.search(SearchRequest(query="Alpha", principal_tokens=ALL)).total == 1
    first = writer.generation()
    with writer.rebuild() as target:
        target.index([doc("2", "Beta")])
    assert writer.generation() != first
    # the reader notices the switch on its next search, without an explicit refresh
    assert reader.search(SearchRequest(query="Beta", principal_tokens=ALL)).total == 1
    assert reader.search(SearchRequest(query="Alpha", principal_tokens=ALL)).total == 0
    assert reader.generation() == writer.generation()
    # garbage collection keeps at most the live and the previous generation
    with writer.rebuild() as target:
        target.index([doc("3", "Gamma")])
    gens = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("gen-"))
    assert len(gens) == 2 and first not in gens


def test_second_writer_is_refused_clearly(tmp_path: Path) -> None:
    a = small(tmp_path)
    b = small(tmp_path)
    a.index([doc("1", "x")])
    with pytest.raises(BackendUnavailable, match="one writer"):
        b.index([doc("2", "y")])
    a.commit()
    a.close()
    b.index([doc("2", "y")])  # the lock is free again
    b.commit()
    assert b.count() == 2


def test_unreadable_pointer_is_a_clear_error(tmp_path: Path) -> None:
    small(tmp_path)
    (tmp_path / "CURRENT").write_text("{broken")
    with pytest.raises(BackendUnavailable):
        small(tmp_path)
    (tmp_path / "CURRENT").write_text(json.dumps({"generation": "gen-000001", "schema": "0"}))
    with pytest.raises(BackendUnavailable, match="reindex"):
        small(tmp_path)


def test_uncommitted_writes_are_invisible_and_survive_reopen_only_after_commit(tmp_path: Path) -> None:
    b = small(tmp_path)
    b.index([doc("1", "Delta")])
    assert b.search(SearchRequest(query="Delta", principal_tokens=ALL)).total == 0
    b.commit()
    b.close()
    again = small(tmp_path)
    assert again.get("1") is not None


def test_worker_processes_index_exactly_what_the_process_itself_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large batches are analysed in worker processes: same stored fields, same hits, same errors."""
    import search.backends.tantivy_backend as tb
    from search.analysis import GermanAnalyzer
    from search.synthetic import generate

    monkeypatch.setattr(tb, "PARALLEL_MIN_BATCH", 10)
    docs = list(generate(60, seed=3))
    backend = TantivyBackend(tmp_path / "par", heap_size=15_000_000, num_threads=1, workers=1)
    try:
        prepared = list(backend._prepared(docs))
        assert backend._workers_pool is not None  # the pool really ran
        fresh = GermanAnalyzer()
        assert [f for _id, f in prepared] == [tb.prepare_fields(d, fresh) for d in docs]
        backend.index(docs)
        backend.commit()
        serial = small(tmp_path / "serial")
        serial.index(docs)
        serial.commit()
        for q in ("Rechnung", "Bescheid Frist", docs[7].title):
            req = SearchRequest(query=q, principal_tokens=ALL)
            a, b = backend.search(req), serial.search(req)
            assert (a.total, [h.id for h in a.hits]) == (b.total, [h.id for h in b.hits])
        bad = [
            *docs[:20],
            SearchDoc(id=" ", title="x", content="x", created=datetime(2024, 1, 1, tzinfo=UTC)),
        ]
        with pytest.raises(DocumentInvalid):
            backend.index(bad)
    finally:
        backend.close()


def test_cached_totals_and_facets_follow_commits_of_another_handle(tmp_path: Path) -> None:
    """Totals and facets are cached per index state: a commit by another writer handle (another process
    in production) is seen on the reader's next search without refresh(), never a stale count."""
    writer = small(tmp_path)
    reader = small(tmp_path)
    writer.index([doc("1", "Alpha")])
    writer.commit()
    req = SearchRequest(query="Alpha", principal_tokens=ALL, facets=("year",))
    first = reader.search(req)
    assert first.total == 1 and first.facets["year"][0].count == 1
    assert reader.search(req).total == 1  # served from the cache
    writer.index([doc("2", "Alpha Beta")])
    writer.commit()
    again = reader.search(req)
    assert again.total == 2 and again.facets["year"][0].count == 2
    writer.delete(["1", "2"])
    writer.commit()
    assert reader.search(req).total == 0
