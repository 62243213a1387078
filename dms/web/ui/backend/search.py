"""Search page over ``dms.search_index.search_as`` (the function ``GET /api/v1/search`` calls)."""

from __future__ import annotations

import math
from typing import Any

from fastapi import Request
from markupsafe import Markup

from dms.search_index import search_as
from dms.web.ui.backend.base import container, user_errors

PAGE_SIZE = 20
#: search-form filter → field of the clerk query language (search/query.py)
FILTER_FIELDS = {
    "document_type": "typ",
    "department": "abteilung",
    "correspondent": "von",
    "tag": "tag",
    "year": "datum",
    "akte": "akte",
}


def _quoted(value: str) -> str:
    cleaned = value.replace('"', " ").strip()
    return f'"{cleaned}"' if any(c.isspace() or c in ":()-*" for c in cleaned) else cleaned


def build_query(q: str, filters: dict[str, str]) -> str:
    """The clerk's words plus one ``field:value`` term per chosen facet value."""
    terms = [q.strip()] if q.strip() else []
    terms += [f"{FILTER_FIELDS[k]}:{_quoted(v)}" for k, v in filters.items() if k in FILTER_FIELDS and v.strip()]
    return " ".join(terms)


def search(
    request: Request, user: Any, *, q: str, filters: dict[str, str], sort: str, page: int
) -> dict[str, Any]:
    query = build_query(q, filters)
    page = min(page, 500)
    with user_errors():
        result = search_as(container(request), user, query, page=page, page_size=PAGE_SIZE, sort=sort)
    hits = [
        {
            "id": h.id,
            "title": h.title,
            "document_type": h.document_type,
            "document_date": h.document_date,
            "akte": h.akte,
            # the search package escapes the text and adds only <mark> tags
            "highlights": [Markup(s) for s in h.highlights],  # noqa: S704
        }
        for h in result.hits
    ]
    return {
        "total": result.total,
        "hits": hits,
        "facets": {k: [{"value": v.value, "count": v.count} for v in vs] for k, vs in result.facets.items()},
        "notice": result.notice,
        "suggestion": result.suggestion,
        "page": page,
        "pages": max(1, math.ceil(result.total / PAGE_SIZE)),
    }
