"""ZUGFeRD 1.0 (``rsm:CrossIndustryDocument``, CII D13B-based) → model, for display.

ZUGFeRD 1.0 is not EN 16931; its structure is the predecessor of CII D16B with other wrapper names and
namespaces. A copy of the tree is renamed to D16B and read by :mod:`einvoice.syntax.cii`; recorded
locations are mapped back to the original elements, so XPaths point into the document as received.
"""

from __future__ import annotations

import copy

from lxml import etree

from einvoice.domain.model import Invoice
from einvoice.syntax._common import Reader
from einvoice.syntax.cii import read_cii_like
from einvoice.syntax.namespaces import RAM, RSM, UDT, ZF1_RAM, ZF1_RSM, ZF1_UDT

__all__ = ["read_zugferd1"]

_RSM_RENAME = {
    "SpecifiedExchangedDocumentContext": "ExchangedDocumentContext",
    "HeaderExchangedDocument": "ExchangedDocument",
    "SpecifiedSupplyChainTradeTransaction": "SupplyChainTradeTransaction",
    "CrossIndustryDocument": "CrossIndustryInvoice",
}
_RAM_RENAME = {
    "ApplicableSupplyChainTradeAgreement": "ApplicableHeaderTradeAgreement",
    "ApplicableSupplyChainTradeDelivery": "ApplicableHeaderTradeDelivery",
    "ApplicableSupplyChainTradeSettlement": "ApplicableHeaderTradeSettlement",
    "SpecifiedSupplyChainTradeAgreement": "SpecifiedLineTradeAgreement",
    "SpecifiedSupplyChainTradeDelivery": "SpecifiedLineTradeDelivery",
    "SpecifiedSupplyChainTradeSettlement": "SpecifiedLineTradeSettlement",
    "ApplicablePercent": "RateApplicablePercent",
    "SpecifiedTradeAccountingAccount": "ReceivableSpecifiedTradeAccountingAccount",
}


def read_zugferd1(root: etree._Element, reader: Reader | None = None) -> tuple[Invoice, Reader]:
    """Read a ZUGFeRD 1.0 CrossIndustryDocument into the model (EN 16931 terms where they exist)."""
    r = reader or Reader()
    clone = copy.deepcopy(root)
    back = dict(zip(clone.iter(), root.iter(), strict=True))
    rsm, ram, udt = f"{{{ZF1_RSM}}}", f"{{{ZF1_RAM}}}", f"{{{ZF1_UDT}}}"
    for el in clone.iter():
        tag = el.tag
        if not isinstance(tag, str):
            continue
        if tag.startswith(ram):
            local = tag[len(ram):]
            if local == "SpecifiedTradeSettlementMonetarySummation":
                parent = el.getparent()
                header = parent is not None and parent.tag == f"{ram}ApplicableSupplyChainTradeSettlement"
                local = ("SpecifiedTradeSettlementHeaderMonetarySummation" if header
                         else "SpecifiedTradeSettlementLineMonetarySummation")
            el.tag = f"{{{RAM}}}{_RAM_RENAME.get(local, local)}"
        elif tag.startswith(rsm):
            local = tag[len(rsm):]
            el.tag = f"{{{RSM}}}{_RSM_RENAME.get(local, local)}"
        elif tag.startswith(udt):
            el.tag = f"{{{UDT}}}{tag[len(udt):]}"
    # the summation renamed above is also found under the header settlement after renaming
    for el in clone.iter(f"{{{RAM}}}SpecifiedTradeSettlementLineMonetarySummation"):
        parent = el.getparent()
        if parent is not None and parent.tag == f"{{{RAM}}}ApplicableHeaderTradeSettlement":
            el.tag = f"{{{RAM}}}SpecifiedTradeSettlementHeaderMonetarySummation"
    tmp = Reader()
    invoice, _ = read_cii_like(clone, tmp)
    tmp.locations.remap(back)
    for problem in tmp.problems:
        if problem.element is not None:
            problem.element = back.get(problem.element, problem.element)
    r.locations.merge(tmp.locations)
    r.problems.extend(tmp.problems)
    return invoice, r
