"""Append-only, hash-chained audit log.

Each row carries ``prev_hash`` (the previous row's ``row_hash``; 64 zeros for the first) and
``row_hash = SHA-256(prev_hash ␞ canonical(row))``. The canonical encoding joins the stored text columns
with the unit separator (0x1F) — cheap to recompute while streaming a million rows.
Appends are serialised through the single ``audit_head`` row (row lock on PostgreSQL; SQLite write
transactions are IMMEDIATE and therefore already serial).
"""
# ruff: noqa: PLR0917  -- the canonical row encoding is positional by design

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, event, insert, select, update
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col

from dms.db.tables import AuditEntry, AuditHead
from dms.domain.principal import Principal

GENESIS = "0" * 64
_SEP = "\x1f"


def canonical(
    row_id: int, at: str, actor_id: int | None, actor: str, action: str, object_type: str, object_id: str, details: str
) -> str:
    return _SEP.join(
        (str(row_id), at, "" if actor_id is None else str(actor_id), actor, action, object_type, object_id, details)
    )


def row_hash(prev_hash: str, canonical_text: str) -> str:
    return hashlib.sha256(f"{prev_hash}\x1e{canonical_text}".encode()).hexdigest()


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _lock_head(session: Session) -> tuple[int, str]:
    state = session.info.get("audit_head")
    if state is not None:
        return state  # type: ignore[no-any-return]
    row = session.execute(
        select(col(AuditHead.last_id), col(AuditHead.last_hash)).where(col(AuditHead.id) == 1).with_for_update()
    ).first()
    if row is None:
        session.execute(insert(AuditHead).values(id=1, last_id=0, last_hash=GENESIS))
        state = (0, GENESIS)
    else:
        state = (int(row[0]), str(row[1]))
    return state


def record(
    session: Session,
    actor: Principal | None,
    action: str,
    object_type: str = "",
    object_id: object = "",
    details: dict[str, Any] | None = None,
) -> int:
    """Append one audit row inside the caller's transaction; returns its id."""
    last_id, last_hash = _lock_head(session)
    new_id = last_id + 1
    at = _now_iso()
    actor_id = actor.user_id if actor else None
    actor_name = actor.username if actor else "system"
    det = json.dumps(details or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    oid = "" if object_id is None else str(object_id)
    h = row_hash(last_hash, canonical(new_id, at, actor_id, actor_name, action, object_type, oid, det))
    session.execute(
        insert(AuditEntry).values(
            id=new_id, at=at, actor_id=actor_id, actor=actor_name, action=action, object_type=object_type,
            object_id=oid, details=det, prev_hash=last_hash, row_hash=h,
        )
    )
    session.execute(update(AuditHead).where(col(AuditHead.id) == 1).values(last_id=new_id, last_hash=h))
    session.info["audit_head"] = (new_id, h)
    return new_id


@event.listens_for(OrmSession, "after_transaction_end")
def _forget_head(session: OrmSession, transaction: Any) -> None:
    """The cached head is only valid inside the transaction that locked it."""
    if transaction.parent is None:
        session.info.pop("audit_head", None)


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    rows: int
    head_hash: str
    broken_id: int | None = None
    reason: str | None = None


#: ``prev_hash ␞ canonical(row)`` — the exact text ``record`` hashed — built by the database (the
#: verifier checks ``prev_hash`` against the previous row first, so hashing it is hashing the chain).
#: ``{rs}``/``{us}`` are the record/unit separators in the dialect's spelling. COALESCE: a NULL anywhere
#: (a tampered row) hashes as '' and is reported as a content mismatch, not a crash.
_VERIFY_SQL = (
    "SELECT id, prev_hash, row_hash, COALESCE(prev_hash || {rs} || "
    "CAST(id AS TEXT) || {us} || at || {us} || COALESCE(CAST(actor_id AS TEXT), '') || {us} || actor || {us} || "
    "action || {us} || object_type || {us} || object_id || {us} || details, '') "
    "FROM audit_log ORDER BY id"
)


def _verify_sql(dialect: str) -> str:
    chr_fn = "chr" if dialect == "postgresql" else "char"
    return _VERIFY_SQL.format(rs=f"{chr_fn}(30)", us=f"{chr_fn}(31)")


def _batches(conn: Connection, batch: int) -> Iterator[Sequence[Any]]:
    """Rows as plain DBAPI tuples, ``batch`` at a time, inside ``conn``'s current transaction.

    PostgreSQL: a named (server-side) cursor, so a million rows never sit in memory at once; SQLite: the
    plain cursor (it steps through the B-tree as rows are fetched). No SQLAlchemy ``Row`` per row."""
    dbapi = conn.connection.dbapi_connection
    assert dbapi is not None
    server_side = conn.dialect.name == "postgresql"
    cur: Any = dbapi.cursor(name="aktenwerk_audit_verify") if server_side else dbapi.cursor()  # psycopg / sqlite3
    try:
        if server_side:
            cur.itersize = batch
        cur.execute(_verify_sql(conn.dialect.name))
        while rows := cur.fetchmany(batch):
            yield rows
    finally:
        cur.close()


def verify_chain(conn: Connection, batch: int = 50_000) -> VerifyResult:
    """Stream every row, recompute the chain; report the first broken row (by id).

    The head and the rows are read in one snapshot (one transaction; REPEATABLE READ on PostgreSQL), so
    appends committed while a long verify runs are neither missed nor mistaken for removed rows."""
    if conn.dialect.name == "postgresql" and not conn.in_transaction():
        conn.execution_options(isolation_level="REPEATABLE READ")  # reset when the connection is returned
    # the first statement: it begins the transaction whose snapshot the stream below shares
    head = conn.exec_driver_sql("SELECT last_id, last_hash FROM audit_head WHERE id = 1").first()
    prev = GENESIS
    expected_id = 1  # ids are dense from 1 (appends take head.last_id + 1 under the head lock)
    sha = hashlib.sha256
    for rows in _batches(conn, batch):
        for rid, prev_hash, rhash, message in rows:  # the tight loop: a million rows
            if rid != expected_id:
                return VerifyResult(False, expected_id - 1, prev, expected_id,
                                    f"row {expected_id} is missing (next row is {rid})")
            if prev_hash != prev:
                return VerifyResult(False, rid - 1, prev, rid, f"row {rid}: prev_hash does not match the previous row")
            if sha(message.encode()).hexdigest() != rhash:
                return VerifyResult(False, rid - 1, prev, rid, f"row {rid}: content does not match its hash")
            prev = rhash
            expected_id = rid + 1
    last_id = expected_id - 1
    if head is not None and (int(head[0]) != last_id or head[1] != prev):
        return VerifyResult(
            False, last_id, prev, last_id + 1 if int(head[0]) > last_id else last_id,
            f"audit head says row {head[0]} is last, the log ends at row {last_id}: rows were removed or altered",
        )
    return VerifyResult(True, last_id, prev)
