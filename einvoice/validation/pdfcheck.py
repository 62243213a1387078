"""Checks of the PDF container of a ZUGFeRD/Factur-X invoice (XMP metadata), reported as warnings.

The embedded XML is the invoice (GoBD: the structured data suffices), so defects of the PDF wrapper do
not make the e-invoice invalid; they are reported so that the supplier can fix them.
"""

from __future__ import annotations

from einvoice.rules.base import Finding
from einvoice.rules.catalogue import RULES
from einvoice.syntax.parsed import ParsedInvoice
from einvoice.syntax.pdf import PdfInvoice

__all__ = ["pdf_findings"]

#: fx:ConformanceLevel expected for a profile detected from BT-24
_LEVEL = {
    "MINIMUM": "MINIMUM",
    "BASIC-WL": "BASIC WL",
    "BASIC": "BASIC",
    "EN16931": "EN 16931",
    "EXTENDED": "EXTENDED",
    "XRECHNUNG": "XRECHNUNG",
    "XRECHNUNG-EXTENSION": "XRECHNUNG",
    "ZUGFERD-1.0-BASIC": "BASIC",
    "ZUGFERD-1.0-COMFORT": "COMFORT",
    "ZUGFERD-1.0-EXTENDED": "EXTENDED",
}
_KNOWN_LEVELS = frozenset(_LEVEL.values()) | {"EN16931", "COMFORT"}


def _finding(detail_en: str, detail_de: str) -> Finding:
    spec = RULES["AW-PDF-XMP"]
    return Finding(
        "AW-PDF-XMP",
        spec.severity,
        f"{spec.message_en} {detail_en}",
        "PDF /Metadata (XMP)",
        None,
        f"{spec.message_en} {detail_en}",
        f"{spec.message_de} {detail_de}",
    )


def pdf_findings(pdf: PdfInvoice, parsed: ParsedInvoice) -> list[Finding]:
    """Warnings about the Factur-X XMP metadata of a hybrid PDF."""
    xmp = pdf.xmp
    if not xmp:
        return [
            _finding(
                "No Factur-X/ZUGFeRD XMP metadata found.", "Keine Factur-X/ZUGFeRD-XMP-Metadaten gefunden."
            )
        ]
    if "error" in xmp:
        return [
            _finding(
                f"XMP metadata not readable: {xmp['error']}", f"XMP-Metadaten nicht lesbar: {xmp['error']}"
            )
        ]
    out: list[Finding] = []
    level = xmp.get("conformance_level")
    expected = _LEVEL.get(parsed.profile or "")
    if level is None:
        out.append(_finding("fx:ConformanceLevel is missing.", "fx:ConformanceLevel fehlt."))
    elif level.upper() not in _KNOWN_LEVELS:
        out.append(
            _finding(f"Unknown fx:ConformanceLevel {level!r}.", f"Unbekanntes fx:ConformanceLevel {level!r}.")
        )
    elif expected is not None and level.upper().replace("EN16931", "EN 16931") != expected:
        out.append(
            _finding(
                f"fx:ConformanceLevel {level!r} does not match the XML profile {expected!r}.",
                f"fx:ConformanceLevel {level!r} passt nicht zum XML-Profil {expected!r}.",
            )
        )
    name = xmp.get("document_file_name")
    if name is not None and parsed.pdf_filename is not None and name != parsed.pdf_filename:
        out.append(
            _finding(
                f"fx:DocumentFileName {name!r} differs from the embedded file {parsed.pdf_filename!r}.",
                f"fx:DocumentFileName {name!r} weicht von der eingebetteten Datei {parsed.pdf_filename!r} ab.",
            )
        )
    return out
