"""Disposal requests (Aussonderung/Vernichtung) with four-eyes approval and resumable execution.

State machine::

    OPEN --approve (2nd records manager)--> APPROVED --execute--> EXECUTING --all items done--> COMPLETED
    OPEN --reject/cancel--> REJECTED / CANCELLED

Each item has its own state (PENDING → IN_PROGRESS → DONE, or SKIPPED when a hold appeared or retention
no longer allows it, FAILED when the port raised). Every transition is handed to ``port.save`` so the shell
can commit it; re-running :func:`execute` after a crash continues with the unfinished items only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

from retention.errors import DisposalStateError, FourEyesViolation, NotAuthorised, RetentionError
from retention.schedule import Decision

RECORDS_MANAGER = "records_manager"


class RequestState(StrEnum):
    OPEN = "open"
    APPROVED = "approved"
    EXECUTING = "executing"
    COMPLETED = "completed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class ItemState(StrEnum):
    PENDING = "pending"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    SKIPPED = "skipped"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Actor:
    """Who acts: user id, display name, role (only ``records_manager`` may open/approve)."""

    id: str
    name: str
    role: str

    def to_dict(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "role": self.role}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Actor:
        return cls(str(data["id"]), str(data.get("name", "")), str(data.get("role", "")))


def _iso(value: date | datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _dt(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _d(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


@dataclass(slots=True)
class DisposalItem:
    """One record in a disposal request, with what the deletion certificate must show."""

    record_id: str
    sha256: str
    class_id: str | None = None
    keep_until: date | None = None
    document_date: date | None = None
    title: str = ""
    state: ItemState = ItemState.PENDING
    detail: str = ""
    completed_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_id": self.record_id,
            "sha256": self.sha256,
            "class_id": self.class_id,
            "keep_until": _iso(self.keep_until),
            "document_date": _iso(self.document_date),
            "title": self.title,
            "state": self.state.value,
            "detail": self.detail,
            "completed_at": _iso(self.completed_at),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DisposalItem:
        return cls(
            record_id=str(data["record_id"]),
            sha256=str(data.get("sha256", "")),
            class_id=data.get("class_id"),
            keep_until=_d(data.get("keep_until")),
            document_date=_d(data.get("document_date")),
            title=str(data.get("title", "")),
            state=ItemState(data.get("state", ItemState.PENDING)),
            detail=str(data.get("detail", "")),
            completed_at=_dt(data.get("completed_at")),
        )


def _require_records_manager(actor: Actor, what: str) -> None:
    if actor.role != RECORDS_MANAGER:
        raise NotAuthorised(f"nur Records Manager dürfen {what} (Rolle: {actor.role or 'keine'})")


@dataclass(slots=True)
class DisposalRequest:
    id: str
    items: list[DisposalItem]
    opened_by: Actor
    opened_at: datetime
    state: RequestState = RequestState.OPEN
    note: str = ""
    approved_by: Actor | None = None
    approved_at: datetime | None = None
    closed_by: Actor | None = None  #: who rejected/cancelled
    closed_reason: str = ""
    started_at: datetime | None = None
    completed_at: datetime | None = None

    @classmethod
    def open(
        cls, request_id: str, items: Iterable[DisposalItem], by: Actor, at: datetime, note: str = ""
    ) -> DisposalRequest:
        """A records manager opens a request for the given items (each record at most once)."""
        _require_records_manager(by, "einen Aussonderungsantrag stellen")
        listed = list(items)
        if not listed:
            raise RetentionError("ein Aussonderungsantrag braucht mindestens ein Dokument")
        ids = [i.record_id for i in listed]
        if len(set(ids)) != len(ids):
            raise RetentionError("ein Dokument steht mehrfach im Aussonderungsantrag")
        return cls(request_id, listed, by, at, note=note)

    def approve(self, by: Actor, at: datetime) -> None:
        """Four-eyes approval: a *different* records manager."""
        _require_records_manager(by, "Aussonderungsanträge genehmigen")
        if self.state is not RequestState.OPEN:
            raise DisposalStateError(f"Antrag {self.id} ist {self.state.value}, nicht offen")
        if by.id == self.opened_by.id:
            raise FourEyesViolation(
                "Vier-Augen-Prinzip: wer den Antrag gestellt hat, darf ihn nicht genehmigen"
            )
        self.state = RequestState.APPROVED
        self.approved_by = by
        self.approved_at = at

    def reject(self, by: Actor, at: datetime, reason: str) -> None:
        _require_records_manager(by, "Aussonderungsanträge ablehnen")
        if self.state is not RequestState.OPEN:
            raise DisposalStateError(f"Antrag {self.id} ist {self.state.value}, nicht offen")
        self.state = RequestState.REJECTED if by.id != self.opened_by.id else RequestState.CANCELLED
        self.closed_by = by
        self.closed_reason = reason
        self.completed_at = at

    def item(self, record_id: str) -> DisposalItem:
        for it in self.items:
            if it.record_id == record_id:
                return it
        raise RetentionError(f"Dokument {record_id} steht nicht im Antrag {self.id}")

    @property
    def unfinished(self) -> list[DisposalItem]:
        return [i for i in self.items if i.state not in (ItemState.DONE, ItemState.SKIPPED)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state.value,
            "note": self.note,
            "opened_by": self.opened_by.to_dict(),
            "opened_at": _iso(self.opened_at),
            "approved_by": self.approved_by.to_dict() if self.approved_by else None,
            "approved_at": _iso(self.approved_at),
            "closed_by": self.closed_by.to_dict() if self.closed_by else None,
            "closed_reason": self.closed_reason,
            "started_at": _iso(self.started_at),
            "completed_at": _iso(self.completed_at),
            "items": [i.to_dict() for i in self.items],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DisposalRequest:
        opened_at = _dt(data["opened_at"])
        assert opened_at is not None
        return cls(
            id=str(data["id"]),
            items=[DisposalItem.from_dict(i) for i in data["items"]],
            opened_by=Actor.from_dict(data["opened_by"]),
            opened_at=opened_at,
            state=RequestState(data["state"]),
            note=str(data.get("note", "")),
            approved_by=Actor.from_dict(data["approved_by"]) if data.get("approved_by") else None,
            approved_at=_dt(data.get("approved_at")),
            closed_by=Actor.from_dict(data["closed_by"]) if data.get("closed_by") else None,
            closed_reason=str(data.get("closed_reason", "")),
            started_at=_dt(data.get("started_at")),
            completed_at=_dt(data.get("completed_at")),
        )


class DisposalPort(Protocol):
    """What execution needs from the shell."""

    def decision(self, item: DisposalItem) -> Decision:
        """Re-check retention and holds *now* (a hold placed after approval must still block)."""
        ...

    def destroy(self, item: DisposalItem) -> None:
        """Remove the content (blob unless still referenced, text, previews, index entries); keep a tombstone.

        Must be idempotent: it is called again for an item whose previous run was interrupted.
        """
        ...

    def save(self, request: DisposalRequest, item: DisposalItem | None) -> None:
        """Persist the request/item state (the shell commits here so an interrupted run can resume)."""
        ...


@dataclass(slots=True)
class ExecutionResult:
    done: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    completed: bool = False


def execute(request: DisposalRequest, port: DisposalPort, clock: Callable[[], datetime]) -> ExecutionResult:
    """Execute an approved request, or resume an interrupted one. Finished items are never touched again."""
    if request.state is RequestState.APPROVED:
        request.state = RequestState.EXECUTING
        request.started_at = clock()
        port.save(request, None)
    elif request.state is not RequestState.EXECUTING:
        raise DisposalStateError(
            f"Antrag {request.id} ist {request.state.value}: nur genehmigte Anträge laufen"
        )
    result = ExecutionResult()
    for item in request.items:
        if item.state in (ItemState.DONE, ItemState.SKIPPED):
            continue
        if item.state is ItemState.PENDING:
            decision = port.decision(item)
            if not decision.allowed:
                item.state = ItemState.SKIPPED
                item.detail = decision.reason
                item.completed_at = clock()
                port.save(request, item)
                result.skipped.append(item.record_id)
                continue
            item.state = ItemState.IN_PROGRESS
            port.save(request, item)
        # IN_PROGRESS or FAILED: content removal had started — finish it, never leave a half-deleted record
        try:
            port.destroy(item)
        except Exception as exc:  # the port's failure is recorded per item; the run continues
            item.state = ItemState.FAILED
            item.detail = f"{type(exc).__name__}: {exc}"
            port.save(request, item)
            result.failed.append(item.record_id)
            continue
        item.state = ItemState.DONE
        item.detail = ""
        item.completed_at = clock()
        port.save(request, item)
        result.done.append(item.record_id)
    if not request.unfinished:
        request.state = RequestState.COMPLETED
        request.completed_at = clock()
        port.save(request, None)
        result.completed = True
    return result
