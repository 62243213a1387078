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
