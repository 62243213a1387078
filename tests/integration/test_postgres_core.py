"""The core on PostgreSQL: migrations, API round trip, audit chain under concurrency, Aktenzeichen
sequence under concurrency, and a backup made on SQLite restored into PostgreSQL."""

from __future__ import annotations

import threading

import pytest
from fastapi.testclient import TestClient

from dms import audit
from dms.auth import service as auth
from dms.db import migrate
from dms.domain.principal import Principal
from dms.services import fileplan
from dms.web.app import create_app

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_container(pg_settings, make_container):
    return make_container(pg_settings)


def _client(container, role="clerk", department="63"):
    with container.uow() as uow:
        user = auth.create_user(uow.session, None, f"{role}{department}", role, department=department)
        _, token = auth.create_token(uow.session, None, user.id)
        uow.commit()
    return TestClient(create_app(container.settings, container=container), headers={"Authorization": f"Bearer {token}"})


def test_migrations_reach_heads(pg_container, pg_settings):
    assert migrate.current_revisions(pg_settings.db_url) == migrate.head_revisions(pg_settings.db_url)


def test_api_roundtrip_on_postgres(pg_container, pdf_bytes):
    with _client(pg_container) as c:
        data = pdf_bytes("Postgres")
        r = c.post("/api/v1/documents", files={"file": ("p.pdf", data)}, data={"document_date": "2026-02-01"})
        assert r.status_code == 202, r.text
        doc_id = r.json()["id"]
        d = c.get(f"/api/v1/documents/{doc_id}").json()
        assert d["status"] == "ready" and d["document_date"] == "2026-02-01"
        assert d["received_at"].endswith("Z") or "+00:00" in d["received_at"]
        assert c.get(f"/api/v1/documents/{doc_id}/original").content == data
        assert c.get("/api/v1/documents/999999").status_code == 404


def test_concurrent_audit_appends_keep_one_chain(pg_container):
    p = Principal(user_id=1, username="t", role="admin")
    errors: list[BaseException] = []

    def writer(n: int) -> None:
        try:
            for i in range(15):
                with pg_container.uow() as uow:
                    audit.record(uow.session, p, "concurrent", "x", f"{n}-{i}")
                    uow.commit()
        except BaseException as exc:  # pragma: no cover
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with pg_container.db.read.connect() as conn:
        r = audit.verify_chain(conn)
    assert r.ok and r.rows >= 90



def test_verify_reads_one_snapshot_while_appends_commit(pg_container, monkeypatch):
    """REPEATABLE READ: rows committed during a long verify neither break it nor count in it (on READ
    COMMITTED the head read after the stream would see them and report removed rows)."""
    p = Principal(user_id=1, username="t", role="admin")

    def append(n: int) -> None:
        with pg_container.uow() as uow:
            for i in range(n):
                audit.record(uow.session, p, "snapshot", "x", i)
            uow.commit()

    append(5)
    real = audit._batches

    def batches_then_append(conn, batch):
        append(2)  # committed after the head was read, before the rows are
        for i, rows in enumerate(real(conn, batch)):
            yield rows
            if i == 0:
                append(1)  # committed while the rows stream

    monkeypatch.setattr(audit, "_batches", batches_then_append)
    with pg_container.db.read.connect() as conn:
        r = audit.verify_chain(conn, batch=2)
        assert r.ok and r.rows == 5, r.reason
    monkeypatch.undo()
    with pg_container.db.read.connect() as conn:
        again = audit.verify_chain(conn)
    assert again.ok and again.rows == 8

def test_concurrent_aktenzeichen_are_unique(pg_container):
    p = Principal(user_id=0, username="t", role="admin")
    with pg_container.uow() as uow:
        node = fileplan.create_node(uow.session, p, "10.1", "Test")
        uow.commit()
    made: list[str] = []
    lock = threading.Lock()

    def create(n: int) -> None:
        for _ in range(5):
            with pg_container.uow() as uow:
                a = fileplan.create_akte(uow.session, p, "{plan}-{year}/{seq:04d}", node.id, f"A{n}", year=2026)
                uow.commit()
                with lock:
                    made.append(a.aktenzeichen)

    threads = [threading.Thread(target=create, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(made) == 20 and len(set(made)) == 20
    assert sorted(made)[-1] == "10.1-2026/0020"


def test_sqlite_backup_restores_into_postgres(make_settings, make_container, pg_settings, pdf_bytes, tmp_path):
    from dms.ops.backup import backup, restore

    src = make_container(make_settings())
    with _client(src) as c:
        doc_id = c.post("/api/v1/documents", files={"file": ("a.pdf", pdf_bytes("wandern"))}).json()["id"]
        c.patch(f"/api/v1/documents/{doc_id}", json={"title": "Umzug", "tags": ["x"]})
    backup(src.settings, tmp_path / "bk")
    result = restore(pg_settings, tmp_path / "bk", key_file=src.settings.backup_key_file)
    assert result.audit_rows > 0
    dst = make_container(pg_settings)
    with _client(dst, role="auditor", department="01") as c:  # sequences were reset: new ids do not clash
        d = c.get(f"/api/v1/documents/{doc_id}").json()
        assert d["title"] == "Umzug" and d["tags"] == ["x"] and d["status"] == "ready"
        assert c.get(f"/api/v1/documents/{doc_id}/original").status_code == 200


def test_postgres_backup_restores_into_sqlite(pg_container, make_settings, pdf_bytes, tmp_path):
    from dms.ops.backup import backup, restore, verify_backup

    with _client(pg_container) as c:
        doc_id = c.post("/api/v1/documents", files={"file": ("b.pdf", pdf_bytes("zurück"))}).json()["id"]
    backup(pg_container.settings, tmp_path / "pgbk")
    key_file = pg_container.settings.backup_key_file
    assert verify_backup(tmp_path / "pgbk", key_file.read_text().strip().encode())["dialect"] == "postgresql"
    target = make_settings()
    restore(target, tmp_path / "pgbk", key_file=key_file)
    with _client(make_container_for(target), role="auditor", department="01") as c:
        assert c.get(f"/api/v1/documents/{doc_id}").json()["status"] == "ready"


def make_container_for(settings):
    from dms.bootstrap import build_container

    return build_container(settings)
