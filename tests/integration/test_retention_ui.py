"""The records-manager pages over dms.retention_ui (wired the way the UI backend seam expects)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import dms.retention_ui as rui
from dms.web.ui import backend

NAMES = (
    "retention_due",
    "holds",
    "create_hold",
    "release_hold",
    "disposals",
    "create_disposal",
    "approve_disposal",
    "certificate",
    "archive_handover",
    "archive_offer",
    "retention_classes",
)


@pytest.fixture
def wired(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in NAMES:
        monkeypatch.setattr(backend, name, getattr(rui, name))


def test_records_pages(wired: None, client_as: Any, pdf_bytes: Callable[..., bytes]) -> None:
    rm_a = client_as("records_manager")
    rm_b = client_as("records_manager")
    r = rm_a.post(
        "/api/v1/documents",
        files={"file": ("a.pdf", pdf_bytes("alt"), "application/pdf")},
        data={"document_date": "2010-05-01", "retention_class": "ao147-briefe", "title": "Alter Brief"},
    )
    doc = r.json()["id"]
    page = rm_a.get("/records/due", params={"as_of": "2026-11-26"})
    assert page.status_code == 200 and "Alter Brief" in page.text and "31.12.2016" in page.text
    assert "badge-held" not in page.text
    # the due list is cached per audit head: an audited change (a new hold) shows on the next view at once
    hold = rm_a.post("/api/v1/holds", json={"document_id": doc, "reason": "Prüfung Rechnungsprüfungsamt"})
    assert hold.status_code == 201
    assert "badge-held" in rm_a.get("/records/due", params={"as_of": "2026-11-26"}).text
    assert rm_a.delete(f"/api/v1/holds/{hold.json()['id']}").status_code == 200
    assert "badge-held" not in rm_a.get("/records/due", params={"as_of": "2026-11-26"}).text
    assert rm_a.get("/records/holds").status_code == 200
    r = rm_a.post("/records/disposals", data={"document_ids": str(doc)}, follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    listing = rm_b.get("/records/disposals")
    assert listing.status_code == 200 and "/approve" in listing.text
    r = rm_b.post("/records/disposals/1/approve", follow_redirects=False)
    assert r.status_code in (302, 303), r.text
    cert = rm_a.get("/records/disposals/1/certificate")
    assert cert.status_code == 200 and cert.json()["items"][0]["record_id"] == str(doc)
    assert rm_a.get("/records/disposals/1/certificate", params={"fmt": "pdf"}).content.startswith(b"%PDF")
