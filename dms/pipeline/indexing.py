"""Search hand-over: the indexer port, the DTO dms builds from its rows, and the outbox drain."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import select
from sqlmodel import col

from dms.db.tables import Akte, Document, DocumentText, SearchOutbox
from dms.db.types import utcnow

if TYPE_CHECKING:
    from dms.bootstrap import Container

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class IndexableDocument:
    """Everything a search backend needs about one document (no ORM rows cross this line)."""

    id: int
    title: str
    content: str
    document_type: str | None
    department: str | None
    correspondent: str | None
    tags: list[str]
    document_date: date | None
    created: datetime
    akte: str | None
    asn: str | None
    acl: list[str]
    mime_type: str | None
    status: str
    extra: dict[str, str] = field(default_factory=dict)


class SearchIndexer(Protocol):
    def upsert(self, docs: Sequence[IndexableDocument]) -> None: ...

    def delete(self, ids: Sequence[int]) -> None: ...

    def health(self) -> str: ...


class NullIndexer:
    """A real no-op indexer: the default until a search backend is plugged in by ``dms.bootstrap``."""

    def __init__(self) -> None:
        self.upserted = 0
        self.deleted = 0

    def upsert(self, docs: Sequence[IndexableDocument]) -> None:
        self.upserted += len(docs)

    def delete(self, ids: Sequence[int]) -> None:
        self.deleted += len(ids)

    def health(self) -> str:
        return "disabled (no search backend configured)"


def acl_list(doc: Document) -> list[str]:
    return [t for t in doc.acl_tokens.split(" ") if t]


def build_indexable(session: Any, doc: Document) -> IndexableDocument:
    text = session.get(DocumentText, doc.id)
    akte = session.get(Akte, doc.akte_id) if doc.akte_id else None
    extra = {str(k): str(v) for k, v in (doc.custom_fields or {}).items()}
    if doc.retention_class:
        extra["retention_class"] = doc.retention_class
    return IndexableDocument(
        id=int(doc.id or 0),
        title=doc.title,
        content=text.content if text else "",
        document_type=doc.document_type,
        department=doc.department,
        correspondent=doc.correspondent,
        tags=list(doc.tags or []),
        document_date=doc.document_date,
        created=doc.received_at,
        akte=akte.aktenzeichen if akte else None,
        asn=doc.asn,
        acl=acl_list(doc),
        mime_type=doc.mime_type,
        status=doc.status,
        extra=extra,
    )


def drain_outbox(container: Container, batch: int = 1000) -> int:
    """Send pending outbox rows to the indexer; returns how many rows were processed."""
    done = 0
    while True:
        with container.uow() as uow:
            rows = list(
                uow.session.execute(
                    select(SearchOutbox)
                    .where(col(SearchOutbox.processed_at).is_(None))
                    .order_by(col(SearchOutbox.id))
                    .limit(batch)
                ).scalars()
            )
            if not rows:
                return done
            latest: dict[int, str] = {}
            for r in rows:
                latest[r.document_id] = r.op
            upserts: list[IndexableDocument] = []
            deletes: list[int] = []
            for doc_id, op in latest.items():
                doc = uow.session.get(Document, doc_id)
                if op == "delete" or doc is None or doc.deleted:
                    deletes.append(doc_id)
                else:
                    upserts.append(build_indexable(uow.session, doc))
            try:
                if upserts:
                    container.indexer.upsert(upserts)
                if deletes:
                    container.indexer.delete(deletes)
            except Exception as exc:
                log.exception("indexer failed; outbox rows stay pending")
                for r in rows:
                    r.attempts += 1
                    r.last_error = str(exc)[:2000]
                    uow.session.add(r)
                uow.commit()
                return done
            now = utcnow()
            for r in rows:
                r.processed_at = now
                r.attempts += 1
                uow.session.add(r)
            uow.commit()
            done += len(rows)
            if len(rows) < batch:
                return done
