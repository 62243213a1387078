"""Shipped default retention classes and a small registry.

Sources (checked 2026): § 147 Abs. 1, 3, 4 AO as amended by the Bürokratieentlastungsgesetz IV
(Buchungsbelege 8 years since 1 Jan 2025; books, inventories, annual accounts 10 years; business letters
and other tax-relevant documents 6 years; the period starts with the end of the calendar year);
§ 14b UStG (invoices 8 years); KomHVO NRW § 59 (annual accounts and opening balance kept permanently;
books 10 years and Belege 6 years from 1 January of the year after the council adopted the annual
accounts — modelled as the event ``jahresabschluss-festgestellt`` with the end-of-year start rule).
The KomHVO figures follow the project's domain primer; the Verordnung text itself was not re-checked here.
Deployments adjust or add classes with ``AKTENWERK_RETENTION_CLASSES_FILE`` (JSON list, same keys as
:meth:`retention.model.RetentionClass.to_dict`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from retention.errors import InvalidRetentionClass, UnknownRetentionClass
from retention.model import Action, RetentionClass, StartRule, Trigger
from retention.period import Period

#: event name used by the KomHVO NRW classes: the council adopted (festgestellt) the annual accounts
EVENT_JAHRESABSCHLUSS = "jahresabschluss-festgestellt"

DEFAULT_CLASSES: tuple[RetentionClass, ...] = (
    RetentionClass(
        id="ao147-belege",
        name="Buchungsbelege",
        period=Period(years=8),
        trigger=Trigger.DOCUMENT_DATE,
        start=StartRule.END_OF_YEAR,
        action=Action.DESTROY,
        legal_basis="§ 147 Abs. 1 Nr. 4, Abs. 3, Abs. 4 AO",
    ),
    RetentionClass(
        id="ao147-buecher",
        name="Bücher, Aufzeichnungen, Jahresabschlüsse, Arbeitsanweisungen",
        period=Period(years=10),
        trigger=Trigger.DOCUMENT_DATE,
        start=StartRule.END_OF_YEAR,
        action=Action.DESTROY,
        legal_basis="§ 147 Abs. 1 Nr. 1, Abs. 3, Abs. 4 AO",
    ),
    RetentionClass(
        id="ao147-briefe",
        name="Handels- und Geschäftsbriefe, sonstige steuerlich bedeutsame Unterlagen",
        period=Period(years=6),
        trigger=Trigger.DOCUMENT_DATE,
        start=StartRule.END_OF_YEAR,
        action=Action.DESTROY,
        legal_basis="§ 147 Abs. 1 Nr. 2, 3, 5, Abs. 3, Abs. 4 AO",
    ),
    RetentionClass(
        id="ustg14b-rechnungen",
        name="Rechnungen (Umsatzsteuer)",
        period=Period(years=8),
        trigger=Trigger.DOCUMENT_DATE,
        start=StartRule.END_OF_YEAR,
        action=Action.DESTROY,
        legal_basis="§ 14b Abs. 1 UStG",
    ),
    RetentionClass(
        id="komhvo59-jahresabschluss",
        name="Jahresabschluss und Eröffnungsbilanz",
        period=Period(permanent=True),
        trigger=Trigger.DOCUMENT_DATE,
        start=StartRule.EXACT,
        action=Action.OFFER_TO_ARCHIVE,
        legal_basis="§ 59 KomHVO NRW",
    ),
    RetentionClass(
        id="komhvo59-buecher",
        name="Bücher der Finanzbuchhaltung (Kommune)",
        period=Period(years=10),
        trigger=Trigger.EVENT,
        event=EVENT_JAHRESABSCHLUSS,
        start=StartRule.END_OF_YEAR,
        action=Action.OFFER_TO_ARCHIVE,
        legal_basis="§ 59 KomHVO NRW (ab 1. Januar nach Feststellung des Jahresabschlusses)",
    ),
    RetentionClass(
        id="komhvo59-belege",
        name="Buchungsbelege (Kommune)",
        period=Period(years=6),
        trigger=Trigger.EVENT,
        event=EVENT_JAHRESABSCHLUSS,
        start=StartRule.END_OF_YEAR,
        action=Action.OFFER_TO_ARCHIVE,
        legal_basis="§ 59 KomHVO NRW (ab 1. Januar nach Feststellung des Jahresabschlusses)",
    ),
)


class ClassRegistry(Mapping[str, RetentionClass]):
    """Retention classes by id (read-only mapping)."""

    def __init__(self, classes: Iterable[RetentionClass]) -> None:
        self._by_id: dict[str, RetentionClass] = {}
        for cls in classes:
            if cls.id in self._by_id:
                raise InvalidRetentionClass(f"doppelte Aufbewahrungsklasse: {cls.id}")
            self._by_id[cls.id] = cls

    def __getitem__(self, class_id: str) -> RetentionClass:
        try:
            return self._by_id[class_id]
        except KeyError:
            raise UnknownRetentionClass(class_id) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, class_id: object) -> bool:
        return class_id in self._by_id

    def with_overrides(self, extra: Iterable[RetentionClass]) -> ClassRegistry:
        """A registry where ``extra`` classes replace or add to these ones."""
        merged = dict(self._by_id)
        for cls in extra:
            merged[cls.id] = cls
        return ClassRegistry(merged.values())

    @classmethod
    def from_config(
        cls, items: Iterable[Mapping[str, Any]], *, include_defaults: bool = True
    ) -> ClassRegistry:
        loaded = [RetentionClass.from_dict(item) for item in items]
        base = default_registry() if include_defaults else ClassRegistry(())
        return base.with_overrides(loaded)


def default_registry() -> ClassRegistry:
    """The shipped default classes."""
    return ClassRegistry(DEFAULT_CLASSES)
