"""Tables of the Paperless bridge (registered in ``dms.bootstrap.TABLE_MODULES``; migration 0400_paperless).

Aktenwerk keeps tags, correspondents and document types as names on the document; Paperless clients
address them by integer id. ``paperless_labels`` gives every name a stable id.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from dms.db.types import UTCDateTime, utcnow

#: label kinds with a Paperless endpoint
LABEL_KINDS = ("tag", "correspondent", "document_type", "custom_field", "group")


class PaperlessLabel(SQLModel, table=True):
    """A Paperless-visible id for a name of one kind (custom fields also carry their data type)."""

    __tablename__ = "paperless_labels"
    __table_args__ = (UniqueConstraint("kind", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_column=Column(String(32), nullable=False))
    name: str = Field(sa_column=Column(String(300), nullable=False))
    data_type: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    color: str | None = Field(default=None, sa_column=Column(String(16), nullable=True))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class PaperlessNote(SQLModel, table=True):
    """A note on a document (Paperless "notes"); append-only except explicit deletion by the author."""

    __tablename__ = "paperless_notes"
    id: int | None = Field(default=None, primary_key=True)
    document_id: int = Field(foreign_key="documents.id", index=True)
    note: str = Field(sa_column=Column(Text, nullable=False))
    user_id: int | None = Field(default=None, foreign_key="users.id")
    created: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))


class PaperlessTask(SQLModel, table=True):
    """An upload via ``post_document``: the task id handed to the client and the document it became."""

    __tablename__ = "paperless_tasks"
    id: int | None = Field(default=None, primary_key=True)
    task_id: str = Field(sa_column=Column(String(36), unique=True, nullable=False))
    document_id: int | None = Field(default=None, foreign_key="documents.id", index=True)
    filename: str = Field(default="", sa_column=Column(String(255), nullable=False))
    owner_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    created: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
    acknowledged: bool = False


class PaperlessArchive(SQLModel, table=True):
    """Paperless's archive version of an imported document (bytes in the content store)."""

    __tablename__ = "paperless_archives"
    document_id: int = Field(foreign_key="documents.id", primary_key=True)
    sha256: str = Field(sa_column=Column(String(64), nullable=False))
    size: int = 0
    filename: str = Field(default="", sa_column=Column(String(255), nullable=False))


class PaperlessImport(SQLModel, table=True):
    """Resume map of ``import-paperless``: (source, kind, Paperless id) → Aktenwerk id, written in the
    same transaction as the imported object, so an interrupted run never imports anything twice."""

    __tablename__ = "paperless_imports"
    source: str = Field(sa_column=Column(String(300), primary_key=True))
    kind: str = Field(sa_column=Column(String(32), primary_key=True))
    paperless_id: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    aktenwerk_id: int
    sha256: str | None = Field(default=None, sa_column=Column(String(64), nullable=True))
    md5: str | None = Field(default=None, sa_column=Column(String(32), nullable=True))
    imported_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
