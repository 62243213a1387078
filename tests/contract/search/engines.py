"""Engines under contract: memory (reference), tantivy (on disk), elasticsearch (only with ES_URL)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from search.backends import create_backend
from search.ports import SearchBackend

from .corpus import corpus

ENGINE_PARAMS = [
    pytest.param("memory", id="memory"),
    pytest.param("tantivy", id="tantivy"),
    pytest.param(
        "elasticsearch",
        id="elasticsearch",
        marks=[
            pytest.mark.elasticsearch,
            pytest.mark.skipif(not os.environ.get("ES_URL"), reason="ES_URL not set: no Elasticsearch here"),
        ],
    ),
]

EngineFactory = Callable[[], SearchBackend]


@pytest.fixture(params=ENGINE_PARAMS)
def make_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EngineFactory]:
    """Factory for empty engines of the parametrised kind (each one isolated)."""
    kind: str = request.param
    made: list[SearchBackend] = []

    def factory() -> SearchBackend:
        n = len(made)
        if kind == "tantivy":
            engine = create_backend("tantivy", path=tmp_path / f"idx{n}", heap_size=50_000_000, num_threads=1)
        elif kind == "elasticsearch":
            alias = f"aktenwerk-test-{uuid.uuid4().hex[:12]}"
            engine = create_backend("elasticsearch", url=os.environ["ES_URL"], index=alias)
        else:
            engine = create_backend("memory")
        made.append(engine)
        return engine

    yield factory
    for engine in made:
        if kind == "elasticsearch":
            client = engine.client  # type: ignore[attr-defined]
            alias = engine.alias  # type: ignore[attr-defined]
            # wildcard deletes are refused by default (action.destructive_requires_name): name each index
            for name in client.indices.get(
                index=f"{alias}-*", ignore_unavailable=True, allow_no_indices=True
            ):
                client.indices.delete(index=name, ignore_unavailable=True)
            client.indices.delete_index_template(name=f"{alias}-template")
        engine.close()


@pytest.fixture
def engine(make_engine: EngineFactory) -> SearchBackend:
    backend = make_engine()
    backend.index(corpus())
    backend.commit()
    return backend
