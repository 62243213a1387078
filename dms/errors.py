"""The one error root of the documents context. Errors carry no HTTP codes (see dms/web/errors.py)."""

from __future__ import annotations


class DmsError(Exception):
    """Root of every error the dms context raises on purpose."""

    def __init__(self, message: str = "") -> None:
        super().__init__(message or self.__class__.__doc__ or self.__class__.__name__)
        self.message = message or (self.__class__.__doc__ or self.__class__.__name__).strip()

    def __str__(self) -> str:
        return self.message


class NotFound(DmsError):
    """The requested object does not exist (or is not visible to you)."""


class Conflict(DmsError):
    """The request conflicts with the current state."""


class Unauthenticated(DmsError):
    """Authentication required."""


class PermissionDenied(DmsError):
    """You are not allowed to do this."""


class ValidationFailed(DmsError):
    """The input is invalid."""


class PayloadTooLarge(DmsError):
    """The upload exceeds the configured size limit."""


class Gone(DmsError):
    """The object existed but was removed."""


class Unavailable(DmsError):
    """A required service (database, queue, store, index) is unavailable."""


class StorageFull(Unavailable):
    """The content store has no space left (nothing was stored)."""


class DuplicateDocument(Conflict):
    """The same bytes are already stored as a live document."""

    def __init__(self, message: str, existing_id: int | None = None) -> None:
        super().__init__(message)
        self.existing_id = existing_id


class Frozen(Conflict):
    """The object is finalised or closed (zdA) and cannot be changed."""


class IntegrityError(DmsError):
    """Stored data does not match its recorded hash."""
