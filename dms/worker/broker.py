"""Embedded durable broker: kombu's SQLAlchemy transport over a local SQLite file (no server).

The stock ``sqla+`` transport passes every transport option (e.g. ``polling_interval``) to
``create_engine`` and uses SQLite without WAL or a busy timeout. This subclass fixes both; it is
registered as the ``aktenwerk+sqlite:///<path>`` scheme.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from kombu.transport import TRANSPORT_ALIASES
from kombu.transport import sqlalchemy as kombu_sqla
from sqlalchemy import create_engine, event
from sqlalchemy.engine import make_url

SCHEME = "aktenwerk"
_ENGINE_OPTS = ("pool_size", "max_overflow", "pool_recycle", "echo")


class Channel(kombu_sqla.Channel):
    def _engine_from_config(self) -> Any:
        conninfo = self.connection.client
        url = conninfo.hostname
        opts = {k: v for k, v in conninfo.transport_options.items() if k in _ENGINE_OPTS}
        u = make_url(url)
        if u.database:
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **opts)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _rec: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        return engine


class Transport(kombu_sqla.Transport):
    Channel = Channel
    driver_type = "sql"
    driver_name = "sqlalchemy"


def register() -> None:
    TRANSPORT_ALIASES.setdefault(SCHEME, "dms.worker.broker:Transport")


def purge_delivered(broker_url: str, older_than_hours: float = 24) -> int:
    """Delete delivered (invisible) messages older than the given age from the embedded broker."""
    if not broker_url.startswith(SCHEME + "+sqlite:///"):
        return 0
    path = broker_url[len(SCHEME + "+sqlite:///") :]
    if not Path(path).exists():
        return 0
    con = sqlite3.connect(path, timeout=30)
    try:
        cur = con.execute(
            "DELETE FROM kombu_message WHERE visible = 0 AND sent_at < datetime('now', ?)",
            (f"-{float(older_than_hours)} hours",),
        )
        con.commit()
        return cur.rowcount
    except sqlite3.OperationalError:
        return 0
    finally:
        con.close()


register()
