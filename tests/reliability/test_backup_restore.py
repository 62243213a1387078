"""Backup -> restore from PostgreSQL into a NEW PostgreSQL database and a fresh data dir: every document
hash verified (fixity), audit chain intact, search index rebuilt (finding: restore left it empty), every
kind of tampering refused before anything is written. The manifest is signed (HMAC-SHA256 with the backup
key): an unsigned, re-hashed, tampered or wrongly-keyed backup is refused and the target stays untouched."""

from __future__ import annotations

import json
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from dms.errors import IntegrityError, ValidationFailed
from dms.ops.backup import SIGNATURE, backup, restore, sign_manifest
from tests.reliability.harness import cli


def _new_database(pg_url):
    base = make_url(pg_url)
    name = f"akw_restore_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return base.set(database=name).render_as_string(hide_password=False), lambda: _drop(admin, name)


def _drop(admin, name):
    with admin.connect() as conn:
        conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


@pytest.fixture
def new_pg_db(pg_url):
    url, drop = _new_database(pg_url)
    yield url
    drop()


def _client(container, token):
    from dms.web.app import create_app

    return TestClient(create_app(container.settings, container=container), headers={"Authorization": f"Bearer {token}"})


@pytest.mark.postgres
def test_postgres_backup_restores_into_new_database_verified_and_searchable(
        pg_settings, make_settings, make_container, new_pg_db, tmp_path, pdf_bytes):
    from dms.auth import service as auth

    src_settings = pg_settings.model_copy(update={"search_backend": "tantivy"})
    src = make_container(src_settings)
    with src.uow() as uow:
        user = auth.create_user(uow.session, None, "rm", "records_manager", department="63")
        _, token = auth.create_token(uow.session, None, int(user.id), "t")
        uow.commit()
    sent = {}
    with _client(src, token) as c:
        for i in range(5):
            data = pdf_bytes(f"Sicherung wiederherstellen nummer{i}")
            sent[c.post("/api/v1/documents", files={"file": (f"{i}.pdf", data, "application/pdf")}).json()["id"]] = data
        assert c.get("/api/v1/search", params={"q": "nummer3"}).json()["total"] == 1
    dest = tmp_path / "backup"
    backup(src_settings, dest)

    target = make_settings(database_url=new_pg_db, search_backend="tantivy")
    restore(target, dest, key_file=src_settings.backup_key_file)
    assert target.backup_key_file.read_text() == src_settings.backup_key_file.read_text()  # signs the next backups
    for args in (("fixity", "check"), ("audit", "verify"), ("search", "check")):
        r = cli(target, *args)
        assert r.returncode == 0, (args, r.stdout[-600:], r.stderr[-600:])
    dst = make_container(target)
    with _client(dst, token) as c:  # tokens survive (same hashes), index rebuilt
        for doc_id, data in sent.items():
            assert c.get(f"/api/v1/documents/{doc_id}/original").content == data
        hits = c.get("/api/v1/search", params={"q": "nummer3"}).json()
        assert hits["total"] == 1, hits


def _resign(dest, key_file):
    raw = (dest / "manifest.json").read_bytes()
    (dest / SIGNATURE).write_text(json.dumps(sign_manifest(key_file.read_text().strip().encode(), raw)))


def _tamper_cases(dest, key_file):
    import hashlib

    manifest = dest / "manifest.json"
    blob = next(p for p in (dest / "store").rglob("*") if p.is_file())
    docs = dest / "db" / "documents.jsonl"

    def flip_blob():
        blob.chmod(0o644)
        raw = bytearray(blob.read_bytes())
        raw[len(raw) // 2] ^= 1
        blob.write_bytes(bytes(raw))

    def remove_blob():
        blob.chmod(0o644)
        blob.unlink()

    def extra_blob():
        (dest / "store" / "ff").mkdir(exist_ok=True)
        (dest / "store" / "ff" / ("f" * 64)).write_bytes(b"x")

    def edit_rows():
        docs.write_text(docs.read_text().replace('"ready"', '"failed"'))

    def drop_table():
        docs.unlink()

    def break_manifest():
        manifest.write_text(manifest.read_text()[:-20])

    def rows_and_manifest_rehashed():  # rows AND the manifest hash rewritten: the signature catches it
        docs.write_text(docs.read_text().replace('"ready"', '"failed"'))
        m = json.loads(manifest.read_text())
        m["tables"]["documents"]["sha256"] = hashlib.sha256(docs.read_bytes()).hexdigest()
        manifest.write_text(json.dumps(m, indent=1, sort_keys=True))

    def unsigned():
        (dest / SIGNATURE).unlink()

    def signed_with_another_key():
        other = dest.parent / "other.key"
        other.write_text("e" * 64)
        _resign(dest, other)

    def forged_signature():  # right key id, made-up MAC
        sig = json.loads((dest / SIGNATURE).read_text())
        sig["hmac"] = "0" * 64
        (dest / SIGNATURE).write_text(json.dumps(sig))

    def table_dropped_from_manifest():
        m = json.loads(manifest.read_text())
        del m["tables"]["documents"]
        manifest.write_text(json.dumps(m, indent=1, sort_keys=True))

    def audit_row_rewritten_and_resigned():  # an insider holding the key: the audit chain still catches it
        audit_file = dest / "db" / "audit_log.jsonl"
        lines = audit_file.read_text().splitlines()
        row = json.loads(lines[0])
        row["actor"] = "mallory"
        lines[0] = json.dumps(row)
        audit_file.write_text("\n".join(lines) + "\n")
        m = json.loads(manifest.read_text())
        m["tables"]["audit_log"]["sha256"] = hashlib.sha256(audit_file.read_bytes()).hexdigest()
        manifest.write_text(json.dumps(m))
        _resign(dest, key_file)

    return [flip_blob, remove_blob, extra_blob, edit_rows, drop_table, break_manifest, rows_and_manifest_rehashed,
            unsigned, signed_with_another_key, forged_signature, table_dropped_from_manifest,
            audit_row_rewritten_and_resigned]


MESSAGES = {
    "unsigned": "is not signed",
    "signed_with_another_key": "different backup key",
    "forged_signature": "modified after it was signed",
    "rows_and_manifest_rehashed": "modified after it was signed",
    "table_dropped_from_manifest": "modified after it was signed",
    "break_manifest": "modified after it was signed",
    "flip_blob": "corrupt",
    "remove_blob": "missing or corrupt",
    "extra_blob": "not in the manifest",
    "edit_rows": "documents.jsonl",
    "drop_table": "documents.jsonl",
}


def _source_with_backup(make_settings, make_container, tmp_path, pdf_bytes):
    from dms.auth import service as auth

    src_settings = make_settings()
    src = make_container(src_settings)
    with src.uow() as uow:
        user = auth.create_user(uow.session, None, "clerk", "clerk", department="63")
        _, token = auth.create_token(uow.session, None, int(user.id), "t")
        uow.commit()
    with _client(src, token) as c:
        assert c.post("/api/v1/documents",
                      files={"file": ("a.pdf", pdf_bytes("Sicherung"), "application/pdf")}).status_code == 202
    dest = tmp_path / "bk"
    backup(src_settings, dest)
    return src_settings, dest


@pytest.mark.parametrize("case", range(12))
def test_tampered_backups_are_refused_before_anything_is_written(make_settings, make_container, tmp_path,
                                                                 pdf_bytes, case):
    src_settings, dest = _source_with_backup(make_settings, make_container, tmp_path, pdf_bytes)
    tamper = _tamper_cases(dest, src_settings.backup_key_file)[case]
    tamper()
    target = make_settings()
    with pytest.raises(IntegrityError) as err:
        restore(target, dest, key_file=src_settings.backup_key_file)
    assert MESSAGES.get(tamper.__name__, "audit chain is broken") in str(err.value), (tamper.__name__, err.value)
    if tamper.__name__ != "audit_row_rewritten_and_resigned":  # refused before the target exists at all
        assert not target.data_path.exists(), (tamper.__name__, list(target.data_path.rglob("*")))
    else:  # refused after loading the rows, inside the transaction: no row, no blob, no key stays behind
        from sqlalchemy import create_engine as engine_for

        engine = engine_for(target.db_url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one() == 0
            assert conn.execute(text("SELECT count(*) FROM documents")).scalar_one() == 0
        engine.dispose()
        assert not target.backup_key_file.exists()
        assert not [p for p in target.store_path.rglob("*") if p.is_file() and ".tmp" not in p.parts]


def test_wrong_or_missing_key_is_refused_and_the_target_stays_untouched(make_settings, make_container, tmp_path,
                                                                         pdf_bytes):
    src_settings, dest = _source_with_backup(make_settings, make_container, tmp_path, pdf_bytes)
    target = make_settings()
    with pytest.raises(ValidationFailed, match="no backup key"):  # fresh data dir, no key given
        restore(target, dest)
    other_key = tmp_path / "other.key"
    other_key.write_text("0123456789abcdef" * 4)
    with pytest.raises(IntegrityError, match="different backup key"):
        restore(target, dest, key_file=other_key)
    (tmp_path / "short.key").write_text("kurz")
    with pytest.raises(ValidationFailed, match="too short"):
        restore(target, dest, key_file=tmp_path / "short.key")
    with pytest.raises(IntegrityError, match="different backup key"):  # a configured key that is not the one
        restore(make_settings(backup_key="f" * 64), dest)
    assert not target.data_path.exists()
    # the right key from the setting works and is not written into the data dir
    key = src_settings.backup_key_file.read_text().strip()
    keyed = make_settings(backup_key=key)
    assert restore(keyed, dest).blobs >= 1
    assert not keyed.backup_key_file.exists()


@pytest.mark.postgres
def test_refused_restore_leaves_a_new_postgres_database_empty(pg_url, make_settings, make_container, tmp_path,
                                                              pdf_bytes):
    from sqlalchemy import inspect

    src_settings, dest = _source_with_backup(make_settings, make_container, tmp_path, pdf_bytes)
    (dest / SIGNATURE).unlink()
    url, drop = _new_database(pg_url)
    try:
        target = make_settings(database_url=url)
        with pytest.raises(IntegrityError, match="not signed"):
            restore(target, dest, key_file=src_settings.backup_key_file)
        engine = create_engine(url)
        with engine.connect() as conn:
            assert inspect(conn).get_table_names() == []
        engine.dispose()
        assert not target.data_path.exists()
    finally:
        drop()


def test_cli_restore_refusals_are_sentences_and_the_key_is_never_printed(tmp_path, monkeypatch):
    import os

    from typer.testing import CliRunner

    from dms import cli as cli_module
    from dms.settings import get_settings

    for k in list(os.environ):
        if k.startswith("AKTENWERK_"):
            monkeypatch.delenv(k)
    monkeypatch.setenv("AKTENWERK_SEARCH_BACKEND", "memory")
    monkeypatch.setenv("AKTENWERK_EAGER_TASKS", "true")
    outputs: list[str] = []

    def run(data_dir, *args):
        monkeypatch.setenv("AKTENWERK_DATA_DIR", str(data_dir))
        get_settings.cache_clear()
        try:
            r = CliRunner().invoke(cli_module.app, list(args), catch_exceptions=False)
        finally:
            get_settings.cache_clear()
        outputs.append(r.output)
        return r.exit_code, " ".join(r.output.split())  # rich wraps long sentences

    src, dst, bk = tmp_path / "src", tmp_path / "dst", tmp_path / "bk"
    assert run(src, "init")[0] == 0
    key_file = src / "backup.key"
    key = key_file.read_text().strip()
    assert len(key) == 64 and oct(key_file.stat().st_mode & 0o777) == "0o600"
    code, out = run(src, "backup", str(bk))
    assert code == 0 and "manifest signed" in out, out
    code, out = run(dst, "restore", str(bk))
    assert code == 1 and "no backup key" in out and "Traceback" not in out, out
    saved = (bk / SIGNATURE).read_bytes()
    (bk / SIGNATURE).unlink()
    code, out = run(dst, "restore", str(bk), "--key-file", str(key_file))
    assert code == 1 and "is not signed" in out, out
    assert not dst.exists()
    (bk / SIGNATURE).write_bytes(saved)
    code, out = run(dst, "restore", str(bk), "--key-file", str(key_file))
    assert code == 0 and "audit chain intact" in out, out
    code, out = run(dst, "backup", str(tmp_path / "bk2"))  # the restored installation signs with the same key
    assert code == 0, out
    assert json.loads((tmp_path / "bk2" / SIGNATURE).read_text())["key_id"] == json.loads(saved)["key_id"]
    assert all(key not in out for out in outputs)


def test_restore_into_a_used_installation_is_refused_before_writing(make_settings, make_container, tmp_path,
                                                                     pdf_bytes):
    from dms.auth import service as auth
    from dms.errors import Conflict

    src_settings, dest = _source_with_backup(make_settings, make_container, tmp_path, pdf_bytes)
    used_settings = make_settings()
    used = make_container(used_settings)
    with used.uow() as uow:
        auth.create_user(uow.session, None, "schon-da", "clerk", department="20")
        uow.commit()
    own_key = used_settings.backup_key_file.read_text()
    before = sorted((p.name, p.stat().st_mtime_ns) for p in used_settings.data_path.iterdir() if p.is_file())
    with pytest.raises(Conflict, match="not empty"):
        restore(used_settings, dest, key_file=src_settings.backup_key_file)
    assert used_settings.backup_key_file.read_text() == own_key  # its own key, not the backup's
    after = sorted((p.name, p.stat().st_mtime_ns) for p in used_settings.data_path.iterdir() if p.is_file())
    assert [n for n, _ in after] == [n for n, _ in before]
    with used.uow(read_only=True) as uow:
        assert uow.session.execute(text("SELECT count(*) FROM users")).scalar_one() == 1
