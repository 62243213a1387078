"""The step contract of the ingest pipeline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from dms.errors import DmsError


class StepFailed(DmsError):
    """A step could not process the document (the document ends ``failed`` with this reason)."""


@dataclass
class IngestContext:
    """What the steps read and fill in. Steps do no database I/O; the runner persists the result."""

    document_id: int
    version_no: int
    filename: str
    data: bytes
    sha256: str
    declared_mime: str | None = None
    document_type: str | None = None
    mime_type: str | None = None
    text: str = ""
    page_count: int | None = None
    attachments: list[dict[str, Any]] = field(default_factory=list)
    thumbnail_png: bytes | None = None
    index: bool = False
    warnings: list[str] = field(default_factory=list)
    #: free space for later steps (OCR, e-invoice detection…)
    extras: dict[str, Any] = field(default_factory=dict)
    #: replacement bytes produced by a step (e.g. OCR'd PDF/A) – stored as a derivative, never over the original
    derivatives: dict[str, bytes] = field(default_factory=dict)


@runtime_checkable
class IngestStep(Protocol):
    name: str

    def run(self, ctx: IngestContext) -> None: ...
