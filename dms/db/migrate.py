"""Run Alembic migrations programmatically (``aktenwerk init`` and tests)."""
# ruff: noqa: PLC0415  -- lazy imports keep start-up light and avoid import cycles

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import inspect

from dms.db.engine import make_engine, normalise_url

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("path_separator", "os")
    cfg.attributes["url"] = normalise_url(url)
    return cfg


def upgrade(url: str, revision: str = "heads") -> None:
    """Migrate the database at ``url`` to all heads (several tasks add independent revisions)."""
    command.upgrade(alembic_config(url), revision)


def current_revisions(url: str) -> set[str]:
    engine = make_engine(url, immediate=False, pool=False)
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return set()
            return {r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")}
    finally:
        engine.dispose()


def head_revisions(url: str) -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
