"""Hardened XML parsing: no entities, no network, no DTD, no huge trees, DOCTYPE refused."""

from __future__ import annotations

from lxml import etree

from retention.errors import XdomeaError

MAX_XML_BYTES = 64 * 1024 * 1024


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
        dtd_validation=False,
        remove_pis=True,
    )


def parse_xml(data: bytes) -> etree._Element:
    """Parse ``data`` safely; raise :class:`XdomeaError` for DOCTYPEs, oversize or malformed input."""
    if not isinstance(data, bytes | bytearray):
        raise XdomeaError("XML muss als Bytes übergeben werden")
    if len(data) > MAX_XML_BYTES:
        raise XdomeaError(f"XML zu groß ({len(data)} Bytes, höchstens {MAX_XML_BYTES})")
    head = bytes(data[:4096]).upper()
    if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
        raise XdomeaError("XML mit DOCTYPE/ENTITY wird abgelehnt")
    try:
        root = etree.fromstring(bytes(data), _parser())
    except etree.XMLSyntaxError as exc:
        raise XdomeaError(f"XML nicht wohlgeformt: {exc}") from exc
    tree = root.getroottree()
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        raise XdomeaError("XML mit DOCTYPE wird abgelehnt")
    return root
