"""End-to-end through the API on the embedded default with the inline pipeline."""

from __future__ import annotations


def test_upload_get_original_roundtrip(client_as, pdf_bytes):
    c = client_as("clerk", department="63")
    data = pdf_bytes("Rechnung 4711")
    r = c.post("/api/v1/documents", files={"file": ("r.pdf", data, "application/pdf")}, data={"title": "R"})
    assert r.status_code == 202, r.text
    doc_id = r.json()["id"]
    meta = c.get(f"/api/v1/documents/{doc_id}").json()
    assert meta["status"] == "ready"
    assert meta["department"] == "63"
    assert meta["page_count"] == 1
    orig = c.get(f"/api/v1/documents/{doc_id}/original")
    assert orig.status_code == 200
    assert orig.content == data
    assert "Rechnung 4711" in c.get(f"/api/v1/documents/{doc_id}/text").json()["content"]
