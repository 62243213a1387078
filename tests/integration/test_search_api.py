"""Search wired into dms: upload → searchable, permissions (no hit, count or facet leaks), metadata
changes, more-like-this, and the outbox surviving an indexer crash."""

from __future__ import annotations

from typing import Any

from dms.pipeline.indexing import drain_outbox
from dms.search_index import SearchIndexAdapter, check, repair


def upload(c: Any, text: str, name: str = "vermerk.txt", **form: str) -> int:
    r = c.post("/api/v1/documents", files={"file": (name, text.encode(), "text/plain")}, data=form)
    assert r.status_code == 202, r.text
    return int(r.json()["id"])


def search(c: Any, q: str, **params: Any) -> dict[str, Any]:
    r = c.get("/api/v1/search", params={"q": q, **params})
    assert r.status_code == 200, r.text
    return r.json()


def test_upload_is_searchable_with_highlights_and_facets(client_as: Any) -> None:
    clerk = client_as("clerk", department="63")
    doc_id = upload(
        clerk,
        "Sehr geehrte Damen und Herren, anbei der Bauantrag für das Grundstück Hauptstraße 12.",
        title="Bauantrag Neubau",
        document_type="Bauantrag",
        department="63",
        tags="Bau",
        document_date="2026-03-01",
    )
    body = search(clerk, "Hauptstrasse")
    assert body["total"] == 1
    hit = body["hits"][0]
    assert hit["id"] == doc_id and hit["title"] == "Bauantrag Neubau"
    assert hit["score"] > 0 and any("<mark>Hauptstraße</mark>" in h for h in hit["highlights"])
    assert {"value": "63", "count": 1} in body["facets"]["department"]
    assert {"value": "2026", "count": 1} in body["facets"]["year"]
    assert search(clerk, "Bauanträge typ:Bauantrag datum:2026")["total"] == 1
    assert search(clerk, "Bauantarg")["suggestion"] == "Bauantrag"


def test_other_departments_documents_are_invisible(client_as: Any) -> None:
    bau = client_as("clerk", department="63")
    kasse = client_as("clerk", department="20")
    mine = upload(bau, "Stellungnahme zur Baulast", title="Baulast Gartenweg", department="63")
    secret = upload(
        kasse,
        "Stromrechnung Rathaus vertraulich Baulast",
        title="Stromrechnung",
        department="20",
        document_type="Rechnung",
        tags="Energie",
    )
    seen = search(bau, "Baulast")
    assert [h["id"] for h in seen["hits"]] == [mine] and seen["total"] == 1
    facet_values = {v["value"] for vs in seen["facets"].values() for v in vs}
    assert not facet_values & {"20", "Rechnung", "Energie"}
    none = search(bau, "Stromrechnung")
    assert none["total"] == 0 and none["hits"] == [] and all(v == [] for v in none["facets"].values())
    assert none["suggestion"] is None
    assert search(bau, "")["total"] == 1  # browsing shows only own department
    assert bau.get(f"/api/v1/search/similar/{secret}").json()["total"] == 0
    admin = client_as("admin")
    assert search(admin, "Baulast")["total"] == 2
    auditor = client_as("auditor")
    assert search(auditor, "Stromrechnung")["total"] == 1


def test_metadata_change_is_reindexed(container: Any, client_as: Any) -> None:
    clerk = client_as("clerk", department="63")
    doc_id = upload(clerk, "Inhalt ohne besonderes Stichwort", title="Alter Titel", department="63")
    assert search(clerk, "Kanalsanierung")["total"] == 0
    r = clerk.patch(f"/api/v1/documents/{doc_id}", json={"title": "Kanalsanierung Bahnhofstraße"})
    assert r.status_code == 200, r.text
    drain_outbox(container)  # the periodic outbox drain (beat, every outbox_interval_seconds)
    assert [h["id"] for h in search(clerk, "Kanalsanierung")["hits"]] == [doc_id]


def test_bad_parameters_are_clear_errors(client_as: Any) -> None:
    clerk = client_as("clerk", department="63")
    assert clerk.get("/api/v1/search", params={"page_size": 1000}).status_code == 422
    assert clerk.get("/api/v1/search", params={"sort": "colour"}).status_code == 422
    r = clerk.get("/api/v1/search", params={"q": '"unclosed phrase'})
    assert r.status_code == 200 and "Anführungszeichen" in r.json()["notice"]


def test_search_needs_authentication(client: Any) -> None:
    assert client.get("/api/v1/search", params={"q": "x"}).status_code == 401


class CrashingIndexer:
    """Stands in for a worker that dies between the DB commit and the engine write."""

    def upsert(self, docs: Any) -> None:
        raise ConnectionError("index went away")

    def delete(self, ids: Any) -> None:
        raise ConnectionError("index went away")

    def health(self) -> str:
        return "down"


def test_crash_between_commit_and_indexing_loses_nothing(container: Any, client_as: Any) -> None:
    clerk = client_as("clerk", department="63")
    working = container.indexer
    container.indexer = CrashingIndexer()
    doc_id = upload(clerk, "Widerspruch gegen den Gebührenbescheid", title="Widerspruch", department="63")
    container.indexer = working  # "restart" with a healthy engine
    assert search(clerk, "Widerspruch")["total"] == 0  # not indexed yet …
    report = check(container)
    assert report.pending >= 1 and report.ok  # … but in flight, not lost
    assert drain_outbox(container) >= 1
    assert [h["id"] for h in search(clerk, "Widerspruch")["hits"]] == [doc_id]
    assert check(container).ok


def test_check_finds_and_repairs_drift(container: Any, client_as: Any) -> None:
    clerk = client_as("clerk", department="63")
    a = upload(clerk, "Erster Vermerk", title="Vermerk A", department="63")
    b = upload(clerk, "Zweiter Vermerk", title="Vermerk B", department="63")
    backend = container.indexer.backend
    backend.delete([str(a)])
    stale = backend.get(str(b))
    assert stale is not None
    stale.title = "veraltet"
    backend.index([stale])
    backend.commit()
    report = check(container)
    assert report.missing == [str(a)] and report.stale == [str(b)] and not report.ok
    assert repair(container, report) == 2
    drain_outbox(container)
    assert check(container).ok


def test_adapter_health_and_lazy_open(settings: Any) -> None:
    adapter = SearchIndexAdapter(settings)
    assert adapter.health().startswith("memory: 0 documents")
