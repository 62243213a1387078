"""Test builders for the EN 16931 model: ``make_invoice(**overrides)`` and friends.

``make_invoice()`` returns a complete, arithmetically consistent XRechnung 3.0 invoice (two lines at
19 % and 7 %, one document allowance, one charge, SEPA credit transfer, Leitweg-ID); keyword overrides
replace top-level :class:`~einvoice.domain.model.Invoice` fields. Use ``make_line``/``make_party`` for
parts, ``recompute_totals(inv)`` after changing lines or allowances to keep BG-22/BG-23 consistent.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from einvoice.domain.model import (
    Address,
    AllowanceCharge,
    Contact,
    CreditTransfer,
    DocumentTotals,
    Identifier,
    Invoice,
    InvoiceLine,
    Item,
    LineVat,
    Note,
    Party,
    PaymentInstructions,
    Period,
    Price,
    VatBreakdown,
    VatCategory,
)

XRECHNUNG_30 = "urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
PEPPOL_PROCESS = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
CENT = Decimal("0.01")

__all__ = ["XRECHNUNG_30", "make_address", "make_invoice", "make_line", "make_party", "recompute_totals"]


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def make_address(**overrides: Any) -> Address:
    base = Address(line1="Rathausplatz 1", city="Musterstadt", post_code="12345", country_code="DE")
    return replace(base, **overrides)


def make_party(*, seller: bool = True, **overrides: Any) -> Party:
    if seller:
        base = Party(
            name="Muster Bau GmbH",
            trading_name="Muster Bau",
            identifiers=[Identifier("4000001123452", "0088")],
            legal_registration_id=Identifier("HRB 12345"),
            vat_id="DE123456789",
            tax_registration_id="201/113/40209",
            legal_info="Geschäftsführer: Max Muster",
            electronic_address=Identifier("rechnung@muster-bau.de", "EM"),
            address=make_address(line1="Baustraße 5", city="Köln", post_code="50667"),
            contact=Contact(name="Max Muster", telephone="+49 221 123456", email="max@muster-bau.de"),
        )
    else:
        base = Party(
            name="Stadt Musterstadt",
            identifiers=[Identifier("04011000-12345-03", "0204")],
            electronic_address=Identifier("04011000-12345-03", "0204"),
            address=make_address(),
            contact=Contact(name="Kämmerei", telephone="+49 123 4567", email="kaemmerei@musterstadt.de"),
        )
    return replace(base, **overrides)


def make_line(line_id: str = "1", *, quantity: str = "10", price: str = "12.50", rate: str = "19",
              category: VatCategory = VatCategory.STANDARD, name: str = "Beton C25/30", unit: str = "H87",
              **overrides: Any) -> InvoiceLine:
    qty, net_price = Decimal(quantity), Decimal(price)
    line = InvoiceLine(
        id=line_id,
        quantity=qty,
        unit_code=unit,
        net_amount=_money(qty * net_price),
        price=Price(net_price=net_price),
        vat=LineVat(category=category, rate=Decimal(rate) if category is not VatCategory.NOT_SUBJECT else None),
        item=Item(name=name, seller_id=f"ART-{line_id}"),
    )
    return replace(line, **overrides)


def recompute_totals(inv: Invoice) -> Invoice:
    """Recompute BG-22 and BG-23 from lines, allowances and charges (BR-CO-10…16 consistent)."""
    groups: dict[tuple[str, Decimal | None], Decimal] = defaultdict(Decimal)
    for line in inv.lines:
        if line.vat is not None and line.net_amount is not None:
            groups[(str(line.vat.category), line.vat.rate)] += line.net_amount
    for ac in [*inv.allowances, *inv.charges]:
        if ac.amount is not None:
            groups[(str(ac.vat_category), ac.vat_rate)] += ac.amount if ac.is_charge else -ac.amount
    breakdown: list[VatBreakdown] = []
    for (cat, rate), base in groups.items():
        tax = _money(base * (rate or Decimal(0)) / 100)
        breakdown.append(VatBreakdown(taxable_amount=_money(base), tax_amount=tax, category=VatCategory(cat), rate=rate))
    inv.vat_breakdown = breakdown
    line_total = _money(sum((ln.net_amount or Decimal(0) for ln in inv.lines), Decimal(0)))
    allowances = _money(sum((a.amount or Decimal(0) for a in inv.allowances), Decimal(0)))
    charges = _money(sum((c.amount or Decimal(0) for c in inv.charges), Decimal(0)))
    tax_exclusive = line_total - allowances + charges
    vat_total = _money(sum((b.tax_amount or Decimal(0) for b in breakdown), Decimal(0)))
    prepaid = inv.totals.prepaid if inv.totals and inv.totals.prepaid is not None else Decimal("0.00")
    inv.totals = DocumentTotals(
        line_net_total=line_total,
        allowance_total=allowances if inv.allowances else None,
        charge_total=charges if inv.charges else None,
        tax_exclusive=tax_exclusive,
        vat_total=vat_total,
        tax_inclusive=tax_exclusive + vat_total,
        prepaid=prepaid,
        payable=tax_exclusive + vat_total - prepaid,
    )
    return inv


def make_invoice(**overrides: Any) -> Invoice:
    """A complete, consistent XRechnung 3.0 invoice; ``overrides`` replace top-level fields.

    Totals are computed before overrides are applied, so an override of ``lines`` or ``totals`` is
    taken as given (call :func:`recompute_totals` to make it consistent again).
    """
    inv = Invoice(
        number="RE-2026-0001",
        issue_date=date(2026, 3, 2),
        type_code="380",
        currency_code="EUR",
        due_date=date(2026, 4, 1),
        buyer_reference="04011000-12345-03",
        purchase_order_reference="BEST-4711",
        contract_reference="V-2025-17",
        payment_terms="Zahlbar innerhalb von 30 Tagen.\n#SKONTO#TAGE=14#PROZENT=2.00#\n",
        notes=[Note(text="Lieferung gemäß Rahmenvertrag."), Note(text="Bitte Rechnungsnummer angeben.", subject_code="AAI")],
        business_process=PEPPOL_PROCESS,
        specification_id=XRECHNUNG_30,
        seller=make_party(seller=True),
        buyer=make_party(seller=False),
        invoicing_period=Period(start=date(2026, 2, 1), end=date(2026, 2, 28)),
        payment=PaymentInstructions(
            means_code="58",
            means_text="SEPA credit transfer",
            remittance_information="RE-2026-0001",
            credit_transfers=[CreditTransfer(account_id="DE02120300000000202051", account_name="Muster Bau GmbH",
                                             service_provider_id="BYLADEM1001")],
        ),
        allowances=[AllowanceCharge(is_charge=False, amount=Decimal("5.00"), vat_category=VatCategory.STANDARD,
                                    vat_rate=Decimal("19"), reason="Rabatt", reason_code="95")],
        charges=[AllowanceCharge(is_charge=True, amount=Decimal("10.00"), vat_category=VatCategory.STANDARD,
                                 vat_rate=Decimal("19"), reason="Fracht", reason_code="FC")],
        lines=[
            make_line("1"),
            make_line("2", quantity="3", price="40.00", rate="7", name="Fachbuch Statik", unit="C62"),
        ],
    )
    recompute_totals(inv)
    for key, value in overrides.items():
        if not hasattr(inv, key):
            raise TypeError(f"Invoice has no field {key!r}")
        setattr(inv, key, value)
    return inv
