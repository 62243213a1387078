"""Backup and restore: database rows (portable JSON lines, SQLite ⇄ PostgreSQL) + content store + manifest.

Layout of a backup folder::

    manifest.json          format, created, source dialect, Alembic revisions, per-file SHA-256 + row counts
    manifest.sig           HMAC-SHA256 of the exact bytes of manifest.json (+ the id of the key)
    db/<table>.jsonl       one JSON object per row, in primary-key order
    store/ab/cd/<sha256>   every blob (named by its own hash)
    files/scan-records/…   record files kept in the data dir, not the database (TR-RESISCAN batch records)

The manifest is signed with the installation's backup key (``AKTENWERK_BACKUP_KEY`` or ``<data>/backup.key``,
written by ``init``; never logged, never part of the backup). ``restore`` checks the signature and then every
hash before touching the target, and refuses an unsigned, tampered or wrongly-keyed backup; it restores only
into an empty database (fresh data dir or new PostgreSQL database) and verifies the audit chain after.
"""
# ruff: noqa: PLC0415  -- heavy or cyclic imports are loaded lazily

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
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

FORMAT = "aktenwerk-backup/2"
SIGNATURE = "manifest.sig"
SIG_ALG = "HMAC-SHA256"
MIN_KEY_CHARS = 32
#: Folders of the data dir whose files are records (not caches): backed up, hashed in the manifest, restored.
#: ``scan-records`` holds the replacement-scanning protocols the paper may only be destroyed against.
RECORD_DIRS = ("scan-records",)
Progress = Callable[[str], None]


# ------------------------------------------------------------------------------------------ backup key
def generate_backup_key() -> str:
    return secrets.token_hex(32)


def write_key_file(path: Path, key: str) -> None:
    """Write a key file readable by the owner only (created with mode 0600, never world-readable)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")


def ensure_backup_key(settings: Settings) -> bool:
    """Create ``<data>/backup.key`` unless the key is configured or the file exists. True if created."""
    if settings.backup_key.get_secret_value() or settings.backup_key_file.exists():
        return False
    try:
        write_key_file(settings.backup_key_file, generate_backup_key())
    except FileExistsError:  # another process was faster
        return False
    return True


def _check_key(key: str, origin: str) -> bytes:
    key = key.strip()
    if len(key) < MIN_KEY_CHARS:
        raise ValidationFailed(f"the backup key from {origin} is too short ({len(key)} characters, at least "
                               f"{MIN_KEY_CHARS}); generate one with `python -c 'import secrets; print(secrets.token_hex(32))'`")
    return key.encode()


def load_backup_key(settings: Settings, key_file: Path | None = None) -> bytes:
    """The backup key: ``key_file`` if given, else ``AKTENWERK_BACKUP_KEY``, else ``<data>/backup.key``."""
    if key_file is not None:
        try:
            return _check_key(Path(key_file).read_text(), f"key file {key_file}")
        except OSError as exc:
            raise ValidationFailed(f"cannot read the backup key file {key_file}: {exc.strerror or exc}") from exc
    configured = settings.backup_key.get_secret_value()
    if configured:
        return _check_key(configured, "AKTENWERK_BACKUP_KEY")
    try:
        return _check_key(settings.backup_key_file.read_text(), str(settings.backup_key_file))
    except FileNotFoundError:
        raise ValidationFailed(
            f"no backup key: {settings.backup_key_file} does not exist and AKTENWERK_BACKUP_KEY is not set; "
            "pass --key-file with a copy of the backup.key of the installation that made the backup"
        ) from None
    except OSError as exc:
        raise ValidationFailed(f"cannot read the backup key file {settings.backup_key_file}: {exc.strerror or exc}") from exc


def key_id(key: bytes) -> str:
    """A public fingerprint of the key (names it in messages without revealing it)."""
    return hmac.new(key, b"aktenwerk-backup-key-id", hashlib.sha256).hexdigest()[:16]


def _mac(key: bytes, manifest_bytes: bytes) -> str:
    return hmac.new(key, b"aktenwerk-backup-manifest\0" + manifest_bytes, hashlib.sha256).hexdigest()


def sign_manifest(key: bytes, manifest_bytes: bytes) -> dict[str, str]:
    return {"alg": SIG_ALG, "key_id": key_id(key), "hmac": _mac(key, manifest_bytes)}


def check_signature(src: Path, manifest_bytes: bytes, key: bytes) -> None:
    """Raise IntegrityError unless ``manifest.sig`` is a valid HMAC of the manifest under ``key``."""
    sig_path = src / SIGNATURE
    if not sig_path.is_file():
        raise IntegrityError(f"backup {src} is not signed (no {SIGNATURE}): refusing to restore it; "
                             "only backups written by `aktenwerk backup` with a backup key can be restored")
    try:
        sig = json.loads(sig_path.read_text())
        alg, kid, mac = sig["alg"], sig["key_id"], sig["hmac"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise IntegrityError(f"the signature file {SIGNATURE} of backup {src} is unreadable: refusing to restore it") from exc
    if alg != SIG_ALG or not isinstance(mac, str) or not isinstance(kid, str):
        raise IntegrityError(f"backup {src} has an unknown signature ({str(alg)[:40]!r}): refusing to restore it")
    if not hmac.compare_digest(kid, key_id(key)):
        raise IntegrityError(
            f"backup {src} was signed with a different backup key (key id {kid[:16]}, the given key has id "
            f"{key_id(key)}): pass the key it was made with (--key-file or AKTENWERK_BACKUP_KEY)")
    if not hmac.compare_digest(mac, _mac(key, manifest_bytes)):
        raise IntegrityError(f"the manifest of backup {src} was modified after it was signed (signature mismatch): "
                             "refusing to restore it")


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
    if ensure_backup_key(settings) and progress:  # an installation from before signed backups
        progress(f"created the backup key {settings.backup_key_file}; keep a copy apart from the backups")
    key = load_backup_key(settings)
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
    manifest["files"] = _backup_record_files(settings.data_path, dest / "files")
    if progress and manifest["files"]:
        progress(f"records: {len(manifest['files'])} files")
    raw = json.dumps(manifest, indent=1, sort_keys=True).encode()
    for name, content in ((SIGNATURE, json.dumps(sign_manifest(key, raw)).encode()), ("manifest.json", raw)):
        tmp = dest / f"{name}.tmp"
        tmp.write_bytes(content)
        os.replace(tmp, dest / name)  # manifest.json last: its presence marks a complete backup
    if progress:
        progress(f"manifest signed ({SIG_ALG}, key id {key_id(key)})")
    return BackupResult(dest, len(manifest["tables"]), total_rows, len(manifest["blobs"]))


def _record_files(root: Path) -> list[str]:
    """Relative paths of the record files under ``root`` (temporary ``.…`` files of a writer skipped)."""
    found: list[str] = []
    for folder in RECORD_DIRS:
        base = root / folder
        if base.is_dir():
            found += [f"{folder}/{p.name}" for p in sorted(base.iterdir()) if p.is_file() and not p.name.startswith(".")]
    return found


def _backup_record_files(data_path: Path, dest: Path) -> dict[str, str]:
    files: dict[str, str] = {}
    for rel in _record_files(data_path):
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data_path / rel, target)
        files[rel] = _sha256_file(target)
    return files


def _verify_record_files(src: Path, files: dict[str, str]) -> None:
    for rel, digest in files.items():
        folder, _, name = rel.partition("/")
        if folder not in RECORD_DIRS or not name or "/" in name or "\\" in name or name.startswith("."):
            raise IntegrityError(f"backup lists a record file outside the record folders: {rel!r}")
        path = src / "files" / rel
        if not path.is_file() or _sha256_file(path) != digest:
            raise IntegrityError(f"record file files/{rel} is missing or was modified (hash mismatch)")
    extra = sorted(set(_record_files(src / "files")) - set(files))
    if extra:
        raise IntegrityError(f"backup holds record files not in the manifest: {extra[:3]}")


def _restore_record_files(src: Path, data_path: Path, files: dict[str, str]) -> None:
    for rel in files:
        target = data_path / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.parent / f".restore-{target.name}.part"
        shutil.copyfile(src / "files" / rel, tmp)
        os.replace(tmp, target)


def verify_backup(src: Path, key: bytes) -> dict[str, Any]:
    """Check the manifest's signature, then every hash of a backup folder; raise IntegrityError naming the
    first problem. Reads only."""
    src = Path(src)
    try:
        raw = (src / "manifest.json").read_bytes()
    except OSError as exc:
        raise IntegrityError(f"{src} has no readable manifest.json ({exc.strerror or exc}): is it a backup folder?") from exc
    check_signature(src, raw, key)
    try:
        manifest = json.loads(raw)
    except ValueError as exc:
        raise IntegrityError(f"the manifest of {src} is not JSON: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        fmt = manifest.get("format") if isinstance(manifest, dict) else None
        raise IntegrityError(f"unknown backup format {fmt!r} (this Aktenwerk reads {FORMAT})")
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
    _verify_record_files(src, manifest.get("files", {}))  # backups from before record files have none
    return manifest


@dataclass
class RestoreResult:
    rows: int
    blobs: int
    audit_rows: int


def restore(settings: Settings, src: Path, progress: Progress | None = None, *,
            key_file: Path | None = None) -> RestoreResult:
    """Restore ``src`` into the empty installation of ``settings``. The backup key comes from ``key_file``,
    else the settings/data dir of the target; nothing of the target is touched unless the signature and
    every hash check out."""
    src = Path(src)
    key = load_backup_key(settings, key_file)
    manifest = verify_backup(src, key)
    known = migrate.head_revisions(settings.db_url) | _all_revisions(settings.db_url)
    unknown = set(manifest.get("revisions", [])) - known
    if unknown:
        raise ValidationFailed(f"backup was made by a newer Aktenwerk (revisions {sorted(unknown)}); upgrade first")
    from dms.ops.setup import ensure_dirs

    _refuse_non_empty_target(settings)  # before anything of the target is written
    created_key = not settings.backup_key.get_secret_value() and not settings.backup_key_file.exists()
    if created_key:  # the restored installation signs its next backups with the same key
        write_key_file(settings.backup_key_file, key.decode())
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
            result = audit.verify_chain(conn)  # inside the transaction: a broken chain leaves no rows behind
            if not result.ok:
                trans.rollback()
                if created_key:
                    settings.backup_key_file.unlink(missing_ok=True)
                raise IntegrityError(f"the backup's audit chain is broken at row {result.broken_id}: {result.reason}; "
                                     "nothing was restored")
            trans.commit()
            if engine.dialect.name == "sqlite":
                conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]
    finally:
        engine.dispose()
    store = LocalBlobStore(settings.store_path)
    source = LocalBlobStore(src / "store")
    for digest in manifest["blobs"]:
        if not store.exists(digest):
            store.put(source.get(digest))  # verified again on read, written atomically
    if progress:
        progress(f"store: {len(manifest['blobs'])} blobs")
    _restore_record_files(src, settings.data_path, manifest.get("files", {}))
    _rebuild_index(settings, progress)
    return RestoreResult(total, len(manifest["blobs"]), result.rows)


def _refuse_non_empty_target(settings: Settings) -> None:
    """Read-only check that the target database holds no users or documents (a missing SQLite file or a
    database without tables is empty)."""
    from sqlalchemy import inspect

    if settings.is_sqlite:
        path = settings.db_url.split(":///", 1)[-1]
        if path in {"", ":memory:"} or not Path(path).exists():
            return
    engine = make_engine(settings.db_url, immediate=False, pool=False)
    try:
        with engine.connect() as conn:
            existing = set(inspect(conn).get_table_names())
            for name in ("users", "documents"):
                if name in existing and conn.exec_driver_sql(f"SELECT 1 FROM {name} LIMIT 1").first():  # noqa: S608
                    raise Conflict("restore target is not empty (it has users or documents); "
                                   "use a fresh data dir/database")
    finally:
        engine.dispose()


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
