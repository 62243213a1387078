"""Error root of the search package. Domain errors carry no HTTP codes (the web layer maps them)."""

from __future__ import annotations


class SearchError(Exception):
    """Root of every error raised by :mod:`search`."""


class InvalidSearchRequest(SearchError):
    """The caller asked for something impossible (page < 1, page size too large, unknown sort…)."""


class BackendUnavailable(SearchError):
    """The search engine cannot be reached or opened (server down, index locked, corrupt files)."""


class IndexLocked(BackendUnavailable):
    """Another process holds the index's one writer: that process indexes; try again later."""


class UnknownBackend(SearchError):
    """The configured engine name is not one of ``memory``, ``tantivy``, ``elasticsearch``."""


class DocumentInvalid(SearchError):
    """A :class:`~search.model.SearchDoc` cannot be indexed (empty id, id too long…)."""
