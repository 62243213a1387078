"""VAT category rules BR-S/Z/E/AE/IC(K)/G/O/AF(L)/AG(M)-01…14 and BR-B-01/02.

One table drives all nine families, because the CEN rules share their shape:
01 breakdown present, 02–04 identifiers of the parties, 05–07 rates on lines/allowances/charges,
08 taxable amount = Σ items, 09 tax amount, 10 exemption reason, plus family-specific extras.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from einvoice.domain.model import Invoice
from einvoice.rules.base import Ctx, code, present, round2
from einvoice.rules.catalogue import VAT_FAMILIES

__all__ = ["RULES"]

_ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class _Family:
    prefix: str
    code: str
    rated: bool  # S, L, M: taxable per rate ±1, tax = base × rate
    rate_rule: str  # "positive", "zero", "non-negative", "absent"
    breakdown_exactly_one: bool
    needs_exemption_reason: bool
    ids: str  # "seller", "seller-vat", "seller+buyer-ae", "seller-vat+buyer-vat", "none"


_FAMILIES = {
    "S": _Family("BR-S", "S", True, "positive", False, False, "seller"),
    "Z": _Family("BR-Z", "Z", False, "zero", True, False, "seller"),
    "E": _Family("BR-E", "E", False, "zero", True, True, "seller"),
    "AE": _Family("BR-AE", "AE", False, "zero", True, True, "ae"),
    "K": _Family("BR-IC", "K", False, "zero", True, True, "ic"),
    "G": _Family("BR-G", "G", False, "zero", True, True, "seller-vat"),
    "O": _Family("BR-O", "O", False, "absent", True, True, "none"),
    "L": _Family("BR-AF", "L", True, "non-negative", False, False, "seller"),
    "M": _Family("BR-AG", "M", True, "non-negative", False, False, "seller"),
}
assert {f.prefix for f in _FAMILIES.values()} == {p for p, _c, _n in VAT_FAMILIES}


def _ids_ok(kind: str, inv: Invoice) -> bool:
    seller, buyer, rep = inv.seller, inv.buyer, inv.tax_representative
    seller_vat = seller is not None and present(seller.vat_id)
    seller_tax = seller is not None and present(seller.tax_registration_id)
    rep_vat = rep is not None and present(rep.vat_id)
    buyer_vat = buyer is not None and present(buyer.vat_id)
    buyer_legal = (
        buyer is not None
        and buyer.legal_registration_id is not None
        and present(buyer.legal_registration_id.value)
    )
    if kind == "seller":
        return seller_vat or seller_tax or rep_vat
    if kind == "seller-vat":
        return seller_vat or rep_vat
    if kind == "ae":
        return (seller_vat or seller_tax or rep_vat) and (buyer_vat or buyer_legal)
    if kind == "ic":
        return (seller_vat or rep_vat) and buyer_vat
    if kind == "none":  # BR-O-02…04: no VAT identifiers at all
        return not (seller_vat or rep_vat or buyer_vat)
    raise AssertionError(kind)  # pragma: no cover


def _rate_ok(rule: str, rate: Decimal | None) -> bool:
    if rule == "absent":
        return rate is None
    if rate is None:
        return False
    if rule == "positive":
        return rate > _ZERO
    if rule == "zero":
        return rate == _ZERO
    return rate >= _ZERO


def vat_categories(ctx: Ctx) -> None:
    """All VAT category families, driven by `_FAMILIES`."""
    inv = ctx.invoice
    used = ctx.used_categories
    breakdown = ctx.breakdown_categories
    for cat, fam in _FAMILIES.items():
        p = fam.prefix
        n_breakdown = breakdown.count(cat)
        if cat == "S" or fam.rated:
            if used.__contains__(cat) or n_breakdown:
                ctx.check((cat in used) == (n_breakdown > 0), f"{p}-01", "BT-118")
        elif cat in used or n_breakdown:
            # CII binding: a breakdown of this category also needs an item of it
            ok = n_breakdown == 1 and (cat in used or ctx.syntax != "CII")
            ctx.check(ok, f"{p}-01", "BT-118")
        if cat in ctx.line_categories:
            ctx.check(_ids_ok(fam.ids, inv), f"{p}-02", "BT-31")
        if cat in ctx.allowance_categories:
            ctx.check(_ids_ok(fam.ids, inv), f"{p}-03", "BT-31")
        if cat in ctx.charge_categories:
            ctx.check(_ids_ok(fam.ids, inv), f"{p}-04", "BT-31")
        if cat in ctx.line_categories:
            for line in inv.lines:
                if line.vat is not None and code(line.vat.category) == cat:
                    ctx.check(_rate_ok(fam.rate_rule, line.vat.rate), f"{p}-05", "BT-152", line)
        for ac in (*inv.allowances, *inv.charges):
            if code(ac.vat_category) == cat:
                rule = f"{p}-07" if ac.is_charge else f"{p}-06"
                ctx.check(
                    _rate_ok(fam.rate_rule, ac.vat_rate), rule, "BT-103" if ac.is_charge else "BT-96", ac
                )
        if not n_breakdown:
            continue
        for b in inv.vat_breakdown:
            if code(b.category) != cat:
                continue
            if fam.rated:
                if b.rate is not None and b.taxable_amount is not None:
                    sums = ctx.sums_for(cat, b.rate, with_rate=True)
                    exists = sums.line_count + sums.ac_count > 0
                    taxable = sums.taxable
                    if ctx.syntax == "CII":  # the CII binding compares exactly
                        ok = b.taxable_amount == round2(taxable)
                    else:
                        ok = ctx.within_one(b.taxable_amount, taxable)
                    ctx.check(exists and ok, f"{p}-08", "BT-116", b)
                elif b.rate is None:
                    ctx.fail(f"{p}-08", "BT-116", b)
                skip_09 = ctx.syntax == "CII" and p in {"BR-AF", "BR-AG"}  # CII: "duplicate of BR-CO-17"
                if (
                    b.rate is not None
                    and b.tax_amount is not None
                    and b.taxable_amount is not None
                    and not skip_09
                ):
                    expected = round2(abs(b.taxable_amount) * (b.rate / 100))
                    tax = abs(b.tax_amount)
                    ctx.check(tax - 1 < expected < tax + 1, f"{p}-09", "BT-117", b)
            else:
                if b.taxable_amount is not None:
                    taxable = ctx.sums_for(cat).taxable
                    if ctx.syntax == "CII" and cat != "O":  # the CII binding allows ±1 (not for O)
                        ok = b.taxable_amount - 1 < round2(taxable) < b.taxable_amount + 1
                    else:
                        ok = b.taxable_amount == taxable
                    ctx.check(ok, f"{p}-08", "BT-116", b)
                if b.tax_amount is not None or ctx.element("BT-117", b) is None:
                    ctx.check(b.tax_amount is not None and b.tax_amount == _ZERO, f"{p}-09", "BT-117", b)
            has_reason = present(b.exemption_reason) or present(b.exemption_reason_code)
            if fam.needs_exemption_reason:
                ctx.check(has_reason, f"{p}-10", "BT-120", b)
            else:
                ctx.check(not has_reason, f"{p}-10", "BT-120", b)
    if "K" in breakdown:
        d = inv.delivery
        period = inv.invoicing_period
        has_period = period is not None and (
            period.start is not None or period.end is not None or present(inv.tax_point_date_code)
        )
        ctx.check(
            (d is not None and d.actual_date is not None) or has_period,
            "BR-IC-11",
            "BT-72",
        )
        ctx.check(
            d is not None and d.address is not None and present(d.address.country_code), "BR-IC-12", "BT-80"
        )
    if "O" in breakdown:
        ctx.check(all(c == "O" for c in breakdown), "BR-O-11", "BG-23")
        ctx.check(all(c == "O" for c in ctx.line_categories), "BR-O-12", "BT-151")
        ctx.check(all(c == "O" for c in ctx.allowance_categories), "BR-O-13", "BT-95")
        ctx.check(all(c == "O" for c in ctx.charge_categories), "BR-O-14", "BT-102")
    if "B" in used or "B" in breakdown:
        ctx.check("S" not in used and "S" not in breakdown, "BR-B-02", "BT-118")


RULES = (vat_categories,)
