"""XRechnung 3.0 rules (KoSIT schematron): BR-DE-*, BR-DEX-* (extension), BR-DE-CVD-*, BR-TMP-*.

They apply only when BT-24 declares XRechnung (CIUS, extension or CVD); the engine decides that.
"""

from __future__ import annotations

import re
from decimal import ROUND_FLOOR, Decimal

from einvoice.domain.codes import XRECHNUNG_TYPE_CODES
from einvoice.domain.model import decimals
from einvoice.domain.terms import is_valid_leitweg_id
from einvoice.rules.base import Ctx, code, present
from einvoice.syntax._common import find, findall

__all__ = ["RULES", "skonto_lines_ok"]

XR_CIUS_ID = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
XR_EXTENSION_ID = XR_CIUS_ID + "#conformant#urn:xeinkauf.de:kosit:extension:xrechnung_3.0"
XR_CVD_ID = XR_CIUS_ID + "#compliant#urn:xeinkauf.de:kosit:xrechnung:cvd_0.9"

_SKONTO = re.compile(
    r"#(SKONTO|VERZUG)#TAGE=([0-9]+#PROZENT=[0-9]+\.[0-9]{2})(#BASISBETRAG=-?[0-9]+\.[0-9]{2})?#$"
)
_SEGMENT = re.compile(r"#.+#")
_TRAILER = re.compile(r"\s*\n")
_LINES = re.compile(r"\r?\n")
_EMAIL = re.compile(
    r"^[a-zA-Z0-9!#$%&\"*+/=?^_`{|}~-]+(\.[a-zA-Z0-9!#$%&\"*+/=?^_`{|}~-]+)*@"
    r"([a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?\.)+[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?$"
)
_PHONE = re.compile(r".*([0-9].*){3,}.*")
_URL = re.compile(r"([a-zA-Z])([a-zA-Z0-9+.-])+:.*")
_IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[a-zA-Z0-9]{0,30}$")
_WS = re.compile(r"[ \n\r\t\s]")
#: BT-10 written like a Leitweg-ID (coarse-fine-check); only those get the check digit test
_LEITWEG_SHAPE = re.compile(r"^[0-9]{2,12}(-[0-9A-Za-z]{1,30})?-[0-9]{2}$")


def skonto_lines_ok(text: str) -> bool:
    """BR-DE-18 exactly as the KoSIT schematron tests it (``text`` = BT-20 as written, untrimmed)."""
    lines = [ln for ln in _LINES.split(text) if " ".join(ln.split()).startswith("#")]
    if not lines:
        return True
    tail = _SEGMENT.split(text)[-1]
    if not _TRAILER.match(tail):
        return False
    return all(_SKONTO.search(" ".join(ln.split())) for ln in lines)


def _iban_ok(value: str | None) -> bool:
    """The schematron's IBAN test: shape and ISO 7064 mod 97 (no country registry)."""
    if value is None:
        return False
    v = _WS.sub("", value).strip()
    if not _IBAN_SHAPE.match(v):
        return False
    moved = v[4:] + v[:2].upper() + v[2:4]
    digits = "".join(str(ord(c) - 55) if ord(c) > 64 else str(ord(c) - 48) for c in moved)
    try:
        return int(digits) % 97 == 1
    except ValueError:
        return False


def _raw_text(ctx: Ctx, bt: str) -> str | None:
    el = ctx.element(bt)
    if el is None:
        return None
    return el.text or ""


def xrechnung_document(ctx: Ctx) -> None:
    inv = ctx.invoice
    ctx.check(inv.payment is not None, "BR-DE-1", "BG-16")
    ctx.check(present(inv.buyer_reference), "BR-DE-15", "BT-10")
    ref = (inv.buyer_reference or "").strip()
    if _LEITWEG_SHAPE.match(ref) and not is_valid_leitweg_id(ref):
        ctx.fail("AW-LEITWEG-ID", "BT-10")
    supported = {"S", "Z", "E", "AE", "K", "G", "L", "M"}
    if ctx.used_categories & supported:
        seller = inv.seller
        ok = inv.tax_representative is not None or (
            seller is not None and (present(seller.vat_id) or present(seller.tax_registration_id))
        )
        ctx.check(ok, "BR-DE-16", "BT-31")
    tc = code(inv.type_code)
    ctx.check(tc in XRECHNUNG_TYPE_CODES, "BR-DE-17", "BT-3")
    raw = _raw_text(ctx, "BT-20")
    if raw is None and inv.payment_terms is not None:
        raw = inv.payment_terms
    if raw is not None:
        ctx.check(skonto_lines_ok(raw), "BR-DE-18", "BT-20")
    ctx.check(inv.specification_id in {XR_CIUS_ID, XR_EXTENSION_ID, XR_CVD_ID}, "BR-DE-21", "BT-24")
    names = [
        d.attachment.filename
        for d in inv.additional_documents
        if d.attachment is not None and d.attachment.filename
    ]
    ctx.check(len(names) == len(set(names)), "BR-DE-22", "BT-125")
    if tc == "384":
        ctx.check(bool(inv.preceding_invoices), "BR-DE-26", "BG-3")
    pay = inv.payment
    if pay is not None and pay.direct_debit is not None:
        dd = pay.direct_debit
        if ctx.syntax == "CII":  # BG-19 exists when any of BT-89/90/91 exists; then all three are required
            ctx.check(present(dd.mandate_reference), "BR-DE-29", "BT-89")
        ctx.check(present(dd.creditor_id), "BR-DE-30", "BT-90")
        ctx.check(present(dd.debited_account_id), "BR-DE-31", "BT-91")
    if ctx.syntax == "CII" and ctx.root is not None:
        _cii_tree(ctx)
    delivered = inv.delivery is not None and inv.delivery.actual_date is not None
    if not (delivered or inv.invoicing_period is not None or all(ln.period is not None for ln in inv.lines)):
        ctx.fail("BR-DE-TMP-32", "BT-72")
    for doc in inv.additional_documents:
        if doc.external_uri is not None:
            ctx.check(bool(_URL.search(doc.external_uri)), "BR-TMP-2", "BT-124", doc)


_RAM = "{urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100}"
_RSM = "{urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100}"


def _cii_tree(ctx: Ctx) -> None:
    """CII-only XRechnung rules: BR-DE-18-a (one BT-20), BR-TMP-1 (one BG-30 per line), BR-DEX-15."""
    root = ctx.root
    settlement = find(root, f"{_RSM}SupplyChainTradeTransaction/{_RAM}ApplicableHeaderTradeSettlement")
    if settlement is not None:
        for terms in findall(settlement, f"{_RAM}SpecifiedTradePaymentTerms"):
            if len(findall(terms, f"{_RAM}Description")) > 1:
                ctx.fail("BR-DE-18-a", "BT-20", location=ctx.xpath(terms))
    for line in findall(root, f"{_RSM}SupplyChainTradeTransaction/{_RAM}IncludedSupplyChainTradeLineItem"):
        if len(findall(line, f"{_RAM}SpecifiedLineTradeSettlement/{_RAM}ApplicableTradeTax")) != 1:
            ctx.fail("BR-TMP-1", "BG-30", location=ctx.xpath(line))
        if (
            ctx.is_extension
            and find(line, f"{_RAM}AssociatedDocumentLineDocument/{_RAM}ParentLineID") is not None
        ):
            ctx.fail("BR-DEX-15", "BG-25", location=ctx.xpath(line))


def xrechnung_parties(ctx: Ctx) -> None:
    inv = ctx.invoice
    seller, buyer = inv.seller, inv.buyer
    if seller is not None:
        ctx.check(seller.contact is not None, "BR-DE-2", "BG-6")
        addr = seller.address
        if addr is not None:
            ctx.check(present(addr.city), "BR-DE-3", "BT-37", addr)
            ctx.check(present(addr.post_code), "BR-DE-4", "BT-38", addr)
        contact = seller.contact
        if contact is not None:
            ctx.check(present(contact.name), "BR-DE-5", "BT-41", contact)
            ctx.check(present(contact.telephone), "BR-DE-6", "BT-42", contact)
            ctx.check(present(contact.email), "BR-DE-7", "BT-43", contact)
            ctx.check(
                bool(_PHONE.match(" ".join((contact.telephone or "").split()))), "BR-DE-27", "BT-42", contact
            )
            ctx.check(
                bool(_EMAIL.search(" ".join((contact.email or "").split()))), "BR-DE-28", "BT-43", contact
            )
    else:
        ctx.fail("BR-DE-2", "BG-6")
    if buyer is not None and buyer.address is not None:
        ctx.check(present(buyer.address.city), "BR-DE-8", "BT-52", buyer.address)
        ctx.check(present(buyer.address.post_code), "BR-DE-9", "BT-53", buyer.address)
    d = inv.delivery
    if d is not None and d.address is not None:
        ctx.check(present(d.address.city), "BR-DE-10", "BT-77", d.address)
        ctx.check(present(d.address.post_code), "BR-DE-11", "BT-78", d.address)
    for b in inv.vat_breakdown:
        ctx.check(b.rate is not None or ctx.element("BT-119", b) is not None, "BR-DE-14", "BT-119", b)


def xrechnung_payment(ctx: Ctx) -> None:
    pay = ctx.invoice.payment
    if pay is None:
        return
    means = code(pay.means_code)
    has_ct, has_card, has_dd = bool(pay.credit_transfers), pay.card is not None, pay.direct_debit is not None
    if means in {"30", "58"}:
        if means == "58":
            ctx.check(
                bool(pay.credit_transfers) and _iban_ok(pay.credit_transfers[0].account_id),
                "BR-DE-19",
                "BT-84",
            )
        ctx.check(has_ct, "BR-DE-23-a", "BG-17")
        ctx.check(not has_card and not has_dd, "BR-DE-23-b", "BG-17")
    elif means in {"48", "54", "55"}:
        ctx.check(has_card, "BR-DE-24-a", "BG-18")
        ctx.check(not has_ct and not has_dd, "BR-DE-24-b", "BG-18")
    elif means == "59":
        ctx.check(
            has_dd and _iban_ok(pay.direct_debit.debited_account_id if pay.direct_debit else None),
            "BR-DE-20",
            "BT-91",
        )
        ctx.check(has_dd, "BR-DE-25-a", "BG-19")
        ctx.check(not has_ct and not has_card, "BR-DE-25-b", "BG-19")


def _round2(v: Decimal) -> Decimal:
    return ((v * 100 + Decimal("0.5")).to_integral_value(rounding=ROUND_FLOOR)) / 100


def xrechnung_extension(ctx: Ctx) -> None:
    """BR-DEX-02, 03, 09…14 (BR-DEX-01, 04…08 replace code-list rules in `codelists`)."""
    if not ctx.is_extension:
        return
    inv = ctx.invoice

    def sub_ok(line: object) -> bool:
        subs = getattr(line, "sub_lines", [])
        if not subs:
            return True
        net = getattr(line, "net_amount", None)
        total = sum((s.net_amount or Decimal(0) for s in subs), Decimal(0))
        return net is not None and net == total and all(sub_ok(s) for s in subs)

    if ctx.syntax != "UBL-CreditNote":
        ctx.check(all(sub_ok(ln) for ln in inv.lines), "BR-DEX-02", "BT-131")
    for line in inv.iter_lines():
        for sub in line.sub_lines:
            ctx.check(sub.vat is not None and code(sub.vat.category) is not None, "BR-DEX-03", "BT-151", sub)
    t = inv.totals
    if t is not None and t.payable is not None and t.tax_inclusive is not None:
        third = sum((p.amount or Decimal(0) for p in inv.third_party_payments), Decimal(0))
        lhs = _round2(t.payable - (t.rounding or Decimal(0)))
        rhs = _round2(t.tax_inclusive - (t.prepaid or Decimal(0)) + third)
        ctx.check(lhs == rhs, "BR-DEX-09", "BT-115")
    for p in inv.third_party_payments:
        ctx.check(present(p.type_code), "BR-DEX-10", "BT-DEX-001", p)
        ctx.check(p.amount is not None, "BR-DEX-11", "BT-DEX-002", p)
        ctx.check(present(p.description), "BR-DEX-12", "BT-DEX-003", p)
        ctx.check(decimals(p.amount) <= 2, "BR-DEX-13", "BT-DEX-002", p)


def xrechnung_cvd(ctx: Ctx) -> None:
    """BR-DE-CVD-01…06 (Clean Vehicles Directive profile)."""
    if not ctx.is_cvd:
        return
    inv = ctx.invoice
    ctx.check(present(inv.contract_reference), "BR-DE-CVD-01", "BT-12")
    ctx.check(present(inv.tender_or_lot_reference), "BR-DE-CVD-02", "BT-17")
    found = False
    for line in inv.lines:
        item = line.item
        if item is None:
            continue
        cvd = [c for c in item.classifications if c.scheme == "CVD"]
        cva = [a for a in item.attributes if a.name == "cva"]
        found = found or (bool(cvd) and bool(cva))
        ctx.check(not cvd or len(cva) == 1, "BR-DE-CVD-06-a", "BT-160", line)
        ctx.check(not cva or len(cvd) == 1, "BR-DE-CVD-06-b", "BT-158", line)
    ctx.check(found, "BR-DE-CVD-03", "BG-25")


RULES = (xrechnung_document, xrechnung_parties, xrechnung_payment, xrechnung_extension, xrechnung_cvd)
