"""Tables of the web UI: per-user saved searches (formerly JSON files under ``<data>/ui/saved-searches``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from dms.db.types import UTCDateTime, utcnow


class SavedSearch(SQLModel, table=True):
    """A named search of one user: the query string of ``/search`` (newest first in the UI, at most 50)."""

    __tablename__ = "ui_saved_searches"
    __table_args__ = (UniqueConstraint("user_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(index=True)
    name: str = Field(sa_column=Column(String(100), nullable=False))
    query: str = Field(sa_column=Column(String(2000), nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime(), nullable=False))
