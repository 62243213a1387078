"""Content-addressed blob store (SHA-256): a port, a local-filesystem adapter and an in-memory adapter."""

from dms.storage.local import LocalBlobStore
from dms.storage.memory import MemoryBlobStore
from dms.storage.ports import BlobStore, StoredBlob, sha256_hex, valid_digest

__all__ = ["BlobStore", "LocalBlobStore", "MemoryBlobStore", "StoredBlob", "sha256_hex", "valid_digest"]
