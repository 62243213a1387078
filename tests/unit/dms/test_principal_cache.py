"""The bearer-token principal cache is cleared by the commit that changes a principal, on every path."""

from __future__ import annotations

from dms.auth import service as auth
from dms.auth.cache import principal_cache
from dms.domain.principal import Principal


def _cached() -> None:
    principal_cache.put("some-token-hash", Principal(user_id=999, username="x", role="clerk"))


def test_commit_of_a_user_change_clears_the_cache_and_rollback_does_not(container):
    with container.uow() as uow:
        user = auth.create_user(uow.session, None, "cache-user", "clerk", password="lang-genug-123")
        uow.commit()
        user_id = int(user.id or 0)

    _cached()
    with container.uow() as uow:
        auth.update_user(uow.session, None, user_id, role="auditor")
        uow.session.rollback()
    assert principal_cache.get("some-token-hash") is not None  # nothing committed, nothing cleared

    with container.uow() as uow:
        auth.update_user(uow.session, None, user_id, role="auditor")
        assert principal_cache.get("some-token-hash") is not None  # not before the commit
        uow.commit()
    assert principal_cache.get("some-token-hash") is None


def test_unrelated_commits_keep_the_cache(container):
    _cached()
    with container.uow() as uow:
        auth.create_user(uow.session, None, "other-user", "clerk", password="lang-genug-123")
        uow.commit()
    assert principal_cache.get("some-token-hash") is not None
    principal_cache.clear()
