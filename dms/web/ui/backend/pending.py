"""Pages whose service has not landed in this installation: they answer 503 "not available".

Each function names the service it waits for; nothing here imitates a business rule.
"""

from __future__ import annotations

from typing import Any

from dms.web.ui.backend.base import ServiceUnavailable


def _missing(name: str) -> Any:
    def call(*_args: Any, **_kwargs: Any) -> Any:
        raise ServiceUnavailable(name)

    call.__name__ = name
    return call
