"""SQLModel tables of the documents context (one metadata: ``SQLModel.metadata``).

Rows are storage shapes only; services validate before building them. Integer ids everywhere.
Other contexts add their own table modules and list them in ``dms.bootstrap.TABLE_MODULES``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Column, Index, Numeric, String, Table, Text, UniqueConstraint
from sqlalchemy import inspect as sa_inspect
from sqlmodel import Field, SQLModel

from dms.db.types import UTCDateTime, utcnow


def core_table(model: type[SQLModel]) -> Table:
    """The Core ``Table`` of a ``table=True`` model, for set-based statements (``update(t)``,
    ``t.insert()``, ``t.c.<column>``). SQLModel sets ``Model.__table__`` but does not declare it."""
    table = sa_inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not mapped to a table")
    return table


# ---------------------------------------------------------------- identity
class User(SQLModel, table=True):
    __tablename__ = "users"
    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_column=Column(String(150), unique=True, nullable=False))
    password_hash: str | None = Field(default=None, sa_column=Column(String(255), nullable=True))
    role: str = Field(sa_column=Column(String(32), nullable=False))
    department: str | None = Field(default=None, sa_column=Column(String(64), nullable=True, index=True))
    supplier_id: int | None = Field(default=None, index=True)
    amount_limit: Decimal | None = Field(default=None, sa_column=Column(Numeric(14, 2), nullable=True))
    display_name: str | None = Field(default=None, sa_column=Column(String(200), nullable=True))
    email: str | None = Field(default=None, sa_column=Column(String(254), nullable=True))
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class UserGroup(SQLModel, table=True):
    __tablename__ = "user_groups"
    user_id: int = Field(foreign_key="users.id", primary_key=True, ondelete="CASCADE")
    group_name: str = Field(sa_column=Column(String(100), primary_key=True))


class ApiToken(SQLModel, table=True):
    __tablename__ = "api_tokens"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    name: str = Field(default="api", sa_column=Column(String(100), nullable=False))
    token_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    prefix: str = Field(sa_column=Column(String(16), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    revoked: bool = Field(default=False)


class WebSession(SQLModel, table=True):
    __tablename__ = "web_sessions"
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True, ondelete="CASCADE")
    session_hash: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    csrf_token: str = Field(sa_column=Column(String(64), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
    revoked: bool = Field(default=False)


# ---------------------------------------------------------------- file plan, Akte, Vorgang
class FilePlanNode(SQLModel, table=True):
    """Aktenplan node (current state; every change is kept in ``fileplan_node_versions``)."""

    __tablename__ = "fileplan_nodes"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    title: str = Field(sa_column=Column(String(300), nullable=False))
    parent_id: int | None = Field(default=None, foreign_key="fileplan_nodes.id", index=True)
    retention_class: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    archive_value: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    department: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    deprecated: bool = Field(default=False)
    version: int = Field(default=1)
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class FilePlanNodeVersion(SQLModel, table=True):
    __tablename__ = "fileplan_node_versions"
    __table_args__ = (UniqueConstraint("node_id", "version"),)
    id: int | None = Field(default=None, primary_key=True)
    node_id: int = Field(foreign_key="fileplan_nodes.id", index=True)
    version: int
    code: str = Field(sa_column=Column(String(64), nullable=False))
    title: str = Field(sa_column=Column(String(300), nullable=False))
    parent_id: int | None = None
    retention_class: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    archive_value: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    department: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    deprecated: bool = False
    changed_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    changed_by: int | None = None


class AkteCounter(SQLModel, table=True):
    """Sequence per file-plan node and year for Aktenzeichen."""

    __tablename__ = "akte_counters"
    node_id: int = Field(foreign_key="fileplan_nodes.id", primary_key=True)
    year: int = Field(primary_key=True)
    last_seq: int = 0


class Akte(SQLModel, table=True):
    __tablename__ = "akten"
    id: int | None = Field(default=None, primary_key=True)
    aktenzeichen: str = Field(sa_column=Column(String(100), unique=True, nullable=False))
    title: str = Field(sa_column=Column(String(300), nullable=False))
    fileplan_node_id: int = Field(foreign_key="fileplan_nodes.id", index=True)
    department: str | None = Field(default=None, sa_column=Column(String(64), nullable=True, index=True))
    year: int
    seq: int
    retention_class: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    status: str = Field(default="open", sa_column=Column(String(16), nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    closed_by: int | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    created_by: int | None = None


class Vorgang(SQLModel, table=True):
    __tablename__ = "vorgaenge"
    __table_args__ = (UniqueConstraint("akte_id", "number"),)
    id: int | None = Field(default=None, primary_key=True)
    akte_id: int = Field(foreign_key="akten.id", index=True)
    number: int
    title: str = Field(sa_column=Column(String(300), nullable=False))
    status: str = Field(default="open", sa_column=Column(String(16), nullable=False))
    closed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    created_by: int | None = None


class AccessGrant(SQLModel, table=True):
    """Explicit read grant on an Akte, Vorgang or Dokument to a token (``user:<id>``/``group:<n>``/``dept:<c>``)."""

    __tablename__ = "access_grants"
    __table_args__ = (UniqueConstraint("object_type", "object_id", "grantee"),)
    id: int | None = Field(default=None, primary_key=True)
    object_type: str = Field(sa_column=Column(String(16), nullable=False))
    object_id: int = Field(index=True)
    grantee: str = Field(sa_column=Column(String(120), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    created_by: int | None = None


# ---------------------------------------------------------------- documents
class DocumentType(SQLModel, table=True):
    """Document type with custom field definitions ``[{name, type, required}]``."""

    __tablename__ = "document_types"
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    title: str = Field(default="", sa_column=Column(String(200), nullable=False))
    fields: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    retention_class: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))


class Document(SQLModel, table=True):
    __tablename__ = "documents"
    __table_args__ = (Index("ix_documents_status_started", "status", "processing_started_at"),)
    id: int | None = Field(default=None, primary_key=True)
    title: str = Field(default="", sa_column=Column(String(500), nullable=False))
    document_type: str | None = Field(default=None, sa_column=Column(String(64), nullable=True, index=True))
    correspondent: str | None = Field(default=None, sa_column=Column(String(300), nullable=True))
    tags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    document_date: date | None = None
    department: str | None = Field(default=None, sa_column=Column(String(64), nullable=True, index=True))
    custom_fields: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    retention_class: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    asn: str | None = Field(default=None, sa_column=Column(String(64), nullable=True, index=True))
    akte_id: int | None = Field(default=None, foreign_key="akten.id", index=True)
    vorgang_id: int | None = Field(default=None, foreign_key="vorgaenge.id", index=True)
    channel: str = Field(default="upload", sa_column=Column(String(32), nullable=False))
    uploader_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    received_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    # current version (denormalised from document_versions)
    current_version: int = 1
    filename: str = Field(default="", sa_column=Column(String(255), nullable=False))
    mime_type: str | None = Field(default=None, sa_column=Column(String(127), nullable=True))
    size: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    sha256: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    # processing
    status: str = Field(default="processing", sa_column=Column(String(16), nullable=False))
    failure_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    processing_attempts: int = 0
    processing_started_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    processed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    page_count: int | None = None
    thumbnail_sha256: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    # lifecycle
    finalised: bool = False
    finalised_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True))
    metadata_version: int = 1
    deleted: bool = False
    #: denormalised access tokens, space separated with leading/trailing space (" dept:63 user:5 ")
    acl_tokens: str = Field(default=" ", sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class DocumentVersion(SQLModel, table=True):
    __tablename__ = "document_versions"
    __table_args__ = (UniqueConstraint("document_id", "version_no"),)
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="documents.id", index=True)
    version_no: int
    sha256: str = Field(sa_column=Column(String(64), nullable=False))
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    filename: str = Field(sa_column=Column(String(255), nullable=False))
    mime_type: str | None = Field(default=None, sa_column=Column(String(127), nullable=True))
    comment: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    created_by: int | None = None


class DocumentText(SQLModel, table=True):
    """Extracted text of a document's current version."""

    __tablename__ = "document_texts"
    document_id: int = Field(foreign_key="documents.id", primary_key=True)
    version_no: int
    content: str = Field(default="", sa_column=Column(Text, nullable=False))
    attachments: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The search analysis of ``content`` (search.analysis.GermanAnalyzer.encode_content), computed once
    # here so that indexing a later metadata change need not analyse the text again. Stamped with the
    # analyzer version and a checksum of ``content``: the indexer ignores it when either differs.
    analysis: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class DocumentMetadataVersion(SQLModel, table=True):
    """Snapshot of a document's metadata after each change (metadata is versioned, never overwritten)."""

    __tablename__ = "document_metadata_versions"
    __table_args__ = (UniqueConstraint("document_id", "metadata_version"),)
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="documents.id", index=True)
    metadata_version: int
    data: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    changed_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    changed_by: int | None = None


class FilingHistory(SQLModel, table=True):
    """Re-filing of a document between Akten/Vorgänge."""

    __tablename__ = "document_filing_history"
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="documents.id", index=True)
    from_akte_id: int | None = None
    from_vorgang_id: int | None = None
    to_akte_id: int | None = None
    to_vorgang_id: int | None = None
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    by: int | None = None


class SearchOutbox(SQLModel, table=True):
    __tablename__ = "search_outbox"
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(index=True)
    op: str = Field(sa_column=Column(String(16), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    processed_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime(), nullable=True, index=True))
    attempts: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


# ---------------------------------------------------------------- audit
class AuditEntry(SQLModel, table=True):
    """Append-only, hash-chained audit row. ``at`` is an ISO-8601 UTC string (canonical, no round-trip drift)."""

    __tablename__ = "audit_log"
    #: the audit trail of one object (document page, invoice trail) without scanning the whole log
    __table_args__ = (Index("ix_audit_log_object", "object_type", "object_id"),)
    id: int | None = Field(default=None, primary_key=True)
    at: str = Field(sa_column=Column(String(40), nullable=False))
    actor_id: int | None = None
    actor: str = Field(default="", sa_column=Column(String(150), nullable=False))
    action: str = Field(sa_column=Column(String(64), nullable=False))
    object_type: str = Field(default="", sa_column=Column(String(32), nullable=False))
    object_id: str = Field(default="", sa_column=Column(String(64), nullable=False))
    details: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    prev_hash: str = Field(sa_column=Column(String(64), nullable=False))
    row_hash: str = Field(sa_column=Column(String(64), nullable=False))


class AuditHead(SQLModel, table=True):
    """Single row (id=1): last id and hash; locked to serialise appends, checked by ``audit verify``."""

    __tablename__ = "audit_head"
    id: int = Field(default=1, primary_key=True)
    last_id: int = 0
    last_hash: str = Field(sa_column=Column(String(64), nullable=False))


# ---------------------------------------------------------------- departments (Organisationseinheiten)
class Department(SQLModel, table=True):
    """An organisation unit ("63 – Bauordnung"). ``code`` is the key used everywhere else (``users.department``,
    ACL tokens ``dept:<code>``, routing rules, approval chains) and never changes; ``name`` is the readable
    label and may be renamed. Deactivated units are no longer offered for new assignments."""

    __tablename__ = "departments"
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_column=Column(String(64), unique=True, nullable=False))
    name: str = Field(sa_column=Column(String(200), nullable=False))
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
