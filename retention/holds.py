"""Legal holds (Löschsperren). A hold blocks disposal and deletion on every path until released."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from retention.errors import RetentionError


class HoldScope(StrEnum):
    DOCUMENT = "document"
    AKTE = "akte"
    QUERY = "query"  #: a saved search; the shell resolves it to ``members`` before planning


@dataclass(frozen=True, slots=True)
class Hold:
    """An active legal hold. Released holds are simply not passed in."""

    id: str
    scope: HoldScope
    target: str  #: document id, Akte id, or the saved query text
    reason: str
    owner: str = ""
    review_date: date | None = None
    members: frozenset[str] | None = None  #: record ids matched by a QUERY hold (resolved by the shell)

    def __post_init__(self) -> None:
        if not self.reason or not self.reason.strip():
            raise RetentionError("eine Löschsperre braucht einen Grund")
        if not self.target:
            raise RetentionError("eine Löschsperre braucht ein Ziel (Dokument, Akte oder Suchabfrage)")

    def review_overdue(self, as_of: date) -> bool:
        return self.review_date is not None and self.review_date < as_of

    def describe(self) -> str:
        where = {HoldScope.DOCUMENT: "Dokument", HoldScope.AKTE: "Akte", HoldScope.QUERY: "Suchabfrage"}[
            self.scope
        ]
        owner = f", verantwortlich: {self.owner}" if self.owner else ""
        return f"Löschsperre {self.id} ({where} {self.target}): {self.reason}{owner}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "scope": self.scope.value,
            "target": self.target,
            "reason": self.reason,
            "owner": self.owner,
            "review_date": self.review_date.isoformat() if self.review_date else None,
        }


class HoldIndex:
    """Fast lookup of the holds that apply to a record.

    A QUERY hold whose ``members`` were not resolved blocks *every* record: failing closed is the only
    safe answer when we cannot tell what the hold covers.
    """

    __slots__ = ("_by_akte", "_by_doc", "_universal", "holds")

    def __init__(self, holds: Iterable[Hold] = ()) -> None:
        self.holds: tuple[Hold, ...] = tuple(holds)
        self._by_doc: dict[str, list[Hold]] = {}
        self._by_akte: dict[str, list[Hold]] = {}
        self._universal: list[Hold] = []
        for hold in self.holds:
            if hold.scope is HoldScope.DOCUMENT:
                self._by_doc.setdefault(hold.target, []).append(hold)
            elif hold.scope is HoldScope.AKTE:
                self._by_akte.setdefault(hold.target, []).append(hold)
            elif hold.members is None:
                self._universal.append(hold)
            else:
                for member in hold.members:
                    self._by_doc.setdefault(member, []).append(hold)

    def __bool__(self) -> bool:
        return bool(self.holds)

    def for_record(self, record_id: str, akte_id: str | None = None) -> list[Hold]:
        """Holds that apply to the record (empty list if none)."""
        if not self.holds:
            return []
        found: list[Hold] = []
        found.extend(self._by_doc.get(record_id, ()))
        if akte_id is not None:
            found.extend(self._by_akte.get(akte_id, ()))
        found.extend(self._universal)
        return found


def as_index(holds: HoldIndex | Iterable[Hold] | None) -> HoldIndex:
    if isinstance(holds, HoldIndex):
        return holds
    return HoldIndex(holds or ())
