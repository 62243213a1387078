"""Syntax-binding rules on the XML tree (UBL-SR, CII-SR, CII-DT, PEPPOL rules of XRechnung): one valid
corpus invoice per syntax, broken in exactly one place per case."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from einvoice.services import validate
from tests.unit.einvoice.corpus_expectations import corpus_files

UBL = [p for p in corpus_files("xrechnung-ubl") if "01.01a" in p.name]
CII = [p for p in corpus_files("xrechnung-cii") if "01.01a" in p.name]

pytestmark = pytest.mark.skipif(not (UBL and CII), reason="e-invoice corpus not available")


def _once(pattern: bytes, repl: bytes) -> Callable[[bytes], bytes]:
    def mutate(data: bytes) -> bytes:
        out, n = re.subn(pattern, repl, data, count=1)
        assert n == 1, pattern
        return out

    return mutate


UBL_CASES = [
    ("UBL-SR-05", _once(rb"(<cac:PaymentTerms>\s*<cbc:Note>)", rb"\1x</cbc:Note><cbc:Note>")),
    ("UBL-SR-53", _once(rb"(<cac:PartyTaxScheme>)\s*<cbc:CompanyID>[^<]*</cbc:CompanyID>", rb"\1")),
    ("UBL-DT-01", _once(rb'(<cbc:PayableAmount currencyID="EUR">)([0-9]+\.[0-9]+)', rb"\g<1>\g<2>001")),
    ("BR-CL-03", _once(rb'<cbc:PayableAmount currencyID="EUR">', rb'<cbc:PayableAmount currencyID="EURO">')),
    (
        "PEPPOL-EN16931-R008",
        _once(rb"(<cbc:BuyerReference>[^<]*</cbc:BuyerReference>)", rb"\1<cbc:AccountingCost/>"),
    ),
    ("PEPPOL-EN16931-R053", _once(rb"(?s)(<cac:TaxTotal>.*?</cac:TaxTotal>)", rb"\1\1")),
    (
        "UBL-CR-646",
        _once(rb"(</cac:InvoiceLine>)", rb"<cac:SubInvoiceLine><cbc:ID>1.1</cbc:ID></cac:SubInvoiceLine>\1"),
    ),
]

CII_CASES = [
    (
        "CII-SR-452",
        _once(rb"(?s)(<ram:SpecifiedTradePaymentTerms>.*?</ram:SpecifiedTradePaymentTerms>)", rb"\1\1"),
    ),
    (
        "CII-SR-455",
        _once(
            rb"(?s)(<ram:SellerTradeParty>.*?)(<ram:DefinedTradeContact>.*?</ram:DefinedTradeContact>)",
            rb"\1\2\2",
        ),
    ),
    ("CII-DT-031", _once(rb"<ram:LineTotalAmount>", rb'<ram:LineTotalAmount currencyID="EUR">')),
    ("CII-DT-088", _once(rb"(<ram:PostalTradeAddress>)", rb"\1<ram:StreetName>Hauptstr.</ram:StreetName>")),
    ("CII-DT-097", _once(rb'(<udt:DateTimeString format="102">)[0-9]{8}', rb"\g<1>20241301")),
    ("CII-DT-037", _once(rb"<ram:TypeCode>VAT</ram:TypeCode>", rb"<ram:TypeCode>GST</ram:TypeCode>")),
    # the first trade tax is the line's ApplicableTradeTax (lines precede the header in CII)
    (
        "CII-DT-038",
        _once(rb"(<ram:TypeCode>VAT</ram:TypeCode>)", rb"\1<ram:CalculatedRate>19</ram:CalculatedRate>"),
    ),
    (
        "CII-DT-041",
        _once(rb"(<ram:TypeCode>VAT</ram:TypeCode>)", rb"\1<ram:BasisAmount>1.00</ram:BasisAmount>"),
    ),
    ("CII-DT-045", _once(rb"<ram:CategoryCode>", rb'<ram:CategoryCode listID="UNCL5305">')),
    (
        "BR-DE-18-a",
        _once(
            rb"(<ram:SpecifiedTradePaymentTerms>)",
            rb"\1<ram:Description>a</ram:Description><ram:Description>b</ram:Description>",
        ),
    ),
]


def _errors(data: bytes, name: str) -> set[str]:
    report = validate(data, name)
    assert report.readable
    return {f.rule for f in report.findings if f.severity in ("error", "fatal")}


def test_base_invoices_are_valid() -> None:
    assert _errors(UBL[0].read_bytes(), UBL[0].name) == set()
    assert _errors(CII[0].read_bytes(), CII[0].name) == set()


@pytest.mark.parametrize(("rule", "mutate"), UBL_CASES, ids=[c[0] for c in UBL_CASES])
def test_ubl_tree_rule(rule: str, mutate: Callable[[bytes], bytes]) -> None:
    assert rule in _errors(mutate(UBL[0].read_bytes()), "x.xml")


@pytest.mark.parametrize(("rule", "mutate"), CII_CASES, ids=[c[0] for c in CII_CASES])
def test_cii_tree_rule(rule: str, mutate: Callable[[bytes], bytes]) -> None:
    assert rule in _errors(mutate(CII[0].read_bytes()), "x.xml")


@pytest.mark.parametrize(
    ("rule", "mutate"),
    [
        (
            "UBL-CR-005",
            _once(
                rb"(<cbc:ID>[^<]*</cbc:ID>)", rb"\1<cbc:UUID>0f8fad5b-d9cb-469f-a165-70867728950e</cbc:UUID>"
            ),
        ),
        ("UBL-CR-563", _once(rb"(<cac:Item>\s*(?:<cbc:Description>[^<]*</cbc:Description>\s*)*)",  # schema order
                             rb"\1<cbc:PackQuantity unitCode='C62'>1</cbc:PackQuantity>")),
        ("UBL-CR-679", _once(rb"(<cac:ClassifiedTaxCategory>\s*<cbc:ID)", rb"\1 schemeID='UNCL5305'")),
    ],
    ids=["UBL-CR-005", "UBL-CR-563", "UBL-CR-679"],
)
def test_ubl_cr_rules_are_warnings(rule: str, mutate: Callable[[bytes], bytes]) -> None:
    report = validate(mutate(UBL[0].read_bytes()), "x.xml")
    finding = next(f for f in report.findings if f.rule == rule)
    assert finding.severity == "warning" and "should not include" in finding.message
    assert report.valid


@pytest.mark.parametrize(
    ("rule", "mutate"),
    [
        (
            "CII-SR-013",
            _once(
                rb"(<rsm:ExchangedDocument>\s*<ram:ID>[^<]*</ram:ID>)", rb"\1<ram:Name>Rechnung</ram:Name>"
            ),
        ),
        (
            "CII-SR-138",
            _once(
                rb"(<ram:NetPriceProductTradePrice>\s*<ram:ChargeAmount>[^<]*</ram:ChargeAmount>)",
                rb"\1<ram:MinimumQuantity unitCode='C62'>1</ram:MinimumQuantity>",
            ),
        ),
        (
            "CII-SR-450",
            _once(
                rb"(<ram:BuyerTradeParty>)",
                rb"\1<ram:ID>K1</ram:ID><ram:GlobalID schemeID='0088'>4000001000005</ram:GlobalID>",
            ),
        ),
    ],
    ids=["CII-SR-013", "CII-SR-138", "CII-SR-450"],
)
def test_cii_sr_rules_are_warnings(rule: str, mutate: Callable[[bytes], bytes]) -> None:
    report = validate(mutate(CII[0].read_bytes()), "x.xml")
    finding = next(f for f in report.findings if f.rule == rule)
    assert finding.severity == "warning" and "should" in finding.message
    assert not [
        f for f in report.findings if f.severity in ("error", "fatal") and f.rule.startswith("CII-SR")
    ]
