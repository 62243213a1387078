"""Local filesystem adapter: ``<root>/ab/cd/abcd…`` fan-out, temp file + fsync + atomic rename.

Writing bytes that are already stored touches the existing file (mtime = now): the orphan sweep only
quarantines blobs whose mtime is older than its grace period.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from dms.errors import IntegrityError, NotFound, PayloadTooLarge, StorageFull, ValidationFailed
from dms.storage.ports import StoredBlob, valid_digest

CHUNK = 1024 * 1024


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._tmp = self.root / ".tmp"

    def ensure(self) -> None:
        self._tmp.mkdir(parents=True, exist_ok=True)

    def path_for(self, digest: str) -> Path:
        if not valid_digest(digest):
            raise ValidationFailed(f"not a SHA-256 digest: {digest[:80]!r}")
        return self.root / digest[:2] / digest[2:4] / digest

    # ---------------------------------------------------------------- write
    def put(self, data: bytes, *, durable: bool = True) -> StoredBlob:
        digest = hashlib.sha256(data).hexdigest()
        final = self.path_for(digest)
        if _touch(final):
            return StoredBlob(digest, len(data), created=False)
        self.ensure()
        fd, tmp = tempfile.mkstemp(dir=self._tmp, prefix="w-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                if durable:
                    f.flush()
                    os.fsync(f.fileno())
            return self._commit(Path(tmp), digest, len(data), durable=durable)
        except BaseException as exc:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            _raise_if_full(exc)
            raise

    def put_stream(self, stream: BinaryIO, *, max_bytes: int | None = None) -> StoredBlob:
        self.ensure()
        h = hashlib.sha256()
        size = 0
        fd, tmp = tempfile.mkstemp(dir=self._tmp, prefix="w-")
        try:
            with os.fdopen(fd, "wb") as f:
                while chunk := stream.read(CHUNK):
                    size += len(chunk)
                    if max_bytes is not None and size > max_bytes:
                        raise PayloadTooLarge(f"upload exceeds the limit of {max_bytes} bytes")
                    h.update(chunk)
                    f.write(chunk)
                f.flush()
                os.fsync(f.fileno())
            digest = h.hexdigest()
            if _touch(self.path_for(digest)):
                os.unlink(tmp)
                return StoredBlob(digest, size, created=False)
            return self._commit(Path(tmp), digest, size)
        except BaseException as exc:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            _raise_if_full(exc)
            raise

    def _commit(self, tmp: Path, digest: str, size: int, *, durable: bool = True) -> StoredBlob:
        final = self.path_for(digest)
        final.parent.mkdir(parents=True, exist_ok=True)
        os.chmod(tmp, 0o444)
        os.replace(tmp, final)  # atomic: readers see nothing or the whole file
        if durable:
            _fsync_dir(final.parent)
        return StoredBlob(digest, size, created=True)

    # ---------------------------------------------------------------- read
    def get(self, digest: str) -> bytes:
        p = self.path_for(digest)
        try:
            data = p.read_bytes()
        except FileNotFoundError as exc:
            raise NotFound(f"blob {digest} is missing from the store") from exc
        if hashlib.sha256(data).hexdigest() != digest:
            raise IntegrityError(f"blob {digest} is corrupt (hash mismatch)")
        return data

    def open(self, digest: str) -> BinaryIO:
        try:
            return self.path_for(digest).open("rb")
        except FileNotFoundError as exc:
            raise NotFound(f"blob {digest} is missing from the store") from exc

    def exists(self, digest: str) -> bool:
        return self.path_for(digest).is_file()

    def size(self, digest: str) -> int:
        try:
            return self.path_for(digest).stat().st_size
        except FileNotFoundError as exc:
            raise NotFound(f"blob {digest} is missing from the store") from exc

    def verify(self, digest: str) -> bool:
        h = hashlib.sha256()
        try:
            with self.path_for(digest).open("rb") as f:
                while chunk := f.read(CHUNK):
                    h.update(chunk)
        except FileNotFoundError:
            return False
        return h.hexdigest() == digest

    def delete(self, digest: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path_for(digest).unlink()

    def iter_digests(self) -> Iterator[str]:
        if not self.root.exists():
            return
        for a in sorted(self.root.iterdir()):
            if len(a.name) != 2 or not a.is_dir():
                continue
            for b in sorted(a.iterdir()):
                for f in sorted(b.iterdir()):
                    if valid_digest(f.name):
                        yield f.name

    def health(self) -> str:
        try:
            self.ensure()
            probe = self._tmp / f"probe-{os.getpid()}"
            probe.write_bytes(b"ok")
            probe.unlink()
        except OSError as exc:
            return f"error: {exc}"
        return "ok"


def _touch(final: Path) -> bool:
    """True if the blob exists; its mtime is set to now so that the orphan sweep's grace period starts again.

    This closes the race "orphan sweep vs an identical upload": a writer that finds the bytes already
    stored either touches the file before the sweep moves it (the sweep sees the fresh mtime on the moved
    file and puts it back) or finds it gone and writes it anew (see ``dms.ops.blobs.sweep_orphans``)."""
    try:
        os.utime(final)
    except FileNotFoundError:
        return False
    except OSError:  # not the owner, read-only mount …: best effort, as before
        return final.is_file()
    return True


def _raise_if_full(exc: BaseException) -> None:
    """A full disk (or quota) is a clear, retryable error, not a crash; the temp file is already gone."""
    if isinstance(exc, OSError) and exc.errno in {errno.ENOSPC, errno.EDQUOT}:
        raise StorageFull("the content store is full; nothing was stored, please retry later") from exc


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
