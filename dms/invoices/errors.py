"""Errors of the invoice workflow: subclasses of the dms error root, so the one web table maps them."""

from __future__ import annotations

from dms.errors import Conflict, PermissionDenied


class DuplicateInvoice(Conflict):
    """This invoice (same file, or same supplier + number + amount) was already received."""

    def __init__(self, message: str, *, existing_id: int | None = None) -> None:
        super().__init__(message)
        self.existing_id = existing_id


class DecisionRefused(PermissionDenied):
    """The approval policy refused the decision (separation of duties, limit, role, assignment)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code


class DecisionConflict(Conflict):
    """The decision does not fit the invoice's current state (step already taken, invoice closed)."""

    def __init__(self, message: str, *, code: str = "conflict") -> None:
        super().__init__(message)
        self.code = code
