"""The blob store port. Blobs are addressed by the SHA-256 of their bytes (lower-case hex)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def valid_digest(digest: str) -> bool:
    return bool(_HEX64.match(digest))


@dataclass(frozen=True, slots=True)
class StoredBlob:
    sha256: str
    size: int
    created: bool  # False when the bytes were already stored (de-duplicated)


class BlobStore(Protocol):
    """Write-once content-addressed storage. ``get`` verifies the hash and raises ``IntegrityError``."""

    def put(self, data: bytes, *, durable: bool = True) -> StoredBlob:
        """Store bytes. ``durable=False`` skips fsync (only for derivatives that can be regenerated)."""
        ...

    def put_stream(self, stream: BinaryIO, *, max_bytes: int | None = None) -> StoredBlob: ...

    def get(self, digest: str) -> bytes: ...

    def open(self, digest: str) -> BinaryIO:
        """Open for streaming (unverified; use ``get`` or ``verify`` for integrity)."""
        ...

    def exists(self, digest: str) -> bool: ...

    def size(self, digest: str) -> int: ...

    def verify(self, digest: str) -> bool: ...

    def delete(self, digest: str) -> None:
        """Remove a blob (retention disposal only; callers check that no version references it)."""
        ...

    def iter_digests(self) -> Iterator[str]: ...

    def health(self) -> str: ...
