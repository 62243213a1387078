"""The search port. ``dms`` depends on this protocol only; engines live in :mod:`search.backends`."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from typing import Protocol, runtime_checkable

from search.model import SearchDoc, SearchRequest, SearchResult


@runtime_checkable
class SearchBackend(Protocol):
    """A full-text engine. Writes become visible to searches after :meth:`commit`.

    All engines (``memory``, ``tantivy``, ``elasticsearch``) pass the same contract suite.
    """

    name: str

    def index(self, docs: Iterable[SearchDoc]) -> int:
        """Add or replace documents (by id); returns how many were written. Visible after commit."""
        ...

    def delete(self, ids: Iterable[str]) -> int:
        """Remove documents by id (unknown ids are ignored). Visible after commit."""
        ...

    def commit(self) -> None:
        """Make all writes durable and visible."""
        ...

    def refresh(self) -> None:
        """Make this handle see the newest committed state (writes by other processes included)."""
        ...

    def search(self, request: SearchRequest) -> SearchResult:
        """Parse, permission-filter, rank, page, highlight and count facets."""
        ...

    def more_like_this(self, doc_id: str, principal_tokens: frozenset[str], limit: int = 10) -> SearchResult:
        """Documents similar to ``doc_id`` (empty if the principal may not read it)."""
        ...

    def get(self, doc_id: str) -> SearchDoc | None:
        """The stored DTO of one document, ignoring permissions (admin/check use)."""
        ...

    def get_ids(self) -> set[str]: ...

    def fingerprints(self) -> dict[str, str]:
        """``id -> SearchDoc.fingerprint()`` of every indexed document (drift check)."""
        ...

    def count(self) -> int: ...

    def clear(self) -> None:
        """Remove everything (committed)."""
        ...

    def rebuild(self) -> AbstractContextManager[RebuildTarget]:
        """Build a fresh generation beside the live one; on clean exit switch atomically (no downtime),
        on error discard it and keep serving the old one."""
        ...

    def close(self) -> None: ...


class RebuildTarget(Protocol):
    def index(self, docs: Iterable[SearchDoc]) -> int: ...

    def delete(self, ids: Iterable[str]) -> int: ...

    def commit(self) -> None: ...


def batched(items: Iterable[SearchDoc], size: int) -> Iterator[list[SearchDoc]]:
    batch: list[SearchDoc] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
