"""Acceptance findings on the retention interface (issue 6) and the scan station (issue 7), each a
regression test: bad or odd input gets a clear answer, never a 500."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _upload(client: Any, data: bytes, **fields: str) -> int:
    r = client.post("/api/v1/documents", files={"file": ("beleg.pdf", data, "application/pdf")}, data=fields)
    assert r.status_code in (201, 202), r.text
    return int(r.json()["id"])


def test_far_future_document_date_never_breaks_the_plan(client_as: Any, pdf_bytes: Callable[..., bytes]) -> None:
    rm = client_as("records_manager", raise_server_exceptions=False)
    doc = _upload(rm, pdf_bytes("Beleg 9999"), document_date="9999-12-31", retention_class="ao147-belege")
    r = rm.get("/api/v1/retention/plan", params={"as_of": "2030-01-01"})
    assert r.status_code == 200, r.text
    assert doc not in [int(i["record_id"]) for i in r.json()["items"]]
    why = rm.get(f"/api/v1/documents/{doc}/retention")
    assert why.status_code == 200 and why.json()["keep_until"] == "9999-12-31", why.text
    r = rm.delete(f"/api/v1/documents/{doc}")
    assert r.status_code == 409 and "31.12.9999" in r.json()["detail"], r.text


def test_unknown_retention_class_is_refused_everywhere_it_can_be_assigned(client_as: Any) -> None:
    """File-plan node, Akte, document type and metadata edit refuse an unconfigured class id (422) like the
    upload does — a typo would otherwise leave the record "undetermined" forever, silently."""
    admin = client_as("admin", raise_server_exceptions=False)
    r = admin.post("/api/v1/fileplan", json={"code": "63.09", "title": "Bauaufsicht", "retention_class": "nope"})
    assert r.status_code == 422 and "nope" in r.text, r.text
    node = admin.post("/api/v1/fileplan", json={"code": "63.09", "title": "Bauaufsicht",
                                                 "retention_class": "ao147-briefe"})
    assert node.status_code == 201, node.text
    node_id = node.json()["id"]
    assert admin.patch(f"/api/v1/fileplan/{node_id}", json={"retention_class": "nope"}).status_code == 422
    r = admin.post("/api/v1/akten", json={"fileplan_node_id": node_id, "title": "Kita", "retention_class": "nope"})
    assert r.status_code == 422, r.text
    r = admin.post("/api/v1/akten", json={"fileplan_node_id": node_id, "title": "K" * 301})
    assert r.status_code == 422, r.text  # the column holds 300 characters: refused, not a database error
    assert admin.get("/api/v1/akten").json() == []
    r = admin.post("/api/v1/document-types", json={"name": "Bescheid", "retention_class": "nope"})
    assert r.status_code == 422, r.text
    doc = _upload(admin, b"%PDF-1.4 Bescheid", title="Bescheid")
    r = admin.patch(f"/api/v1/documents/{doc}", json={"retention_class": "nope"})
    assert r.status_code == 422, r.text
    r = admin.patch(f"/api/v1/documents/{doc}", json={"retention_class": "ao147-briefe"})
    assert r.status_code == 200 and r.json()["retention_class"] == "ao147-briefe", r.text
