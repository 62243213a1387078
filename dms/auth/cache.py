"""Short-lived cache of principals resolved from bearer tokens, cleared when a commit changes one.

The auth services mark the session (:func:`principals_changed`) when they change a user or revoke a token;
the cache is cleared after that session commits, so every caller — API route, web page, CLI — gets the
invalidation without remembering to ask for it. Other processes honour the change within ``TTL`` seconds.
"""

from __future__ import annotations

import time

from sqlalchemy import event
from sqlalchemy.orm import Session

from dms.domain.principal import Principal

_CHANGED = "aktenwerk.principals_changed"


class PrincipalCache:
    """Bearer token hash → principal, each entry valid for ``TTL`` seconds."""

    TTL = 2.0
    MAX = 10_000

    def __init__(self) -> None:
        self._data: dict[str, tuple[float, Principal]] = {}

    def get(self, key: str) -> Principal | None:
        hit = self._data.get(key)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, key: str, principal: Principal) -> None:
        if len(self._data) >= self.MAX:
            self._data.clear()
        self._data[key] = (time.monotonic() + self.TTL, principal)

    def clear(self) -> None:
        self._data.clear()


principal_cache = PrincipalCache()


def principals_changed(session: Session) -> None:
    """Clear the cache once ``session`` commits (a rolled-back change clears nothing)."""
    session.info[_CHANGED] = True


@event.listens_for(Session, "after_commit")
def _clear_after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False):
        principal_cache.clear()


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session: Session, _previous_transaction: object) -> None:
    session.info.pop(_CHANGED, None)
