"""The `aktenwerk` CLI: init, user create --token (last line), import, backup/restore, doctor."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select
from typer.testing import CliRunner

from dms import cli
from dms.settings import get_settings

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def cli_env(tmp_path, monkeypatch):
    data = tmp_path / "data"
    for k in list(__import__("os").environ):
        if k.startswith("AKTENWERK_"):
            monkeypatch.delenv(k)
    monkeypatch.setenv("AKTENWERK_DATA_DIR", str(data))
    monkeypatch.setenv("AKTENWERK_EAGER_TASKS", "true")
    monkeypatch.setenv("AKTENWERK_SEARCH_BACKEND", "memory")
    get_settings.cache_clear()
    yield data
    get_settings.cache_clear()


def run(*args: str):
    return CliRunner().invoke(cli.app, list(args), catch_exceptions=False)


def test_init_is_idempotent_and_prints_password(cli_env):
    r = run("init")
    assert r.exit_code == 0, r.output
    assert "admin password:" in r.output
    assert (cli_env / "aktenwerk.sqlite3").exists() and (cli_env / "store").is_dir()
    again = run("init")
    assert again.exit_code == 0 and "exists already" in again.output


def test_user_create_token_is_last_line_and_works(cli_env):
    run("init")
    r = run("user", "create", "erika", "--role", "clerk", "--department", "63", "--token")
    assert r.exit_code == 0, r.output
    token = r.output.strip().splitlines()[-1]
    assert token.startswith("akw_")
    from fastapi.testclient import TestClient

    from dms.web.app import create_app

    with TestClient(create_app(get_settings())) as c:
        me = c.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).json()
    assert me["user"]["username"] == "erika" and me["user"]["department"] == "63"
    assert run("user", "create", "erika", "--role", "clerk").exit_code == 1  # duplicate
    assert run("user", "create", "x", "--role", "emperor").exit_code == 1
    assert run("user", "create", "lieferant", "--role", "supplier", "--supplier", "7").exit_code == 1  # no such supplier
    sid = run("supplier", "create", "Lieferant GmbH").output.strip().splitlines()[-1]
    r = run("user", "create", "lieferant", "--role", "supplier", "--supplier", sid, "--limit", "1000.50")
    assert r.exit_code == 0, r.output
    t = run("user", "token", "lieferant")
    assert t.output.strip().splitlines()[-1].startswith("akw_")


def test_console_script_entry_point(cli_env):
    exe = Path(sys.executable).with_name("aktenwerk")
    r = subprocess.run([str(exe), "--help"], capture_output=True, text=True, timeout=60, check=False)
    assert r.returncode == 0 and "init" in r.stdout and "serve" in r.stdout


def test_import_folder_sync(cli_env, tmp_path, pdf_bytes):
    run("init")
    folder = tmp_path / "in"
    (folder / "sub").mkdir(parents=True)
    (folder / "a.pdf").write_bytes(pdf_bytes("eins"))
    (folder / "sub" / "b.txt").write_text("zwei")
    (folder / ".hidden").write_text("skip me")
    (folder / "fake.pdf").write_text("not a pdf")
    r = run("import", str(folder), "--sync", "--department", "63")
    assert r.exit_code == 1  # one file failed
    assert "imported 2 file(s), 1 failed" in r.output and "fake.pdf" in r.output
    from dms.bootstrap import build_container
    from dms.db.tables import Document
    from dms.db.uow import RecordingDispatcher

    c = build_container(get_settings(), dispatcher=RecordingDispatcher())
    with c.uow(read_only=True) as uow:
        docs = list(uow.session.exec(select(Document)))
        assert sorted(d.filename for d in docs) == ["a.pdf", "b.txt"]
        assert {d.status for d in docs} == {"ready"} and {d.channel for d in docs} == {"import"}
    c.close()
    assert run("import", str(tmp_path / "missing")).exit_code == 1


def test_backup_restore_roundtrip_and_tamper(cli_env, tmp_path, pdf_bytes, monkeypatch):
    run("init")
    folder = tmp_path / "in"
    folder.mkdir()
    original = pdf_bytes("sichern")
    (folder / "a.pdf").write_bytes(original)
    assert run("import", str(folder), "--sync").exit_code == 0
    dest = tmp_path / "backup"
    r = run("backup", str(dest))
    assert r.exit_code == 0, r.output
    manifest = json.loads((dest / "manifest.json").read_text())
    assert manifest["tables"]["documents"]["rows"] == 1 and len(manifest["blobs"]) >= 2  # original + preview
    assert run("backup", str(dest)).exit_code == 1  # refuses a non-empty destination

    # restore into a fresh installation
    monkeypatch.setenv("AKTENWERK_DATA_DIR", str(tmp_path / "restored"))
    get_settings.cache_clear()
    key = ["--key-file", str(cli_env / "backup.key")]  # the source installation's backup key
    r = run("restore", str(dest), *key)
    assert r.exit_code == 0, r.output
    assert "audit chain intact" in r.output
    assert run("audit", "verify").exit_code == 0
    from dms.bootstrap import build_container
    from dms.db.tables import Document
    from dms.db.uow import RecordingDispatcher

    c = build_container(get_settings(), dispatcher=RecordingDispatcher())
    with c.uow(read_only=True) as uow:
        doc = uow.session.exec(select(Document)).one()
    assert c.store.get(doc.sha256) == original
    c.close()
    assert run("restore", str(dest), *key).exit_code == 1  # target not empty any more

    # tampering with a blob or a table file is refused before anything is written
    monkeypatch.setenv("AKTENWERK_DATA_DIR", str(tmp_path / "second"))
    get_settings.cache_clear()
    blob = next(p for p in (dest / "store").rglob("*") if p.is_file())
    blob.chmod(0o644)
    blob.write_bytes(blob.read_bytes() + b"x")
    r = run("restore", str(dest), *key)
    assert r.exit_code == 1 and "corrupt" in r.output
    assert not (tmp_path / "second" / "aktenwerk.sqlite3").exists()


def test_backup_table_edit_refused(cli_env, tmp_path, monkeypatch):
    run("init")
    dest = tmp_path / "b"
    assert run("backup", str(dest)).exit_code == 0
    users = dest / "db" / "users.jsonl"
    users.write_text(users.read_text().replace('"admin"', '"mallory"'))
    monkeypatch.setenv("AKTENWERK_DATA_DIR", str(tmp_path / "r"))
    get_settings.cache_clear()
    r = run("restore", str(dest), "--key-file", str(cli_env / "backup.key"))
    assert r.exit_code == 1 and "users.jsonl" in r.output


def test_backup_restores_the_scan_batch_records(cli_env, tmp_path, monkeypatch):
    """The TR-RESISCAN batch records live as files in ``<data>/scan-records``, not in the database: a backup
    used to leave them out, so after a restore ``scan batches`` listed nothing (and the paper could not be
    destroyed against its protocol). They are now copied, hashed in the signed manifest and restored."""
    run("init")
    records = cli_env / "scan-records"
    records.mkdir()
    batch = "0b9e2c57-3c4f-4c6e-9a57-5b0f1f0b6a11"
    (records / f"{batch}.json").write_text(json.dumps({"batch_id": batch}), encoding="utf-8")
    (records / f"{batch}.txt").write_text("Ersetzendes Scannen: Protokoll", encoding="utf-8")
    (records / ".rec-half.part").write_text("a writer's temporary file", encoding="utf-8")
    dest = tmp_path / "b"
    assert run("backup", str(dest)).exit_code == 0
    manifest = json.loads((dest / "manifest.json").read_text())
    assert sorted(manifest["files"]) == [f"scan-records/{batch}.json", f"scan-records/{batch}.txt"]
    key = ["--key-file", str(cli_env / "backup.key")]

    (dest / "files" / "scan-records" / f"{batch}.txt").write_text("gefälscht", encoding="utf-8")
    monkeypatch.setenv("AKTENWERK_DATA_DIR", str(tmp_path / "refused"))
    get_settings.cache_clear()
    r = run("restore", str(dest), *key)
    assert r.exit_code == 1 and f"scan-records/{batch}.txt" in r.output
    assert not (tmp_path / "refused" / "aktenwerk.sqlite3").exists()

    (dest / "files" / "scan-records" / f"{batch}.txt").write_text("Ersetzendes Scannen: Protokoll", encoding="utf-8")
    monkeypatch.setenv("AKTENWERK_DATA_DIR", str(tmp_path / "restored"))
    get_settings.cache_clear()
    r = run("restore", str(dest), *key)
    assert r.exit_code == 0, r.output
    restored = tmp_path / "restored" / "scan-records"
    assert sorted(p.name for p in restored.iterdir()) == [f"{batch}.json", f"{batch}.txt"]
    assert (restored / f"{batch}.json").read_bytes() == (records / f"{batch}.json").read_bytes()


def test_doctor(cli_env):
    r = run("doctor")
    assert r.exit_code == 1  # not initialised yet
    run("init")
    r = run("doctor")
    assert r.exit_code == 0, r.output
    assert "database" in r.output and "queue" in r.output


def test_fileplan_import_and_reimport_versions(cli_env, tmp_path):
    run("init")
    plan = tmp_path / "plan.csv"
    plan.write_text("code;title;retention_class\n63;Bauordnung;\n63.01;Baugenehmigung;bau-30\n63.01.02;Wohnbau;bau-30\n",
                    encoding="utf-8")
    r = run("fileplan", "import", str(plan))
    assert r.exit_code == 0, r.output
    assert "3 created" in r.output
    plan.write_text("code,title,retention_class\n63,Bauordnung,\n63.01,Baugenehmigungen,bau-30\n63.01.02,Wohnbau,bau-30\n",
                    encoding="utf-8")
    r = run("fileplan", "import", str(plan))
    assert "0 created, 1 updated, 2 unchanged" in r.output
    from dms.bootstrap import build_container
    from dms.db.uow import RecordingDispatcher
    from dms.services import fileplan

    c = build_container(get_settings(), dispatcher=RecordingDispatcher())
    with c.uow(read_only=True) as uow:
        nodes = {n.code: n for n in fileplan.list_nodes(uow.session)}
        assert nodes["63.01.02"].parent_id == nodes["63.01"].id and nodes["63.01"].parent_id == nodes["63"].id
        hist = fileplan.node_history(uow.session, nodes["63.01"].id)
        assert [h.title for h in hist] == ["Baugenehmigung", "Baugenehmigungen"]
    c.close()
    bad = tmp_path / "bad.csv"
    bad.write_text("code;title\n;ohne Code\n", encoding="utf-8")
    assert run("fileplan", "import", str(bad)).exit_code == 1


@pytest.mark.parametrize("args", [("audit", "verify"), ("user", "list"), ("backup", "somewhere")])
def test_commands_refuse_an_uninitialised_installation(cli_env, tmp_path, args):
    r = run(*[str(tmp_path / a) if a == "somewhere" else a for a in args])
    assert r.exit_code == 1
    assert "aktenwerk init" in r.output
    assert not cli_env.exists()  # nothing was created on the way


def test_help_and_pure_commands_need_no_installation(cli_env):
    assert run("--help").exit_code == 0
    assert "E-Akte" in run("--help").output
    r = run("einvoice", "validate", "/nonexistent.xml", "--json")
    assert r.exit_code == 2  # unreadable file, not "run init"


def test_department_commands(cli_env):
    import json

    run("init")
    assert run("user", "create", "erika", "--role", "clerk", "--department", "63").exit_code == 0
    r = run("department", "create", "41", "--name", "Kultur")
    assert r.exit_code == 0 and r.output.strip() == "41\tKultur\taktiv"
    dup = run("department", "create", "41")
    assert dup.exit_code == 1 and "gibt es bereits" in dup.output
    bad = run("department", "create", "a b")
    assert bad.exit_code == 1 and "Ungültiger Code" in bad.output
    assert run("department", "rename", "41", "Kultur und Weiterbildung").exit_code == 0
    assert run("department", "deactivate", "41").output.strip().endswith("inaktiv")
    missing = run("department", "rename", "99", "x")
    assert missing.exit_code == 1 and "gibt es nicht" in missing.output
    listed = {d["code"]: d for d in json.loads(run("department", "list", "--json").output)}
    assert listed["41"] == {"code": "41", "name": "Kultur und Weiterbildung", "active": False, "users": 0,
                            "documents": 0}  # fmt: skip
    assert listed["63"]["users"] == 1  # a code in use was registered when the user was created
