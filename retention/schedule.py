"""Retention computation: when may a record go, why, and what is due on a given date.

Every function takes an explicit ``as_of`` date, so users and tests can look ahead. Nothing here reads a
clock or a database.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from retention.classes import ClassRegistry, default_registry
from retention.errors import DeletionBlocked
from retention.holds import Hold, HoldIndex, as_index
from retention.model import Action, RecordFacts, RetentionClass, StartRule, Trigger

_ACTION_RANK = {Action.OFFER_TO_ARCHIVE: 2, Action.REVIEW: 1, Action.DESTROY: 0}


class Status(StrEnum):
    DUE = "due"  #: retention ended on or before ``as_of``; no hold
    KEEP = "keep"  #: retention still running
    PERMANENT = "permanent"  #: kept for ever
    UNDETERMINED = "undetermined"  #: a trigger fact is missing ("noch nicht bestimmbar") — never due
    UNCLASSIFIED = "unclassified"  #: no class assigned — never due
    SUSPENDED = "suspended"  #: period over, but Ablaufhemmung (tax assessment still open)
    HELD = "held"  #: a legal hold applies


class Source(StrEnum):
    EXPLICIT = "explicit"
    NODE = "node"
    TYPE = "type"
    HISTORY = "history"  #: assigned earlier; a metadata correction never shortens retention

    def german(self) -> str:
        return {
            Source.EXPLICIT: "explizit zugeordnet",
            Source.NODE: "Vorgabe des Aktenplans",
            Source.TYPE: "Vorgabe des Dokumenttyps",
            Source.HISTORY: "früher zugeordnet (Korrekturen verkürzen die Aufbewahrung nicht)",
        }[self]


def _de(d: date) -> str:
    return d.strftime("%d.%m.%Y")


@dataclass(frozen=True, slots=True)
class Candidate:
    """One applicable class and the end of retention it yields (``None``: permanent or undetermined)."""

    cls: RetentionClass
    source: Source
    trigger_date: date | None
    keep_until: date | None
    earlier_date: bool = False  #: the trigger is an earlier, later-dated document date (never shortened)

    @property
    def determinable(self) -> bool:
        return self.cls.period.permanent or self.keep_until is not None


@dataclass(slots=True)
class Assessment:
    """The retention verdict for one record on ``as_of``. ``reason()`` explains it in German."""

    record_id: str
    status: Status
    as_of: date
    keep_until: date | None = None  #: last day the record must be kept (inclusive)
    governing: Candidate | None = None
    candidates: tuple[Candidate, ...] = ()
    holds: tuple[Hold, ...] = ()
    underlying: Status | None = None  #: status without the holds (for HELD)
    unknown_classes: tuple[str, ...] = ()

    @property
    def action(self) -> Action | None:
        return self.governing.cls.action if self.governing else None

    @property
    def class_id(self) -> str | None:
        return self.governing.cls.id if self.governing else None

    @property
    def disposable_from(self) -> date | None:
        if self.keep_until is None or self.keep_until == date.max:  # kept beyond the calendar
            return None
        return self.keep_until + timedelta(days=1)

    def _why(self) -> str:
        gov = self.governing
        if gov is None:
            return ""
        text = f"weil {gov.cls.describe()}"
        if gov.trigger_date is not None:
            text += f", Auslöser am {_de(gov.trigger_date)}"
            if gov.earlier_date:
                text += " (frühere Angabe des Dokumentdatums)"
        text += f"; {gov.source.german()}"
        others = [c for c in self.candidates if c is not gov]
        if others:
            parts = []
            for c in others:
                end = (
                    "dauernd" if c.cls.period.permanent else (_de(c.keep_until) if c.keep_until else "offen")
                )
                parts.append(f"{c.cls.id} bis {end}")
            text += f". Längste von {len(self.candidates)} anwendbaren Fristen (auch: {', '.join(parts)})"
        return text

    def reason(self) -> str:
        """Why the record is (not) disposable, e.g. ``Aufbewahrung bis 31.12.2034, weil …``."""
        status = self.status
        if status is Status.HELD:
            held = "; ".join(h.describe() for h in self.holds)
            base = Assessment(
                self.record_id,
                self.underlying or Status.KEEP,
                self.as_of,
                self.keep_until,
                self.governing,
                self.candidates,
                (),
                None,
                self.unknown_classes,
            ).reason()
            return f"Gesperrt durch {held}. Ohne Sperre: {base}"
        if status is Status.UNCLASSIFIED:
            return "Keine Aufbewahrungsklasse zugeordnet – Aufbewahrungsende nicht bestimmbar, keine Aussonderung."
        if status is Status.UNDETERMINED:
            if self.unknown_classes:
                return (
                    f"Noch nicht bestimmbar: unbekannte Aufbewahrungsklasse(n) {', '.join(self.unknown_classes)}"
                    " – keine Aussonderung."
                )
            missing = [c for c in self.candidates if not c.determinable]
            need = ", ".join(f"{c.cls.id} braucht {_missing_fact(c.cls)}" for c in missing)
            return f"Noch nicht bestimmbar: {need} – keine Aussonderung."
        if status is Status.PERMANENT:
            return f"Dauernd aufzubewahren, {self._why()}."
        assert self.keep_until is not None
        if status is Status.DUE:
            action = self.action.german() if self.action else ""
            return f"Aufbewahrungsfrist endete am {_de(self.keep_until)}, {self._why()}. Maßnahme: {action}."
        if status is Status.SUSPENDED:
            return (
                f"Aufbewahrung bis {_de(self.keep_until)} abgelaufen, aber Ablaufhemmung: Steuerfestsetzung "
                f"noch offen (§ 147 Abs. 3 S. 5 AO), {self._why()}."
            )
        return f"Aufbewahrung bis {_de(self.keep_until)}, {self._why()}."

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "status": self.status.value,
            "keep_until": self.keep_until.isoformat() if self.keep_until else None,
            "class_id": self.class_id,
            "action": self.action.value if self.action else None,
            "hold_ids": [h.id for h in self.holds],
            "reason": self.reason(),
        }


def _missing_fact(cls: RetentionClass) -> str:
    return {
        Trigger.DOCUMENT_DATE: "das Dokumentdatum",
        Trigger.RECEIPT: "das Eingangsdatum",
        Trigger.CLOSURE: "die z.d.A.-Verfügung der Akte",
        Trigger.EVENT: f"das Ereignis „{cls.event}“",
    }[cls.trigger]


class RetentionCalculator:
    """Computes :class:`Assessment` objects; caches period arithmetic so plans over millions are fast."""

    def __init__(
        self, classes: Mapping[str, RetentionClass] | Iterable[RetentionClass] | None = None
    ) -> None:
        if classes is None:
            registry: Mapping[str, RetentionClass] = default_registry()
        elif isinstance(classes, Mapping):
            registry = classes
        else:
            registry = ClassRegistry(classes)
        self.classes = registry
        self._by_id: dict[str, RetentionClass] = {k: registry[k] for k in registry}
        self._end_cache: dict[tuple[str, Any], date] = {}

    def keep_until(self, cls: RetentionClass, trigger: date) -> date:
        """Last day a record of ``cls`` triggered on ``trigger`` must be kept (inclusive)."""
        if cls.start is StartRule.END_OF_YEAR:
            key: tuple[str, Any] = (cls.id, trigger.year)
            end = self._end_cache.get(key)
            if end is None:
                end = cls.period.add_to(date(trigger.year, 12, 31))
                self._end_cache[key] = end
            return end
        key = (cls.id, trigger)
        end = self._end_cache.get(key)
        if end is None:
            # runs from the trigger day: a 6-month period from 15.01. ends with 14.07.
            end = cls.period.add_to(trigger) - timedelta(days=1)
            if len(self._end_cache) < 1_000_000:
                self._end_cache[key] = end
        return end

    def candidates(self, facts: RecordFacts) -> tuple[list[Candidate], list[str]]:
        found: list[Candidate] = []
        unknown: list[str] = []
        seen: set[str] = set()
        by_id = self._by_id
        for source, ids in (
            (Source.EXPLICIT, facts.explicit_classes),
            (Source.NODE, facts.node_classes),
            (Source.TYPE, facts.type_classes),
            (Source.HISTORY, facts.historic_classes),
        ):
            for class_id in ids:
                if class_id in seen:
                    continue
                seen.add(class_id)
                cls = by_id.get(class_id)
                if cls is None:
                    unknown.append(class_id)
                    continue
                trig = facts.trigger_date(cls)
                earlier = False
                if facts.historic_dates and cls.trigger is Trigger.DOCUMENT_DATE:
                    latest = max(facts.historic_dates)
                    if trig is None or latest > trig:
                        trig, earlier = latest, True
                end = None if trig is None or cls.period.permanent else self.keep_until(cls, trig)
                found.append(Candidate(cls, source, trig, end, earlier))
        return found, unknown

    def assess(
        self, facts: RecordFacts, as_of: date, holds: HoldIndex | Iterable[Hold] | None = None
    ) -> Assessment:
        cands, unknown = self.candidates(facts)
        result = self._assess_unheld(facts, as_of, cands, unknown)
        index = as_index(holds)
        applying = index.for_record(facts.record_id, facts.akte_id) if index else []
        if applying:
            result.underlying = result.status
            result.status = Status.HELD
            result.holds = tuple(applying)
        return result

    def _assess_unheld(
        self, facts: RecordFacts, as_of: date, cands: list[Candidate], unknown: list[str]
    ) -> Assessment:
        rid = facts.record_id
        ctuple = tuple(cands)
        if not cands and not unknown:
            return Assessment(rid, Status.UNCLASSIFIED, as_of)
        permanent = [c for c in cands if c.cls.period.permanent]
        if permanent:
            return Assessment(rid, Status.PERMANENT, as_of, None, permanent[0], ctuple)
        if unknown:
            return Assessment(
                rid, Status.UNDETERMINED, as_of, None, None, ctuple, unknown_classes=tuple(unknown)
            )
        if any(c.keep_until is None for c in cands):
            return Assessment(rid, Status.UNDETERMINED, as_of, None, None, ctuple)
        gov = max(cands, key=lambda c: (c.keep_until, _ACTION_RANK[c.cls.action]))
        end = gov.keep_until
        assert end is not None
        if end >= as_of:
            return Assessment(rid, Status.KEEP, as_of, end, gov, ctuple)
        if facts.ablaufhemmung:
            return Assessment(rid, Status.SUSPENDED, as_of, end, gov, ctuple)
        return Assessment(rid, Status.DUE, as_of, end, gov, ctuple)


@dataclass(frozen=True, slots=True)
class Decision:
    """May this record be deleted now? ``reason`` is shown to the user (HTTP 409 body)."""

    allowed: bool
    reason: str
    status: Status
    keep_until: date | None = None


def assess(
    facts: RecordFacts,
    as_of: date,
    classes: Mapping[str, RetentionClass] | Iterable[RetentionClass] | None = None,
    holds: HoldIndex | Iterable[Hold] | None = None,
) -> Assessment:
    """Assess one record (convenience wrapper around :class:`RetentionCalculator`)."""
    return RetentionCalculator(classes).assess(facts, as_of, holds)


def may_delete(
    facts: RecordFacts,
    holds: HoldIndex | Iterable[Hold] | None,
    as_of: date,
    classes: Mapping[str, RetentionClass] | Iterable[RetentionClass] | RetentionCalculator | None = None,
    *,
    allow_unclassified: bool = False,
) -> Decision:
    """GoBD lock: a record may be deleted only when its retention has ended and no hold applies.

    Unclassified records are refused unless ``allow_unclassified`` (a deployment decision); records whose end
    cannot be determined yet are always refused.
    """
    calc = classes if isinstance(classes, RetentionCalculator) else RetentionCalculator(classes)
    a = calc.assess(facts, as_of, holds)
    if a.status is Status.DUE:
        return Decision(True, a.reason(), a.status, a.keep_until)
    if a.status is Status.UNCLASSIFIED and allow_unclassified:
        return Decision(True, "Keine Aufbewahrungsklasse zugeordnet – Löschen erlaubt.", a.status)
    return Decision(False, a.reason(), a.status, a.keep_until)


def ensure_may_delete(
    facts: RecordFacts,
    holds: HoldIndex | Iterable[Hold] | None,
    as_of: date,
    classes: Mapping[str, RetentionClass] | Iterable[RetentionClass] | RetentionCalculator | None = None,
    *,
    allow_unclassified: bool = False,
) -> Decision:
    """Like :func:`may_delete` but raises :class:`DeletionBlocked` with the reason when not allowed."""
    decision = may_delete(facts, holds, as_of, classes, allow_unclassified=allow_unclassified)
    if not decision.allowed:
        raise DeletionBlocked(decision.reason)
    return decision


@dataclass(slots=True)
class DisposalPlan:
    """Dry-run result: what is due on ``as_of`` (``items``), what is due but held (``blocked``), and counts."""

    as_of: date
    items: list[Assessment] = field(default_factory=list)
    blocked: list[Assessment] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def by_action(self) -> dict[str, int]:
        out: Counter[str] = Counter()
        for item in self.items:
            out[item.action.value if item.action else "none"] += 1
        return dict(out)

    def to_dict(self, limit: int | None = None) -> dict[str, Any]:
        items = self.items if limit is None else self.items[:limit]
        return {
            "as_of": self.as_of.isoformat(),
            "total": self.total,
            "counts": dict(sorted(self.counts.items())),
            "due": len(self.items),
            "by_action": self.by_action(),
            "items": [i.to_dict() for i in items],
            "blocked": [i.to_dict() for i in self.blocked],
        }


def iter_assessments(
    records: Iterable[RecordFacts],
    classes: Mapping[str, RetentionClass] | Iterable[RetentionClass] | RetentionCalculator | None,
    holds: HoldIndex | Iterable[Hold] | None,
    as_of: date,
) -> Iterator[Assessment]:
    """Stream an assessment per record (constant memory)."""
    calc = classes if isinstance(classes, RetentionCalculator) else RetentionCalculator(classes)
    index = as_index(holds)
    for facts in records:
        yield calc.assess(facts, as_of, index)


def plan(
    records: Iterable[RecordFacts],
    classes: Mapping[str, RetentionClass] | Iterable[RetentionClass] | RetentionCalculator | None,
    holds: HoldIndex | Iterable[Hold] | None,
    as_of: date,
) -> DisposalPlan:
    """The disposal plan on ``as_of``: streams ``records`` and keeps only due and blocked items."""
    result = DisposalPlan(as_of)
    counts: Counter[str] = result.counts
    due, blocked = result.items, result.blocked
    for a in iter_assessments(records, classes, holds, as_of):
        counts[a.status.value] += 1
        if a.status is Status.DUE:
            due.append(a)
        elif a.status is Status.HELD and a.underlying is Status.DUE:
            blocked.append(a)
    return result
