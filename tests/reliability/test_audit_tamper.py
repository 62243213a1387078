"""Audit tampering campaign: every way of editing, deleting or reordering any row of the hash-chained
audit log is detected by ``audit verify``, which names the row. Real activity (uploads, reads, metadata
changes, token creation) fills the log, so real detail payloads are tampered with."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from dms import audit

COLUMNS = {  # column -> an edit that changes it
    "at": "at = at || '0'",
    "actor_id": "actor_id = COALESCE(actor_id, 0) + 1",
    "actor": "actor = actor || 'x'",
    "action": "action = 'document.nothing_to_see'",
    "object_type": "object_type = object_type || 'x'",
    "object_id": "object_id = object_id || '9'",
    "details": "details = '{}'",
    "prev_hash": "prev_hash = CASE WHEN substr(prev_hash, 1, 1) = 'a' THEN 'b' ELSE 'a' END || substr(prev_hash, 2)",
    "row_hash": "row_hash = CASE WHEN substr(row_hash, 1, 1) = 'a' THEN 'b' ELSE 'a' END || substr(row_hash, 2)",
}


@pytest.fixture
def log(container, client_as, pdf_bytes):
    """A log of at least 12 rows from real API activity; returns (container, row ids)."""
    c = client_as("records_manager", department="63")
    for i in range(3):
        doc = c.post("/api/v1/documents", files={"file": (f"d{i}.pdf", pdf_bytes(f"Akte {i}"), "application/pdf")})
        assert doc.status_code == 202
        did = doc.json()["id"]
        assert c.get(f"/api/v1/documents/{did}/original").status_code == 200
        assert c.patch(f"/api/v1/documents/{did}", json={"title": f"Bescheid {i}"}).status_code == 200
    assert c.post("/api/v1/me/tokens", json={"name": "zweit"}).status_code in (200, 201)
    with container.db.read.connect() as conn:
        ids = [int(r[0]) for r in conn.execute(text("SELECT id FROM audit_log ORDER BY id"))]
        assert audit.verify_chain(conn).ok
    assert len(ids) >= 12 and ids == list(range(1, len(ids) + 1))
    return container, ids


def _tamper_and_verify(container, *sql: str) -> audit.VerifyResult:
    with container.db.write.connect() as conn:
        tx = conn.begin()
        for s in sql:
            conn.execute(text(s))
        result = audit.verify_chain(conn)
        tx.rollback()  # undo the tampering: the next case starts from an intact log
    return result


def test_every_column_of_every_row_edited_is_named(log):
    container, ids = log
    missed = []
    for rid in ids:
        for col, edit in COLUMNS.items():
            r = _tamper_and_verify(container, f"UPDATE audit_log SET {edit} WHERE id = {rid}")
            if r.ok or r.broken_id != rid:
                missed.append(f"{col} of row {rid}: {r}")
    assert not missed, "\n".join(missed[:20])
    with container.db.read.connect() as conn:
        assert audit.verify_chain(conn).ok  # rollbacks left the original log intact


def test_every_deleted_row_is_named(log):
    container, ids = log
    missed = []
    for rid in ids:
        r = _tamper_and_verify(container, f"DELETE FROM audit_log WHERE id = {rid}")
        if r.ok or str(rid) not in (r.reason or ""):
            missed.append(f"row {rid}: {r}")
    assert not missed, "\n".join(missed)


def test_reordered_rows_are_detected(log):
    container, ids = log
    missed = []
    for a, b in [(ids[0], ids[1]), (ids[2], ids[-1]), (ids[len(ids) // 2], ids[len(ids) // 2 + 1])]:
        swap = (
            f"UPDATE audit_log SET id = -1 WHERE id = {a}",
            f"UPDATE audit_log SET id = {a} WHERE id = {b}",
            f"UPDATE audit_log SET id = {b} WHERE id = -1",
        )
        r = _tamper_and_verify(container, *swap)
        if r.ok or r.broken_id != a:
            missed.append(f"swap {a}<->{b}: {r}")
    assert not missed, "\n".join(missed)


def test_cli_names_the_broken_row(log, monkeypatch):
    from typer.testing import CliRunner

    from dms.cli import app

    container, ids = log
    target = ids[len(ids) // 2]
    with container.db.write.begin() as conn:
        conn.execute(text(f"UPDATE audit_log SET details = '{{\"sha256\": \"0\"}}' WHERE id = {target}"))
    monkeypatch.setenv("AKTENWERK_DATA_DIR", str(container.settings.data_path))
    monkeypatch.setenv("AKTENWERK_DATABASE_URL", container.settings.db_url)
    from dms.settings import get_settings

    get_settings.cache_clear()
    try:
        r = CliRunner().invoke(app, ["audit", "verify"])
    finally:
        get_settings.cache_clear()
    assert r.exit_code == 1, r.output
    assert f"BROKEN at row {target}" in r.output
