"""Paperless document filters (``title__icontains``, ``tags__id__all``, ``created__date__gt`` …) and
ordering, evaluated over light rows the caller may read."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlmodel import Session, col

from dms.db.tables import Document, DocumentText
from dms.domain.principal import Principal
from dms.errors import ValidationFailed
from dms.paperless import labels
from dms.paperless.mapping import asn_int, parse_created

if TYPE_CHECKING:
    from _typeshed import SupportsRichComparison


@dataclass(frozen=True, slots=True)
class Row:
    id: int
    title: str
    tags: tuple[str, ...]
    correspondent: str | None
    document_type: str | None
    created: date
    added: datetime
    modified: datetime
    asn: int | None
    owner: int | None
    custom_fields: tuple[str, ...]


Predicate = Callable[[Row], bool]

ORDERING: dict[str, Callable[[Row], SupportsRichComparison]] = {
    "id": lambda r: r.id,
    "created": lambda r: (r.created, r.id),
    "added": lambda r: (r.added, r.id),
    "modified": lambda r: (r.modified, r.id),
    "title": lambda r: (r.title.lower(), r.id),
    "archive_serial_number": lambda r: (r.asn is None, r.asn or 0, r.id),
    "correspondent__name": lambda r: ((r.correspondent or "").lower(), r.id),
    "document_type__name": lambda r: ((r.document_type or "").lower(), r.id),
}
#: query parameters that are not filters
NON_FILTERS = {"page", "page_size", "ordering", "query", "full_perms", "fields", "truncate_content",
               "more_like_id", "format"}


def visible_rows(session: Session, principal: Principal) -> list[Row]:
    """Every live document the principal may read (the Principal's own ACL rule decides)."""
    q = select(col(Document.id), col(Document.title), col(Document.tags), col(Document.correspondent), col(Document.document_type),
               col(Document.document_date), col(Document.received_at), col(Document.updated_at), col(Document.asn),
               col(Document.uploader_id), col(Document.custom_fields), col(Document.acl_tokens)).where(
        col(Document.deleted).is_(False))
    out = []
    for r in session.execute(q):
        if not principal.can_read_acl(t for t in r.acl_tokens.split(" ") if t):
            continue
        out.append(Row(int(r.id), r.title, tuple(r.tags or ()), r.correspondent, r.document_type,
                       r.document_date or r.received_at.date(), r.received_at, r.updated_at, asn_int(r.asn),
                       r.uploader_id, tuple((r.custom_fields or {}).keys())))
    return out


def _ints(raw: str, name: str) -> list[int]:
    try:
        return [int(x) for x in raw.split(",") if x.strip()]
    except ValueError as exc:
        raise ValidationFailed(f"{name} must be a comma-separated list of ids") from exc


def _bool(raw: str) -> bool:
    return raw.strip().lower() in {"1", "true", "yes"}


def _date(raw: str, name: str) -> date:
    try:
        d = parse_created(raw)
    except ValidationFailed as exc:
        raise ValidationFailed(f"{name}: {exc}") from exc
    assert d is not None
    return d


#: comparisons of the ``__gt``/``__gte``/``__lt``/``__lte`` filters (dates with dates, numbers with numbers)
_CMP: dict[str, Callable[[date | int, date | int], bool]] = {
    "gt": operator.gt,
    "gte": operator.ge,
    "lt": operator.lt,
    "lte": operator.le,
}


def _label_filter(session: Session, kind: str, op: str, raw: str, name: str) -> Predicate:
    attr = kind  # Row attribute of the same name
    if op == "isnull":
        want_null = _bool(raw)
        return lambda r: (getattr(r, attr) is None) == want_null
    ids = _ints(raw, name)
    names = set(labels.names_for(session, kind, ids).values()) if ids else set()
    if op in {"id", "id__in"}:
        return lambda r: getattr(r, attr) in names
    if op == "id__none":
        return lambda r: getattr(r, attr) not in names
    raise ValidationFailed(f"unsupported filter {name}")


def _tag_filter(session: Session, op: str, raw: str, name: str) -> Predicate:
    ids = _ints(raw, name)
    names = set(labels.names_for(session, "tag", ids).values())
    if op in {"id", "id__all"}:
        return lambda r: names.issubset(r.tags)
    if op == "id__in":
        return lambda r: not names.isdisjoint(r.tags)
    if op == "id__none":
        return lambda r: names.isdisjoint(r.tags)
    raise ValidationFailed(f"unsupported filter {name}")


def _date_filter(attr: str, op: str, raw: str, name: str) -> Predicate:
    cmp = _CMP.get(op)
    if cmp is None:
        raise ValidationFailed(f"unsupported filter {name}")
    d = _date(raw, name)

    def pred(r: Row) -> bool:
        v = getattr(r, attr)
        return cmp(v.date() if isinstance(v, datetime) else v, d)

    return pred


def _content_ids(session: Session, needle: str) -> set[int]:
    return set(session.execute(select(col(DocumentText.document_id)).where(
        col(DocumentText.content).ilike(f"%{needle}%"))).scalars())


_TITLE_OPS: dict[str, Callable[[str, str], bool]] = {
    "icontains": lambda t, n: n in t,
    "istartswith": lambda t, n: t.startswith(n),
    "iendswith": lambda t, n: t.endswith(n),
    "iexact": lambda t, n: t == n,
}


def _filter(session: Session, name: str, raw: str) -> Predicate:
    """One predicate per query parameter (closures return at once: no late binding)."""
    field, _, op = name.partition("__")
    if field == "title" and op in _TITLE_OPS:
        check, needle = _TITLE_OPS[op], raw.lower()
        return lambda r: check(r.title.lower(), needle)
    if name in {"content__icontains", "title_content"}:
        ids, needle = _content_ids(session, raw), raw.lower()
        if name == "title_content":
            return lambda r: r.id in ids or needle in r.title.lower()
        return lambda r: r.id in ids
    if field in {"correspondent", "document_type"}:
        return _label_filter(session, field, op, raw, name)
    if field == "tags":
        return _tag_filter(session, op, raw, name)
    if name == "is_tagged":
        tagged = _bool(raw)
        return lambda r: bool(r.tags) == tagged
    if field in {"created", "added", "modified"} and op.startswith("date__"):
        return _date_filter(field, op[6:], raw, name)
    if field in {"created", "added", "modified"} and op in _CMP:
        return _date_filter(field, op, raw, name)
    if name in {"id", "id__in"}:
        id_set = set(_ints(raw, name))
        return lambda r: r.id in id_set
    if name == "archive_serial_number":
        numbers = _ints(raw, name)
        wanted = numbers[0] if numbers else None
        return lambda r: r.asn == wanted
    if name == "archive_serial_number__isnull":
        null = _bool(raw)
        return lambda r: (r.asn is None) == null
    if field == "archive_serial_number" and op in _CMP:
        cmp, numbers = _CMP[op], _ints(raw, name)
        if not numbers:
            raise ValidationFailed(f"{name} needs a number")
        return lambda r: r.asn is not None and cmp(r.asn, numbers[0])
    if name in {"owner__id", "owner__id__in"}:
        owners = set(_ints(raw, name))
        return lambda r: r.owner in owners
    if name in {"custom_fields__id__all", "custom_fields__id__in"}:
        fnames = set(labels.names_for(session, "custom_field", _ints(raw, name)).values())
        if name.endswith("__all"):
            return lambda r: fnames.issubset(r.custom_fields)
        return lambda r: not fnames.isdisjoint(r.custom_fields)
    raise ValidationFailed(f"unsupported filter parameter {name!r}")


def build_filters(session: Session, params: Mapping[str, str]) -> list[Predicate]:
    """Predicates for the query parameters; unknown filters are refused (no silent no-op)."""
    return [_filter(session, name, raw) for name, raw in params.items() if name not in NON_FILTERS]


def order(rows: list[Row], ordering: str | None) -> list[Row]:
    key = (ordering or "-created").strip()
    desc = key.startswith("-")
    fn = ORDERING.get(key.lstrip("-"))
    if fn is None:
        raise ValidationFailed(f"unsupported ordering {key!r}; use one of {', '.join(sorted(ORDERING))}")
    return sorted(rows, key=fn, reverse=desc)
