"""Tables of the scan station (registered in ``dms.bootstrap.TABLE_MODULES``; migration 0300_ocr)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, String, Text
from sqlmodel import Field, SQLModel

from dms.db.types import UTCDateTime, utcnow


class DocumentArchive(SQLModel, table=True):
    """The PDF/A-2b archive copy of a document version (bytes in the content store by SHA-256)."""

    __tablename__ = "ocr_document_archives"
    document_id: int = Field(foreign_key="documents.id", primary_key=True)
    version_no: int
    #: None when no archive copy could be made (then ``skipped_reason`` says why)
    archive_sha256: str | None = Field(default=None, sa_column=Column(String(64), nullable=True, index=True))
    conformance: str | None = Field(default=None, sa_column=Column(String(8), nullable=True))
    ocr_applied: bool = True
    rotated_pass: bool = False
    skipped_reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    pages: int = 0
    seconds: float = 0.0
    warnings: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    settings: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class ScanFile(SQLModel, table=True):
    """One file taken from a scan inbox folder: which documents it became, or why it failed."""

    __tablename__ = "ocr_scan_files"
    id: int | None = Field(default=None, primary_key=True)
    batch_id: str = Field(sa_column=Column(String(36), nullable=False, index=True))
    folder: str = Field(sa_column=Column(Text, nullable=False))
    filename: str = Field(sa_column=Column(String(255), nullable=False))
    sha256: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    status: str = Field(sa_column=Column(String(16), nullable=False))  # stored | failed
    reason: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    document_ids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    plan: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
