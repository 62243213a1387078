"""Typed failures of the scan station. Each carries a stable ``code`` and a German and English reason.

They derive from :class:`dms.errors.DmsError` (no HTTP codes here); the web layer maps them. The
``code`` is what a failed document records so a retry or a report can group by cause.
"""

from __future__ import annotations

from dms.errors import DmsError


class OcrError(DmsError):
    """OCR failed."""

    code = "ocr_failed"
    reason_de = "Die Texterkennung ist fehlgeschlagen."

    def __init__(self, detail: str = "", *, reason_de: str | None = None) -> None:
        english = (self.__class__.__doc__ or "OCR failed.").strip().splitlines()[0]
        super().__init__(f"{english} {detail}".strip())
        self.detail = detail
        if reason_de is not None:
            self.reason_de = reason_de

    @property
    def reason_en(self) -> str:
        return self.message

    def to_dict(self) -> dict[str, str]:
        """JSON-ready shape recorded on a failed document."""
        return {"code": self.code, "reason_de": self.reason_de, "reason_en": self.reason_en}


class UnsupportedFormatError(OcrError):
    """The file type is not supported by the scan station (TIFF, PNG, JPEG, PDF)."""

    code = "unsupported_format"
    reason_de = "Das Dateiformat wird nicht unterstützt (erlaubt: TIFF, PNG, JPEG, PDF)."


class CorruptInputError(OcrError):
    """The file is damaged or truncated and cannot be read."""

    code = "corrupt_input"
    reason_de = "Die Datei ist beschädigt oder unvollständig und kann nicht gelesen werden."


class EncryptedPdfError(OcrError):
    """The PDF is encrypted or password-protected."""

    code = "encrypted_pdf"
    reason_de = "Die PDF-Datei ist verschlüsselt oder kennwortgeschützt."


class SignedPdfError(OcrError):
    """The PDF carries a digital signature that OCR would invalidate."""

    code = "signed_pdf"
    reason_de = "Die PDF-Datei ist digital signiert; eine Texterkennung würde die Signatur ungültig machen."


class EmptyDocumentError(OcrError):
    """The document has no pages or only blank pages."""

    code = "empty_document"
    reason_de = "Das Dokument enthält keine Seiten oder nur leere Seiten."


class TooLargeError(OcrError):
    """The image or document exceeds the configured size limits."""

    code = "too_large"
    reason_de = "Das Bild oder Dokument überschreitet die zulässige Größe."


class OcrTimeoutError(OcrError):
    """OCR did not finish within the time limit."""

    code = "timeout"
    reason_de = "Die Texterkennung wurde nach Überschreiten des Zeitlimits abgebrochen."


class OcrCrashedError(OcrError):
    """The OCR process ended unexpectedly."""

    code = "crashed"
    reason_de = "Der Texterkennungsprozess wurde unerwartet beendet."


class PdfaConversionError(OcrError):
    """The PDF/A archive copy could not be produced."""

    code = "pdfa_failed"
    reason_de = "Die PDF/A-Archivkopie konnte nicht erzeugt werden."


class OcrEngineMissingError(OcrError):
    """A required OCR component (tesseract, language data, ghostscript) is missing."""

    code = "engine_missing"
    reason_de = "Eine benötigte OCR-Komponente (Tesseract, Sprachdaten, Ghostscript) fehlt."


class ResiscanError(DmsError):
    """A TR-RESISCAN rule was violated (e.g. quality check by the operator, destruction too early)."""


ERRORS_BY_CODE: dict[str, type[OcrError]] = {
    cls.code: cls
    for cls in (
        OcrError,
        UnsupportedFormatError,
        CorruptInputError,
        EncryptedPdfError,
        SignedPdfError,
        EmptyDocumentError,
        TooLargeError,
        OcrTimeoutError,
        OcrCrashedError,
        PdfaConversionError,
        OcrEngineMissingError,
    )
}
