"""503 with a clear message when the queue or the database is unavailable; nothing is stored then."""

from __future__ import annotations

from fastapi.testclient import TestClient

from dms.auth import service as auth
from dms.web.app import create_app


def _token(container) -> str:
    with container.uow() as uow:
        u = auth.create_user(uow.session, None, "c", "clerk", department="63")
        tok = auth.create_token(uow.session, None, u.id)[1]
        uow.commit()
    return tok


def test_upload_503_when_queue_down_and_nothing_stored(make_settings, make_container):
    s = make_settings(eager_tasks=False, broker_url="redis://127.0.0.1:1/0")  # nothing listens on port 1
    container = make_container(s)
    with TestClient(create_app(s, container=container), headers={"Authorization": f"Bearer {_token(container)}"}) as c:
        r = c.post("/api/v1/documents", files={"file": ("a.txt", b"hello")})
        assert r.status_code == 503
        assert "queue" in r.json()["detail"]
        assert c.get("/api/v1/documents").json()["total"] == 0
        health = c.get("/api/v1/health")
        assert health.status_code == 503 and health.json()["checks"]["queue"].startswith("error")
    assert list(container.store.iter_digests()) == []


def test_503_when_database_unreachable(make_settings, make_container):
    s = make_settings()
    container = make_container(s)
    token = _token(container)
    from dms.db.engine import make_database

    container.db.dispose()
    container.db = make_database("postgresql+psycopg://nobody@127.0.0.1:1/none", pool=False)
    with TestClient(create_app(s, container=container), headers={"Authorization": f"Bearer {token}"},
                    raise_server_exceptions=False) as c:
        r = c.get("/api/v1/documents/1")
        assert r.status_code == 503
        assert "database is unavailable" in r.json()["detail"]
        assert c.get("/api/v1/health").json()["checks"]["db"].startswith("error")
