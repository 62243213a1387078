"""Browser security for the UI: CSP and other headers, CSRF tokens, login rate limiting."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Final

CSRF_FIELD: Final = "csrf_token"
CSRF_HEADER: Final = "X-CSRF-Token"
ANON_COOKIE: Final = "aw_anon"

#: No inline scripts or styles, nothing from other origins, no framing.
CONTENT_SECURITY_POLICY: Final = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

SECURITY_HEADERS: Final = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def new_anonymous_id() -> str:
    """A random id for a browser that has no session yet (binds the login form's CSRF token)."""
    return secrets.token_urlsafe(24)


def csrf_token(secret: bytes, binding: str) -> str:
    """The CSRF token for a session (or anonymous browser id): an HMAC, so nothing is stored server-side.

    The token is tied to the session: a token stolen from another session or minted without the
    server secret never verifies.
    """
    return hmac.new(secret, b"csrf:" + binding.encode(), hashlib.sha256).hexdigest()


def csrf_valid(secret: bytes, binding: str | None, token: str | None) -> bool:
    if not binding or not token:
        return False
    return hmac.compare_digest(csrf_token(secret, binding), token)


class LoginRateLimiter:
    """Sliding-window limit on failed logins per client address and per user name.

    ``max_failures`` failures within ``window`` seconds block further attempts for the rest of the
    window. Successful logins clear the user name's counter.
    """

    def __init__(
        self, max_failures: int = 5, window: float = 300.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: str, now: float) -> deque[float]:
        q = self._failures.setdefault(key, deque())
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def retry_after(self, client: str, username: str) -> int:
        """Seconds until another attempt is allowed (0 = allowed now)."""
        now = self._clock()
        with self._lock:
            wait = 0.0
            for key in (f"ip:{client}", f"user:{username.lower()}"):
                q = self._recent(key, now)
                if len(q) >= self.max_failures:
                    wait = max(wait, self.window - (now - q[0]))
            return int(wait) + (1 if wait else 0)

    def failed(self, client: str, username: str) -> None:
        now = self._clock()
        with self._lock:
            for key in (f"ip:{client}", f"user:{username.lower()}"):
                self._recent(key, now).append(now)
            if len(self._failures) > 100_000:  # bound memory under a spraying attack
                self._failures.clear()

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{username.lower()}", None)
