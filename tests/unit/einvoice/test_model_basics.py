"""The EN 16931 model: exact decimals, code helpers, line traversal, the test builder."""

from __future__ import annotations

from decimal import Decimal

import pytest

from einvoice.domain.model import (
    CREDIT_NOTE_TYPE_CODES,
    Attachment,
    Invoice,
    InvoiceLine,
    VatCategory,
    decimals,
)
from tests.unit.einvoice.builders import make_invoice, make_line, recompute_totals


@pytest.mark.parametrize(
    ("text", "expected"),
    [("10", 0), ("10.5", 1), ("10.50", 2), ("0.001", 3), ("-3.1000", 4), ("1E+2", 0), ("100.", 0)],
)
def test_decimals_counts_fraction_digits_as_written(text: str, expected: int) -> None:
    assert decimals(Decimal(text)) == expected


def test_decimals_of_missing_or_special_values_is_zero() -> None:
    assert decimals(None) == 0
    assert decimals(Decimal("NaN")) == 0


def test_vat_category_parse_keeps_unknown_codes_as_text() -> None:
    assert VatCategory.parse("S") is VatCategory.STANDARD
    assert VatCategory.parse("AE") is VatCategory.REVERSE_CHARGE
    assert VatCategory.parse("X") == "X"
    assert not isinstance(VatCategory.parse("X"), VatCategory)
    assert VatCategory.parse(None) is None


def test_credit_note_by_type_code() -> None:
    assert "381" in CREDIT_NOTE_TYPE_CODES
    assert make_invoice(type_code="381").is_credit_note
    assert not make_invoice().is_credit_note
    assert not Invoice().is_credit_note


def test_iter_lines_is_depth_first_over_sub_lines() -> None:
    child = InvoiceLine(id="1.1", sub_lines=[InvoiceLine(id="1.1.1")])
    inv = Invoice(lines=[InvoiceLine(id="1", sub_lines=[child, InvoiceLine(id="1.2")]), InvoiceLine(id="2")])
    assert [ln.id for ln in inv.iter_lines()] == ["1", "1.1", "1.1.1", "1.2", "2"]


def test_empty_invoice_is_constructible_everything_optional() -> None:
    inv = Invoice()
    assert inv.number is None and inv.totals is None and inv.lines == []


def test_builder_is_arithmetically_consistent() -> None:
    inv = make_invoice()
    t = inv.totals
    assert t is not None
    assert t.line_net_total == sum(ln.net_amount for ln in inv.lines if ln.net_amount is not None)
    assert t.tax_exclusive == t.line_net_total - (t.allowance_total or 0) + (t.charge_total or 0)
    assert t.vat_total == sum(vb.tax_amount for vb in inv.vat_breakdown if vb.tax_amount is not None)
    assert t.payable == t.tax_inclusive - (t.prepaid or 0)
    for vb in inv.vat_breakdown:
        assert vb.tax_amount == (vb.taxable_amount * vb.rate / 100).quantize(Decimal("0.01"))


def test_builder_overrides_and_recompute() -> None:
    inv = make_invoice(number="X-1", lines=[make_line("1", quantity="2", price="5.00")])
    assert inv.number == "X-1"
    recompute_totals(inv)
    assert inv.totals is not None and inv.totals.line_net_total == Decimal("10.00")
    with pytest.raises(TypeError):
        make_invoice(no_such_field=1)


def test_attachment_decodes_lazily_and_flags_bad_base64() -> None:
    good = Attachment(encoded="aGVs\nbG8=", mime_code="text/plain", filename="a.txt")
    assert good.is_valid and good.content == b"hello"
    assert good == Attachment(b"hello", "text/plain", "a.txt")
    bad = Attachment(encoded="not base64!!")
    assert not bad.is_valid and bad.content == b""
    assert "size=" in repr(good)
