"""CII syntax-binding rules on the XML tree: CII-SR-452/453/454/461/462/465/466 and BR-CL-03."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import cache

from lxml import etree

from einvoice.domain.codes import ISO_4217
from einvoice.domain.model import AllowanceCharge, VatCategory
from einvoice.rules.base import Ctx
from einvoice.syntax._common import find, findall, findtext
from einvoice.syntax.namespaces import RAM, RSM
from einvoice.syntax.parsed import ParsedInvoice

__all__ = ["check_cii", "extended_cii_facts"]


@cache
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
#: same elements as ``//*[@currencyID]`` (document order), without a predicate per element
_WITH_CURRENCY = etree.XPath("//@currencyID/..")


def check_cii(ctx: Ctx, root: etree._Element) -> None:
    fail = ctx.fail
    settlement = find(root, _SETTLEMENT)
    if settlement is not None:
        terms = findall(settlement, _TERMS)
        if len(terms) > 1:
            fail("CII-SR-452", location=ctx.xpath(terms[1]))
        descs = [d for t in terms for d in findall(t, _DESC)]
        if len(descs) > 1:
            fail("CII-SR-453", location=ctx.xpath(descs[1]))
        dues = [d for t in terms for d in findall(t, _DUE)]
        if len(dues) > 1:
            fail("CII-SR-454", location=ctx.xpath(dues[1]))
        points = [p for t in findall(settlement, _TAX) for p in findall(t, _TPD)]
        if len(points) > 1:
            fail("CII-SR-461", location=ctx.xpath(points[1]))
        _br_co_15(ctx, settlement)
        _br_53(ctx, settlement)
    for line in findall(root, _r("rsm:SupplyChainTradeTransaction/ram:IncludedSupplyChainTradeLineItem")):
        if len(findall(line, _r("ram:SpecifiedLineTradeSettlement/ram:ApplicableTradeTax"))) != 1:
            fail("CII-SR-454", "BG-30", location=ctx.xpath(line))
    codes = {(e.text or "").strip() for e in root.iter(_DDTC)}
    if len(codes) > 1:
        fail("CII-SR-462", "BT-8")
    agreement = find(root, _AGREEMENT)
    if agreement is not None:
        for party_tag, rid in (("ram:SellerTradeParty", "CII-SR-465"), ("ram:BuyerTradeParty", "CII-SR-466")):
            for contact in findall(agreement, _r(f"{party_tag}/ram:DefinedTradeContact")):
                if (
                    find(contact, _r("ram:PersonName")) is not None
                    and find(contact, _r("ram:DepartmentName")) is not None
                ):
                    fail(rid, location=ctx.xpath(contact))
    for el in _WITH_CURRENCY(root):
        cur = el.get("currencyID") or ""
        if " ".join(cur.split()) not in ISO_4217:
            fail("BR-CL-03", location=ctx.xpath(el))


def _br_co_15(ctx: Ctx, settlement: etree._Element) -> None:
    """BR-CO-15 (CII binding): only a TaxTotalAmount in the invoice currency counts as BT-110."""
    currency = (findtext(settlement, _r("ram:InvoiceCurrencyCode")) or "").strip()
    summation = find(settlement, _r("ram:SpecifiedTradeSettlementHeaderMonetarySummation"))
    if summation is None or not currency:
        return
    taxes = findall(summation, _r("ram:TaxTotalAmount"))
    try:
        basis = Decimal((findtext(summation, _r("ram:TaxBasisTotalAmount")) or "").strip())
        grand = Decimal((findtext(summation, _r("ram:GrandTotalAmount")) or "").strip())
    except InvalidOperation:
        return
    if grand == basis:  # the CII binding's escape: BT-112 = BT-109 passes
        return
    in_currency = sum(1 for t in taxes if t.get("currencyID") == currency)
    if in_currency > 1 or (
        taxes and in_currency == 0 and all(t.get("currencyID") is not None for t in taxes)
    ):
        ctx.fail("BR-CO-15", "BT-110", location=ctx.xpath(summation))


def _dec(text: str | None) -> Decimal | None:
    try:
        return Decimal(text.strip()) if text and text.strip() else None
    except InvalidOperation:
        return None


def extended_cii_facts(parsed: ParsedInvoice) -> tuple[frozenset[int], list[AllowanceCharge]]:
    """Factur-X EXTENDED: sub lines (with ParentLineID) and logistics service charges.

    Sub lines (LineStatusReasonCode DETAIL/INFORMATION under a GROUP line) are not summed into BT-106;
    ``ram:SpecifiedLogisticsServiceCharge`` amounts are document level charges (BT-108).
    """
    excluded: set[int] = set()
    for line in parsed.invoice.lines:
        el = parsed.locations.element_of(line)
        if el is not None and find(el, _r("ram:AssociatedDocumentLineDocument/ram:ParentLineID")) is not None:
            excluded.add(id(line))
    charges: list[AllowanceCharge] = []
    settlement = find(parsed.root, _SETTLEMENT)
    if settlement is not None:
        for lsc in findall(settlement, _r("ram:SpecifiedLogisticsServiceCharge")):
            tax = find(lsc, _r("ram:AppliedTradeTax"))
            cat = findtext(tax, _r("ram:CategoryCode")) if tax is not None else None
            charges.append(
                AllowanceCharge(
                    is_charge=True,
                    amount=_dec(findtext(lsc, _r("ram:AppliedAmount"))),
                    vat_category=VatCategory.parse(cat.strip()) if cat else None,
                    vat_rate=_dec(findtext(tax, _r("ram:RateApplicablePercent"))) if tax is not None else None,
                    reason=findtext(lsc, _r("ram:Description")),
                )
            )
    return frozenset(excluded), charges


def _br_53(ctx: Ctx, settlement: etree._Element) -> None:
    """BR-53 (CII binding): a VAT accounting currency needs BT-111, a TaxTotalAmount in that currency."""
    tax_currency = (findtext(settlement, _r("ram:TaxCurrencyCode")) or "").strip()
    if not tax_currency:
        return
    currency = (findtext(settlement, _r("ram:InvoiceCurrencyCode")) or "").strip()
    amounts = findall(settlement, _r("ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:TaxTotalAmount"))
    ok = tax_currency != currency and any(a.get("currencyID") == tax_currency for a in amounts)
    if not ok:
        ctx.fail("BR-53", "BT-111", location=ctx.xpath(settlement))
