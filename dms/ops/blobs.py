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
    orphaned: list[str] = field(default_factory=list)  # moved (or, with dry_run, would be moved)
    young: int = 0  # unreferenced but inside the grace period (maybe an upload in flight)
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


def sweep_orphans(container: Container, *, grace_seconds: float = 3600.0, dry_run: bool = False) -> OrphanReport:
    """Quarantine unreferenced blobs older than ``grace_seconds``; remove stale temp files."""
    report = OrphanReport()
    with container.db.read.connect() as conn:
        refs = referenced_digests(conn)
    report.referenced = len(refs)
    store = container.store
    root: Path | None = getattr(store, "root", None)
    path_for = getattr(store, "path_for", None)
    now = time.time()
    for digest in list(store.iter_digests()):
        report.stored += 1
        if digest in refs:
            continue
        path = path_for(digest) if path_for is not None else None
        if path is not None and _age(path, now) < grace_seconds:
            report.young += 1
            continue
        report.orphaned.append(digest)
        if dry_run:
            continue
        if root is not None and path is not None:
            target = root / QUARANTINE / digest
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
        # stores without a filesystem root keep the blob (nothing is ever deleted here)
    if root is not None and not dry_run:
        tmp = root / ".tmp"
        if tmp.is_dir():
            for p in tmp.iterdir():
                if p.name.startswith("w-") and _age(p, now) >= grace_seconds:
                    p.unlink(missing_ok=True)
                    report.temp_removed += 1
    if report.orphaned:
        log.warning("%s %d orphaned blob(s) (no committed row refers to them): %s",
                    "found" if dry_run else "quarantined", len(report.orphaned), report.orphaned[:10])
    return report
