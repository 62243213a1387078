"""Rules run on partial and odd documents and never crash (a crash would surface as AW-INTERNAL)."""

from __future__ import annotations

import dataclasses
import random
from datetime import date
from decimal import Decimal
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from einvoice.rules import check_rules
from einvoice.services import validate
from tests.unit.einvoice.builders import make_invoice

ODD_STR: list[Any] = ["", " ", "X", "0", "#SKONTO#", "DE00 0000"]
ODD_DECIMAL: list[Any] = [Decimal("-1"), Decimal("0"), Decimal("1E+3"), Decimal("0.001"), Decimal("-0.005")]
ODD_DATE: list[Any] = [date(1900, 1, 1), date(2099, 12, 31)]


def _odd_value(annotation: str, rng: random.Random) -> Any:
    """A value of the field's declared type (or None where optional): partial, not ill-typed."""
    types = {t.strip() for t in annotation.split("|")}
    choices: list[Any] = [None] if "None" in types else []
    if "Decimal" in types:
        choices += ODD_DECIMAL
    if "str" in types:
        choices += ODD_STR
    if "date" in types:
        choices += ODD_DATE
    return rng.choice(choices) if choices else None


def _objects(root: object) -> list[object]:
    """Every dataclass object reachable from the invoice (the invoice, parties, lines, …)."""
    out: list[object] = []
    stack = [root]
    while stack:
        obj = stack.pop()
        if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
            out.append(obj)
            for f in dataclasses.fields(obj):
                value = getattr(obj, f.name)
                if isinstance(value, list):
                    stack.extend(value)
                else:
                    stack.append(value)
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32 - 1),
    changes=st.integers(1, 12),
    syntax=st.sampled_from(["UBL-Invoice", "UBL-CreditNote", "CII"]),
)
def test_rules_never_crash_on_partial_models(seed: int, changes: int, syntax: str) -> None:
    rng = random.Random(seed)
    inv = make_invoice()
    for _ in range(changes):
        obj = rng.choice(_objects(inv))
        field = rng.choice(dataclasses.fields(obj))  # type: ignore[arg-type]
        current = getattr(obj, field.name)
        if isinstance(current, list):
            setattr(obj, field.name, [] if rng.random() < 0.7 else current)
        elif isinstance(current, bool):
            setattr(obj, field.name, not current)
        elif {t.strip() for t in str(field.type).split("|")} & {"None", "str", "Decimal", "date"}:
            setattr(obj, field.name, _odd_value(str(field.type), rng))
    findings = check_rules(
        inv, syntax=syntax, xrechnung_rules=True, extension=rng.random() < 0.3, cvd=rng.random() < 0.2
    )
    assert "AW-INTERNAL" not in {f.rule for f in findings}


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=2000))
def test_validate_never_raises_on_arbitrary_bytes(data: bytes) -> None:
    report = validate(data, "x.xml")
    assert not report.valid or report.readable
    assert all(f.rule != "AW-INTERNAL" for f in report.findings)


_UBL_HEAD = (
    '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" '
    'xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2" '
    'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'
)
_PARTS = [
    "<cbc:ID>1</cbc:ID>",
    "<cbc:IssueDate>2024-13-45</cbc:IssueDate>",
    "<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>",
    "<cac:TaxTotal><cbc:TaxAmount currencyID='EUR'>abc</cbc:TaxAmount></cac:TaxTotal>",
    "<cac:LegalMonetaryTotal><cbc:PayableAmount>1.001</cbc:PayableAmount></cac:LegalMonetaryTotal>",
    "<cac:InvoiceLine><cac:Item/></cac:InvoiceLine>",
    "<cac:AllowanceCharge><cbc:ChargeIndicator>maybe</cbc:ChargeIndicator></cac:AllowanceCharge>",
    "<cac:PaymentMeans><cbc:PaymentMeansCode>58</cbc:PaymentMeansCode></cac:PaymentMeans>",
    "<cac:AccountingSupplierParty><cac:Party><cac:PostalAddress/></cac:Party></cac:AccountingSupplierParty>",
]


@settings(max_examples=100, deadline=None)
@given(parts=st.lists(st.sampled_from(_PARTS), max_size=8))
def test_validate_handles_partial_ubl(parts: list[str]) -> None:
    xml = (_UBL_HEAD + "".join(parts) + "</Invoice>").encode()
    report = validate(xml, "partial.xml")
    assert report.readable
    assert not report.valid
    assert "AW-INTERNAL" not in report.rule_ids()


def test_many_broken_lines_are_reported_in_bounded_time() -> None:
    """10⁴ broken lines: linear time (cached XPaths) and at most 200 findings per rule, then a summary."""
    import time

    line = "<cac:InvoiceLine><cbc:ID>1</cbc:ID><cbc:LineExtensionAmount currencyID='EUR'>1.00</cbc:LineExtensionAmount></cac:InvoiceLine>"
    xml = (_UBL_HEAD + line * 10_000 + "</Invoice>").encode()
    t0 = time.process_time()
    report = validate(xml, "viele-positionen.xml")
    assert time.process_time() - t0 < 20
    per_rule: dict[str, int] = {}
    for f in report.findings:
        per_rule[f.rule] = per_rule.get(f.rule, 0) + 1
    assert per_rule["BR-22"] == 200
    note = next(f for f in report.findings if f.rule == "AW-TRUNCATED")
    assert note.severity == "information" and "BR-22: 9800" in note.message
