"""Backup and restore: database rows (portable JSON lines, SQLite ⇄ PostgreSQL) + content store + manifest.

Layout of a backup folder::

    manifest.json          format, created, source dialect, Alembic revisions, per-file SHA-256 + row counts
    db/<table>.jsonl       one JSON object per row, in primary-key order
    store/ab/cd/<sha256>   every blob (named by its own hash)

``restore`` verifies every hash before touching anything and refuses a tampered backup; it restores only
into an empty database (fresh ``init`` or new PostgreSQL database) and verifies the audit chain after.
"""
# ruff: noqa: PLC0415  -- heavy or cyclic imports are loaded lazily

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Date, DateTime, LargeBinary, Numeric, Table, delete, func, insert, select, text
from sqlmodel import SQLModel

from dms import audit
from dms.bootstrap import import_table_modules
from dms.db import migrate
from dms.db.engine import make_engine
from dms.errors import Conflict, IntegrityError, ValidationFailed
from dms.settings import Settings
from dms.storage.local import LocalBlobStore
from dms.storage.ports import valid_digest

FORMAT = "aktenwerk-backup/1"
Progress = Callable[[str], None]


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1024 * 1024):
            h.update(chunk)
    return h.hexdigest()


def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode()
    return value


def _decoder(col: Any) -> Callable[[Any], Any]:
    t = col.type
    impl = getattr(t, "impl", t)
    if isinstance(impl, DateTime):
        return lambda v: None if v is None else datetime.fromisoformat(v)
    if isinstance(impl, Date):
        return lambda v: None if v is None else date.fromisoformat(v)
    if isinstance(impl, Numeric):
        return lambda v: None if v is None else Decimal(v)
    if isinstance(impl, LargeBinary):
        return lambda v: None if v is None else base64.b64decode(v)
    if isinstance(impl, JSON):
        return lambda v: v
    return lambda v: v


def _tables() -> list[Table]:
    import_table_modules()
    return list(SQLModel.metadata.sorted_tables)


@dataclass
class BackupResult:
    path: Path
    tables: int
    rows: int
    blobs: int


def backup(settings: Settings, dest: Path, progress: Progress | None = None) -> BackupResult:
    dest = Path(dest)
    if dest.exists() and any(dest.iterdir()):
        raise Conflict(f"backup destination {dest} is not empty")
    (dest / "db").mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.db_url, immediate=False, pool=False)
    manifest: dict[str, Any] = {"format": FORMAT, "created": datetime.now(UTC).isoformat(),
                                "dialect": engine.dialect.name, "tables": {}, "blobs": {}}
    total_rows = 0
    try:
        with engine.connect() as conn:
            # one consistent snapshot of all tables
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            manifest["revisions"] = sorted(
                r[0] for r in conn.exec_driver_sql("SELECT version_num FROM alembic_version")
            )
            for table in _tables():
                path = dest / "db" / f"{table.name}.jsonl"
                n = 0
                pk = list(table.primary_key.columns)
                cols = [c.name for c in table.columns]
                with path.open("w", encoding="utf-8") as out:
                    result = conn.execution_options(stream_results=True, yield_per=5000).execute(
                        select(table).order_by(*pk)
                    )
                    for row in result:
                        out.write(json.dumps({c: _encode(v) for c, v in zip(cols, row, strict=True)},
                                             ensure_ascii=False, separators=(",", ":")))
                        out.write("\n")
                        n += 1
                manifest["tables"][table.name] = {"rows": n, "sha256": _sha256_file(path)}
                total_rows += n
                if progress:
                    progress(f"table {table.name}: {n} rows")
            conn.rollback()
    finally:
        engine.dispose()
    store = LocalBlobStore(settings.store_path)
    target = LocalBlobStore(dest / "store")
    for digest in store.iter_digests():
        src = store.path_for(digest)
        if not store.verify(digest):
            raise IntegrityError(f"blob {digest} in the live store is corrupt; fix before backing up")
        dst = target.path_for(digest)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, dst)
        manifest["blobs"][digest] = src.stat().st_size
    if progress:
        progress(f"store: {len(manifest['blobs'])} blobs")
    tmp = dest / "manifest.json.tmp"
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    os.replace(tmp, dest / "manifest.json")
    return BackupResult(dest, len(manifest["tables"]), total_rows, len(manifest["blobs"]))


def verify_backup(src: Path) -> dict[str, Any]:
    """Check every hash of a backup folder; raise IntegrityError naming the first problem."""
    src = Path(src)
    try:
        manifest = json.loads((src / "manifest.json").read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise IntegrityError(f"{src} has no readable manifest.json: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise IntegrityError(f"unknown backup format {manifest.get('format')!r}")
    for name, info in manifest["tables"].items():
        path = src / "db" / f"{name}.jsonl"
        if not path.is_file():
            raise IntegrityError(f"backup is missing table file db/{name}.jsonl")
        if _sha256_file(path) != info["sha256"]:
            raise IntegrityError(f"table file db/{name}.jsonl was modified (hash mismatch)")
    store = LocalBlobStore(src / "store")
    listed = set(manifest["blobs"])
    for digest, size in manifest["blobs"].items():
        if not valid_digest(digest) or not store.verify(digest):
            raise IntegrityError(f"blob {digest} is missing or corrupt in the backup")
        if store.path_for(digest).stat().st_size != size:
            raise IntegrityError(f"blob {digest} has the wrong size")
    expected = {store.path_for(d) for d in listed}  # any other file, wherever it sits, is foreign
    extra = sorted(str(p.relative_to(src)) for p in (src / "store").rglob("*") if not p.is_dir() and p not in expected)
    if extra:
        raise IntegrityError(f"backup store holds files not in the manifest: {extra[:3]}")
    return manifest  # type: ignore[no-any-return]


@dataclass
class RestoreResult:
    rows: int
    blobs: int
    audit_rows: int


def restore(settings: Settings, src: Path, progress: Progress | None = None) -> RestoreResult:
    src = Path(src)
    manifest = verify_backup(src)
    known = migrate.head_revisions(settings.db_url) | _all_revisions(settings.db_url)
    unknown = set(manifest.get("revisions", [])) - known
    if unknown:
        raise ValidationFailed(f"backup was made by a newer Aktenwerk (revisions {sorted(unknown)}); upgrade first")
    from dms.ops.setup import ensure_dirs

    ensure_dirs(settings)
    migrate.upgrade(settings.db_url)
    tables = {t.name: t for t in _tables()}
    engine = make_engine(settings.db_url, immediate=True, pool=False)
    total = 0
    try:
        with engine.connect() as conn:
            docs = conn.execute(select(func.count()).select_from(tables["documents"])).scalar_one()
            users = conn.execute(select(func.count()).select_from(tables["users"])).scalar_one()
            if docs or users:
                raise Conflict("restore target is not empty (it has users or documents); use a fresh data dir/database")
            conn.rollback()
        with engine.connect() as conn:
            if engine.dialect.name == "sqlite":  # outside any transaction, on the raw connection
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
            trans = conn.begin()
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql("SET LOCAL session_replication_role = replica")
            for name in [t.name for t in _tables()]:
                if name not in manifest["tables"]:
                    continue
                table = tables[name]
                conn.execute(delete(table))
                decoders = {c.name: _decoder(c) for c in table.columns}
                batch: list[dict[str, Any]] = []
                with (src / "db" / f"{name}.jsonl").open(encoding="utf-8") as f:
                    for line in f:
                        raw = json.loads(line)
                        batch.append({k: decoders[k](v) for k, v in raw.items() if k in decoders})
                        if len(batch) >= 2000:
                            conn.execute(insert(table), batch)
                            total += len(batch)
                            batch = []
                if batch:
                    conn.execute(insert(table), batch)
                    total += len(batch)
                if progress:
                    progress(f"table {name}: {manifest['tables'][name]['rows']} rows")
            if engine.dialect.name == "postgresql":
                for table in tables.values():
                    pk = list(table.primary_key.columns)
                    if len(pk) == 1 and pk[0].autoincrement is not False and isinstance(pk[0].type.python_type, type) and pk[0].type.python_type is int:
                        conn.execute(text(
                            f"SELECT setval(pg_get_serial_sequence('{table.name}', '{pk[0].name}'), "  # noqa: S608
                            f"COALESCE((SELECT MAX({pk[0].name}) FROM {table.name}), 0) + 1, false) "
                            f"WHERE pg_get_serial_sequence('{table.name}', '{pk[0].name}') IS NOT NULL"
                        ))
            trans.commit()
            if engine.dialect.name == "sqlite":
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
        with engine.connect() as conn:
            result = audit.verify_chain(conn)
        if not result.ok:
            raise IntegrityError(f"restored audit chain is broken at row {result.broken_id}: {result.reason}")
    finally:
        engine.dispose()
    store = LocalBlobStore(settings.store_path)
    source = LocalBlobStore(src / "store")
    for digest in manifest["blobs"]:
        if not store.exists(digest):
            store.put(source.get(digest))  # verified again on read, written atomically
    if progress:
        progress(f"store: {len(manifest['blobs'])} blobs")
    _rebuild_index(settings, progress)
    return RestoreResult(total, len(manifest["blobs"]), result.rows)


def _rebuild_index(settings: Settings, progress: Progress | None) -> None:
    """The search index is not part of a backup: rebuild it from the restored database (reliability finding:
    a restored installation found nothing until someone ran ``aktenwerk reindex``)."""
    from dms.bootstrap import build_container
    from dms.db.uow import RecordingDispatcher
    from dms.search_index import reindex

    container = build_container(settings, dispatcher=RecordingDispatcher())
    try:
        report = reindex(container)
        if progress:
            progress(f"search index rebuilt: {report.documents} documents")
    except Exception as exc:  # the data is restored; the index can be rebuilt later
        if progress:
            progress(f"search index NOT rebuilt ({type(exc).__name__}: {exc}); run `aktenwerk reindex`")
    finally:
        container.close()


def _all_revisions(url: str) -> set[str]:
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory.from_config(migrate.alembic_config(url)).walk_revisions()}
