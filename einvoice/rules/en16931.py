"""EN 16931 business rules over the model: BR-01…BR-65, BR-CO-*, BR-DEC-* (CEN TC 434 semantics).

Each rule mirrors the assertion of the CEN schematron (UBL and CII bindings agree on the model level):
presence rules test what was written, arithmetic rules use XPath rounding (`round2`) and the
tolerances of the official tests (±1 for BR-CO-17, exact elsewhere).
"""

from __future__ import annotations

from decimal import Decimal

from einvoice.domain.codes import VAT_ID_PREFIXES
from einvoice.domain.model import AllowanceCharge, decimals
from einvoice.rules.base import Ctx, code, present, round0, round2

__all__ = ["RULES"]

_ZERO = Decimal(0)


def _has(ctx: Ctx, bt: str, *objs: object | None) -> bool:
    """True when the term was written (element present), even if its value could not be read."""
    if not objs:
        return ctx.element(bt) is not None
    return any(ctx.element(bt, o) is not None for o in objs if o is not None)


def core_document(ctx: Ctx) -> None:
    """BR-01…BR-16: mandatory document-level terms."""
    inv = ctx.invoice
    ctx.check(present(inv.specification_id), "BR-01", "BT-24")
    ctx.check(present(inv.number), "BR-02", "BT-1")
    ctx.check(inv.issue_date is not None or _has(ctx, "BT-2"), "BR-03", "BT-2")
    ctx.check(present(inv.type_code), "BR-04", "BT-3")
    ctx.check(present(inv.currency_code), "BR-05", "BT-5")
    seller, buyer = inv.seller, inv.buyer
    ctx.check(seller is not None and present(seller.name), "BR-06", "BT-27")
    ctx.check(buyer is not None and present(buyer.name), "BR-07", "BT-44")
    ctx.check(seller is not None and seller.address is not None, "BR-08", "BG-5")
    if seller is not None and seller.address is not None:
        ctx.check(present(seller.address.country_code), "BR-09", "BT-40", seller.address)
    ctx.check(buyer is not None and buyer.address is not None, "BR-10", "BG-8")
    if buyer is not None and buyer.address is not None:
        ctx.check(present(buyer.address.country_code), "BR-11", "BT-55", buyer.address)
    t = inv.totals
    ctx.check(t is not None and (t.line_net_total is not None or _has(ctx, "BT-106")), "BR-12", "BT-106")
    ctx.check(t is not None and (t.tax_exclusive is not None or _has(ctx, "BT-109")), "BR-13", "BT-109")
    ctx.check(t is not None and (t.tax_inclusive is not None or _has(ctx, "BT-112")), "BR-14", "BT-112")
    ctx.check(t is not None and (t.payable is not None or _has(ctx, "BT-115")), "BR-15", "BT-115")
    ctx.check(bool(inv.lines), "BR-16", "BG-25")


def core_parties(ctx: Ctx) -> None:
    """BR-17…BR-20, BR-56, BR-57, BR-62, BR-63: payee, tax representative, delivery, e-addresses."""
    inv = ctx.invoice
    payee = inv.payee
    if payee is not None:
        seller = inv.seller
        same_name = seller is not None and present(payee.name) and payee.name == seller.trading_name
        same_id = (
            seller is not None
            and payee.identifier is not None
            and any(i.value == payee.identifier.value for i in seller.identifiers)
        )
        ctx.check(present(payee.name) and not same_name and not same_id, "BR-17", "BT-59", payee)
    rep = inv.tax_representative
    if rep is not None:
        ctx.check(present(rep.name), "BR-18", "BT-62", rep)
        ctx.check(rep.address is not None, "BR-19", "BG-12", rep)
        if rep.address is not None:
            ctx.check(present(rep.address.country_code), "BR-20", "BT-69", rep.address)
        if ctx.syntax == "CII":  # UBL: checked on the tree (only a VAT tax scheme counts)
            ctx.check(present(rep.vat_id), "BR-56", "BT-63", rep)
    delivery = inv.delivery
    if delivery is not None and delivery.address is not None:
        ctx.check(present(delivery.address.country_code), "BR-57", "BT-80", delivery.address)
    for party, rule, bt in ((inv.seller, "BR-62", "BT-34"), (inv.buyer, "BR-63", "BT-49")):
        if party is not None and party.electronic_address is not None:
            ctx.check(present(party.electronic_address.scheme), rule, bt, party)


def core_lines(ctx: Ctx) -> None:
    """BR-21…BR-30, BR-41…BR-44, BR-54, BR-64, BR-65, BR-CO-04, BR-CO-20, BR-CO-23, BR-CO-24."""
    for line in ctx.invoice.lines:
        ctx.check(present(line.id), "BR-21", "BT-126", line)
        ctx.check(line.quantity is not None or _has(ctx, "BT-129", line), "BR-22", "BT-129", line)
        ctx.check(present(line.unit_code), "BR-23", "BT-130", line)
        ctx.check(line.net_amount is not None or _has(ctx, "BT-131", line), "BR-24", "BT-131", line)
        item = line.item
        ctx.check(item is not None and present(item.name), "BR-25", "BT-153", line)
        price = line.price
        ctx.check(
            price is not None and (price.net_price is not None or _has(ctx, "BT-146", line)),
            "BR-26",
            "BT-146",
            line,
        )
        # XPath: a missing price compares false, so BR-27 fires together with BR-26
        ctx.check(
            price is not None and price.net_price is not None and price.net_price >= _ZERO,
            "BR-27",
            "BT-146",
            line,
        )
        if price is not None and price.gross_price is not None:
            ctx.check(price.gross_price >= _ZERO, "BR-28", "BT-148", line)
        period = line.period
        if period is not None:
            if period.start is not None and period.end is not None:
                ctx.check(period.end >= period.start, "BR-30", "BT-135", line)
            ctx.check(
                period.start is not None
                or period.end is not None
                or _has(ctx, "BT-134", line, period)
                or _has(ctx, "BT-135", line, period),
                "BR-CO-20",
                "BG-26",
                line,
            )
        for ac in line.allowances:
            ctx.check(ac.amount is not None, "BR-41", "BT-136", ac)
            ok = present(ac.reason) or present(ac.reason_code)
            ctx.check(ok, "BR-42", "BT-139", ac)
            ctx.check(ok, "BR-CO-23", "BT-139", ac)
        for ac in line.charges:
            ctx.check(ac.amount is not None, "BR-43", "BT-141", ac)
            ok = present(ac.reason) or present(ac.reason_code)
            ctx.check(ok, "BR-44", "BT-144", ac)
            ctx.check(ok, "BR-CO-24", "BT-144", ac)
        ctx.check(line.vat is not None and code(line.vat.category) is not None, "BR-CO-04", "BT-151", line)
        if item is not None:
            for attr in item.attributes:
                ctx.check(attr.name is not None and attr.value is not None, "BR-54", "BG-32", attr)
            if item.standard_id is not None:
                ctx.check(present(item.standard_id.scheme), "BR-64", "BT-157", line)
            for cls in item.classifications:
                ctx.check(present(cls.scheme), "BR-65", "BT-158", line)


def _doc_ac(ctx: Ctx, ac: AllowanceCharge) -> None:
    if ac.is_charge:
        ctx.check(ac.amount is not None, "BR-36", "BT-99", ac)
        ctx.check(code(ac.vat_category) is not None, "BR-37", "BT-102", ac)
        ok = present(ac.reason) or present(ac.reason_code)
        ctx.check(ok, "BR-38", "BT-104", ac)
        ctx.check(ok, "BR-CO-22", "BT-104", ac)
    else:
        ctx.check(ac.amount is not None, "BR-31", "BT-92", ac)
        ctx.check(code(ac.vat_category) is not None, "BR-32", "BT-95", ac)
        ok = present(ac.reason) or present(ac.reason_code)
        ctx.check(ok, "BR-33", "BT-97", ac)
        ctx.check(ok, "BR-CO-21", "BT-97", ac)


def core_document_details(ctx: Ctx) -> None:
    """BR-29, BR-31…BR-38, BR-45…BR-55, BR-61, BR-CO-03, BR-CO-18, BR-CO-19, BR-CO-26."""
    inv = ctx.invoice
    period = inv.invoicing_period
    if period is not None:
        if period.start is not None and period.end is not None:
            ctx.check(period.end >= period.start, "BR-29", "BT-74")
        ctx.check(
            period.start is not None
            or period.end is not None
            or _has(ctx, "BT-73")
            or _has(ctx, "BT-74")
            or present(inv.tax_point_date_code),
            "BR-CO-19",
            "BG-14",
        )
    for ac in (*inv.allowances, *inv.charges):
        _doc_ac(ctx, ac)
    for b in inv.vat_breakdown:
        ctx.check(b.taxable_amount is not None or _has(ctx, "BT-116", b), "BR-45", "BT-116", b)
        ctx.check(b.tax_amount is not None or _has(ctx, "BT-117", b), "BR-46", "BT-117", b)
        cat = code(b.category)
        ctx.check(cat is not None, "BR-47", "BT-118", b)
        ctx.check(b.rate is not None or cat == "O", "BR-48", "BT-119", b)
    pay = inv.payment
    if pay is not None:
        means = code(pay.means_code)
        ctx.check(present(means), "BR-49", "BT-81")
        if means in {"30", "58"}:
            for ct in pay.credit_transfers:
                ctx.check(present(ct.account_id), "BR-50", "BT-84", ct)
            ctx.check(any(present(ct.account_id) for ct in pay.credit_transfers), "BR-61", "BT-84")
        if pay.card is not None and pay.card.account_number is not None:
            ctx.check(len(pay.card.account_number.strip()) <= 10, "BR-51", "BT-87")
    for doc in inv.additional_documents:
        ctx.check(present(doc.reference), "BR-52", "BT-122", doc)
    if present(inv.tax_currency_code) and ctx.syntax != "CII":  # CII: checked on the tree
        t = inv.totals
        same = code(inv.tax_currency_code) == code(inv.currency_code)
        ok = t is not None and (t.vat_total_tax_currency is not None or (same and t.vat_total is not None))
        ctx.check(ok, "BR-53", "BT-111")
    if ctx.syntax == "CII":  # UBL: checked on the tree (BillingReference without a reference)
        for prec in inv.preceding_invoices:
            ctx.check(present(prec.reference), "BR-55", "BT-25", prec)
    ctx.check(not (inv.tax_point_date is not None and present(inv.tax_point_date_code)), "BR-CO-03", "BT-7")
    ctx.check(bool(inv.vat_breakdown), "BR-CO-18", "BG-23")
    seller = inv.seller
    ctx.check(
        seller is not None
        and (bool(seller.identifiers) or seller.legal_registration_id is not None or present(seller.vat_id)),
        "BR-CO-26",
        "BT-29",
        seller,
    )


def vat_identifiers(ctx: Ctx) -> None:
    """BR-CO-09: VAT identifiers start with an ISO 3166-1 alpha-2 country code (EL for Greece)."""
    inv = ctx.invoice
    checks = (
        (inv.seller.vat_id if inv.seller else None, "BT-31"),
        (inv.buyer.vat_id if inv.buyer else None, "BT-48"),
        (inv.tax_representative.vat_id if inv.tax_representative else None, "BT-63"),
    )
    for value, bt in checks:
        if value is not None:
            ctx.check(value[:2] in VAT_ID_PREFIXES, "BR-CO-09", bt)


def _sum(values: list[Decimal | None]) -> Decimal:
    total = _ZERO
    for v in values:
        if v is not None:
            total += v
    return total


def totals(ctx: Ctx) -> None:
    """BR-CO-10…BR-CO-17, BR-CO-25: the arithmetic of totals and VAT."""
    inv = ctx.invoice
    t = inv.totals
    if t is not None:
        if t.line_net_total is not None:
            ctx.check(
                t.line_net_total == round2(_sum([ln.net_amount for ln in ctx.lines])), "BR-CO-10", "BT-106"
            )
        allowances = [a.amount for a in inv.allowances]
        charges = [c.amount for c in ctx.charges]
        if t.allowance_total is not None:
            ctx.check(t.allowance_total == round2(_sum(allowances)), "BR-CO-11", "BT-107")
        elif inv.allowances and _has(ctx, "BT-107") is False:
            ctx.fail("BR-CO-11", "BT-107")
        if t.charge_total is not None:
            ctx.check(t.charge_total == round2(_sum(charges)), "BR-CO-12", "BT-108")
        elif ctx.charges:
            ctx.fail("BR-CO-12", "BT-108")
        if t.tax_exclusive is not None or t.line_net_total is not None:
            ok = False
            if t.tax_exclusive is not None and t.line_net_total is not None:
                expected = t.line_net_total + (t.charge_total or _ZERO) - (t.allowance_total or _ZERO)
                if t.charge_total is None and t.allowance_total is None:
                    ok = t.tax_exclusive == t.line_net_total
                else:
                    ok = t.tax_exclusive == round2(expected)
            ctx.check(ok, "BR-CO-13", "BT-109")
        if t.tax_inclusive is not None or t.tax_exclusive is not None:
            ok = (
                t.tax_inclusive is not None
                and t.tax_exclusive is not None
                and t.vat_total is not None
                and t.tax_inclusive == round2(t.tax_exclusive + t.vat_total)
            )
            if ctx.syntax == "CII" and t.tax_inclusive is not None and t.tax_inclusive == t.tax_exclusive:
                ok = True  # the CII binding accepts BT-112 = BT-109 whatever BT-110 says
            ctx.check(ok, "BR-CO-15", "BT-112")
        if t.payable is not None and t.tax_inclusive is not None:
            incl = t.tax_inclusive
            if t.rounding is None:
                expected = round2(incl - t.prepaid) if t.prepaid is not None else incl
                ok = t.payable == expected
            else:
                ok = round2(t.payable - t.rounding) == round2(incl - (t.prepaid or _ZERO))
            ctx.check(ok, "BR-CO-16", "BT-115")
        if t.payable is not None and t.payable > _ZERO and ctx.syntax != "UBL-CreditNote":
            ctx.check(inv.due_date is not None or inv.payment_terms is not None, "BR-CO-25", "BT-115")
        if t.vat_total is not None and inv.vat_breakdown:
            ctx.check(
                t.vat_total == round2(_sum([b.tax_amount for b in inv.vat_breakdown])), "BR-CO-14", "BT-110"
            )
    for b in inv.vat_breakdown:
        if b.tax_amount is None:
            continue
        if b.rate is None or round0(b.rate) == _ZERO:
            ctx.check(round0(b.tax_amount) == _ZERO, "BR-CO-17", "BT-117", b)
        elif b.taxable_amount is not None:
            expected = round2(abs(b.taxable_amount) * (b.rate / 100))
            tax = abs(b.tax_amount)
            ctx.check(ctx.within_one(tax, expected), "BR-CO-17", "BT-117", b)


_DEC_DOC_AC = (("BR-DEC-01", "BT-92", "BR-DEC-02", "BT-93"), ("BR-DEC-05", "BT-99", "BR-DEC-06", "BT-100"))


def decimals_rules(ctx: Ctx) -> None:
    """BR-DEC-*: at most two decimals in amounts."""
    inv = ctx.invoice
    for ac in (*inv.allowances, *inv.charges):
        r_amount, bt_amount, r_base, bt_base = _DEC_DOC_AC[1 if ac.is_charge else 0]
        ctx.check(decimals(ac.amount) <= 2, r_amount, bt_amount, ac)
        ctx.check(decimals(ac.base_amount) <= 2, r_base, bt_base, ac)
    t = inv.totals
    if t is not None:
        for value, rule, bt in (
            (t.line_net_total, "BR-DEC-09", "BT-106"),
            (t.allowance_total, "BR-DEC-10", "BT-107"),
            (t.charge_total, "BR-DEC-11", "BT-108"),
            (t.tax_exclusive, "BR-DEC-12", "BT-109"),
            (t.vat_total, "BR-DEC-13", "BT-110"),
            (t.tax_inclusive, "BR-DEC-14", "BT-112"),
            (t.vat_total_tax_currency, "BR-DEC-15", "BT-111"),
            (t.prepaid, "BR-DEC-16", "BT-113"),
            (t.rounding, "BR-DEC-17", "BT-114"),
            (t.payable, "BR-DEC-18", "BT-115"),
        ):
            if ctx.syntax == "CII" and rule in {"BR-DEC-13", "BR-DEC-15"} and value is not None:
                # the CII binding compares the value, not the text
                ctx.check(value == round2(value), rule, bt)
            else:
                ctx.check(decimals(value) <= 2, rule, bt)
    for b in inv.vat_breakdown:
        ctx.check(decimals(b.taxable_amount) <= 2, "BR-DEC-19", "BT-116", b)
        ctx.check(decimals(b.tax_amount) <= 2, "BR-DEC-20", "BT-117", b)
    for line in inv.lines:
        ctx.check(decimals(line.net_amount) <= 2, "BR-DEC-23", "BT-131", line)
        for ac in line.allowances:
            ctx.check(decimals(ac.amount) <= 2, "BR-DEC-24", "BT-136", ac)
            ctx.check(decimals(ac.base_amount) <= 2, "BR-DEC-25", "BT-137", ac)
        for ac in line.charges:
            ctx.check(decimals(ac.amount) <= 2, "BR-DEC-27", "BT-141", ac)
            ctx.check(decimals(ac.base_amount) <= 2, "BR-DEC-28", "BT-142", ac)


RULES = (
    core_document,
    core_parties,
    core_lines,
    core_document_details,
    vat_identifiers,
    totals,
    decimals_rules,
)
