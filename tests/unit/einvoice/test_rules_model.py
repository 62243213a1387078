"""Table-driven tests of the model rules: one case per rule id, each starting from the complete,
consistent builder invoice and breaking exactly one thing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

import pytest

from einvoice.domain.model import (
    AllowanceCharge,
    CardPayment,
    DirectDebit,
    Identifier,
    Invoice,
    LineVat,
    VatBreakdown,
)
from einvoice.rules import check_rules
from einvoice.rules.base import round2
from einvoice.rules.catalogue import RULES
from einvoice.rules.xrechnung import _iban_ok, skonto_lines_ok
from tests.unit.einvoice.builders import make_invoice, make_line, recompute_totals


def _fired(inv: Invoice, *, syntax: str = "UBL-Invoice", xrechnung: bool = True) -> set[str]:
    return {f.rule for f in check_rules(inv, syntax=syntax, xrechnung_rules=xrechnung)}


def test_builder_invoice_is_clean() -> None:
    assert _fired(make_invoice()) == set()


def _set(path: str, value: object) -> Callable[[Invoice], None]:
    def mutate(inv: Invoice) -> None:
        *parents, last = path.split(".")
        obj: object = inv
        for p in parents:
            obj = getattr(obj, p)
        setattr(obj, last, value)

    return mutate


def _first_line(attr: str, value: object) -> Callable[[Invoice], None]:
    return lambda inv: setattr(inv.lines[0], attr, value)


def _totals(attr: str, delta: str) -> Callable[[Invoice], None]:
    def mutate(inv: Invoice) -> None:
        assert inv.totals is not None
        setattr(inv.totals, attr, getattr(inv.totals, attr) + Decimal(delta))

    return mutate


def _breakdown(attr: str, value: object) -> Callable[[Invoice], None]:
    return lambda inv: setattr(inv.vat_breakdown[0], attr, value)


CASES: list[tuple[str, Callable[[Invoice], None]]] = [
    ("BR-01", _set("specification_id", None)),
    ("BR-02", _set("number", " ")),
    ("BR-04", _set("type_code", None)),
    ("BR-05", _set("currency_code", None)),
    ("BR-06", _set("seller.name", None)),
    ("BR-07", _set("buyer.name", "")),
    ("BR-08", _set("seller.address", None)),
    ("BR-09", _set("seller.address.country_code", None)),
    ("BR-11", _set("buyer.address.country_code", None)),
    ("BR-16", _set("lines", [])),
    ("BR-21", _first_line("id", None)),
    ("BR-23", _first_line("unit_code", None)),
    ("BR-CO-04", _first_line("vat", None)),
    ("BR-CO-10", _totals("line_net_total", "0.01")),
    ("BR-CO-13", _totals("tax_exclusive", "1")),
    ("BR-CO-14", _totals("vat_total", "0.01")),
    ("BR-CO-15", _totals("tax_inclusive", "0.02")),
    ("BR-CO-16", _totals("payable", "5")),
    ("BR-CO-17", _breakdown("tax_amount", Decimal("999.00"))),
    ("BR-CO-18", _set("vat_breakdown", [])),
    ("BR-CO-09", _set("seller.vat_id", "XX123")),
    (
        "BR-CO-26",
        lambda inv: (
            setattr(inv.seller, "identifiers", []),
            setattr(inv.seller, "legal_registration_id", None),
            setattr(inv.seller, "vat_id", None),
        ),
    ),
    ("BR-DEC-23", _first_line("net_amount", Decimal("1.005"))),
    ("BR-CL-04", _set("currency_code", "EURO")),
    ("BR-CL-16", _set("payment.means_code", "999")),
    ("BR-CL-23", _first_line("unit_code", "STUECK")),
    ("BR-S-05", lambda inv: setattr(inv.lines[0], "vat", LineVat("S", Decimal(0)))),
    ("BR-S-10", _breakdown("exemption_reason", "steuerfrei")),
    ("BR-Z-01", lambda inv: setattr(inv.lines[0], "vat", LineVat("Z", Decimal(0)))),
    (
        "BR-O-11",
        lambda inv: inv.vat_breakdown.append(
            VatBreakdown(Decimal(0), Decimal(0), "O", None, "Nicht steuerbar")
        ),
    ),
    (
        "BR-AE-02",
        lambda inv: (
            setattr(inv.lines[0], "vat", LineVat("AE", Decimal(0))),
            setattr(inv.buyer, "vat_id", None),
        ),
    ),
    (
        "BR-31",
        lambda inv: inv.allowances.append(
            AllowanceCharge(False, None, vat_category="S", vat_rate=Decimal(19), reason="x")
        ),
    ),
    (
        "BR-33",
        lambda inv: inv.allowances.append(
            AllowanceCharge(False, Decimal(1), vat_category="S", vat_rate=Decimal(19))
        ),
    ),
    ("BR-37", lambda inv: inv.charges.append(AllowanceCharge(True, Decimal(1), reason="Fracht"))),
    ("BR-51", lambda inv: setattr(inv.payment, "card", CardPayment("4111111111111111"))),
    ("BR-62", lambda inv: setattr(inv.seller, "electronic_address", Identifier("x@example.org"))),
    # XRechnung
    ("BR-DE-1", _set("payment", None)),
    ("BR-DE-2", _set("seller.contact", None)),
    ("BR-DE-3", _set("seller.address.city", None)),
    ("BR-DE-7", _set("seller.contact.email", None)),
    ("BR-DE-15", _set("buyer_reference", "")),
    ("BR-DE-17", _set("type_code", "383")),
    ("BR-DE-18", _set("payment_terms", "#SKONTO#TAGE=14#PROZENT=2,00#\n")),
    ("BR-DE-21", _set("specification_id", "urn:cen.eu:en16931:2017")),
    (
        "BR-DE-23-b",
        lambda inv: setattr(
            inv.payment, "direct_debit", DirectDebit("M1", "DE98ZZZ09999999999", "DE02120300000000202051")
        ),
    ),
    ("BR-DE-28", _set("seller.contact.email", "kein-at-zeichen")),
    ("AW-LEITWEG-ID", _set("buyer_reference", "04011000-1234512345-07")),
]


@pytest.mark.parametrize(("rule", "mutate"), CASES, ids=[c[0] for c in CASES])
def test_rule_fires_for_its_violation(rule: str, mutate: Callable[[Invoice], None]) -> None:
    inv = make_invoice()
    mutate(inv)
    fired = _fired(inv)
    assert rule in fired, sorted(fired)
    assert rule in RULES


def test_xrechnung_rules_only_when_asked() -> None:
    inv = make_invoice(buyer_reference=None)
    assert "BR-DE-15" not in _fired(inv, xrechnung=False)


def test_line_sums_follow_recomputed_totals() -> None:
    inv = make_invoice()
    inv.lines.append(make_line("3", quantity="2", price="5.00", rate="7"))
    assert _fired(recompute_totals(inv)) == set()


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ("#SKONTO#TAGE=14#PROZENT=2.00#\n", True),
        ("#SKONTO#TAGE=14#PROZENT=2.00#BASISBETRAG=100.00#\n", True),
        ("#SKONTO#TAGE=7#PROZENT=3.00#\n#SKONTO#TAGE=14#PROZENT=2.00#\n", True),
        ("Zahlbar sofort", True),
        ("#VERZUG#TAGE=30#PROZENT=5.00#\n", True),
        ("#SKONTO#TAGE=14#PROZENT=2.00#", False),  # no line break at the end
        ("#skonto#tage=14#prozent=2.00#\n", False),  # lower case
        ("#SKONTO#TAGE=14#PROZENT=2.0#\n", False),  # one decimal
        ("#SKONTO# TAGE=14#PROZENT=2.00#\n", False),  # extra whitespace
    ],
)
def test_br_de_18_skonto_format(text: str, ok: bool) -> None:
    assert skonto_lines_ok(text) is ok


@pytest.mark.parametrize(
    ("iban", "ok"),
    [
        ("DE02120300000000202051", True),
        ("DE02 1203 0000 0000 2020 51", True),
        ("DE03120300000000202051", False),
        (None, False),
        ("X", False),
    ],
)
def test_iban_check_as_in_schematron(iban: str | None, ok: bool) -> None:
    assert _iban_ok(iban) is ok


@pytest.mark.parametrize(
    ("value", "rounded"), [("2.345", "2.35"), ("-2.345", "-2.34"), ("13.775", "13.78"), ("1", "1")]
)
def test_round2_is_xpath_round(value: str, rounded: str) -> None:
    assert round2(Decimal(value)) == Decimal(rounded)


def test_cii_tolerance_is_inclusive_ubl_strict() -> None:
    inv = make_invoice()
    b = inv.vat_breakdown[0]
    assert b.taxable_amount is not None and b.rate is not None
    exact = round2(b.taxable_amount * b.rate / 100)
    inv.vat_breakdown[0] = replace(b, tax_amount=exact + 1)
    assert "BR-CO-17" in _fired(inv, syntax="UBL-Invoice", xrechnung=False)
    assert "BR-CO-17" not in _fired(inv, syntax="CII", xrechnung=False)


def test_catalogue_is_complete_and_consistent() -> None:
    for rule_id, spec in RULES.items():
        assert spec.id == rule_id
        assert spec.severity in {"fatal", "error", "warning", "information"}
        assert spec.message_en or spec.message_de
        if rule_id.startswith("BR-DE-"):
            assert spec.message_de and spec.origin == "XRechnung"
    assert RULES["BR-51"].severity == "warning"
    assert RULES["BR-DE-17"].severity == "warning"
    assert RULES["BR-DE-15"].severity == "error"
