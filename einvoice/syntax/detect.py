"""Detect the syntax (root namespace + element) and the profile (from BT-24) of an invoice."""

from __future__ import annotations

from lxml import etree

from einvoice.errors import NotAnInvoice
from einvoice.syntax.namespaces import RSM, UBL_CREDITNOTE, UBL_INVOICE, ZF1_RSM
from einvoice.syntax.parsed import Profile, Syntax

__all__ = ["PROFILES", "detect_profile", "detect_syntax"]

_ROOTS: dict[str, Syntax] = {
    f"{{{UBL_INVOICE}}}Invoice": "UBL-Invoice",
    f"{{{UBL_CREDITNOTE}}}CreditNote": "UBL-CreditNote",
    f"{{{RSM}}}CrossIndustryInvoice": "CII",
    f"{{{ZF1_RSM}}}CrossIndustryDocument": "ZUGFeRD-1.0-CII",
}

PROFILES: tuple[str, ...] = (
    "XRECHNUNG", "XRECHNUNG-EXTENSION", "EN16931", "BASIC", "BASIC-WL", "MINIMUM", "EXTENDED", "PEPPOL-BIS-3",
    "ZUGFERD-1.0-BASIC", "ZUGFERD-1.0-COMFORT", "ZUGFERD-1.0-EXTENDED", "UNKNOWN",
)


def detect_syntax(root: etree._Element) -> Syntax:
    """The syntax of an invoice root element, or :class:`NotAnInvoice`."""
    tag = root.tag
    syntax = _ROOTS.get(tag) if isinstance(tag, str) else None
    if syntax is None:
        raise NotAnInvoice(
            f"not a supported e-invoice: root element {tag!r} is none of UBL Invoice/CreditNote, "
            "CII CrossIndustryInvoice, ZUGFeRD 1.0 CrossIndustryDocument"
        )
    return syntax


def detect_profile(specification: str | None, syntax: Syntax | None = None) -> Profile:
    """Profile from the specification identifier (BT-24: UBL CustomizationID / CII guideline ID)."""
    if not specification:
        return "UNKNOWN"
    spec = specification.strip().lower()
    if "xrechnung" in spec:
        return "XRECHNUNG-EXTENSION" if "extension" in spec else "XRECHNUNG"
    if spec.startswith("urn:ferd:crossindustrydocument:invoice:1p0:") or syntax == "ZUGFeRD-1.0-CII":
        level = spec.rsplit(":", 1)[-1].upper()
        return f"ZUGFERD-1.0-{level}" if level in ("BASIC", "COMFORT", "EXTENDED") else "UNKNOWN"
    if "peppol.eu:2017:poacc:billing:3.0" in spec:
        return "PEPPOL-BIS-3"
    if spec.endswith(":minimum") or "1p0:minimum" in spec:
        return "MINIMUM"
    if spec.endswith(":basicwl") or "1p0:basicwl" in spec:
        return "BASIC-WL"
    if spec.endswith(":extended") or "1p0:extended" in spec or "2p0:extended" in spec:
        return "EXTENDED"
    if spec.endswith(":basic") or "1p0:basic" in spec or "2p0:basic" in spec:
        return "BASIC"
    if spec.startswith("urn:cen.eu:en16931:2017") or spec.endswith(("2p0:en16931", "1p0:en16931")):
        return "EN16931"
    return "UNKNOWN"
