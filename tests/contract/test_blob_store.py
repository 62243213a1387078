"""One contract suite for the blob store port, run on the local and the in-memory adapter."""

from __future__ import annotations

import hashlib
import io

import pytest

from dms.errors import IntegrityError, NotFound, PayloadTooLarge, ValidationFailed
from dms.storage import LocalBlobStore, MemoryBlobStore


@pytest.fixture(params=["local", "memory"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalBlobStore(tmp_path / "store")
    return MemoryBlobStore()


def _corrupt(store, digest: str) -> None:
    if isinstance(store, LocalBlobStore):
        p = store.path_for(digest)
        p.chmod(0o644)
        p.write_bytes(b"tampered")
    else:
        store.blobs[digest] = b"tampered"


def test_put_get_roundtrip_and_address(store):
    data = b"%PDF-1.7 hello"
    b = store.put(data)
    assert b.sha256 == hashlib.sha256(data).hexdigest()
    assert b.size == len(data) and b.created
    assert store.get(b.sha256) == data
    assert store.exists(b.sha256) and store.size(b.sha256) == len(data)
    assert store.verify(b.sha256)
    assert store.open(b.sha256).read() == data


def test_deduplicates(store):
    a = store.put(b"same")
    b = store.put_stream(io.BytesIO(b"same"))
    assert a.sha256 == b.sha256 and a.created and not b.created
    assert list(store.iter_digests()) == [a.sha256]


def test_missing_blob_is_not_found(store):
    missing = "0" * 64
    assert not store.exists(missing)
    assert not store.verify(missing)
    with pytest.raises(NotFound):
        store.get(missing)
    with pytest.raises(NotFound):
        store.size(missing)


def test_corrupt_blob_detected_on_read(store):
    b = store.put(b"original bytes")
    _corrupt(store, b.sha256)
    assert not store.verify(b.sha256)
    with pytest.raises(IntegrityError):
        store.get(b.sha256)


@pytest.mark.parametrize("bad", ["../../etc/passwd", "ABC", "g" * 64, ""])
def test_invalid_digest_refused(store, bad):
    with pytest.raises(ValidationFailed):
        store.get(bad)


def test_stream_limit(store):
    with pytest.raises(PayloadTooLarge):
        store.put_stream(io.BytesIO(b"x" * 2000), max_bytes=1000)
    assert list(store.iter_digests()) == []
    assert store.put_stream(io.BytesIO(b"x" * 1000), max_bytes=1000).size == 1000


def test_delete(store):
    b = store.put(b"to be disposed")
    store.delete(b.sha256)
    assert not store.exists(b.sha256)
    store.delete(b.sha256)  # idempotent


class _Exploding(io.RawIOBase):
    def __init__(self) -> None:
        self.n = 0

    def read(self, size: int = -1) -> bytes:
        self.n += 1
        if self.n > 3:
            raise OSError("connection reset mid-upload")
        return b"y" * 1024 * 1024


def test_failed_write_leaves_no_file(store, tmp_path):
    with pytest.raises(OSError):
        store.put_stream(_Exploding())
    assert list(store.iter_digests()) == []
    if isinstance(store, LocalBlobStore):
        leftovers = [p for p in (tmp_path / "store").rglob("*") if p.is_file()]
        assert leftovers == []


def test_local_final_files_are_read_only(tmp_path):
    s = LocalBlobStore(tmp_path / "s")
    b = s.put(b"immutable")
    mode = s.path_for(b.sha256).stat().st_mode & 0o777
    assert mode == 0o444
    assert s.path_for(b.sha256).parent.parent.parent == tmp_path / "s"
