"""Builds the real application for UI tests: settings in a temp data dir, schema, users via services.

``app_from_env`` is the uvicorn factory the browser tests start in a subprocess.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from dms.settings import Settings

PASSWORD = "Geheim-Passwort-2026"


def make_settings(data_dir: Path, **overrides: Any) -> Settings:
    data_dir.mkdir(parents=True, exist_ok=True)
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "eager_tasks": True,
        "secret_key": "ui-test-secret-" + data_dir.name,
        "search_backend": "tantivy",
    }
    values.update(overrides)
    return Settings(**values)


def prepare_database(settings: Settings) -> None:
    """Migrate (Alembic heads) or, while no revision exists yet, create the tables from metadata."""
    from dms.bootstrap import import_table_modules
    from dms.db import migrate

    import_table_modules()
    if migrate.head_revisions(settings.db_url):
        migrate.upgrade(settings.db_url)
        return
    from sqlmodel import SQLModel

    from dms.db.engine import make_engine

    engine = make_engine(settings.db_url, pool=False)
    SQLModel.metadata.create_all(engine)
    engine.dispose()


def build_app(settings: Settings) -> Any:
    """The application as ``aktenwerk serve`` builds it (``create_app``), UI router included."""
    from dms.web.app import create_app

    return create_app(settings)


def create_user(settings: Settings, username: str, role: str, container: Any = None, **fields: Any) -> int:
    """A user created through the dms auth service (the same code path as the CLI)."""
    from dms.auth import service as auth
    from dms.bootstrap import build_container

    own = container is None
    container = container or build_container(settings, pool=False)
    try:
        with container.uow() as unit:
            user = auth.create_user(unit.session, None, username, role, password=PASSWORD, **fields)
            unit.commit()
            return int(user.id or 0)
    finally:
        if own:
            container.close()


def app_from_env() -> Any:
    """uvicorn factory: ``AKTENWERK_DATA_DIR`` names a prepared data dir."""
    settings = make_settings(Path(os.environ["AKTENWERK_DATA_DIR"]))
    return build_app(settings)


CSRF_RE = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


def create_supplier(settings: Settings, name: str, iban: str) -> int:
    """A supplier record with a known IBAN, through the invoices context's service."""
    from dms.bootstrap import build_container
    from dms.invoices import suppliers

    container = build_container(settings, pool=False)
    try:
        with container.uow() as unit:
            row = suppliers.create_supplier(unit.session, None, name, ibans=[iban])
            unit.commit()
            return int(row.id or 0)
    finally:
        container.close()
