"""The remaining steps: OCR slot, thumbnail, search hand-over, done — and the ordered default list."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
from PIL import Image, UnidentifiedImageError

from dms.pipeline.base import IngestContext

THUMB_WIDTH = 320


class OcrSlot:
    """Placeholder in the OCR position; ``dms.bootstrap.build_ocr_step`` replaces it with ``dms.ocr``."""

    name = "ocr"

    def run(self, ctx: IngestContext) -> None:
        return None


class Thumbnail:
    name = "thumbnail"

    def run(self, ctx: IngestContext) -> None:
        mime = ctx.mime_type or ""
        try:
            if mime == "application/pdf":
                ctx.thumbnail_png = pdf_thumbnail(ctx.data)
            elif mime.startswith("image/"):
                ctx.thumbnail_png = image_thumbnail(ctx.data)
        except Exception as exc:  # a preview is optional: never fail the document for it
            ctx.warnings.append(f"no preview: {exc}")


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False, compress_level=1)  # speed over size: a preview
    return buf.getvalue()


def pdf_thumbnail(data: bytes) -> bytes | None:
    pdf = pdfium.PdfDocument(data)
    try:
        if len(pdf) == 0:
            return None
        page = pdf[0]
        width = page.get_width() or 1
        scale = max(0.05, min(2.0, THUMB_WIDTH / width))
        bitmap = page.render(scale=scale)
        img = bitmap.to_pil()
        page.close()
        return _png(img.convert("RGB"))
    finally:
        pdf.close()


def image_thumbnail(data: bytes) -> bytes | None:
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.thumbnail((THUMB_WIDTH, THUMB_WIDTH * 2))
            return _png(img.convert("RGB"))
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError):
        return None


class SearchHandover:
    """Marks the document for indexing: the runner writes a ``search_outbox`` row in its final transaction."""

    name = "search_handover"

    def run(self, ctx: IngestContext) -> None:
        ctx.index = True


class Done:
    name = "done"

    def run(self, ctx: IngestContext) -> None:
        return None
