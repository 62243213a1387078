"""Acceptance checks of the e-invoice interface from the outside (issue 3).

Mutations of valid corpus invoices must be rejected with the targeted EN 16931 / XRechnung rule id and
the unmutated file accepted; the CLI's exit codes and JSON lines; ``POST /api/v1/einvoice/validate`` with
empty and oversized uploads (clear 4xx, never a report that pretends the upload was fine)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from einvoice.services import validate
from tests.paths import CORPUS_DIR

UBL = CORPUS_DIR / "xrechnung-ubl/kosit-testsuite/business-cases-standard/01.01a-INVOICE_ubl.xml"
CII = CORPUS_DIR / "xrechnung-cii/kosit-testsuite/business-cases-standard/01.01a-INVOICE_uncefact.xml"
LIMIT = 64 * 1024

pytestmark = pytest.mark.skipif(not (UBL.is_file() and CII.is_file()), reason="e-invoice corpus not available")


@pytest.fixture
def settings(make_settings: Callable[..., Any]) -> Any:
    return make_settings(max_upload_bytes=LIMIT)


def _sub(pattern: str, repl: str) -> Callable[[str], str]:
    def apply(text: str) -> str:
        out = re.sub(pattern, repl, text, count=1, flags=re.S)
        assert out != text, f"mutation {pattern!r} changed nothing"
        return out

    return apply


UBL_MUTATIONS = {
    "payable-amount": (_sub(r'(<cbc:PayableAmount currencyID="EUR">)[0-9.]+', r"\g<1>999.99"), "BR-CO-16"),
    "tax-exclusive": (_sub(r'(<cbc:TaxExclusiveAmount currencyID="EUR">)[0-9.]+', r"\g<1>1.00"), "BR-CO-13"),
    "vat-amount": (_sub(r'(<cac:TaxSubtotal>.*?<cbc:TaxAmount currencyID="EUR">)[0-9.]+', r"\g<1>0.01"),
                   "BR-CO-17"),
    "no-invoice-number": (_sub(r"<cbc:ID>[^<]*</cbc:ID>", ""), "BR-02"),
    "no-issue-date": (_sub(r"<cbc:IssueDate>[^<]*</cbc:IssueDate>", ""), "BR-03"),
    "type-code": (_sub(r"<cbc:InvoiceTypeCode>380", "<cbc:InvoiceTypeCode>999"), "BR-CL-01"),
    "currency": (_sub(r"<cbc:DocumentCurrencyCode>EUR", "<cbc:DocumentCurrencyCode>EUX"), "BR-CL-04"),
    "no-buyer-reference": (_sub(r"<cbc:BuyerReference>[^<]*</cbc:BuyerReference>", ""), "BR-DE-15"),
    "no-seller-name": (_sub(r"(<cac:AccountingSupplierParty>.*?)<cbc:RegistrationName>[^<]*</cbc:RegistrationName>",
                            r"\1"), "BR-06"),
    "country": (_sub(r"<cbc:IdentificationCode>DE", "<cbc:IdentificationCode>XX"), "BR-CL-14"),
    "no-lines": (_sub(r"<cac:InvoiceLine>.*</cac:InvoiceLine>", ""), "BR-16"),
    "no-seller-email": (_sub(r"(<cac:AccountingSupplierParty>.*?)<cbc:ElectronicMail>[^<]*</cbc:ElectronicMail>",
                             r"\1"), "BR-DE-7"),
    "no-payment-means": (_sub(r"<cac:PaymentMeans>.*?</cac:PaymentMeans>", ""), "BR-DE-1"),
}
CII_MUTATIONS = {
    "grand-total": (_sub(r"(<ram:GrandTotalAmount>)[0-9.]+", r"\g<1>999.99"), "BR-CO-15"),
    "due-payable": (_sub(r"(<ram:DuePayableAmount>)[0-9.]+", r"\g<1>999.99"), "BR-CO-16"),
    "no-invoice-number": (_sub(r"(<rsm:ExchangedDocument>\s*)<ram:ID>[^<]*</ram:ID>", r"\1"), "BR-02"),
    "type-code": (_sub(r"<ram:TypeCode>380", "<ram:TypeCode>999"), "BR-CL-01"),
    "no-buyer-reference": (_sub(r"<ram:BuyerReference>[^<]*</ram:BuyerReference>", ""), "BR-DE-15"),
    "no-seller-name": (_sub(r"(<ram:SellerTradeParty>.*?)<ram:Name>[^<]*</ram:Name>", r"\1"), "BR-06"),
}


def _errors(data: bytes) -> set[str]:
    report = validate(data, "m.xml")
    errors = {f.rule for f in report.findings if f.severity in ("error", "fatal")}
    assert report.valid is (not errors)
    return errors


@pytest.mark.parametrize(("source", "name"), [(UBL, n) for n in UBL_MUTATIONS] + [(CII, n) for n in CII_MUTATIONS])
def test_mutation_is_rejected_with_the_targeted_rule(source: Path, name: str) -> None:
    mutate, rule = (UBL_MUTATIONS if source == UBL else CII_MUTATIONS)[name]
    assert _errors(source.read_bytes()) == set()
    assert rule in _errors(mutate(source.read_text(encoding="utf-8")).encode())


def test_leitweg_id_typo_is_reported_but_kosit_accepts_it() -> None:
    """BT-10 check digits are no KoSIT rule (the KoSIT validator accepts the file); Aktenwerk warns."""
    text = UBL.read_text(encoding="utf-8")
    ref = re.search(r"<cbc:BuyerReference>([^<]*)</cbc:BuyerReference>", text)
    assert ref is not None
    typo = ref.group(1)[:-1] + str((int(ref.group(1)[-1]) + 1) % 10)
    report = validate(text.replace(ref.group(1), typo).encode(), "typo.xml")
    assert [(f.rule, f.severity) for f in report.findings if f.rule == "AW-LEITWEG-ID"] == [("AW-LEITWEG-ID", "warning")]


def test_cli_exit_codes_and_json_lines(tmp_path: Path) -> None:
    from dms.cli import app

    bad = tmp_path / "bad.xml"
    bad.write_text(UBL_MUTATIONS["payable-amount"][0](UBL.read_text(encoding="utf-8")), encoding="utf-8")
    empty = tmp_path / "leer.xml"
    empty.write_bytes(b"")
    runner = CliRunner()
    ok = runner.invoke(app, ["einvoice", "validate", str(UBL), str(CII), "--json"])
    assert ok.exit_code == 0, ok.output
    lines = [json.loads(line) for line in ok.stdout.splitlines() if line.strip()]
    assert [d["path"] for d in lines] == [str(UBL), str(CII)]
    for d in lines:
        assert {"path", "syntax", "specification", "profile", "valid", "findings"} <= d.keys()
        assert d["valid"] is True and all({"rule", "severity", "message", "location"} <= f.keys() for f in d["findings"])
    invalid = runner.invoke(app, ["einvoice", "validate", str(UBL), str(bad), "--json"])
    assert invalid.exit_code == 1
    assert [json.loads(line)["valid"] for line in invalid.stdout.splitlines() if line.strip()] == [True, False]
    assert runner.invoke(app, ["einvoice", "validate", str(bad), str(empty), "--json"]).exit_code == 2


def test_validate_api_refuses_empty_and_oversized_uploads(client_as: Any) -> None:
    c = client_as("supplier")
    url = "/api/v1/einvoice/validate"
    ok = c.post(url, files={"file": ("r.xml", UBL.read_bytes(), "application/xml")})
    assert ok.status_code == 200 and ok.json()["valid"] is True
    empty = c.post(url, files={"file": ("leer.xml", b"", "application/xml")})
    assert empty.status_code == 422, empty.text
    assert empty.json()["detail"] and empty.json()["valid"] is False
    big = c.post(url, files={"file": ("gross.xml", b"<a>" + b"x" * (LIMIT + 10) + b"</a>", "application/xml")})
    assert big.status_code == 413, big.text[:200]


@pytest.mark.parametrize(
    ("name", "mutate"),
    [
        ("repeated-invoice-number", _sub(r"(<cbc:ID>[^<]*</cbc:ID>)", r"\1<cbc:ID>X-2</cbc:ID>")),
        ("unknown-element", _sub(r"(<cbc:IssueDate>)", r"<cbc:Foo>1</cbc:Foo>\1")),
        ("misplaced-element", _sub(r"(<cbc:DocumentCurrencyCode>[^<]*</cbc:DocumentCurrencyCode>)(.*?)"
                                   r"(<cbc:BuyerReference>[^<]*</cbc:BuyerReference>)", r"\3\2\1")),
    ],
)
def test_schema_violations_are_rejected_like_kosit(name: str, mutate: Callable[[str], str]) -> None:
    """KoSIT checks the XML Schema before any rule: a schema-invalid document is rejected (AW-XSD)."""
    report = validate(mutate(UBL.read_text(encoding="utf-8")).encode(), f"{name}.xml")
    xsd = [f for f in report.findings if f.rule == "AW-XSD"]
    assert not report.valid and xsd and xsd[0].severity == "error" and xsd[0].location, name


def test_documented_xsd_invalid_corpus_file_is_rejected() -> None:
    path = CORPUS_DIR / "invalid" / "mustang" / "invalidXRSchemav2.xml"
    if not path.is_file():
        pytest.skip("corpus file not available")
    report = validate(path.read_bytes(), path.name)
    assert not report.valid and "AW-XSD" in {f.rule for f in report.findings}


def test_schema_check_keeps_attachments_intact() -> None:
    text = UBL.read_text(encoding="utf-8")
    blob = "JVBERi0xLjQK" * 20
    with_attachment = text.replace(
        "</cbc:BuyerReference>",
        "</cbc:BuyerReference><cac:AdditionalDocumentReference><cbc:ID>A1</cbc:ID><cac:Attachment>"
        f'<cbc:EmbeddedDocumentBinaryObject mimeCode="application/pdf" filename="a.pdf">{blob}'
        "</cbc:EmbeddedDocumentBinaryObject></cac:Attachment></cac:AdditionalDocumentReference>", 1)
    report = validate(with_attachment.encode(), "a.xml")
    assert report.valid, [f.rule for f in report.findings if f.severity == "error"]
    el = report.parsed.root.find(".//{*}EmbeddedDocumentBinaryObject")
    assert el is not None and el.text == blob
