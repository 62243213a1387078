"""Hardened XML parsing for untrusted invoices.

One parser configuration for the whole package (and the rules): lxml with entities unresolved, no network,
no DTD loading, no huge trees; any DOCTYPE is refused (XXE, billion laughs, external DTDs). Size is bounded
up front, nesting depth and text node size by libxml2's non-huge limits (depth 256, text 10 MB) and by our
own, stricter depth limit.
"""

from __future__ import annotations

import threading
from typing import Final

from lxml import etree

from einvoice.errors import HostileXml, UnreadableInvoice

__all__ = ["MAX_DEPTH", "MAX_XML_BYTES", "localname", "namespace", "parse_xml", "safe_parser"]

#: Largest XML accepted (XRechnung may embed attachments as base64; 64 MiB is far above real invoices).
MAX_XML_BYTES: Final = 64 * 1024 * 1024
#: Deepest element nesting accepted. Real invoices stay below 15; CII/UBL extensions below 30.
MAX_DEPTH: Final = 64

_local = threading.local()


def safe_parser() -> etree.XMLParser:
    """The hardened parser of this thread (lxml parsers must not be shared between threads)."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            huge_tree=False,
            remove_comments=False,
            collect_ids=False,
        )
        _local.parser = parser
    return parser


def _prolog_has_doctype(data: bytes) -> bool:
    """Cheap pre-check: a DOCTYPE before the first element (ASCII-compatible encodings)."""
    head = data[:8192]
    pos = head.find(b"<!DOCTYPE")
    if pos < 0:
        pos = head.find(b"<!doctype")
    if pos < 0:
        return False
    # A DOCTYPE is only legal before the root element; anything else is text inside the document.
    i = 0
    while True:
        lt = head.find(b"<", i)
        if lt < 0 or lt >= pos:
            return True
        nxt = head[lt + 1 : lt + 2]
        if nxt == b"?":
            i = head.find(b"?>", lt) + 2
        elif head.startswith(b"<!--", lt):
            i = head.find(b"-->", lt) + 3
        else:
            return False
        if i < 2:
            return True


def parse_xml(data: bytes, *, max_bytes: int = MAX_XML_BYTES, max_depth: int = MAX_DEPTH) -> etree._Element:
    """Parse untrusted XML bytes into the root element, or raise.

    :raises HostileXml: DOCTYPE present, too large, too deeply nested.
    :raises UnreadableInvoice: not well-formed XML (message says where).
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise UnreadableInvoice("XML input must be bytes")
    if len(data) > max_bytes:
        raise HostileXml(f"XML too large: {len(data)} bytes (limit {max_bytes})", code="too-large")
    if not data or data.isspace():  # like ``not data.strip()``, without copying the document
        raise UnreadableInvoice("empty input: no XML document")
    if _prolog_has_doctype(bytes(data[:8192])):
        raise HostileXml("XML with a DOCTYPE is refused (entities and DTDs are not allowed in invoices)")
    try:
        root = etree.fromstring(bytes(data), safe_parser())
    except etree.XMLSyntaxError as exc:
        msg = str(exc)
        if "Excessive depth" in msg or ("depth" in msg.lower() and "exceed" in msg.lower()):
            raise HostileXml(f"XML nesting too deep: {msg}") from None
        if "huge" in msg.lower() or "too long" in msg.lower():
            raise HostileXml(f"XML text node too large: {msg}", code="too-large") from None
        raise UnreadableInvoice(f"not well-formed XML: {msg}") from None
    except (ValueError, TypeError) as exc:  # e.g. unsupported encoding declaration
        raise UnreadableInvoice(f"cannot read XML: {exc}") from None
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise HostileXml("XML with a DOCTYPE is refused (entities and DTDs are not allowed in invoices)")
    if max_depth and _too_deep(root, max_depth):
        raise HostileXml(f"XML nesting deeper than {max_depth} levels is refused")
    return root


_DEPTH_PROBES: dict[int, etree.XPath] = {}


def _too_deep(root: etree._Element, limit: int) -> bool:
    """True when any element is nested deeper than ``limit`` (one compiled XPath, evaluated in C)."""
    probe = _DEPTH_PROBES.get(limit)
    if probe is None:
        probe = _DEPTH_PROBES[limit] = etree.XPath("boolean(" + "/*" * (limit + 1) + ")")
    return bool(probe(root))


def namespace(el: etree._Element) -> str:
    """Namespace URI of an element ('' when none)."""
    tag = el.tag
    if not isinstance(tag, str) or tag[0] != "{":
        return ""
    return tag[1 : tag.index("}")]


def localname(el: etree._Element) -> str:
    """Local name of an element (comments/PIs give '')."""
    tag = el.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]
