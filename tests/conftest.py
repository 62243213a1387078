"""Shared fixtures (import-free: pytest injects them by name). Other contexts reuse these.

Settings / data
- ``settings`` — a fresh :class:`dms.settings.Settings` per test: own data dir under ``tmp_path``, SQLite
  database, embedded broker path, ``eager_tasks=True`` (the pipeline runs inline right after commit).
- ``make_settings(**overrides)`` — factory for more (e.g. ``make_settings(max_upload_bytes=1000)``).

Containers / apps (migrated database, ready to use)
- ``container`` — :class:`dms.bootstrap.Container` on ``settings`` with the inline dispatcher; jobs run
  synchronously after commit, so an upload is ``ready`` when the request returns.
- ``make_container(settings=None, *, dispatcher=None, indexer=None)`` — factory (migrates first).
- ``app`` / ``client`` — the FastAPI app and an unauthenticated ``TestClient`` on ``container``.
- ``make_user(role, *, department=None, username=None, supplier_id=None, amount_limit=None, groups=())``
  — creates a user directly in the database; returns ``(User, token)``.
- ``client_as(role, department=None, **user_kwargs)`` — a ``TestClient`` authenticated with a fresh
  bearer token of a new user of that role; ``client_as.user`` / ``.principal`` of the last one.
- ``run_pipeline(document_id)`` — run the ingest pipeline for a document synchronously.
- ``pdf_bytes(text="…", pages=1)`` — a small text PDF (reportlab).

PostgreSQL / Redis (markers ``postgres`` / ``redis``)
- ``pg_url`` — URL of a uniquely named database created from ``AKTENWERK_TEST_PG_URL`` (default
  ``postgresql+psycopg://postgres@127.0.0.1:5432/test``) for this test session and worker, dropped after.
  ``pg_settings`` — ``settings`` pointing at a freshly emptied schema of that database.
- ``redis_url`` — ``AKTENWERK_TEST_REDIS_URL`` (default ``redis://127.0.0.1:6379/0``) on a per-worker
  db number; flushed before use.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

PG_URL = os.environ.get("AKTENWERK_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("AKTENWERK_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


# ------------------------------------------------------------------------------------------ settings
@pytest.fixture
def make_settings(tmp_path: Path) -> Callable[..., Any]:
    from dms.settings import Settings

    counter = {"n": 0}

    def factory(**overrides: Any) -> Settings:
        counter["n"] += 1
        data = tmp_path / f"data{counter['n']}"
        values: dict[str, Any] = {"data_dir": data, "eager_tasks": True, "secret_key": "test-secret",
                                  "search_backend": "memory"}
        values.update(overrides)
        return Settings(**values)

    return factory


@pytest.fixture
def settings(make_settings: Callable[..., Any]) -> Any:
    return make_settings()


# ------------------------------------------------------------------------------------------ containers
@pytest.fixture
def make_container() -> Iterator[Callable[..., Any]]:
    from dms.bootstrap import build_container
    from dms.db.migrate import upgrade
    from dms.ops.setup import ensure_dirs

    made: list[Any] = []

    def factory(settings: Any, *, dispatcher: Any = None, indexer: Any = None, store: Any = None) -> Any:
        ensure_dirs(settings)
        upgrade(settings.db_url)
        c = build_container(settings, dispatcher=dispatcher, indexer=indexer, store=store)
        made.append(c)
        return c

    yield factory
    for c in made:
        c.close()


@pytest.fixture
def container(make_container: Callable[..., Any], settings: Any) -> Any:
    return make_container(settings)


@pytest.fixture
def app(container: Any) -> Any:
    from dms.web.app import create_app

    return create_app(container.settings, container=container)


@pytest.fixture
def client(app: Any) -> Iterator[Any]:
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@pytest.fixture
def make_user(container: Any) -> Callable[..., tuple[Any, str]]:
    from dms.auth import service as auth

    def factory(role: str, *, department: str | None = None, username: str | None = None,
                supplier_id: int | None = None, amount_limit: Any = None, groups: tuple[str, ...] = (),
                password: str | None = None) -> tuple[Any, str]:
        with container.uow() as uow:
            user = auth.create_user(uow.session, None, username or f"{role}-{uuid.uuid4().hex[:8]}", role,
                                    department=department, supplier_id=supplier_id, amount_limit=amount_limit,
                                    groups=list(groups), password=password)
            _, token = auth.create_token(uow.session, None, int(user.id), "test")
            uow.commit()
        return user, token

    return factory


class _ClientAs:
    def __init__(self, app: Any, make_user: Callable[..., tuple[Any, str]], container: Any) -> None:
        self.app, self.make_user, self.container = app, make_user, container
        self.clients: list[Any] = []
        self.user: Any = None
        self.principal: Any = None

    def __call__(self, role: str, department: str | None = None, *, raise_server_exceptions: bool = True,
                 **kwargs: Any) -> Any:
        from fastapi.testclient import TestClient

        from dms.auth import service as auth

        user, token = self.make_user(role, department=department, **kwargs)
        with self.container.uow(read_only=True) as uow:
            self.principal = auth.principal_of(uow.session, user)
        self.user = user
        c = TestClient(self.app, headers={"Authorization": f"Bearer {token}"},
                       raise_server_exceptions=raise_server_exceptions)
        c.__enter__()
        c.user, c.principal, c.token = user, self.principal, token  # type: ignore[attr-defined]
        self.clients.append(c)
        return c

    def close(self) -> None:
        for c in self.clients:
            c.__exit__(None, None, None)


@pytest.fixture
def client_as(app: Any, make_user: Callable[..., tuple[Any, str]], container: Any) -> Iterator[_ClientAs]:
    helper = _ClientAs(app, make_user, container)
    yield helper
    helper.close()


@pytest.fixture
def run_pipeline(container: Any) -> Callable[[int], str]:
    from dms.pipeline.runner import process_document

    return lambda document_id: process_document(container, document_id)


def _make_pdf(text: str = "Aktenwerk Testdokument", pages: int = 1) -> bytes:
    import io

    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for i in range(pages):
        c.drawString(72, 750, f"{text} – Seite {i + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


@pytest.fixture
def pdf_bytes() -> Callable[..., bytes]:
    return _make_pdf


# ------------------------------------------------------------------------------------------ PostgreSQL
def _worker_id(request: pytest.FixtureRequest) -> str:
    return str(getattr(request.config, "workerinput", {}).get("workerid", "main"))


@pytest.fixture(scope="session")
def pg_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A uniquely named PostgreSQL database for this session/worker, dropped at the end."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    base = make_url(PG_URL)
    name = f"akw_{_worker_id(request)}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # pragma: no cover - reported clearly instead of a confusing error later
        admin.dispose()
        pytest.fail(f"PostgreSQL at {base.render_as_string(hide_password=True)} is not usable: {exc}")
    url = base.set(database=name).render_as_string(hide_password=False)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}' AND pid <> pg_backend_pid()"))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()


def reset_pg(url: str) -> None:
    """Drop every table of the database (a clean slate for the next test)."""
    from sqlalchemy import create_engine, text

    eng = create_engine(url, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    eng.dispose()


@pytest.fixture
def pg_settings(pg_url: str, make_settings: Callable[..., Any]) -> Any:
    reset_pg(pg_url)
    return make_settings(database_url=pg_url)


# ------------------------------------------------------------------------------------------ Redis
@pytest.fixture
def redis_url(request: pytest.FixtureRequest) -> str:
    import redis

    wid = _worker_id(request)
    db = 1 + (int(wid[2:]) if wid.startswith("gw") and wid[2:].isdigit() else 0) % 14
    base = REDIS_URL.rsplit("/", 1)[0] if REDIS_URL.count("/") >= 3 else REDIS_URL
    url = f"{base}/{db}"
    try:
        redis.Redis.from_url(url).flushdb()
    except Exception as exc:  # pragma: no cover
        pytest.fail(f"Redis at {url} is not usable: {exc}")
    return url
