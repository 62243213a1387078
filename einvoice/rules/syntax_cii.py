"""CII syntax-binding rules on the XML tree: CII-SR-452/453/454/461/462/465/466 and BR-CL-03."""

from __future__ import annotations

from lxml import etree

from einvoice.domain.codes import ISO_4217
from einvoice.rules.base import Ctx
from einvoice.syntax.namespaces import RAM, RSM
from einvoice.syntax.parsed import xpath_of

__all__ = ["check_cii"]


def _r(path: str) -> str:
    return "/".join(
        "{{{}}}{}".format(RSM if s.startswith("rsm:") else RAM, s.split(":", 1)[1]) for s in path.split("/")
    )


_SETTLEMENT = _r("rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeSettlement")
_AGREEMENT = _r("rsm:SupplyChainTradeTransaction/ram:ApplicableHeaderTradeAgreement")
_TERMS = _r("ram:SpecifiedTradePaymentTerms")
_DESC = _r("ram:Description")
_DUE = _r("ram:DueDateDateTime")
_TAX = _r("ram:ApplicableTradeTax")
_TPD = _r("ram:TaxPointDate")
_DDTC = f"{{{RAM}}}DueDateTypeCode"


def check_cii(ctx: Ctx, root: etree._Element) -> None:
    fail = ctx.fail
    settlement = root.find(_SETTLEMENT)
    if settlement is not None:
        terms = settlement.findall(_TERMS)
        if len(terms) > 1:
            fail("CII-SR-452", location=xpath_of(terms[1]))
        descs = [d for t in terms for d in t.findall(_DESC)]
        if len(descs) > 1:
            fail("CII-SR-453", location=xpath_of(descs[1]))
        dues = [d for t in terms for d in t.findall(_DUE)]
        if len(dues) > 1:
            fail("CII-SR-454", location=xpath_of(dues[1]))
        points = [p for t in settlement.findall(_TAX) for p in t.findall(_TPD)]
        if len(points) > 1:
            fail("CII-SR-461", location=xpath_of(points[1]))
    codes = {(e.text or "").strip() for e in root.iter(_DDTC)}
    if len(codes) > 1:
        fail("CII-SR-462", "BT-8")
    agreement = root.find(_AGREEMENT)
    if agreement is not None:
        for party_tag, rid in (("ram:SellerTradeParty", "CII-SR-465"), ("ram:BuyerTradeParty", "CII-SR-466")):
            for contact in agreement.findall(_r(f"{party_tag}/ram:DefinedTradeContact")):
                if (
                    contact.find(_r("ram:PersonName")) is not None
                    and contact.find(_r("ram:DepartmentName")) is not None
                ):
                    fail(rid, location=xpath_of(contact))
    for el in root.iter():
        cur = el.get("currencyID") if isinstance(el.tag, str) else None
        if cur is not None and " ".join(cur.split()) not in ISO_4217:
            fail("BR-CL-03", location=xpath_of(el))
