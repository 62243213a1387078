"""Retention classes and the plain facts about a record that retention decisions are made from.

Everything here is pure data: the ``dms`` shell builds :class:`RecordFacts` from its own rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from retention.errors import InvalidPeriod, InvalidRetentionClass
from retention.period import Period


class Trigger(StrEnum):
    """Fact that starts the retention period."""

    DOCUMENT_DATE = "document_date"  #: date of the document (Belegdatum, Datum des Schreibens)
    RECEIPT = "receipt"  #: receipt / Posteingang
    CLOSURE = "closure"  #: z.d.A. of the Akte (zu den Akten verfügt)
    EVENT = "event"  #: a named event recorded later, e.g. "jahresabschluss-festgestellt"


class StartRule(StrEnum):
    """How the trigger date becomes the start of the period."""

    EXACT = "exact"  #: the period runs from the trigger date itself
    END_OF_YEAR = "end_of_year"  #: from the end of the calendar year of the trigger date (§ 147 Abs. 4 AO)


class Action(StrEnum):
    """What happens when the period ends."""

    DESTROY = "destroy"  #: vernichten (archive has appraised the class as "V" beforehand)
    OFFER_TO_ARCHIVE = "offer"  #: dem Archiv anbieten (Aussonderung, xdomea 0501)
    REVIEW = "review"  #: Wiedervorlage / review by the records manager

    def german(self) -> str:
        return {
            Action.DESTROY: "vernichten",
            Action.OFFER_TO_ARCHIVE: "dem Archiv anbieten",
            Action.REVIEW: "prüfen (Wiedervorlage)",
        }[self]


_TRIGGER_GERMAN = {
    Trigger.DOCUMENT_DATE: "Dokumentdatum",
    Trigger.RECEIPT: "Eingangsdatum",
    Trigger.CLOSURE: "z.d.A.-Verfügung der Akte",
}


@dataclass(frozen=True, slots=True)
class RetentionClass:
    """A retention class (Aufbewahrungsklasse)."""

    id: str
    name: str
    period: Period
    trigger: Trigger = Trigger.DOCUMENT_DATE
    start: StartRule = StartRule.END_OF_YEAR
    action: Action = Action.DESTROY
    legal_basis: str = ""
    event: str | None = None  #: event name for ``Trigger.EVENT``

    def __post_init__(self) -> None:
        if not self.id or not self.id.strip():
            raise InvalidRetentionClass("Aufbewahrungsklasse ohne id")
        if self.trigger is Trigger.EVENT and not self.event:
            raise InvalidRetentionClass(f"{self.id}: Ereignis-Auslöser ohne Ereignisnamen")
        if self.trigger is not Trigger.EVENT and self.event:
            raise InvalidRetentionClass(f"{self.id}: Ereignisname nur beim Auslöser 'event'")

    def start_text(self) -> str:
        """German description of the start of the period."""
        what = f"Ereignis „{self.event}“" if self.trigger is Trigger.EVENT else _TRIGGER_GERMAN[self.trigger]
        if self.start is StartRule.END_OF_YEAR:
            return f"ab Ende des Kalenderjahres von {what}"
        return f"ab {what}"

    def describe(self) -> str:
        if self.period.permanent:
            return f"{self.id} ({self.name}, dauernd aufzubewahren; {self.legal_basis})"
        return f"{self.id} ({self.name}, {self.period.german()} {self.start_text()}; {self.legal_basis})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "period": str(self.period),
            "trigger": self.trigger.value,
            "event": self.event,
            "start": self.start.value,
            "action": self.action.value,
            "legal_basis": self.legal_basis,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RetentionClass:
        """Build from configuration (JSON); bad input raises :class:`InvalidRetentionClass`."""
        try:
            period = data["period"]
            return cls(
                id=str(data["id"]),
                name=str(data.get("name", data["id"])),
                period=period if isinstance(period, Period) else Period.parse(str(period)),
                trigger=Trigger(data.get("trigger", Trigger.DOCUMENT_DATE)),
                start=StartRule(data.get("start", StartRule.END_OF_YEAR)),
                action=Action(data.get("action", Action.DESTROY)),
                legal_basis=str(data.get("legal_basis", "")),
                event=data.get("event") or None,
            )
        except (KeyError, ValueError, InvalidPeriod) as exc:
            raise InvalidRetentionClass(f"ungültige Aufbewahrungsklasse {dict(data)!r}: {exc}") from exc


_EMPTY: Mapping[str, date] = MappingProxyType({})


@dataclass(slots=True)
class RecordFacts:
    """What retention needs to know about one record (document), as plain values.

    Class assignment comes from three sources: the file-plan node default (``node_classes``), the document
    type default (``type_classes``) and explicit assignment (``explicit_classes``). All apply; the longest wins.
    """

    record_id: str
    document_date: date | None = None
    received: date | None = None
    closed: date | None = None  #: z.d.A. date of the Akte the record belongs to
    events: Mapping[str, date] = field(default_factory=lambda: _EMPTY)
    explicit_classes: tuple[str, ...] = ()
    node_classes: tuple[str, ...] = ()
    type_classes: tuple[str, ...] = ()
    akte_id: str | None = None
    #: classes and document dates the record had in earlier metadata versions: they still count, so that a
    #: metadata correction can lengthen but never shorten retention (GoBD: no disposal by re-classification)
    historic_classes: tuple[str, ...] = ()
    historic_dates: tuple[date, ...] = ()
    ablaufhemmung: bool = False  #: tax assessment still open (§ 147 Abs. 3 S. 5 AO): period does not end

    def trigger_date(self, cls: RetentionClass) -> date | None:
        trigger = cls.trigger
        if trigger is _DOCUMENT_DATE:
            return self.document_date
        if trigger is _CLOSURE:
            return self.closed
        if trigger is _RECEIPT:
            return self.received
        return self.events.get(cls.event or "")


# module-level aliases: plain global lookups are much cheaper than enum attribute access in the hot loop
_DOCUMENT_DATE, _RECEIPT, _CLOSURE = Trigger.DOCUMENT_DATE, Trigger.RECEIPT, Trigger.CLOSURE
