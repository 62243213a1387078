"""Orphaned blobs: bytes in the content store that no committed row refers to.

An upload writes its blob before the transaction that records it commits; a process killed in between
(``kill -9``, power loss) leaves the blob behind without a document. :func:`sweep_orphans` finds such
blobs (older than a grace period, so in-flight uploads are never touched) and moves them into
``<store>/.orphaned/`` — never deleted, an operator can still inspect them. Stale temp files of killed
writers in ``<store>/.tmp`` are removed.

References are collected generically from every table: each short string column (up to 255 chars) and
each JSON column is scanned for SHA-256 digests, so a context that stores blob digests in its own table
(invoices, OCR archive copies, Paperless imports, mail attachments) is covered without registration. The
scan is conservative: anything that merely mentions a digest (e.g. an audit row) keeps the blob.
"""

from __future__ import annotations

import logging
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, String, inspect, select
from sqlmodel import SQLModel

from dms.storage.local import _fsync_dir

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

    from dms.bootstrap import Container

log = logging.getLogger(__name__)

_DIGEST = re.compile(r"[0-9a-f]{64}")
QUARANTINE = ".orphaned"


@dataclass
class OrphanReport:
    referenced: int = 0
    stored: int = 0
    orphaned: list[str] = field(default_factory=list)  # quarantined (or, with dry_run, would be)
    young: int = 0  # unreferenced but inside the grace period (maybe an upload in flight)
    kept: int = 0  # moved, then put back: touched by an identical upload or referenced meanwhile
    temp_removed: int = 0


def _scan_columns() -> list[tuple[Any, Any]]:
    cols: list[tuple[Any, Any]] = []
    for table in SQLModel.metadata.sorted_tables:
        for col in table.columns:
            kind = col.type
            if isinstance(kind, JSON) or (isinstance(kind, String) and 64 <= (kind.length or 0) <= 255):
                cols.append((table, col))
    return cols


def referenced_digests(conn: Connection) -> set[str]:
    """Every SHA-256 digest mentioned in a short string or JSON column of any table."""
    found: set[str] = set()
    existing = set(inspect(conn).get_table_names())
    for table, col in _scan_columns():
        if table.name not in existing:
            continue
        result = conn.execution_options(stream_results=True).execute(select(col).where(col.is_not(None)))
        for (value,) in result:
            text = value if isinstance(value, str) else repr(value)
            if len(text) == 64 and isinstance(value, str):
                found.add(text)
            else:
                found.update(_DIGEST.findall(text))
    return found


def _age(path: Path, now: float) -> float:
    try:
        return now - path.stat().st_mtime
    except FileNotFoundError:
        return 0.0


def sweep_orphans(container: Container, *, grace_seconds: float | None = None, dry_run: bool = False) -> OrphanReport:
    """Quarantine unreferenced blobs older than ``grace_seconds``; remove stale temp files.

    Race "blob removal vs an identical upload" (closed): a writer of bytes that are already stored touches the
    file (``LocalBlobStore`` sets its mtime to now) *before* its row commits. The sweep moves a candidate with
    an atomic rename, then reads the mtime of the moved file (same inode): if a writer touched it before the
    rename, it is young again and goes straight back; a writer that comes after the rename finds no file and
    writes the bytes anew. After all moves the references are read once more and any blob referenced by
    now is put back, so only blobs that no row references at the moment of removal stay quarantined.
    """
    grace = container.settings.orphan_grace_seconds if grace_seconds is None else grace_seconds
    report = OrphanReport()
    with container.db.read.connect() as conn:
        refs = referenced_digests(conn)
    report.referenced = len(refs)
    store = container.store
    root: Path | None = getattr(store, "root", None)
    path_for = getattr(store, "path_for", None)
    now = time.time()
    moved: dict[str, tuple[Path, Path]] = {}
    for digest in list(store.iter_digests()):
        report.stored += 1
        if digest in refs:
            continue
        path = path_for(digest) if path_for is not None else None
        if path is not None and _age(path, now) < grace:
            report.young += 1
            continue
        if dry_run or root is None or path is None:
            report.orphaned.append(digest)  # stores without a filesystem root keep the blob (nothing is deleted)
            continue
        target = root / QUARANTINE / digest
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(path, target)
        except FileNotFoundError:  # gone meanwhile (retention disposal)
            continue
        if _age(target, time.time()) < grace:  # touched by an identical upload before the rename
            _put_back(target, path)
            report.kept += 1
            continue
        moved[digest] = (path, target)
    if moved:
        with container.db.read.connect() as conn:
            now_referenced = referenced_digests(conn) & set(moved)
        for digest in sorted(now_referenced):
            path, target = moved.pop(digest)
            _put_back(target, path)
            report.kept += 1
        for digest, (path, target) in list(moved.items()):
            if path.is_file():  # a writer came after the rename and stored the same bytes anew
                target.unlink(missing_ok=True)
                del moved[digest]
                report.kept += 1
        report.orphaned.extend(moved)
    if root is not None and not dry_run:
        tmp = root / ".tmp"
        if tmp.is_dir():
            for p in tmp.iterdir():
                if p.name.startswith("w-") and _age(p, now) >= grace:
                    p.unlink(missing_ok=True)
                    report.temp_removed += 1
    if report.orphaned:
        log.warning("%s %d orphaned blob(s) (no committed row refers to them): %s",
                    "found" if dry_run else "quarantined", len(report.orphaned), report.orphaned[:10])
    if report.kept:
        log.info("orphan sweep put back %d blob(s) that came into use during the sweep", report.kept)
    return report


def _put_back(quarantined: Path, final: Path) -> None:
    """Move a quarantined blob back. If a writer stored the bytes anew meanwhile, the same bytes replace them."""
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(quarantined, final)
    _fsync_dir(final.parent)
