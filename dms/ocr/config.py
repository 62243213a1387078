"""Scan station settings (pydantic-settings, prefix ``AKTENWERK_OCR_``; no I/O at import).

The main inbox is ``Settings.scan_path`` (``AKTENWERK_SCAN_DIR``, default ``<data>/scan-inbox``).
Further inbox folders, each with a target department and/or Akte, come from
``AKTENWERK_OCR_SCAN_FOLDERS`` as JSON, e.g.
``[{"path": "/srv/scan/bauamt", "department": "63", "akte": "63.01.02-2026/0147"}]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class ScanFolder(BaseModel):
    """One watched inbox folder and where its documents go."""

    path: Path
    department: str | None = None
    akte: str | None = Field(default=None, description="Aktenzeichen of the target Akte.")
    scanner: str = "Zentraler Scanplatz"
    operator: str = "scanstelle"


class OcrSettings(BaseSettings):
    """OCR and scan inbox configuration."""

    model_config = SettingsConfigDict(env_prefix="AKTENWERK_OCR_", extra="ignore")

    enabled: bool = True
    mode: Literal["skip", "redo", "force"] = "skip"
    #: Born-digital PDFs (a text layer on every page) are already searchable: in ``skip`` mode they get
    #: no PDF/A copy unless this is set (it costs ~0.5–1 s per document; scans always get one).
    pdfa_for_text_pdfs: bool = False
    languages: str = Field(default="deu+eng", description="Tesseract languages joined by '+'.")
    deskew: bool = True
    rotate: bool = True
    jobs: int | None = Field(default=None, ge=1, le=64)
    timeout_seconds: float | None = Field(default=None, gt=0, description="Per document; default 60 s + 60 s/page.")
    scan_folders: list[ScanFolder] = Field(default_factory=list)
    #: files younger than this are assumed to be still being written by the scanner
    settle_seconds: float = Field(default=2.0, ge=0)
    max_file_bytes: int = Field(default=500 * 1024 * 1024, gt=0)
    #: how often beat polls the inbox folders (an empty poll costs ~1 ms); with ``settle_seconds`` a dropped
    #: file is picked up within about interval + settle seconds
    inbox_interval_seconds: float = Field(default=5.0, gt=0)
    drop_blank_pages: bool = False
    #: default scanner / operator for the main inbox's TR-RESISCAN records
    scanner: str = "Zentraler Scanplatz"
    operator: str = "scanstelle"
    paper_retention_days: int = Field(default=90, ge=0)

    @property
    def language_tuple(self) -> tuple[str, ...]:
        return tuple(x for x in self.languages.replace(",", "+").split("+") if x)
