"""Disk full during upload: a clear 507, no partial file under a final name, no document row, and uploads
work again once space is back. Finding: ENOSPC used to surface as an unhandled 500."""

from __future__ import annotations

import errno
import hashlib
import io
import os
import subprocess
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from dms.db.tables import Document


def _text(kb: int, seed: str) -> bytes:
    line = f"Aktenvermerk {seed} Haushaltsstelle 1.2.3 Zuverlässigkeit\n".encode()
    return (line * (kb * 1024 // len(line) + 1))[: kb * 1024]


def _store_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def _doc_count(container) -> int:
    with container.uow(read_only=True) as uow:
        return int(uow.session.execute(select(func.count()).select_from(Document)).scalar_one())


@pytest.fixture
def tiny_store(tmp_path):
    mnt = tmp_path / f"store-{uuid.uuid4().hex[:6]}"
    mnt.mkdir()
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)],
                       capture_output=True, check=False)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.decode().strip()}); the ENOSPC simulation covers it")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_real_full_filesystem_gives_507_and_recovers(make_settings, make_container, tiny_store):
    from fastapi.testclient import TestClient

    from dms.web.app import create_app

    settings = make_settings(store_dir=tiny_store)
    container = make_container(settings)
    from dms.auth import service as auth

    with container.uow() as uow:
        user = auth.create_user(uow.session, None, "clerk-full", "clerk", department="63")
        _, token = auth.create_token(uow.session, None, int(user.id), "t")
        uow.commit()
    c = TestClient(create_app(settings, container=container), headers={"Authorization": f"Bearer {token}"})
    first = c.post("/api/v1/documents", files={"file": ("a.txt", _text(600, "eins"), "text/plain")})
    assert first.status_code == 202, first.text
    before_files, before_docs = _store_files(tiny_store), _doc_count(container)
    big = _text(700, "zwei")
    r = c.post("/api/v1/documents", files={"file": ("b.txt", big, "text/plain")})
    assert r.status_code == 507, r.text
    assert "full" in r.json()["detail"]
    assert _store_files(tiny_store) == before_files  # no partial file, not under a final name nor in .tmp
    assert not container.store.exists(hashlib.sha256(big).hexdigest())
    assert _doc_count(container) == before_docs
    subprocess.run(["mount", "-o", "remount,size=4m", str(tiny_store)], check=True)
    again = c.post("/api/v1/documents", files={"file": ("b.txt", big, "text/plain")})
    assert again.status_code == 202, again.text
    assert c.get(f"/api/v1/documents/{again.json()['id']}/original").content == big
    c.close()


class _FullDisk(io.RawIOBase):
    """A file object that accepts ``budget`` bytes and then fails like a full disk."""

    def __init__(self, fd: int, budget: int) -> None:
        self.fd, self.budget = fd, budget

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:  # type: ignore[override]
        if len(b) > self.budget:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        self.budget -= len(b)
        return os.write(self.fd, b)

    def close(self) -> None:
        if not self.closed:
            os.close(self.fd)
        super().close()


@pytest.mark.parametrize("budget", [0, 4096, 300_000])
def test_enospc_anywhere_in_the_write_is_a_clean_507(container, client_as, monkeypatch, budget):
    import dms.storage.local as local

    c = client_as("clerk", department="63")
    real_fdopen = local.os.fdopen
    monkeypatch.setattr(local.os, "fdopen", lambda fd, mode="r", *a, **k: _FullDisk(fd, budget)
                        if "w" in mode else real_fdopen(fd, mode, *a, **k))
    data = _text(512, f"b{budget}")
    before = _doc_count(container)
    r = c.post("/api/v1/documents", files={"file": ("c.txt", data, "text/plain")})
    assert r.status_code == 507, r.text
    assert r.json()["detail"].startswith("the content store is full")
    root = container.store.root
    assert not container.store.exists(hashlib.sha256(data).hexdigest())
    assert list((root / ".tmp").glob("w-*")) == []
    assert _doc_count(container) == before
    monkeypatch.undo()
    assert client_as("clerk", department="63").post(
        "/api/v1/documents", files={"file": ("c.txt", data, "text/plain")}).status_code == 202
