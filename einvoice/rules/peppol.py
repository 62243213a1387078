"""The PEPPOL-EN16931 rules KoSIT integrates into XRechnung 3.0 (``src/xsl/rule-list.xml``).

In UBL they keep their PEPPOL severity (errors); in CII KoSIT integrates them as warnings.
Model-level rules use the model; a few cardinality/structure rules look at the XML tree.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from lxml import etree

from einvoice.rules.base import Ctx, code, present, round2
from einvoice.syntax._common import find, findall, findtext
from einvoice.syntax.namespaces import CAC, CBC

__all__ = ["RULES"]

_ZERO = Decimal(0)
_SLACK = Decimal("0.02")
_BINARY = f"{{{CBC}}}EmbeddedDocumentBinaryObject"
_HAS_CONTENT = etree.XPath("boolean(node()[not(self::comment())])")
_TAX_TOTAL = f"{{{CAC}}}TaxTotal"
_TAX_SUBTOTAL = f"{{{CAC}}}TaxSubtotal"
_TAX_AMOUNT = f"{{{CBC}}}TaxAmount"
_AC = f"{{{CAC}}}AllowanceCharge"
_PRICE = f"{{{CAC}}}Price"
_CHARGE_INDICATOR = f"{{{CBC}}}ChargeIndicator"
_DOC_REF = f"{{{CAC}}}DocumentReference"
_DOC_TYPE = f"{{{CBC}}}DocumentTypeCode"


def _dec(text: str | None) -> Decimal | None:
    try:
        return Decimal(text.strip()) if text and text.strip() else None
    except InvalidOperation:
        return None


def _first_empty(root: etree._Element) -> etree._Element | None:
    """The first element (document order, ``root`` included) without any child node except comments.

    Same answer as the XPath ``//*[not(node()[not(self::comment())])][1]`` (PEPPOL-EN16931-R008) on a
    standalone document, about ten times faster in lxml than libxml2's predicate evaluation.
    """
    comment = etree.Comment
    for el in root.iter(etree.Element):
        if len(el):  # has children: not empty unless every one is a comment (text not read)
            if el[0].tag is not comment or not all(c.tag is comment for c in el.getchildren()):
                continue
            if el.text is None and all(c.tail is None for c in el.getchildren()):
                return el
            continue
        if el.tag == _BINARY:  # attachments: do not copy hundreds of KB of base64 into a str
            if not _HAS_CONTENT(el):
                return el
            continue
        if el.text is None:  # a text node (also an empty CDATA section) would be a child
            return el
    return None


def peppol_model(ctx: Ctx) -> None:
    """R001, R005, R010, R020, R040–R042, R046, R061, R110, R111, R120, R121, R130."""
    inv = ctx.invoice
    ctx.check(present(inv.business_process), "PEPPOL-EN16931-R001", "BT-23")
    if present(inv.tax_currency_code):
        ctx.check(code(inv.tax_currency_code) != code(inv.currency_code), "PEPPOL-EN16931-R005", "BT-6")
    buyer, seller = inv.buyer, inv.seller
    ctx.check(
        buyer is not None
        and buyer.electronic_address is not None
        and present(buyer.electronic_address.value),
        "PEPPOL-EN16931-R010",
        "BT-49",
    )
    ctx.check(
        seller is not None
        and seller.electronic_address is not None
        and present(seller.electronic_address.value),
        "PEPPOL-EN16931-R020",
        "BT-34",
    )
    acs = [*inv.allowances, *inv.charges, *(a for ln in inv.lines for a in (*ln.allowances, *ln.charges))]
    for ac in acs:
        if ac.percentage is not None and ac.base_amount is not None:
            expected = ac.base_amount * ac.percentage / 100
            ctx.check(abs((ac.amount or _ZERO) - expected) <= _SLACK, "PEPPOL-EN16931-R040", "BT-92", ac)
        ctx.check(ac.percentage is None or ac.base_amount is not None, "PEPPOL-EN16931-R041", "BT-93", ac)
        ctx.check(ac.base_amount is None or ac.percentage is not None, "PEPPOL-EN16931-R042", "BT-94", ac)
    pay = inv.payment
    if pay is not None and pay.direct_debit is not None:
        ctx.check(present(pay.direct_debit.mandate_reference), "PEPPOL-EN16931-R061", "BT-89")
    period = inv.invoicing_period
    for line in inv.lines:
        price = line.price
        if price is not None:
            if price.gross_price is not None and price.net_price is not None:
                ctx.check(
                    price.net_price == price.gross_price - (price.discount or _ZERO),
                    "PEPPOL-EN16931-R046",
                    "BT-146",
                    line,
                )
            if price.base_quantity is not None:
                ctx.check(price.base_quantity > _ZERO, "PEPPOL-EN16931-R121", "BT-149", line)
            if price.base_quantity_unit is not None and line.unit_code is not None:
                ctx.check(
                    code(price.base_quantity_unit) == code(line.unit_code),
                    "PEPPOL-EN16931-R130",
                    "BT-150",
                    line,
                )
        lp = line.period
        if lp is not None and period is not None:
            if lp.start is not None and period.start is not None:
                ctx.check(lp.start >= period.start, "PEPPOL-EN16931-R110", "BT-134", line)
            if lp.end is not None and period.end is not None:
                ctx.check(lp.end <= period.end, "PEPPOL-EN16931-R111", "BT-135", line)
        if (
            line.net_amount is not None
            and line.quantity is not None
            and price is not None
            and price.net_price is not None
        ):
            base = price.base_quantity if price.base_quantity not in (None, _ZERO) else Decimal(1)
            assert base is not None
            expected = line.quantity * (price.net_price / base)
            expected += sum((c.amount or _ZERO for c in line.charges), _ZERO)
            expected -= sum((a.amount or _ZERO for a in line.allowances), _ZERO)
            ctx.check(
                abs(line.net_amount - round2(expected)) <= _SLACK, "PEPPOL-EN16931-R120", "BT-131", line
            )


def peppol_ubl_tree(ctx: Ctx) -> None:
    """R008 (no empty elements), R043/R044 (charge indicators), R053–R055 (tax totals), R101."""
    root = ctx.root
    if root is None or ctx.syntax == "CII":
        return
    empty = _first_empty(root)
    if empty is not None:
        ctx.fail("PEPPOL-EN16931-R008", location=ctx.xpath(empty))
    for ind in root.iter(_CHARGE_INDICATOR):
        value = (ind.text or "").strip()
        if value not in {"true", "false"}:
            ctx.fail("PEPPOL-EN16931-R043", location=ctx.xpath(ind))
        parent = ind.getparent()
        if (
            parent is not None
            and parent.getparent() is not None
            and parent.getparent().tag == _PRICE
            and value != "false"
        ):
            ctx.fail("PEPPOL-EN16931-R044", location=ctx.xpath(ind))
    totals = findall(root, _TAX_TOTAL)
    with_sub = [t for t in totals if find(t, _TAX_SUBTOTAL) is not None]
    without_sub = [t for t in totals if find(t, _TAX_SUBTOTAL) is None]
    if len(with_sub) != 1:
        ctx.fail("PEPPOL-EN16931-R053", "BT-110")
    tax_currency = present(ctx.invoice.tax_currency_code)
    if len(without_sub) != (1 if tax_currency else 0):
        ctx.fail("PEPPOL-EN16931-R054", "BT-111")
    if tax_currency:
        cur, tcur = code(ctx.invoice.currency_code), code(ctx.invoice.tax_currency_code)
        amounts = {
            amount.get("currencyID"): _dec(amount.text)
            for t in totals
            if (amount := find(t, _TAX_AMOUNT)) is not None
        }
        a, b = amounts.get(cur), amounts.get(tcur)
        if a is not None and b is not None:
            ctx.check((a < 0) == (b < 0), "PEPPOL-EN16931-R055", "BT-111")
    for ref in root.iter(_DOC_REF):
        parent = ref.getparent()
        in_line = parent is not None and parent.tag.endswith(("}InvoiceLine", "}CreditNoteLine"))
        if in_line and (findtext(ref, _DOC_TYPE) or "").strip() != "130":
            ctx.fail("PEPPOL-EN16931-R101", "BT-128", location=ctx.xpath(ref))


RULES = (peppol_model, peppol_ubl_tree)
