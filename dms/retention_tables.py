"""Tables of the retention context (holds, events, disposal requests, tombstones, fixity runs, hand-overs).

Storage shapes only; :mod:`dms.retention_service` translates them to the pure :mod:`retention` objects.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from dms.db.types import UTCDateTime, utcnow


class RetentionHold(SQLModel, table=True):
    """Legal hold (Löschsperre). Active while ``released_at`` is null."""

    __tablename__ = "retention_holds"
    __table_args__ = (Index("ix_retention_holds_scope_target", "scope", "target"),)
    id: int | None = Field(default=None, primary_key=True)
    scope: str = Field(sa_column=Column(String(16), nullable=False))
    target: str = Field(sa_column=Column(String(1000), nullable=False))
    reason: str = Field(sa_column=Column(Text, nullable=False))
    owner: str = Field(default="", sa_column=Column(String(150), nullable=False))
    review_date: date | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    created_by: int | None = None
    released_at: datetime | None = Field(
        default=None, sa_column=Column(UTCDateTime(), nullable=True, index=True)
    )
    released_by: int | None = None
    release_note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class RetentionEvent(SQLModel, table=True):
    """A named event for a fiscal year, e.g. ``jahresabschluss-festgestellt`` 2025 on 2026-06-15."""

    __tablename__ = "retention_events"
    __table_args__ = (UniqueConstraint("name", "fiscal_year"),)
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(100), nullable=False))
    fiscal_year: int
    occurred_on: date
    note: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    recorded_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    recorded_by: int | None = None


class DisposalRequestRow(SQLModel, table=True):
    __tablename__ = "retention_disposals"
    id: int | None = Field(default=None, primary_key=True)
    state: str = Field(sa_column=Column(String(16), nullable=False, index=True))
    source: str = Field(default="manual", sa_column=Column(String(32), nullable=False))
    note: str = Field(default="", sa_column=Column(Text, nullable=False))
    opened_by: int
    opened_by_name: str = Field(default="", sa_column=Column(String(150), nullable=False))
    opened_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    approved_by: int | None = None
    approved_by_name: str | None = Field(default=None, sa_column=Column(String(150), nullable=True))
    approved_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    closed_by: int | None = None
    closed_reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    started_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    completed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    certificate: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class DisposalItemRow(SQLModel, table=True):
    __tablename__ = "retention_disposal_items"
    __table_args__ = (UniqueConstraint("disposal_id", "document_id"),)
    id: int | None = Field(default=None, primary_key=True)
    disposal_id: int = Field(foreign_key="retention_disposals.id", index=True)
    position: int = 0
    document_id: int = Field(index=True)
    sha256: str = Field(sa_column=Column(String(64), nullable=False))
    class_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    keep_until: date | None = None
    document_date: date | None = None
    title: str = Field(default="", sa_column=Column(String(500), nullable=False))
    state: str = Field(default="pending", sa_column=Column(String(16), nullable=False))
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))
    completed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))


class RetentionTombstone(SQLModel, table=True):
    """What remains of a disposed document besides its metadata row: when, why, by which request."""

    __tablename__ = "retention_tombstones"
    document_id: int = Field(primary_key=True)
    disposal_id: int | None = None
    disposed_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    disposed_by: int | None = None
    sha256: str = Field(sa_column=Column(String(64), nullable=False))
    class_id: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))


class FixityRun(SQLModel, table=True):
    __tablename__ = "retention_fixity_runs"
    id: int | None = Field(default=None, primary_key=True)
    started_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    checked: int = 0
    ok: int = 0
    bytes_read: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    seconds: float = 0.0
    sampled: bool = False
    healthy: bool = True
    problems: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class ArchiveHandover(SQLModel, table=True):
    """An xdomea Aussonderung: process state and the object-id → document-id mapping."""

    __tablename__ = "retention_handovers"
    id: int | None = Field(default=None, primary_key=True)
    process_id: str = Field(sa_column=Column(String(36), unique=True, nullable=False))
    state: str = Field(sa_column=Column(String(16), nullable=False))
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    created_by: int | None = None
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    disposal_id: int | None = None


class RetentionPlanRun(SQLModel, table=True):
    """One stored computation of the disposal plan (``/records/due`` pages through its items).

    ``audit_head`` is the last audit row id the stored items reflect: every change that can move a
    retention date (metadata, holds, events, file plan, disposals) appends an audit row. Changes to single
    documents are applied incrementally (``updated_at``); wider ones (file plan, Akten, events, query
    holds, a new day) make a fresh full computation (``computed_at``)."""

    __tablename__ = "retention_plan_runs"
    id: int | None = Field(default=None, primary_key=True)
    as_of: date = Field(index=True)
    computed_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    audit_head: int = 0
    seconds: float = 0.0
    counts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class RetentionPlanItem(SQLModel, table=True):
    """A due (or due-but-held) document of a stored plan run; listed due first, then held, by id."""

    __tablename__ = "retention_plan_items"
    __table_args__ = (Index("ix_retention_plan_items_run_order", "run_id", "held", "document_id", unique=True),)
    id: int | None = Field(default=None, primary_key=True)
    run_id: int
    document_id: int
    title: str = Field(default="", sa_column=Column(String(500), nullable=False))
    held: bool = False
    class_id: str = Field(default="", sa_column=Column(String(64), nullable=False))
    keep_until: date | None = None
    action: str = Field(default="review", sa_column=Column(String(32), nullable=False))
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
