"""File type detection: libmagic on the content, the extension as a tie-breaker."""

from __future__ import annotations

import mimetypes
from pathlib import PurePath

import magic

from dms.pipeline.base import IngestContext

_GENERIC = {"application/octet-stream", "text/plain", "application/zip", "application/x-empty", "inode/x-empty"}
#: extensions whose content we can recognise reliably: a mismatch is refused at upload
STRICT_EXTENSIONS: dict[str, set[str]] = {
    ".pdf": {"application/pdf"},
    ".png": {"image/png"},
    ".jpg": {"image/jpeg"},
    ".jpeg": {"image/jpeg"},
    ".gif": {"image/gif"},
    ".tif": {"image/tiff"},
    ".tiff": {"image/tiff"},
    ".zip": {"application/zip"},
}
_EXT_OVERRIDES = {".eml": "message/rfc822", ".xml": "application/xml", ".md": "text/markdown", ".csv": "text/csv"}


def sniff(head: bytes) -> str:
    try:
        return str(magic.from_buffer(head, mime=True))
    except Exception:  # libmagic errors on odd input: fall back to the extension
        return "application/octet-stream"


def guess_from_name(filename: str) -> str | None:
    ext = PurePath(filename).suffix.lower()
    return _EXT_OVERRIDES.get(ext) or mimetypes.guess_type(filename)[0]


def detect(head: bytes, filename: str) -> str:
    found = sniff(head)
    by_name = guess_from_name(filename)
    if found in _GENERIC and by_name:
        if found == "application/zip" and not by_name.startswith("application/vnd.openxmlformats"):
            return found
        return by_name
    if found in {"text/xml"}:
        return "application/xml"
    return found


def extension_mismatch(head: bytes, filename: str) -> str | None:
    """A message when the name claims a type the content clearly is not (``x.pdf`` that is not a PDF)."""
    ext = PurePath(filename).suffix.lower()
    allowed = STRICT_EXTENSIONS.get(ext)
    if not allowed:
        return None
    found = sniff(head)
    if found in allowed:
        return None
    return f"the file name ends in {ext} but the content is {found}"


class DetectType:
    name = "detect"

    def run(self, ctx: IngestContext) -> None:
        ctx.mime_type = detect(ctx.data[:8192], ctx.filename)
        if ctx.mime_type == "application/pdf":
            from dms.pipeline.bombs import refuse_pdf_bomb  # noqa: PLC0415 - pikepdf only when needed

            refuse_pdf_bomb(ctx.data)  # before OCR, text extraction or thumbnails inflate anything
