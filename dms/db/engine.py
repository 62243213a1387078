"""Engine factory: SQLite (WAL, busy timeout, foreign keys, IMMEDIATE write transactions) or PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

SQLITE_BUSY_TIMEOUT_S = 30


def normalise_url(url: str) -> str:
    """Accept ``postgresql://`` and ``postgres://`` and use the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _sqlite_engine(url: str, *, immediate: bool, pool: bool = True) -> Engine:
    u = make_url(url)
    if u.database and u.database != ":memory:":
        Path(u.database).parent.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {
        "connect_args": {"timeout": SQLITE_BUSY_TIMEOUT_S, "check_same_thread": False},
    }
    if not pool:
        kwargs["poolclass"] = NullPool
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _rec: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE takes the write lock up front: no SQLITE_BUSY on lock upgrade between processes.
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def make_engine(url: str, *, immediate: bool = True, pool: bool = True) -> Engine:
    """Create an engine for ``url``. For SQLite ``immediate`` selects BEGIN IMMEDIATE transactions."""
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, immediate=immediate, pool=pool)
    kwargs: dict[str, Any] = {"pool_pre_ping": True}
    if pool:
        kwargs.update(pool_size=10, max_overflow=20)
    else:
        kwargs["poolclass"] = NullPool
    return create_engine(url, **kwargs)


@dataclass
class Database:
    """A write engine and a read engine (the same one on PostgreSQL)."""

    url: str
    write: Engine
    read: Engine

    @property
    def dialect(self) -> str:
        return self.write.dialect.name

    def dispose(self) -> None:
        self.write.dispose()
        if self.read is not self.write:
            self.read.dispose()


def make_database(url: str, *, pool: bool = True) -> Database:
    url = normalise_url(url)
    write = make_engine(url, immediate=True, pool=pool)
    read = make_engine(url, immediate=False, pool=pool) if url.startswith("sqlite") else write
    return Database(url=url, write=write, read=read)
