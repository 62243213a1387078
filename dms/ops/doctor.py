"""``aktenwerk doctor``: checks configuration and services; returns rows of (check, ok, detail)."""
# ruff: noqa: PLC0415  -- heavy or cyclic imports are loaded lazily

from __future__ import annotations

import shutil
from dataclasses import dataclass

from sqlalchemy import text

from dms.db import migrate
from dms.db.engine import make_engine
from dms.settings import Settings


@dataclass
class Check:
    name: str
    ok: bool
    detail: str
    fatal: bool = True


def run_checks(settings: Settings) -> list[Check]:
    out: list[Check] = []
    data = settings.data_path
    out.append(Check("data dir", data.is_dir(), str(data) if data.is_dir() else f"{data} missing: run `aktenwerk init`"))
    try:
        engine = make_engine(settings.db_url, immediate=False, pool=False)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        out.append(Check("database", True, engine.dialect.name))
        have, heads = migrate.current_revisions(settings.db_url), migrate.head_revisions(settings.db_url)
        out.append(Check("migrations", have == heads, "up to date" if have == heads else f"at {sorted(have)}, heads {sorted(heads)}: run `aktenwerk init`"))
    except Exception as exc:
        out.append(Check("database", False, f"{type(exc).__name__}: {exc}"[:300]))
    try:
        from dms.worker.dispatch import CeleryDispatcher

        CeleryDispatcher(settings).check()
        out.append(Check("queue", True, "embedded SQLite broker" if settings.embedded_broker else settings.broker.split("@")[-1]))
    except Exception as exc:
        out.append(Check("queue", False, str(exc)))
    from dms.storage.local import LocalBlobStore

    h = LocalBlobStore(settings.store_path).health()
    out.append(Check("store", h == "ok", f"{settings.store_path}: {h}"))
    try:
        usage = shutil.disk_usage(settings.store_path if settings.store_path.exists() else data.parent)
        free_gb = usage.free / 1e9
        out.append(Check("disk space", free_gb > 1, f"{free_gb:.1f} GB free", fatal=False))
    except OSError as exc:
        out.append(Check("disk space", False, str(exc), fatal=False))
    try:
        import magic

        magic.from_buffer(b"%PDF-1.4", mime=True)
        out.append(Check("libmagic", True, "ok"))
    except Exception as exc:
        out.append(Check("libmagic", False, str(exc)))
    for tool, why in (("tesseract", "OCR"), ("gs", "PDF/A (OCR)")):
        path = shutil.which(tool)
        out.append(Check(tool, path is not None, path or f"not found (needed for {why})", fatal=False))
    out.append(Check("secret key", bool(settings.secret_key) or settings.secret_file.exists(),
                     "set" if settings.secret_key else str(settings.secret_file), fatal=False))
    configured_key = bool(settings.backup_key.get_secret_value())
    out.append(Check("backup key", configured_key or settings.backup_key_file.exists(),
                     "set (AKTENWERK_BACKUP_KEY)" if configured_key else (
                         f"{settings.backup_key_file} (keep a copy apart from the backups)"
                         if settings.backup_key_file.exists() else f"{settings.backup_key_file} missing: run `aktenwerk init`"),
                     fatal=False))
    out.append(Check("search backend", True, settings.search_backend, fatal=False))
    return out
