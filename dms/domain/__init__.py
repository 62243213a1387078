"""Pure domain of the documents context (no I/O, stdlib only)."""

from dms.domain.principal import ROLES, WILDCARD, Principal, Role, principal_tokens

__all__ = ["ROLES", "WILDCARD", "Principal", "Role", "principal_tokens"]
