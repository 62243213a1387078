"""The OCR step in the ingest pipeline's OCR slot (``dms.bootstrap.build_ocr_step``).

For TIFF, PNG, JPEG and PDF documents it produces the PDF/A-2b archive copy, stores it in the content
store (content-addressed, beside the untouched original), records it in ``ocr_document_archives`` and
hands the OCR text to text extraction (``ctx.extras["ocr_text"]``). A failure raises a typed
:class:`~dms.ocr.errors.OcrError`: the runner marks the document ``failed`` with the reason, the
original stays as it was, and ``aktenwerk scan retry ID`` runs it again.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dms.ocr.config import OcrSettings
from dms.ocr.engine import ocr_to_pdfa
from dms.ocr.errors import OcrError
from dms.ocr.pdftools import MIN_TEXT_CHARS, page_texts
from dms.ocr.tables import DocumentArchive
from dms.pipeline.base import IngestContext

if TYPE_CHECKING:
    from dms.bootstrap import Container

log = logging.getLogger(__name__)

OCR_MIME_TYPES = frozenset({"application/pdf", "image/tiff", "image/png", "image/jpeg"})
_SUFFIX = {"application/pdf": ".pdf", "image/tiff": ".tif", "image/png": ".png", "image/jpeg": ".jpg"}


def _has_embedded_files(data: bytes) -> bool:
    """Hybrid e-invoices (Factur-X/ZUGFeRD) carry their XML as an embedded file: leave those alone."""
    return b"/EmbeddedFiles" in data or b"/AF " in data or b"/AF[" in data


def _text_on_every_page(source: Path | bytes) -> bool:
    """True when every page of the PDF has a real text layer (pdfium text extraction only, no OCR)."""
    try:
        texts = page_texts(source)
    except OcrError:  # unreadable here: the OCR engine reports the precise reason
        return False
    return bool(texts) and all(len("".join(t.split())) >= MIN_TEXT_CHARS for t in texts)


class OcrStep:
    """Ingest step: OCR into a PDF/A-2b archive copy."""

    name = "ocr"

    def __init__(self, container: Container, settings: OcrSettings | None = None) -> None:
        self.container = container
        self.settings = settings or OcrSettings()

    def applies(self, ctx: IngestContext) -> bool:
        if not self.settings.enabled or (ctx.mime_type or "") not in OCR_MIME_TYPES:
            return False
        if ctx.mime_type == "application/pdf" and _has_embedded_files(ctx.data):
            ctx.warnings.append("ocr: PDF with embedded files (e-invoice?) kept as is, no archive copy")
            return False
        # born digital: already searchable (text extraction reads its text layer), no archive copy needed
        return not (ctx.mime_type == "application/pdf" and self.settings.mode == "skip"
                    and not self.settings.pdfa_for_text_pdfs and _text_on_every_page(ctx.data))

    def run(self, ctx: IngestContext) -> None:
        if not self.applies(ctx):
            return
        cfg = self.settings
        with tempfile.TemporaryDirectory(prefix="aw-ocr-step-") as tmp_name:
            tmp = Path(tmp_name)
            src = tmp / f"original{_SUFFIX[ctx.mime_type or 'application/pdf']}"
            src.write_bytes(ctx.data)
            try:
                result = ocr_to_pdfa(
                    src, tmp / "archive.pdf", languages=cfg.language_tuple, mode=cfg.mode, deskew=cfg.deskew,
                    rotate=cfg.rotate, jobs=cfg.jobs, timeout=cfg.timeout_seconds, work_dir=tmp,
                )
            except OcrError as exc:
                if not self._born_digital(ctx, src):
                    raise
                # a PDF with a text layer is fully usable without an archive copy: record why none
                reason = f"no PDF/A copy: {exc.code}: {exc.reason_en}"
                ctx.warnings.append(f"ocr: {reason}")
                self._record_skip(ctx, reason)
                return
            archive_bytes = result.pdfa_path.read_bytes() if result.pdfa_path else None
        if archive_bytes is not None:
            blob = self.container.store.put(archive_bytes)
            if blob.sha256 != result.sha256:
                raise RuntimeError("archive copy changed between OCR and storage")
            ctx.derivatives["archive_pdfa"] = archive_bytes
            ctx.extras["archive_sha256"] = blob.sha256
        ctx.extras["ocr_text"] = result.text
        ctx.extras["ocr"] = {
            "ocr_applied": result.ocr_applied, "skipped_reason": result.skipped_reason,
            "conformance": result.conformance, "seconds": round(result.seconds, 2),
        }
        ctx.page_count = result.pages
        ctx.warnings.extend(f"ocr: {w}" for w in result.warnings)
        if result.skipped_reason:
            ctx.warnings.append(f"ocr: {result.skipped_reason}")
        self._record(ctx, result.sha256 if archive_bytes is not None else None, result)

    @staticmethod
    def _born_digital(ctx: IngestContext, src: Path) -> bool:
        return ctx.mime_type == "application/pdf" and _text_on_every_page(src)

    def _record_skip(self, ctx: IngestContext, reason: str) -> None:
        with self.container.uow() as uow:
            row = uow.session.get(DocumentArchive, ctx.document_id) or DocumentArchive(
                document_id=ctx.document_id, version_no=ctx.version_no
            )
            row.version_no, row.archive_sha256, row.conformance = ctx.version_no, None, None
            row.ocr_applied, row.skipped_reason = False, reason
            uow.session.add(row)
            uow.commit()

    def _record(self, ctx: IngestContext, archive_sha256: str | None, result: Any) -> None:
        # The runner persists only core columns; the archive row is this context's own record.
        with self.container.uow() as uow:
            row = uow.session.get(DocumentArchive, ctx.document_id) or DocumentArchive(
                document_id=ctx.document_id, version_no=ctx.version_no
            )
            row.version_no = ctx.version_no
            row.archive_sha256 = archive_sha256
            row.conformance = result.conformance or None
            row.ocr_applied = result.ocr_applied
            row.rotated_pass = result.rotated_pass
            row.skipped_reason = result.skipped_reason
            row.pages = result.pages
            row.seconds = round(result.seconds, 3)
            row.warnings = list(result.warnings)
            row.settings = dict(result.settings)
            uow.session.add(row)
            uow.commit()


def build_ocr_step(container: Container) -> OcrStep:
    """Factory used by ``dms.bootstrap.build_ocr_step`` (settings read from the environment)."""
    return OcrStep(container, OcrSettings())
