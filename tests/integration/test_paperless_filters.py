"""Paperless filters, ordering, paging shape and role checks on ``/paperless/api/documents/`` (TestClient,
``Authorization: Token``): each filter narrows to exactly the expected documents, unknown input is a 4xx."""

from __future__ import annotations

import json
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _no_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AKTENWERK_OCR_ENABLED", "false")


@pytest.fixture
def docs(client_as: Any) -> dict[str, Any]:
    clerk = client_as("clerk", department="63")

    def up(name: str, text: str, **form: str) -> int:
        r = clerk.post("/api/v1/documents", files={"file": (name, text.encode(), "text/plain")}, data=form)
        assert r.status_code == 202, r.text
        return int(r.json()["id"])

    ids = {
        "a": up("a.txt", "Widerspruch gegen den Gebührenbescheid", title="Alpha Widerspruch", tags="Gebühren",
                document_date="2026-02-01", custom_fields=json.dumps({"Kassenzeichen": "K-1"})),
        "b": up("b.txt", "Antrag auf Ratenzahlung", title="Beta Antrag", document_date="2025-07-01"),
        "c": up("c.txt", "Mahnung Ratenzahlung Gebühren", title="Gamma Mahnung", tags="Gebühren,Mahnwesen",
                document_date="2026-05-01"),
    }
    for key, asn in (("a", "5"), ("c", "9")):
        assert clerk.patch(f"/api/v1/documents/{ids[key]}", json={"asn": asn}).status_code == 200
    clerk.headers["Authorization"] = f"Token {clerk.token}"  # from here on Paperless's scheme
    return {"c": clerk, "ids": ids}


def _ids(c: Any, **params: Any) -> list[int]:
    r = c.get("/paperless/api/documents/", params=params)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["count"] == len(body["all"]) and {"next", "previous", "results"} <= set(body)
    return [d["id"] for d in body["results"]]


def test_filters_and_ordering(docs: dict[str, Any]) -> None:
    c, ids = docs["c"], docs["ids"]
    a, b, g = ids["a"], ids["b"], ids["c"]
    tags = {t["name"]: t["id"] for t in c.get("/paperless/api/tags/").json()["results"]}
    fields = {f["name"]: f["id"] for f in c.get("/paperless/api/custom_fields/").json()["results"]}
    assert _ids(c) == [g, a, b]  # default: newest created first
    assert _ids(c, ordering="created") == [b, a, g]
    assert _ids(c, ordering="title") == [a, b, g]
    assert _ids(c, ordering="archive_serial_number") == [a, g, b]  # documents without ASN last
    assert _ids(c, title_content="ratenzahlung", ordering="id") == [b, g]
    assert _ids(c, content__icontains="gebührenbescheid") == [a]
    assert _ids(c, is_tagged="false") == [b]
    assert _ids(c, tags__id__in=f"{tags['Mahnwesen']}", ordering="id") == [g]
    assert _ids(c, tags__id__none=f"{tags['Gebühren']}") == [b]
    assert _ids(c, archive_serial_number=9) == [g]
    assert _ids(c, archive_serial_number__gt=5) == [g]
    assert _ids(c, archive_serial_number__isnull=1) == [b]
    assert _ids(c, custom_fields__id__all=fields["Kassenzeichen"]) == [a]
    assert _ids(c, id__in=f"{a},{b}", ordering="id") == [a, b]
    assert _ids(c, created__date__gte="2026-02-01", created__date__lte="2026-02-01") == [a]
    assert _ids(c, title__istartswith="gamma") == [g]
    page = c.get("/paperless/api/documents/", params={"page_size": 2, "page": 2}).json()
    assert [d["id"] for d in page["results"]] == [b] and page["next"] is None and "page=1" in page["previous"]


@pytest.mark.parametrize("params", [{"ordering": "colour"}, {"tags__id__all": "999999"}, {"created__date__gt": "gestern"},
                                    {"frobnicate": "1"}, {"page_size": 0}])
def test_bad_input_is_refused_clearly(docs: dict[str, Any], params: dict[str, Any]) -> None:
    r = docs["c"].get("/paperless/api/documents/", params=params)
    assert r.status_code == 422 and r.json()["detail"]


def test_roles_and_tasks(docs: dict[str, Any], client_as: Any, pdf_bytes: Any) -> None:
    auditor = client_as("auditor")
    auditor.headers["Authorization"] = f"Token {auditor.token}"
    assert auditor.get("/paperless/api/documents/").json()["count"] == 3  # reads everything
    r = auditor.post("/paperless/api/documents/post_document/", files={"document": ("x.pdf", pdf_bytes("x"))})
    assert r.status_code == 403  # but may not upload
    other = client_as("clerk", department="20")
    other.headers["Authorization"] = f"Token {other.token}"
    assert other.get("/paperless/api/documents/").json()["count"] == 0
    r = other.post("/paperless/api/documents/post_document/", files={"document": ("y.pdf", pdf_bytes("y"))},
                   data={"title": "Eigener Vorgang"})
    task_id = r.json()
    assert r.status_code == 200 and isinstance(task_id, str)
    assert [t["task_id"] for t in other.get("/paperless/api/tasks/").json()] == [task_id]
    assert docs["c"].get("/paperless/api/tasks/", params={"task_id": task_id}).json() == []  # not theirs
    assert other.get("/paperless/api/documents/").json()["count"] == 1


@pytest.mark.parametrize("body", [{"archive_serial_number": "abc"}, {"archive_serial_number": [1]},
                                  {"archive_serial_number": -3}, {"archive_serial_number": 1.5},
                                  {"archive_serial_number": 2**32}, {"tags": ["x"]}, {"correspondent": "x"},
                                  {"document_type": [1]}, {"custom_fields": [{"field": "abc", "value": 1}]},
                                  {"custom_fields": {"x": 1}}])
def test_patch_with_malformed_ids_is_a_422_not_a_500(docs: dict[str, Any], body: dict[str, Any]) -> None:
    # these used to raise ValueError/TypeError/KeyError (500), and a negative ASN was silently dropped
    c, doc = docs["c"], docs["ids"]["a"]
    r = c.patch(f"/paperless/api/documents/{doc}/", json=body)
    assert r.status_code == 422 and r.json()["detail"], r.text
    assert c.get(f"/paperless/api/documents/{doc}/").json()["archive_serial_number"] == 5  # unchanged


def test_patch_takes_ids_as_numbers_or_digit_strings(docs: dict[str, Any]) -> None:
    c, doc = docs["c"], docs["ids"]["b"]
    tags = {t["name"]: t["id"] for t in c.get("/paperless/api/tags/").json()["results"]}
    r = c.patch(f"/paperless/api/documents/{doc}/", json={"tags": [str(tags["Mahnwesen"])],
                                                          "archive_serial_number": "12"})
    assert r.status_code == 200, r.text
    assert r.json()["tags"] == [tags["Mahnwesen"]] and r.json()["archive_serial_number"] == 12


def test_post_document_refuses_a_duplicate_and_a_negative_asn(docs: dict[str, Any], pdf_bytes: Any) -> None:
    # Paperless's post_document used to create a second document for bytes already stored, unlike every other
    # upload path (AKTENWERK_DUPLICATE_UPLOADS=refuse, the default)
    c = docs["c"]
    data = pdf_bytes("Einmalig Bauantrag Nummer 77")
    first = c.post("/paperless/api/documents/post_document/", files={"document": ("bau.pdf", data)})
    assert first.status_code == 200, first.text
    before = c.get("/paperless/api/documents/").json()["count"]
    again = c.post("/paperless/api/documents/post_document/", files={"document": ("bau-kopie.pdf", data)})
    assert again.status_code == 409 and again.json()["detail"], again.text
    assert c.get("/paperless/api/documents/").json()["count"] == before
    r = c.post("/paperless/api/documents/post_document/", files={"document": ("n.pdf", pdf_bytes("Neu 78"))},
               data={"archive_serial_number": "-1"})
    assert r.status_code == 422 and "archive_serial_number" in r.json()["detail"]
    assert c.get("/paperless/api/documents/").json()["count"] == before
