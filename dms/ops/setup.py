"""``aktenwerk init``: data dir, secret, migrations, first admin."""
# ruff: noqa: PLC0415  -- heavy or cyclic imports are loaded lazily

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlmodel import col

from dms.auth import service as auth
from dms.auth.secrets import generate_password
from dms.bootstrap import build_container
from dms.db import migrate
from dms.db.tables import User
from dms.db.uow import RecordingDispatcher
from dms.settings import Settings


@dataclass
class InitResult:
    data_dir: str
    database: str
    admin_username: str
    admin_password: str | None  # None when the admin already existed


def ensure_dirs(settings: Settings) -> None:
    for p in (settings.data_path, settings.store_path, settings.scan_path):
        p.mkdir(parents=True, exist_ok=True)
    if not settings.secret_key and not settings.secret_file.exists():
        settings.secret_file.write_text(secrets.token_urlsafe(48) + "\n")
        os.chmod(settings.secret_file, 0o600)
    from dms.ops.backup import ensure_backup_key

    ensure_backup_key(settings)  # signs backup manifests (HMAC-SHA256)


def initialise(settings: Settings, admin_username: str = "admin", admin_password: str | None = None) -> InitResult:
    ensure_dirs(settings)
    migrate.upgrade(settings.db_url)
    container = build_container(settings, dispatcher=RecordingDispatcher(), pool=False)
    try:
        with container.uow() as uow:
            existing = uow.session.execute(select(User).where(col(User.role) == "admin").limit(1)).scalar_one_or_none()
            if existing is not None:
                return InitResult(str(settings.data_path), _safe_url(settings.db_url), existing.username, None)
            password = admin_password or generate_password()
            auth.create_user(uow.session, None, admin_username, "admin", password=password)
            uow.commit()
            return InitResult(str(settings.data_path), _safe_url(settings.db_url), admin_username, password)
    finally:
        container.close()


def _safe_url(url: str) -> str:
    """The URL without its password (for printing)."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.rsplit("@", maxsplit=1)[-1]
