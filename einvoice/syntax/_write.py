"""Shared helpers for the writers (value formatting, conditional sub-elements)."""

from __future__ import annotations

import base64
from datetime import date
from decimal import Decimal

from lxml import etree

__all__ = ["fmt_decimal", "sub"]


def fmt_decimal(value: Decimal) -> str:
    """Decimal as written, never in exponent notation (``Decimal('1E+2')`` → ``'100'``)."""
    return format(value, "f")


def sub(parent: etree._Element, tag: str, value: object = None, attrib: dict[str, str | None] | None = None,
        *, always: bool = False) -> etree._Element | None:
    """Append ``tag`` with ``value`` as text, unless ``value`` is None (and ``always`` is false).

    Decimals are written exactly, dates ISO (UBL), bytes base64; ``None`` attributes are skipped.
    """
    if value is None and not always:
        return None
    el = etree.SubElement(parent, tag)
    if value is not None:
        if isinstance(value, Decimal):
            el.text = fmt_decimal(value)
        elif isinstance(value, date):
            el.text = value.isoformat()
        elif isinstance(value, bytes):
            el.text = base64.b64encode(value).decode("ascii")
        elif isinstance(value, bool):
            el.text = "true" if value else "false"
        else:
            el.text = str(value)
    if attrib:
        for key, val in attrib.items():
            if val is not None:
                el.set(key, val)
    return el


def group(parent: etree._Element, tag: str) -> etree._Element:
    return etree.SubElement(parent, tag)


def prune(el: etree._Element | None) -> None:
    """Remove ``el`` if it ended up without children, text and attributes (optional groups)."""
    if el is None:
        return
    if len(el) == 0 and not (el.text or "").strip() and not el.attrib:
        parent = el.getparent()
        if parent is not None:
            parent.remove(el)
