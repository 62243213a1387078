"""Hybrid PDFs (ZUGFeRD 1.0/2.x, Factur-X, XRechnung in PDF): extract the embedded invoice XML.

Bounded and defensive: size limit, encrypted PDFs refused, at most :data:`MAX_ATTACHMENTS` embedded
files inspected (names first, content only for candidates), every failure → :class:`UnreadableInvoice`
with a clear message. pypdf reads the embedded files (the same reader the ``factur-x`` package uses;
its own ``get_xml_from_pdf`` parses attachments with a default, non-hardened lxml parser, so the XML is
handed to :mod:`einvoice.xmlsafe` instead); pikepdf is the fallback for PDFs pypdf cannot open.
"""

from __future__ import annotations

import contextlib
import io
import logging
import zlib
from dataclasses import dataclass, field
from typing import Any, Final

from einvoice.errors import HostileXml, NoEmbeddedInvoice, UnreadableInvoice
from einvoice.xmlsafe import MAX_XML_BYTES, parse_xml

__all__ = ["INVOICE_FILENAMES", "MAX_ATTACHMENTS", "MAX_PDF_BYTES", "PdfInvoice", "extract", "extract_xml", "is_pdf"]

#: largest PDF accepted
MAX_PDF_BYTES: Final = 64 * 1024 * 1024
#: most embedded files inspected
MAX_ATTACHMENTS: Final = 50
#: embedded file names of invoice XML, in order of preference (compared case-insensitively)
INVOICE_FILENAMES: Final = ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")

_INVOICE_ROOTS = (b"CrossIndustryInvoice", b"CrossIndustryDocument", b"Invoice", b"CreditNote")


def is_pdf(data: bytes) -> bool:
    """True when the bytes look like a PDF (``%PDF-`` within the first KiB, as readers accept)."""
    return b"%PDF-" in data[:1024]


def _looks_like_invoice(xml: bytes) -> bool:
    head = xml[:4096]
    return any(name in head for name in _INVOICE_ROOTS)


def _pick(candidates: list[tuple[str, bytes]]) -> tuple[bytes, str]:
    if not candidates:
        raise NoEmbeddedInvoice(
            "PDF without embedded invoice XML (no factur-x.xml / zugferd-invoice.xml / xrechnung.xml): "
            "a plain PDF is not an e-invoice")
    for preferred in INVOICE_FILENAMES:
        for name, content in candidates:
            if name.lower() == preferred:
                return content, name
    name, content = candidates[0]
    return content, name


@dataclass(slots=True)
class PdfInvoice:
    """What a hybrid PDF carries: the invoice XML, its file name and the Factur-X XMP facts."""

    xml: bytes
    filename: str
    #: XMP facts (strings as written; missing keys were absent): ``conformance_level`` (fx:ConformanceLevel),
    #: ``document_file_name``, ``document_type``, ``version`` (fx:Version), ``pdfa_part``, ``pdfa_conformance``;
    #: ``error`` when the XMP packet is not readable XML
    xmp: dict[str, str] = field(default_factory=dict)


_XMP_KEYS = {
    "ConformanceLevel": "conformance_level", "DocumentFileName": "document_file_name",
    "DocumentType": "document_type", "Version": "version", "part": "pdfa_part", "conformance": "pdfa_conformance",
}
_PDFAID = "http://www.aiim.org/pdfa/ns/id/"


def parse_xmp(packet: bytes) -> dict[str, str]:
    """Factur-X / PDF/A facts from an XMP packet (element or attribute form), hardened parser."""
    try:
        root = parse_xml(packet.strip(), max_bytes=4 * 1024 * 1024)
    except UnreadableInvoice as exc:
        return {"error": str(exc)}
    out: dict[str, str] = {}
    for el in root.iter():
        if isinstance(el.tag, str):
            local = el.tag.rsplit("}", 1)[-1]
            key = _XMP_KEYS.get(local)
            ns = el.tag[1:].split("}", 1)[0] if el.tag.startswith("{") else ""
            if key and (key.startswith("pdfa") == (ns == _PDFAID)) and el.text and el.text.strip():
                out.setdefault(key, el.text.strip())
        for name, value in el.attrib.items():
            local = name.rsplit("}", 1)[-1]
            key = _XMP_KEYS.get(local)
            ns = name[1:].split("}", 1)[0] if name.startswith("{") else ""
            if key and (key.startswith("pdfa") == (ns == _PDFAID)) and value.strip():
                out.setdefault(key, value.strip())
    return out


def extract_xml(pdf: bytes) -> tuple[bytes, str]:
    """The embedded invoice XML and its file name inside the PDF (see :func:`extract`)."""
    found = extract(pdf, with_xmp=False)
    return found.xml, found.filename


def extract(pdf: bytes, *, with_xmp: bool = True) -> PdfInvoice:
    """The embedded invoice XML, its file name and the XMP facts of a hybrid PDF.

    :raises NoEmbeddedInvoice: readable PDF without invoice XML.
    :raises UnreadableInvoice: encrypted, truncated or malformed PDF; too large.
    """
    if len(pdf) > MAX_PDF_BYTES:
        raise HostileXml(f"PDF too large: {len(pdf)} bytes (limit {MAX_PDF_BYTES})", code="too-large")
    if not is_pdf(pdf):
        raise UnreadableInvoice("not a PDF (no %PDF- header)", code="pdf-broken")
    xmp: list[bytes] = []
    try:
        xml, name = _pick(_candidates_pypdf(pdf, xmp if with_xmp else None))
    except (NoEmbeddedInvoice, HostileXml):
        raise
    except UnreadableInvoice as first_error:
        if first_error.code == "pdf-encrypted":
            raise
        try:
            xml, name = _pick(_candidates_pikepdf(pdf))
        except NoEmbeddedInvoice:
            raise first_error from None
    return PdfInvoice(xml, name, parse_xmp(xmp[0]) if xmp else {})


def _pypdf_limits() -> contextlib.AbstractContextManager[object]:
    """pypdf decompression limits sized to our XML limit (decompression bombs stop early)."""
    import pypdf  # noqa: PLC0415

    apply = getattr(pypdf, "apply_configuration", None)
    if apply is None:  # pragma: no cover - pypdf < 6 keeps its own module-level 75 MB limits
        return contextlib.nullcontext()
    return apply(zlib_maximum_output_length=MAX_XML_BYTES + 1)  # type: ignore[no-any-return]


def _candidates_pypdf(pdf: bytes, xmp_out: list[bytes] | None = None) -> list[tuple[str, bytes]]:
    from pypdf import PdfReader  # noqa: PLC0415 - heavy import only when a PDF arrives
    from pypdf.errors import LimitReachedError, PyPdfError  # noqa: PLC0415

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        with _pypdf_limits():
            return _read_pypdf(PdfReader, pdf, xmp_out)
    except LimitReachedError:
        raise HostileXml(f"embedded file expands beyond {MAX_XML_BYTES} bytes (decompression bomb?)",
                         code="too-large") from None
    except UnreadableInvoice:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError, OSError, RecursionError,
            AssertionError, UnicodeError, ZeroDivisionError, zlib.error) as exc:
        detail = str(exc).split(":")[-1].strip() or type(exc).__name__
        hint = "truncated (no %%EOF marker)" if b"%%EOF" not in pdf[-2048:] else "damaged"
        raise UnreadableInvoice(f"PDF cannot be read: {hint} ({detail})", code="pdf-broken") from None


def _read_pypdf(reader_cls: Any, pdf: bytes, xmp_out: list[bytes] | None) -> list[tuple[str, bytes]]:
    """Invoice XML candidates (file name, content) read with pypdf; XMP packet appended to ``xmp_out``."""
    reader = reader_cls(io.BytesIO(pdf), strict=False)
    if reader.is_encrypted:
        raise UnreadableInvoice("encrypted PDF: an e-invoice PDF (PDF/A-3) must not be encrypted", code="pdf-encrypted")
    out: list[tuple[str, bytes]] = []
    others: list[tuple[str, bytes]] = []
    if xmp_out is not None:
        _read_xmp(reader, xmp_out)
    for count, att in enumerate(reader.attachment_list, start=1):
        if count > MAX_ATTACHMENTS:
            break
        name = str(att.name or "")
        lname = name.lower()
        if lname in INVOICE_FILENAMES:
            content = att.content
            if len(content) > MAX_XML_BYTES:
                raise HostileXml(f"embedded {name} too large ({len(content)} bytes)", code="too-large")
            out.append((name, content))
        elif lname.endswith(".xml") and not out:
            content = att.content
            if len(content) <= MAX_XML_BYTES and _looks_like_invoice(content):
                others.append((name, content))
    return out or others


def _read_xmp(reader: object, out: list[bytes]) -> None:
    """Append the catalog's XMP packet (if any, ≤ 4 MiB) to ``out``; unreadable metadata is skipped."""
    try:
        meta = reader.trailer["/Root"].get("/Metadata")  # type: ignore[attr-defined]
        if meta is not None:
            data = meta.get_object().get_data()
            if isinstance(data, bytes) and len(data) <= 4 * 1024 * 1024:
                out.append(data)
    except Exception:  # noqa: S110 - metadata is optional; the invoice XML is what matters
        pass


def _bounded_stream(stream: object, name: str) -> bytes:
    """Content of a pikepdf stream, inflating Flate data with an output bound (no decompression bombs)."""
    import pikepdf  # noqa: PLC0415

    assert isinstance(stream, pikepdf.Stream)
    filters = stream.get("/Filter")
    if isinstance(filters, pikepdf.Array):
        filters = filters[0] if len(filters) == 1 else filters
    raw = stream.read_raw_bytes()
    if filters is None:
        content = bytes(raw)
    elif filters == pikepdf.Name.FlateDecode:
        inflater = zlib.decompressobj()
        content = inflater.decompress(bytes(raw), MAX_XML_BYTES + 1)
    else:
        raise UnreadableInvoice(f"embedded {name} uses an unsupported stream filter {filters}", code="pdf-broken")
    if len(content) > MAX_XML_BYTES:
        raise HostileXml(f"embedded {name} expands beyond {MAX_XML_BYTES} bytes", code="too-large")
    return content


def _candidates_pikepdf(pdf: bytes) -> list[tuple[str, bytes]]:
    import pikepdf  # noqa: PLC0415

    try:
        with pikepdf.open(io.BytesIO(pdf)) as doc:
            out: list[tuple[str, bytes]] = []
            for count, (name, spec) in enumerate(doc.attachments.items(), start=1):
                if count > MAX_ATTACHMENTS:
                    break
                lname = name.lower()
                if lname in INVOICE_FILENAMES or lname.endswith(".xml"):
                    content = _bounded_stream(spec.get_file().obj, name)
                    if lname in INVOICE_FILENAMES or _looks_like_invoice(content):
                        out.append((name, content))
            return out
    except pikepdf.PasswordError:
        raise UnreadableInvoice("encrypted PDF: an e-invoice PDF (PDF/A-3) must not be encrypted",
                                code="pdf-encrypted") from None
    except (pikepdf.PdfError, ValueError, KeyError, TypeError, OSError, RuntimeError) as exc:
        raise UnreadableInvoice(f"PDF cannot be read: damaged or truncated ({exc})", code="pdf-broken") from None
