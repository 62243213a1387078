"""Shared set-up for the retention integration tests (own temp dirs and databases: safe under xdist)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from dms.auth import service as auth
from dms.bootstrap import Container, build_container
from dms.db.migrate import upgrade
from dms.db.uow import RecordingDispatcher
from dms.domain.principal import Principal
from dms.retention_settings import RetentionSettings
from dms.services import documents
from dms.settings import Settings

PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass
class Env:
    container: Container
    settings: RetentionSettings
    users: dict[str, Principal]
    tokens: dict[str, str]

    def doc(self, data: bytes, *, who: str = "rm1", **fields: Any) -> int:
        with self.container.uow() as uow:
            blob = self.container.store.put(data)
            new = documents.create_document(
                uow.session, self.users[who], blob, filename=fields.pop("filename", "x.pdf"), **fields
            )
            uow.commit()
            return new.id


def _schema(container: Container) -> None:
    upgrade(container.settings.db_url)  # the real migrations, retention revision included


@contextmanager
def make_env(tmp_path: Path, db_url: str | None = None) -> Iterator[Env]:
    settings = Settings(data_dir=tmp_path / "data", database_url=db_url)
    container = build_container(settings, dispatcher=RecordingDispatcher(), pool=False)
    try:
        _schema(container)
        users: dict[str, Principal] = {}
        tokens: dict[str, str] = {}
        with container.uow() as uow:
            for name, role in (
                ("rm1", "records_manager"),
                ("rm2", "records_manager"),
                ("clerk", "clerk"),
                ("admin", "admin"),
                ("auditor", "auditor"),
            ):
                user = auth.create_user(uow.session, None, name, role, department="10")
                users[name] = auth.principal_of(uow.session, user)
                _, tokens[name] = auth.create_token(uow.session, None, int(user.id or 0))
            uow.commit()
        yield Env(container, RetentionSettings(), users, tokens)
    finally:
        container.close()


@contextmanager
def postgres_db() -> Iterator[str]:
    """A fresh PostgreSQL database with a unique name, dropped afterwards."""
    name = f"aw_ret_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


OLD = date(2010, 3, 1)
