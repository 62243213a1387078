from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from search.backends import create_backend
from search.errors import DocumentInvalid, InvalidSearchRequest, UnknownBackend
from search.model import SearchDoc, SearchRequest, SearchResult, Sort
from search.suggest import bounded_distance


@pytest.mark.parametrize(
    ("a", "b", "limit", "expected"),
    [
        ("bauantrag", "bauantrag", 2, 0),
        ("bauantarg", "bauantrag", 2, 1),  # transposition counts once
        ("rechnug", "rechnung", 2, 1),
        ("kanal", "kanzel", 2, 2),
        ("kanal", "xyzzy", 2, None),
        ("abc", "abcdef", 2, None),
    ],
)
def test_bounded_distance(a: str, b: str, limit: int, expected: int | None) -> None:
    assert bounded_distance(a, b, limit) == expected


def doc(**kw: object) -> SearchDoc:
    base: dict[str, object] = {
        "id": "1",
        "title": "T",
        "content": "C",
        "created": datetime(2024, 5, 1, 10, tzinfo=UTC),
    }
    base.update(kw)
    return SearchDoc(**base)  # type: ignore[arg-type]


def test_json_round_trip_and_fingerprint() -> None:
    d = doc(tags=["a"], document_date=date(2024, 1, 2), acl=["dept:1"], extra={"k": "v"}, akte="1/2")
    again = SearchDoc.from_json(d.to_json())
    assert again == d
    assert again.fingerprint() == d.fingerprint()
    assert doc(title="other").fingerprint() != d.fingerprint()


def test_effective_date_falls_back_to_created() -> None:
    assert doc().effective_date == date(2024, 5, 1)
    assert doc(document_date=date(2020, 1, 1)).effective_date == date(2020, 1, 1)


def test_invalid_documents() -> None:
    with pytest.raises(DocumentInvalid):
        doc(id=" ").validate()
    with pytest.raises(DocumentInvalid):
        doc(id="x" * 500).validate()


def test_request_validation_and_sort_aliases() -> None:
    assert SearchRequest(sort="date").sort is Sort.DATE_DESC  # type: ignore[arg-type]
    assert SearchRequest(sort="").sort is Sort.RELEVANCE  # type: ignore[arg-type]
    assert SearchRequest(page=3, page_size=10).offset == 20
    with pytest.raises(InvalidSearchRequest):
        SearchRequest(page=1000, page_size=100)
    with pytest.raises(InvalidSearchRequest):
        SearchRequest(query="x" * 3000)
    with pytest.raises(InvalidSearchRequest):
        SearchRequest(facet_size=0)


def test_result_to_dict_shape() -> None:
    assert SearchResult(total=0).to_dict() == {
        "total": 0, "hits": [], "facets": {}, "notice": None, "suggestion": None, "page": 1, "page_size": 20,
    }  # fmt: skip


def test_factory() -> None:
    assert create_backend("memory").name == "memory"
    with pytest.raises(UnknownBackend):
        create_backend("solr")
    with pytest.raises(UnknownBackend):
        create_backend("tantivy")
    with pytest.raises(UnknownBackend):
        create_backend("elasticsearch")


def test_memory_rejects_invalid_docs_without_partial_write() -> None:
    engine = create_backend("memory")
    with pytest.raises(DocumentInvalid):
        engine.index([doc(id="")])
    engine.commit()
    assert engine.count() == 0
