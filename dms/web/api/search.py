"""Full-text search API: ``GET /api/v1/search`` and ``GET /api/v1/search/similar/{document_id}``.

Only documents the caller may read are ever counted, shown or used for facets and suggestions: the
caller's access tokens filter inside the engine query.
"""
# ruff: noqa: PLR0917  -- FastAPI endpoints take many query parameters

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from dms.domain.principal import Principal
from dms.search_index import backend_of, search_as
from dms.web.deps import ContainerDep, require
from search.model import FACET_NAMES, MAX_PAGE_SIZE

router = APIRouter(prefix="/api/v1/search", tags=["search"])


@router.get("")
def search(
    principal: Annotated[Principal, require("documents:read")],
    container: ContainerDep,
    q: Annotated[
        str,
        Query(
            max_length=2000,
            description='Clerk query: words, "phrases", -not, prefix*, OR, typ:, akte:, von:, tag:, abteilung:, asn:, datum:',
        ),
    ] = "",
    page: Annotated[int, Query(ge=1, le=500)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 20,
    sort: Annotated[str, Query(pattern="^(relevance|date_desc|date_asc)$")] = "relevance",
    facets: Annotated[
        str | None, Query(description=f"Comma-separated subset of {', '.join(FACET_NAMES)}")
    ] = None,
) -> dict[str, Any]:
    wanted = [f.strip() for f in facets.split(",") if f.strip()] if facets is not None else None
    result = search_as(container, principal, q, page=page, page_size=page_size, sort=sort, facets=wanted)
    return _with_int_ids(result.to_dict())


@router.get("/similar/{document_id}")
def similar(
    document_id: int,
    principal: Annotated[Principal, require("documents:read")],
    container: ContainerDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> dict[str, Any]:
    """More like this: documents sharing the most distinctive words (empty if the source is not readable)."""
    backend = backend_of(container)
    return _with_int_ids(backend.more_like_this(str(document_id), principal.tokens, limit=limit).to_dict())


def _with_int_ids(data: dict[str, Any]) -> dict[str, Any]:
    """Hit ids as the integers ``POST /api/v1/documents`` and ``GET /api/v1/documents/{id}`` use (the
    engines keep string ids)."""
    for hit in data.get("hits", []):
        if isinstance(hit.get("id"), str) and hit["id"].isdigit():
            hit["id"] = int(hit["id"])
    return data
