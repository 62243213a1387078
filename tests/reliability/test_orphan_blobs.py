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
