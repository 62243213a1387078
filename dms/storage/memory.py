"""In-memory adapter with the same behaviour as the local one (proven by tests/contract)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from typing import BinaryIO

from dms.errors import IntegrityError, NotFound, PayloadTooLarge, ValidationFailed
from dms.storage.ports import StoredBlob, valid_digest


class MemoryBlobStore:
    def __init__(self) -> None:
        self.blobs: dict[str, bytes] = {}

    def _check(self, digest: str) -> None:
        if not valid_digest(digest):
            raise ValidationFailed(f"not a SHA-256 digest: {digest[:80]!r}")

    def put(self, data: bytes, *, durable: bool = True) -> StoredBlob:
        digest = hashlib.sha256(data).hexdigest()
        if digest in self.blobs:
            return StoredBlob(digest, len(data), created=False)
        self.blobs[digest] = bytes(data)
        return StoredBlob(digest, len(data), created=True)

    def put_stream(self, stream: BinaryIO, *, max_bytes: int | None = None) -> StoredBlob:
        buf = bytearray()
        while chunk := stream.read(1024 * 1024):
            buf += chunk
            if max_bytes is not None and len(buf) > max_bytes:
                raise PayloadTooLarge(f"upload exceeds the limit of {max_bytes} bytes")
        return self.put(bytes(buf))

    def get(self, digest: str) -> bytes:
        self._check(digest)
        try:
            data = self.blobs[digest]
        except KeyError as exc:
            raise NotFound(f"blob {digest} is missing from the store") from exc
        if hashlib.sha256(data).hexdigest() != digest:
            raise IntegrityError(f"blob {digest} is corrupt (hash mismatch)")
        return data

    def open(self, digest: str) -> BinaryIO:
        self._check(digest)
        if digest not in self.blobs:
            raise NotFound(f"blob {digest} is missing from the store")
        return io.BytesIO(self.blobs[digest])

    def exists(self, digest: str) -> bool:
        self._check(digest)
        return digest in self.blobs

    def size(self, digest: str) -> int:
        self._check(digest)
        if digest not in self.blobs:
            raise NotFound(f"blob {digest} is missing from the store")
        return len(self.blobs[digest])

    def verify(self, digest: str) -> bool:
        self._check(digest)
        data = self.blobs.get(digest)
        return data is not None and hashlib.sha256(data).hexdigest() == digest

    def delete(self, digest: str) -> None:
        self._check(digest)
        self.blobs.pop(digest, None)

    def iter_digests(self) -> Iterator[str]:
        yield from sorted(self.blobs)

    def health(self) -> str:
        return "ok"
