"""``POST /api/v1/einvoice/validate``: any authenticated role gets the report; nothing is stored."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.einvoice.corpus_expectations import corpus_files

VALID = corpus_files("xrechnung-ubl")[:1]

pytestmark = pytest.mark.skipif(not VALID, reason="e-invoice corpus not available")


def _post(client: Any, data: bytes, name: str = "rechnung.xml", **params: str) -> Any:
    return client.post(
        "/api/v1/einvoice/validate", files={"file": (name, data, "application/xml")}, params=params
    )


def test_requires_authentication(client: Any) -> None:
    assert _post(client, VALID[0].read_bytes()).status_code == 401


@pytest.mark.parametrize("role", ["supplier", "clerk", "auditor"])
def test_any_role_gets_the_report(client_as: Any, role: str) -> None:
    response = _post(client_as(role), VALID[0].read_bytes())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["valid"] is True and body["syntax"] == "UBL-Invoice" and body["path"] == "rechnung.xml"


def test_invalid_and_unreadable_reports(client_as: Any) -> None:
    c = client_as("supplier")
    bad = _post(c, b"<kein-xml", "kaputt.xml").json()
    assert bad["valid"] is False and bad["findings"][0]["severity"] == "fatal"
    page = _post(c, b"<kein-xml", "kaputt.xml", format="html")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "zurückweisen" in page.text


def test_nothing_is_stored(client_as: Any, container: Any) -> None:
    from sqlalchemy import text

    with container.db.read.connect() as conn:
        before = conn.execute(text("SELECT count(*) FROM documents")).scalar()
    assert _post(client_as("supplier"), VALID[0].read_bytes()).status_code == 200
    with container.db.read.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM documents")).scalar() == before
