"""Search engines behind :class:`search.ports.SearchBackend` and a factory to pick one by name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from search.errors import UnknownBackend
from search.ports import SearchBackend

ENGINES = ("memory", "tantivy", "elasticsearch")


def create_backend(
    kind: str, *, path: str | Path | None = None, url: str | None = None, **options: Any
) -> SearchBackend:
    """``memory`` · ``tantivy`` (needs ``path``) · ``elasticsearch`` (needs ``url``; ``index`` = alias name)."""
    if kind == "memory":
        from search.backends.memory import MemoryBackend  # noqa: PLC0415 - load an engine only when chosen

        return MemoryBackend()
    if kind == "tantivy":
        from search.backends.tantivy_backend import TantivyBackend  # noqa: PLC0415 - load an engine only when chosen

        if path is None:
            raise UnknownBackend("the tantivy engine needs an index directory (path)")
        return TantivyBackend(Path(path), **options)
    if kind == "elasticsearch":
        from search.backends.elasticsearch_backend import ElasticsearchBackend  # noqa: PLC0415 - load an engine only when chosen

        if not url:
            raise UnknownBackend("the elasticsearch engine needs a URL")
        return ElasticsearchBackend(url, **options)
    raise UnknownBackend(f"unknown search engine {kind!r}; choose one of {', '.join(ENGINES)}")
