"""Fixtures of the reliability campaign (faults, load, hostile input, access).

``admin_env(settings)`` migrates a data dir, creates an admin with an API token and returns
``(container, token)``; the container is used by tests for database-level checks only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def admin_env(make_container: Callable[..., Any]) -> Callable[..., tuple[Any, str]]:
    from dms.auth import service as auth

    def factory(settings: Any, *, role: str = "admin", department: str | None = "63") -> tuple[Any, str]:
        from dms.db.uow import RecordingDispatcher as Recording

        container = make_container(settings, dispatcher=Recording())
        with container.uow() as uow:
            user = auth.create_user(uow.session, None, f"{role}-rel", role, department=department)
            _, token = auth.create_token(uow.session, None, int(user.id), "reliability")
            uow.commit()
        return container, token

    return factory
