"""DTOs exchanged with the search package (pure data, stdlib only).

``SearchDoc`` is what ``dms`` hands to an engine; ``SearchRequest``/``SearchResult`` are what a caller
asks and gets back. Shapes are documented in ``docs/contracts.md``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from search.errors import DocumentInvalid, InvalidSearchRequest

#: Facets every engine can count, in display order.
FACET_NAMES: tuple[str, ...] = ("document_type", "department", "correspondent", "tag", "year", "akte")
MAX_PAGE_SIZE = 100
MAX_RESULT_WINDOW = 10_000
MAX_ID_LENGTH = 200
WILDCARD_TOKEN = "*"  # noqa: S105 - an access token, not a secret


class Sort(StrEnum):
    """Result order: BM25 relevance, or the document date (``document_date``, else ``created``)."""

    RELEVANCE = "relevance"
    DATE_DESC = "date_desc"
    DATE_ASC = "date_asc"

    @classmethod
    def parse(cls, value: str | Sort | None) -> Sort:
        if value is None or value == "":
            return cls.RELEVANCE
        if isinstance(value, Sort):
            return value
        aliases = {
            "date": cls.DATE_DESC,
            "-date": cls.DATE_DESC,
            "+date": cls.DATE_ASC,
            "score": cls.RELEVANCE,
        }
        if value in aliases:
            return aliases[value]
        try:
            return cls(value)
        except ValueError:
            allowed = ", ".join(s.value for s in cls)
            raise InvalidSearchRequest(f"unknown sort {value!r}; allowed: {allowed}") from None


@dataclass(slots=True, kw_only=True)
class SearchDoc:
    """One searchable document as built by ``dms`` (never an ORM row).

    ``acl`` holds access tokens (``user:<id>``, ``dept:<code>``, ``group:<name>``); a principal may read
    the document iff its tokens intersect ``acl`` or it holds the wildcard ``*``.
    """

    id: str
    title: str
    content: str
    created: datetime
    document_type: str = ""
    department: str = ""
    correspondent: str = ""
    tags: list[str] = field(default_factory=list)
    document_date: date | None = None
    akte: str | None = None
    asn: str | None = None
    acl: list[str] = field(default_factory=list)
    extra: dict[str, str] = field(default_factory=dict)
    #: The content's analysis as computed once when the text was extracted
    #: (:meth:`search.analysis.GermanAnalyzer.encode_content`). Derived data: not part of the JSON, the
    #: fingerprint or equality. Engines use it only if it was made by their analyzer for exactly this
    #: content (version and checksum match), else they analyse the content themselves.
    content_analysis: str | None = field(default=None, compare=False, repr=False)

    def validate(self) -> None:
        if not self.id or not self.id.strip():
            raise DocumentInvalid("search document without id")
        if len(self.id) > MAX_ID_LENGTH:
            raise DocumentInvalid(f"search document id longer than {MAX_ID_LENGTH} characters")

    @property
    def effective_date(self) -> date:
        """The date used for ``datum:`` filters, the year facet and date sorting."""
        return self.document_date or self.created.date()

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "content": self.content,
            "created": self.created.isoformat(),
            "document_type": self.document_type,
            "department": self.department,
            "correspondent": self.correspondent,
            "tags": list(self.tags),
            "document_date": self.document_date.isoformat() if self.document_date else None,
            "akte": self.akte,
            "asn": self.asn,
            "acl": list(self.acl),
            "extra": dict(sorted(self.extra.items())),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SearchDoc:
        values = dict(data)
        values["created"] = datetime.fromisoformat(values["created"])
        dd = values.get("document_date")
        values["document_date"] = date.fromisoformat(dd) if dd else None
        values["tags"] = list(values.get("tags") or [])
        values["acl"] = list(values.get("acl") or [])
        values["extra"] = dict(values.get("extra") or {})
        return cls(**values)

    def canonical_json(self) -> bytes:
        """The DTO as compact JSON (field order fixed by :meth:`to_json`): stored by the engines."""
        return json.dumps(self.to_json(), ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def fingerprint(self) -> str:
        """Stable hash of everything searchable: lets ``search check`` spot stale index entries."""
        return fingerprint_of(self.canonical_json())


def fingerprint_of(canonical: bytes) -> str:
    return hashlib.blake2b(canonical, digest_size=12).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class SearchRequest:
    """What a caller asks: the clerk's query string and who is asking (``principal_tokens``)."""

    query: str = ""
    principal_tokens: frozenset[str] = frozenset()
    page: int = 1
    page_size: int = 20
    sort: Sort = Sort.RELEVANCE
    facets: tuple[str, ...] = FACET_NAMES
    facet_size: int = 10
    highlight: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "principal_tokens", frozenset(self.principal_tokens))
        object.__setattr__(self, "sort", Sort.parse(self.sort))
        object.__setattr__(self, "facets", tuple(self.facets))
        if self.page < 1:
            raise InvalidSearchRequest("page must be >= 1")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:
            raise InvalidSearchRequest(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
        if self.page * self.page_size > MAX_RESULT_WINDOW:
            raise InvalidSearchRequest(f"cannot page beyond the first {MAX_RESULT_WINDOW} results")
        if not 1 <= self.facet_size <= 100:
            raise InvalidSearchRequest("facet_size must be between 1 and 100")
        unknown = [f for f in self.facets if f not in FACET_NAMES]
        if unknown:
            raise InvalidSearchRequest(
                f"unknown facet(s) {', '.join(unknown)}; allowed: {', '.join(FACET_NAMES)}"
            )
        if len(self.query) > 2000:
            raise InvalidSearchRequest("query longer than 2000 characters")

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size

    @property
    def sees_everything(self) -> bool:
        return WILDCARD_TOKEN in self.principal_tokens


@dataclass(frozen=True, slots=True)
class FacetValue:
    value: str
    count: int


@dataclass(slots=True)
class Hit:
    id: str
    title: str
    score: float
    highlights: list[str] = field(default_factory=list)
    document_type: str = ""
    document_date: date | None = None
    akte: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "score": round(self.score, 4),
            "highlights": list(self.highlights),
            "document_type": self.document_type,
            "document_date": self.document_date.isoformat() if self.document_date else None,
            "akte": self.akte,
        }


@dataclass(slots=True)
class SearchResult:
    total: int
    hits: list[Hit] = field(default_factory=list)
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)
    notice: str | None = None
    suggestion: str | None = None
    page: int = 1
    page_size: int = 20

    def to_dict(self) -> dict[str, Any]:
        return {
            "total": self.total,
            "hits": [h.to_dict() for h in self.hits],
            "facets": {
                k: [{"value": v.value, "count": v.count} for v in vs] for k, vs in self.facets.items()
            },
            "notice": self.notice,
            "suggestion": self.suggestion,
            "page": self.page,
            "page_size": self.page_size,
        }
