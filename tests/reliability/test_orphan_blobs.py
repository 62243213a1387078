"""Finding: an upload stores its blob before the transaction commits, so a refused upload (bad metadata)
or a process killed in between left an unreferenced blob behind. ``dms.ops.blobs.sweep_orphans``
(run at worker start) quarantines such blobs after a grace period and never touches referenced ones."""

from __future__ import annotations

import hashlib
import os
import time

from dms.ops.blobs import QUARANTINE, sweep_orphans


def test_refused_upload_blob_is_quarantined_and_referenced_blobs_stay(container, client_as, pdf_bytes):
    c = client_as("clerk", department="63")
    good = pdf_bytes("behalten")
    ok = c.post("/api/v1/documents", files={"file": ("a.pdf", good, "application/pdf")})
    assert ok.status_code == 202, ok.text
    bad = pdf_bytes("verwaist")
    refused = c.post("/api/v1/documents", files={"file": ("b.pdf", bad, "application/pdf")},
                     data={"document_date": "kein-datum"})
    assert refused.status_code == 422, refused.text
    bad_sha, good_sha = hashlib.sha256(bad).hexdigest(), hashlib.sha256(good).hexdigest()
    store = container.store
    assert store.exists(bad_sha)  # the refused upload's bytes were written before validation failed

    young = sweep_orphans(container)  # default grace: an in-flight upload is never touched
    assert young.orphaned == [] and young.young >= 1 and store.exists(bad_sha)

    report = sweep_orphans(container, grace_seconds=0)
    assert report.orphaned == [bad_sha]
    assert not store.exists(bad_sha)
    assert (store.root / QUARANTINE / bad_sha).read_bytes() == bad  # quarantined, not deleted
    assert store.exists(good_sha) and store.verify(good_sha)
    doc = c.get(f"/api/v1/documents/{ok.json()['id']}").json()
    if doc.get("thumbnail_sha256"):
        assert store.exists(doc["thumbnail_sha256"])
    assert sweep_orphans(container, grace_seconds=0, dry_run=True).orphaned == []


def test_stale_temp_files_of_killed_writers_are_removed(container):
    tmp = container.store.root / ".tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    stale, fresh = tmp / "w-stale", tmp / "w-fresh"
    stale.write_bytes(b"partial")
    fresh.write_bytes(b"in flight")
    old = time.time() - 7200
    os.utime(stale, (old, old))
    report = sweep_orphans(container)
    assert report.temp_removed == 1 and not stale.exists() and fresh.exists()


# ------------------------------------------------------------------ race: sweep vs an identical upload
def _old_orphan(container, data, age=7200):
    """Bytes stored long ago that no row refers to (an upload killed before its commit)."""
    blob = container.store.put(data)
    path = container.store.path_for(blob.sha256)
    old = time.time() - age
    os.utime(path, (old, old))
    return blob.sha256, path


def _upload(client, data, name="x.pdf"):
    r = client.post("/api/v1/documents", files={"file": (name, data, "application/pdf")})
    assert r.status_code == 202, r.text
    return r.json()["id"]


def test_identical_upload_during_the_sweep_keeps_the_blob(container, client_as, pdf_bytes, monkeypatch):
    """An identical upload stores (touches) the bytes while the sweep runs — after it read the references,
    or even right before it moves the blob — and its row commits only after the sweep: the blob must stay
    (before the fix the sweep moved it away and the new document pointed at nothing)."""
    import dms.ops.blobs as blobs

    c = client_as("clerk", department="63")
    data = pdf_bytes("wettlauf eins")
    digest, path = _old_orphan(container, data)
    real = blobs.referenced_digests

    def scan_then_identical_write(conn):
        refs = real(conn)
        container.store.put(data)  # the upload's write: finds the bytes and touches them
        return refs

    monkeypatch.setattr(blobs, "referenced_digests", scan_then_identical_write)
    report = sweep_orphans(container, grace_seconds=600)
    assert report.orphaned == [] and report.young == 1, report  # touched after the scan: young again
    monkeypatch.setattr(blobs, "referenced_digests", real)

    old = time.time() - 7200
    os.utime(path, (old, old))
    real_replace = os.replace
    touched = []

    def identical_write_then_move(src, dst):
        if not touched and str(dst).endswith(digest) and QUARANTINE in str(dst):
            touched.append(container.store.put(data))  # right before the rename
        real_replace(src, dst)

    monkeypatch.setattr(blobs.os, "replace", identical_write_then_move)
    report = sweep_orphans(container, grace_seconds=600)
    assert touched and touched[0].created is False
    assert report.orphaned == [] and report.kept == 1, report  # moved, saw the fresh mtime, put back
    assert path.is_file() and not (container.store.root / QUARANTINE / digest).exists()
    monkeypatch.setattr(blobs.os, "replace", real_replace)
    doc_id = _upload(c, data)  # the upload's row commits after the sweep
    assert c.get(f"/api/v1/documents/{doc_id}/original").content == data


def test_row_committed_after_the_move_puts_the_blob_back(container, client_as, pdf_bytes, monkeypatch):
    """A row that refers to the blob commits after the move (without touching it): the second reference
    read finds it and the blob goes back — only blobs unreferenced at the moment of removal stay away."""
    import dms.ops.blobs as blobs

    c = client_as("clerk", department="63")
    data = pdf_bytes("wettlauf zwei")
    digest, path = _old_orphan(container, data)
    real = blobs.referenced_digests
    calls = {"n": 0, "doc": None}

    def commit_after_move(conn):
        calls["n"] += 1
        if calls["n"] == 2:  # all candidates are moved by now
            assert not path.exists()
            old = time.time() - 7200
            calls["doc"] = _upload(c, data)  # writes the bytes anew at the final path (then commits)
            os.utime(path, (old, old))  # and pretend that write was long ago: only the reference saves it
            return real(container.db.read.connect())
        return real(conn)

    monkeypatch.setattr(blobs, "referenced_digests", commit_after_move)
    report = sweep_orphans(container, grace_seconds=600)
    assert calls["n"] == 2 and report.orphaned == [] and report.kept == 1, report
    assert not (container.store.root / QUARANTINE / digest).exists()
    assert container.store.verify(digest)
    assert c.get(f"/api/v1/documents/{calls['doc']}/original").content == data


def test_writer_after_the_move_stores_the_bytes_anew(container, pdf_bytes, monkeypatch):
    """A writer that comes after the rename finds no file (its touch fails) and writes the bytes again."""
    import dms.ops.blobs as blobs

    data = pdf_bytes("wettlauf drei")
    digest, _path = _old_orphan(container, data)
    real_replace = os.replace
    seen = {}

    def replace_then_write(src, dst):
        real_replace(src, dst)
        if str(dst).endswith(digest) and QUARANTINE in str(dst) and not seen:
            seen["blob"] = container.store.put(data)

    monkeypatch.setattr(blobs.os, "replace", replace_then_write)
    report = sweep_orphans(container, grace_seconds=600)
    assert seen["blob"].created is True  # the touch found nothing: written anew
    assert report.orphaned == [] and report.kept == 1, report
    assert container.store.verify(digest) and not (container.store.root / QUARANTINE / digest).exists()


def test_concurrent_sweeps_and_identical_uploads_never_lose_a_referenced_blob(container, client_as, pdf_bytes):
    """A thread sweeps in a loop while files whose bytes are already stored as old orphans are uploaded:
    every acknowledged document's blob is in the store after its commit (whichever side wins each race)."""
    import threading

    c = client_as("clerk", department="63")
    stop = threading.Event()
    sweeps = {"n": 0}

    def sweeper():
        while not stop.is_set():
            sweep_orphans(container, grace_seconds=600)
            sweeps["n"] += 1

    rounds = [[pdf_bytes(f"gleichzeitig {r}-{i}") for i in range(3)] for r in range(6)]
    missing: list[str] = []
    t = threading.Thread(target=sweeper)
    t.start()
    try:
        for r, files in enumerate(rounds):
            digests = [_old_orphan(container, data)[0] for data in files]  # candidates of the running sweep
            for i, data in enumerate(files):
                doc_id = _upload(c, data, f"{r}-{i}.pdf")
                if not container.store.verify(digests[i]):
                    missing.append(f"document {doc_id}: blob {digests[i][:12]} missing after commit")
    finally:
        stop.set()
        t.join(timeout=60)
    assert sweeps["n"] >= 2 and missing == []
    final = sweep_orphans(container, grace_seconds=600)
    assert final.orphaned == [], final  # (a blob quarantined before its upload came was written anew)


def test_store_sweep_cli_dry_run_and_real(tmp_path, monkeypatch, pdf_bytes):
    from typer.testing import CliRunner

    from dms import cli as cli_module
    from dms.bootstrap import build_container
    from dms.db.uow import RecordingDispatcher
    from dms.settings import get_settings

    for k in list(os.environ):
        if k.startswith("AKTENWERK_"):
            monkeypatch.delenv(k)
    monkeypatch.setenv("AKTENWERK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("AKTENWERK_SEARCH_BACKEND", "memory")
    get_settings.cache_clear()
    run = CliRunner().invoke
    assert run(cli_module.app, ["init"]).exit_code == 0
    c = build_container(get_settings(), dispatcher=RecordingDispatcher(), pool=False)
    try:
        old_sha, old_path = _old_orphan(c, pdf_bytes("alt und verwaist"))
        young_sha = c.store.put(pdf_bytes("jung und verwaist")).sha256
        dry = run(cli_module.app, ["store", "sweep", "--dry-run"])
        assert dry.exit_code == 0 and "would quarantine 1 orphaned blob" in " ".join(dry.output.split()), dry.output
        assert old_sha in dry.output and old_path.exists()
        real = run(cli_module.app, ["store", "sweep"])
        assert real.exit_code == 0 and "quarantined 1 orphaned blob" in " ".join(real.output.split()), real.output
        assert not old_path.exists() and (c.store.root / QUARANTINE / old_sha).exists()
        assert c.store.exists(young_sha)  # inside the grace period (default AKTENWERK_ORPHAN_GRACE_SECONDS)
        monkeypatch.setenv("AKTENWERK_ORPHAN_GRACE_SECONDS", "0.001")
        get_settings.cache_clear()
        time.sleep(0.01)
        assert run(cli_module.app, ["store", "sweep"]).exit_code == 0
        assert not c.store.exists(young_sha)
        bad = run(cli_module.app, ["store", "sweep", "--grace", "-5"])
        assert bad.exit_code == 2  # refused by the option's range
    finally:
        c.close()
        get_settings.cache_clear()


def test_beat_schedules_the_orphan_sweep(make_settings):
    from dms.worker.app import create_celery
    from dms.worker.tasks import run_job  # registers the task names

    app = create_celery(make_settings(orphan_sweep_interval_seconds=1234))
    entry = app.conf.beat_schedule["orphan-blob-sweep"]
    assert entry == {"task": "dms.orphan_sweep", "schedule": 1234}
    from dms.worker.app import app as real_app

    assert "dms.orphan_sweep" in real_app.tasks
    assert callable(run_job)


def test_orphan_sweep_task_runs_through_the_job_dispatch(container, pdf_bytes):
    from dms.worker.tasks import run_job

    digest, path = _old_orphan(container, pdf_bytes("per beat"))
    report = run_job(container, "dms.orphan_sweep", [])
    assert report.orphaned == [digest] and not path.exists()


def test_storing_existing_bytes_restarts_the_grace_period(tmp_path):
    import io

    from dms.storage.local import LocalBlobStore

    store = LocalBlobStore(tmp_path / "store")
    first = store.put(b"schon da")
    path = store.path_for(first.sha256)
    for write in (lambda: store.put(b"schon da"), lambda: store.put_stream(io.BytesIO(b"schon da"))):
        os.utime(path, (1_000_000, 1_000_000))
        again = write()
        assert again.created is False and again.sha256 == first.sha256
        assert time.time() - path.stat().st_mtime < 60  # touched: the sweep sees a young blob
    assert not list((tmp_path / "store" / ".tmp").iterdir())  # the stream's temp file was removed
