"""Translate dms rows into the pure retention facts (RecordFacts, Hold) — the one place that knows both."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import Text, cast, null, select
from sqlmodel import Session, col

from dms.db.tables import Akte, Document, DocumentMetadataVersion, DocumentType, FilePlanNode, core_table
from dms.errors import ValidationFailed
from dms.retention_settings import RetentionSettings
from dms.retention_tables import RetentionEvent, RetentionHold
from retention import (
    ClassRegistry,
    Hold,
    HoldIndex,
    HoldScope,
    RecordFacts,
    RetentionCalculator,
    default_registry,
)
from retention.errors import InvalidRetentionClass


def today(settings: RetentionSettings) -> date:
    """The calendar date that decides retention (local time of the authority)."""
    return datetime.now(ZoneInfo(settings.timezone)).date()


def registry(settings: RetentionSettings) -> ClassRegistry:
    """Shipped classes plus the configured ones (``AKTENWERK_RETENTION_CLASSES_FILE``)."""
    if settings.classes_file is None:
        return default_registry()
    try:
        items = json.loads(settings.classes_file.read_text(encoding="utf-8"))
        if not isinstance(items, list):
            raise InvalidRetentionClass("die Klassendatei muss eine JSON-Liste enthalten")
        return ClassRegistry.from_config(items)
    except (OSError, ValueError) as exc:
        raise ValidationFailed(f"retention classes file {settings.classes_file}: {exc}") from exc


def calculator(settings: RetentionSettings) -> RetentionCalculator:
    return RetentionCalculator(registry(settings))


class FactsBuilder:
    """Builds :class:`RecordFacts` for documents; caches Akten, nodes, types and events per instance."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._types: dict[str, str | None] = {
            t.name: t.retention_class for t in session.execute(select(DocumentType)).scalars()
        }
        self._nodes: dict[int, str | None] = {
            int(n.id or 0): n.retention_class for n in session.execute(select(FilePlanNode)).scalars()
        }
        self._akten: dict[int, tuple[tuple[str, ...], date | None]] = {}
        self._events: dict[int, dict[str, date]] = {}
        for ev in session.execute(select(RetentionEvent)).scalars():
            self._events.setdefault(ev.fiscal_year, {})[ev.name] = ev.occurred_on

    def _akte(self, akte_id: int) -> tuple[tuple[str, ...], date | None]:
        found = self._akten.get(akte_id)
        if found is None:
            akte = self.session.get(Akte, akte_id)
            if akte is None:
                found = ((), None)
            else:
                classes = tuple(
                    c for c in (akte.retention_class, self._nodes.get(akte.fileplan_node_id)) if c
                )
                closed = akte.closed_at.date() if akte.closed_at and akte.status != "open" else None
                found = (classes, closed)
            self._akten[akte_id] = found
        return found

    def facts(self, doc: Document) -> RecordFacts:
        doc_id = int(doc.id or 0)
        history = self._history([doc_id]).get(doc_id) if doc.metadata_version > 1 else None
        return self._facts(
            doc_id,
            doc.document_date,
            doc.received_at,
            doc.retention_class,
            doc.document_type,
            doc.akte_id,
            doc.custom_fields,
            history,
        )

    def _history(self, doc_ids: list[int]) -> dict[int, tuple[tuple[str, ...], tuple[date, ...]]]:
        """Classes and document dates of earlier metadata versions (they keep counting: never shorten)."""
        classes: dict[int, set[str]] = {}
        dates: dict[int, set[date]] = {}
        for start in range(0, len(doc_ids), 500):
            chunk = doc_ids[start : start + 500]
            rows = self.session.execute(
                select(col(DocumentMetadataVersion.document_id), col(DocumentMetadataVersion.data)).where(
                    col(DocumentMetadataVersion.document_id).in_(chunk)
                )
            )
            for doc_id, snapshot in rows:
                data = snapshot or {}
                if data.get("retention_class"):
                    classes.setdefault(doc_id, set()).add(str(data["retention_class"]))
                raw = data.get("document_date")
                if raw:
                    try:
                        dates.setdefault(doc_id, set()).add(date.fromisoformat(str(raw)))
                    except ValueError:
                        continue
        return {
            i: (tuple(sorted(classes.get(i, ()))), tuple(sorted(dates.get(i, ()))))
            for i in set(classes) | set(dates)
        }

    def _facts(  # noqa: PLR0917 - positional on purpose: hot loop
        self,
        doc_id: int,
        document_date: date | None,
        received_at: datetime | None,
        retention_class: str | None,
        document_type: str | None,
        akte_id: int | None,
        custom_fields: dict[str, object] | None,
        history: tuple[tuple[str, ...], tuple[date, ...]] | None = None,
    ) -> RecordFacts:
        node_classes: tuple[str, ...] = ()
        closed = None
        if akte_id:
            node_classes, closed = self._akte(akte_id)
        type_class = self._types.get(document_type) if document_type else None
        events = self._events.get(document_date.year, {}) if document_date else {}
        return RecordFacts(
            record_id=str(doc_id),
            document_date=document_date,
            received=received_at.date() if received_at else None,
            closed=closed,
            events=events,
            explicit_classes=(retention_class,) if retention_class else (),
            node_classes=node_classes,
            type_classes=(type_class,) if type_class else (),
            akte_id=str(akte_id) if akte_id else None,
            historic_classes=tuple(c for c in history[0] if c != retention_class) if history else (),
            historic_dates=history[1] if history else (),
            ablaufhemmung=bool((custom_fields or {}).get("ablaufhemmung")),
        )

    def iter_live(
        self, batch: int = 20_000, *, need_received: bool = True
    ) -> Iterator[tuple[int, str, RecordFacts]]:
        """``(id, title, facts)`` of every non-deleted document in id order.

        Reads only the needed columns through Core (no ORM objects); ``custom_fields`` is parsed only for rows
        that mention ``ablaufhemmung``; pass ``need_received=False`` when no class is triggered by receipt.
        """
        t = core_table(Document).c
        flag = cast(t.custom_fields, Text).contains("ablaufhemmung")
        received = t.received_at if need_received else null()
        cols = (
            t.id,
            t.title,
            t.document_date,
            received,
            t.retention_class,
            t.document_type,
            t.akte_id,
            flag,
            t.metadata_version,
        )
        conn = self.session.connection()
        last = 0
        while True:
            rows = conn.execute(
                select(*cols).where(t.id > last, t.deleted.is_(False)).order_by(t.id).limit(batch)
            ).all()
            if not rows:
                return
            edited = [r[0] for r in rows if (r[8] or 1) > 1]
            history = self._history(edited) if edited else {}
            for doc_id, title, ddate, recv, rclass, dtype, akte_id, maybe, _mv in rows:
                custom = self._custom_fields(doc_id) if maybe else None
                facts = self._facts(doc_id, ddate, recv, rclass, dtype, akte_id, custom, history.get(doc_id))
                yield doc_id, title, facts
            last = int(rows[-1][0])

    def _custom_fields(self, doc_id: int) -> dict[str, object] | None:
        doc = self.session.get(Document, doc_id)
        return dict(doc.custom_fields or {}) if doc is not None else None


def hold_of(row: RetentionHold) -> Hold:
    scope = HoldScope(row.scope)
    return Hold(
        id=str(row.id),
        scope=scope,
        target=row.target,
        reason=row.reason,
        owner=row.owner,
        review_date=row.review_date,
        members=None,
    )


def active_holds(session: Session, resolve_query: object = None) -> HoldIndex:
    """All active holds. Query holds are resolved by ``resolve_query(text) -> set[str]`` when given;
    unresolved query holds block every record (fail closed)."""
    holds = []
    for row in session.execute(select(RetentionHold).where(col(RetentionHold.released_at).is_(None))).scalars():
        hold = hold_of(row)
        if hold.scope is HoldScope.QUERY and callable(resolve_query):
            members = resolve_query(hold.target)
            if members is not None:
                hold = Hold(
                    hold.id,
                    hold.scope,
                    hold.target,
                    hold.reason,
                    hold.owner,
                    hold.review_date,
                    frozenset(str(m) for m in members),
                )
        holds.append(hold)
    return HoldIndex(holds)
