"""Error root of the retention package. Domain errors carry no HTTP codes."""

from __future__ import annotations


class RetentionError(Exception):
    """Root of every error raised by :mod:`retention`."""


class InvalidPeriod(RetentionError):
    """A retention period could not be parsed or is negative."""


class InvalidRetentionClass(RetentionError):
    """A retention class definition is inconsistent (e.g. event trigger without event name)."""


class UnknownRetentionClass(RetentionError):
    """A class id was referenced that is not in the registry."""

    def __init__(self, class_id: str) -> None:
        super().__init__(f"unbekannte Aufbewahrungsklasse: {class_id!r}")
        self.class_id = class_id


class DeletionBlocked(RetentionError):
    """Deleting (or changing the content of) a record is not allowed now: retention runs or a hold applies."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class DisposalStateError(RetentionError):
    """An operation is not allowed in the disposal request's current state."""


class NotAuthorised(RetentionError):
    """The actor lacks the role needed for a disposal step (only records managers open/approve)."""


class FourEyesViolation(NotAuthorised):
    """The approver of a disposal request is the same person who opened it."""


class XdomeaError(RetentionError):
    """An xdomea message is malformed, unsafe or of an unexpected type."""
