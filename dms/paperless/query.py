"""Paperless document filters (``title__icontains``, ``tags__id__all``, ``created__date__gt`` …) and
ordering, evaluated over light rows the caller may read."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlmodel import Session

from dms.db.tables import Document, DocumentText
from dms.domain.principal import Principal
from dms.errors import ValidationFailed
from dms.paperless import labels
from dms.paperless.mapping import asn_int, parse_created


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

ORDERING: dict[str, Callable[[Row], object]] = {
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
    q = select(Document.id, Document.title, Document.tags, Document.correspondent, Document.document_type,
               Document.document_date, Document.received_at, Document.updated_at, Document.asn,
               Document.uploader_id, Document.custom_fields, Document.acl_tokens).where(
        Document.deleted.is_(False))  # type: ignore[attr-defined]
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


_CMP: dict[str, Callable[[object, object], bool]] = {
    "gt": lambda a, b: a > b,  # type: ignore[operator]
    "gte": lambda a, b: a >= b,  # type: ignore[operator]
    "lt": lambda a, b: a < b,  # type: ignore[operator]
    "lte": lambda a, b: a <= b,  # type: ignore[operator]
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
    return set(session.execute(select(DocumentText.document_id).where(
        DocumentText.content.ilike(f"%{needle}%"))).scalars())  # type: ignore[attr-defined]


def build_filters(session: Session, params: Mapping[str, str]) -> list[Predicate]:
    """Predicates for the query parameters; unknown filters are refused (no silent no-op)."""
    preds: list[Predicate] = []
    for name, raw in params.items():
        if name in NON_FILTERS:
            continue
        field, _, op = name.partition("__")
        if name in {"title__icontains", "title__istartswith", "title__iendswith", "title__iexact"}:
            needle = raw.lower()
            check = {"icontains": lambda t, n=needle: n in t, "istartswith": lambda t, n=needle: t.startswith(n),
                     "iendswith": lambda t, n=needle: t.endswith(n), "iexact": lambda t, n=needle: t == n}[op]
            preds.append(lambda r, c=check: c(r.title.lower()))
        elif name in {"content__icontains", "title_content"}:
            ids = _content_ids(session, raw)
            needle = raw.lower()
            if name == "title_content":
                preds.append(lambda r, i=ids, n=needle: r.id in i or n in r.title.lower())
            else:
                preds.append(lambda r, i=ids: r.id in i)
        elif field in {"correspondent", "document_type"}:
            preds.append(_label_filter(session, field, op, raw, name))
        elif field == "tags":
            preds.append(_tag_filter(session, op, raw, name))
        elif name == "is_tagged":
            want = _bool(raw)
            preds.append(lambda r, w=want: bool(r.tags) == w)
        elif field in {"created", "added", "modified"} and op.startswith("date__"):
            preds.append(_date_filter(field, op[6:], raw, name))
        elif field in {"created", "added", "modified"} and op in _CMP:
            preds.append(_date_filter(field, op, raw, name))
        elif name in {"id", "id__in"}:
            ids_set = set(_ints(raw, name))
            preds.append(lambda r, s=ids_set: r.id in s)
        elif name == "archive_serial_number":
            n = _ints(raw, name)
            preds.append(lambda r, v=(n[0] if n else None): r.asn == v)
        elif name == "archive_serial_number__isnull":
            want = _bool(raw)
            preds.append(lambda r, w=want: (r.asn is None) == w)
        elif name in {"archive_serial_number__gt", "archive_serial_number__gte", "archive_serial_number__lt",
                      "archive_serial_number__lte"}:
            cmp = _CMP[name.rsplit("__", 1)[1]]
            v = _ints(raw, name)[0]
            preds.append(lambda r, c=cmp, v=v: r.asn is not None and c(r.asn, v))
        elif name in {"owner__id", "owner__id__in"}:
            owners = set(_ints(raw, name))
            preds.append(lambda r, s=owners: r.owner in s)
        elif name in {"custom_fields__id__all", "custom_fields__id__in"}:
            fnames = set(labels.names_for(session, "custom_field", _ints(raw, name)).values())
            if name.endswith("__all"):
                preds.append(lambda r, f=fnames: f.issubset(r.custom_fields))
            else:
                preds.append(lambda r, f=fnames: not f.isdisjoint(r.custom_fields))
        else:
            raise ValidationFailed(f"unsupported filter parameter {name!r}")
    return preds


def order(rows: list[Row], ordering: str | None) -> list[Row]:
    key = (ordering or "-created").strip()
    desc = key.startswith("-")
    fn = ORDERING.get(key.lstrip("-"))
    if fn is None:
        raise ValidationFailed(f"unsupported ordering {key!r}; use one of {', '.join(sorted(ORDERING))}")
    return sorted(rows, key=fn, reverse=desc)  # type: ignore[arg-type]
