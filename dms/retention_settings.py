"""Settings of the retention context (pydantic-settings, prefix ``AKTENWERK_RETENTION_``; no I/O at import)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class RetentionSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="AKTENWERK_RETENTION_", extra="ignore")

    classes_file: Path | None = Field(
        default=None,
        description="JSON list of extra/overriding retention classes (added to the shipped defaults).",
    )
    allow_unclassified_delete: bool = Field(
        default=False, description="Allow deleting documents without any retention class (default: refuse)."
    )
    timezone: str = Field(default="Europe/Berlin", description="Zone whose calendar date decides retention.")
    fixity_interval_hours: float = Field(
        default=24.0, gt=0, description="Celery beat interval of the fixity check."
    )
    fixity_sample: int | None = Field(
        default=None, ge=1, description="Scheduled check: sample size (None = all)."
    )
    fixity_workers: int = Field(default=2, ge=1, le=32, description="Hashing threads.")
    agency_code: str = Field(
        default="000000000000", description="Behördenschlüssel of this authority (xdomea)."
    )
    agency_name: str = Field(
        default="Stadtverwaltung", description="Name of this authority (xdomea Absender)."
    )
    archive_code: str = Field(default="ARCHIV", description="Behördenschlüssel of the responsible archive.")
    archive_name: str = Field(default="Stadtarchiv", description="Name of the responsible archive.")
