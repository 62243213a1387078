"""Who is acting: the :class:`Principal` and its access tokens (see docs/contracts.md)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

Role = Literal["admin", "records_manager", "clerk", "finance", "supplier", "auditor"]
ROLES: tuple[Role, ...] = ("admin", "records_manager", "clerk", "finance", "supplier", "auditor")
#: Roles that may read every document.
READ_ALL_ROLES: frozenset[str] = frozenset({"admin", "auditor", "records_manager"})
WILDCARD = "*"


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated user as the services see it."""

    user_id: int
    username: str
    role: Role
    department: str | None = None
    supplier_id: int | None = None
    amount_limit: Decimal | None = None
    groups: tuple[str, ...] = field(default_factory=tuple)

    @property
    def tokens(self) -> frozenset[str]:
        return principal_tokens(self)

    def can_read_acl(self, acl: Iterable[str]) -> bool:
        """True iff the principal may read an object carrying these ``acl`` tokens."""
        toks = self.tokens
        return WILDCARD in toks or not toks.isdisjoint(acl)


def principal_tokens(p: Principal) -> frozenset[str]:
    """``user:<id>``, ``dept:<code>``, ``group:<name>`` and ``*`` for roles that read everything."""
    toks = {f"user:{p.user_id}"}
    if p.department:
        toks.add(f"dept:{p.department}")
    toks.update(f"group:{g}" for g in p.groups)
    if p.role in READ_ALL_ROLES:
        toks.add(WILDCARD)
    return frozenset(toks)


SYSTEM = Principal(user_id=0, username="system", role="admin")
