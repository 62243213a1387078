"""Environments for the reliability benches (bench/faults.py, bench/load.py): a migrated data dir (embedded or PostgreSQL + Redis) with an admin token."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

PG_BASE = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
REDIS_URL = "redis://127.0.0.1:6379/15"


def make_env(base: Path, mode: str, **overrides: Any) -> tuple[Any, Any, str, str | None]:
    """(settings, container, admin token, created database name or None)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from dms.auth import service as auth
    from dms.bootstrap import build_container
    from dms.db.migrate import upgrade
    from dms.db.uow import RecordingDispatcher
    from dms.ops.setup import ensure_dirs
    from dms.settings import Settings

    values: dict[str, Any] = {"data_dir": base / "data", "secret_key": "bench-secret", "search_backend": "tantivy",
                              "eager_tasks": False}
    dbname = None
    if mode == "postgres":
        import redis

        dbname = f"akw_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{dbname}"'))
        admin.dispose()
        redis.Redis.from_url(REDIS_URL).flushdb()
        values |= {"database_url": make_url(PG_BASE).set(database=dbname).render_as_string(hide_password=False),
                   "broker_url": REDIS_URL}
    values |= overrides
    settings = Settings(**values)
    ensure_dirs(settings)
    upgrade(settings.db_url)
    container = build_container(settings, dispatcher=RecordingDispatcher())
    with container.uow() as uow:
        user = auth.create_user(uow.session, None, "bench-admin", "admin", department="63")
        _, token = auth.create_token(uow.session, None, int(user.id), "bench")
        uow.commit()
    return settings, container, token, dbname


def drop_db(dbname: str | None) -> None:
    if not dbname:
        return
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_BASE, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{dbname}'"))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{dbname}"'))
    admin.dispose()
