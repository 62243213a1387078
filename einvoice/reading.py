"""Read any supported e-invoice (XML or hybrid PDF) into a :class:`ParsedInvoice`.

``parse(data, filename)`` is the entry point used by ``einvoice.services`` and the rules;
``parse_element(root, syntax)`` reads an already parsed element (e.g. a CEN unit-test fragment).
"""

from __future__ import annotations

import copy
from itertools import islice

from lxml import etree

from einvoice.errors import UnreadableInvoice
from einvoice.syntax._common import Reader
from einvoice.syntax.cii import read_cii
from einvoice.syntax.detect import detect_profile, detect_syntax
from einvoice.syntax.parsed import ParsedInvoice, Syntax
from einvoice.syntax.pdf import extract, is_pdf
from einvoice.syntax.ubl import read_ubl
from einvoice.syntax.zugferd1 import read_zugferd1
from einvoice.xmlsafe import parse_xml

__all__ = ["ParsedInvoice", "parse", "parse_element", "parse_xml_bytes"]

#: Element proxies held per parsed document (see ``ParsedInvoice.elements``): real invoices have a few
#: hundred to a few thousand elements; the bound keeps hostile documents from costing more memory.
KEEP_ELEMENTS = 50_000


def parse(data: bytes, filename: str | None = None) -> ParsedInvoice:
    """Read an invoice from XML or PDF bytes.

    :raises UnreadableInvoice: (and subclasses) when the input is not a readable, supported invoice;
        values that are present but malformed (bad dates, numbers) do not raise, they are listed in
        ``ParsedInvoice.problems``.
    """
    if not isinstance(data, bytes | bytearray):
        raise UnreadableInvoice("input must be bytes")
    if is_pdf(data) or (filename is not None and filename.lower().endswith(".pdf") and not data.lstrip().startswith(b"<")):
        found = extract(bytes(data))
        parsed = parse_xml_bytes(found.xml)
        parsed.source = "pdf"
        parsed.pdf_filename = found.filename
        parsed.pdf_xmp = found.xmp
        return parsed
    return parse_xml_bytes(bytes(data))


def parse_xml_bytes(xml: bytes) -> ParsedInvoice:
    """Read an invoice from XML bytes (hardened parser, syntax detection, model mapping)."""
    root = parse_xml(xml)
    parsed = parse_element(root)
    parsed.xml = xml
    return parsed


def parse_element(root: etree._Element, syntax: Syntax | None = None) -> ParsedInvoice:
    """Read an lxml element (document root or a fragment) into a :class:`ParsedInvoice`.

    ``syntax`` defaults to detection from the root element; pass it to read fragments whose root is
    right but incomplete (CEN unit tests). An element inside a larger document (e.g. a ``<test>`` of a
    vefa ``testSet``) is copied first, so XPaths start at the invoice root. ``xml`` of the result is
    empty: serialise ``root`` if needed.
    """
    if root.getparent() is not None:  # a fragment inside another document: read a standalone copy
        root = copy.deepcopy(root)
    elements = list(islice(root.iter(), KEEP_ELEMENTS))
    if syntax is None:
        syntax = detect_syntax(root)
    reader = Reader()
    if syntax in ("UBL-Invoice", "UBL-CreditNote"):
        invoice, _ = read_ubl(root, reader)
    elif syntax == "CII":
        invoice, _ = read_cii(root, reader)
    elif syntax == "ZUGFeRD-1.0-CII":
        invoice, _ = read_zugferd1(root, reader)
    else:  # pragma: no cover - Literal exhausted
        raise UnreadableInvoice(f"unsupported syntax {syntax!r}")
    spec = invoice.specification_id
    return ParsedInvoice(
        invoice=invoice,
        syntax=syntax,
        specification=spec,
        profile=detect_profile(spec, syntax),
        xml=b"",
        root=root,
        locations=reader.locations,
        problems=reader.problems,
        elements=elements,
    )
