"""The validation report: verdict, JSON shape, German HTML, and the invoice rendering."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from lxml import html as lxml_html

from einvoice.services import parse, render_html, validate
from tests.unit.einvoice.corpus_expectations import corpus_files

XR_UBL = corpus_files("xrechnung-ubl")
XR_CII = corpus_files("xrechnung-cii")
BROKEN = b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'><cbc:ID"

pytestmark = pytest.mark.skipif(not XR_UBL, reason="e-invoice corpus not available")


def _with_attachment() -> Path:
    for path in XR_UBL + XR_CII:
        if (
            b"EmbeddedDocumentBinaryObject" in path.read_bytes()
            or b"AttachmentBinaryObject" in path.read_bytes()
        ):
            return path
    pytest.skip("no corpus invoice with an attachment")


def test_json_shape_of_a_valid_invoice() -> None:
    path = XR_UBL[0]
    d = json.loads(validate(path.read_bytes(), path.name, path=str(path)).to_json())
    assert {"path", "syntax", "specification", "profile", "valid", "findings"} <= d.keys()
    assert d["path"] == str(path) and d["valid"] is True and d["recommendation"] == "accept"
    assert d["syntax"] == "UBL-Invoice" and d["profile"].startswith("XRECHNUNG")
    for f in d["findings"]:
        assert {"rule", "severity", "message", "location"} <= f.keys()
        assert f["severity"] in {"warning", "information"}


def test_invalid_when_and_only_when_error_or_fatal() -> None:
    data = XR_UBL[0].read_bytes().replace(b"<cbc:BuyerReference>", b"<cbc:BuyerReference>  ", 1)
    data = re.sub(rb"<cbc:BuyerReference>[^<]*</cbc:BuyerReference>", b"<cbc:BuyerReference/>", data, count=1)
    report = validate(data, "x.xml")
    assert not report.valid and report.recommendation == "reject"
    finding = next(f for f in report.findings if f.rule == "BR-DE-15")
    assert finding.severity == "error"
    assert finding.location == "/ubl:Invoice/cbc:BuyerReference"
    assert finding.message.startswith("[BR-DE-15]") and "Buyer reference" in finding.message


def test_unreadable_input_is_a_fatal_finding_not_an_exception() -> None:
    for data in (
        b"",
        b"%PDF-1.7 broken",
        BROKEN,
        b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY a 'b'>]><x>&a;</x>",
    ):
        report = validate(data, "bad")
        assert not report.valid and not report.readable
        assert report.findings[0].severity == "fatal"
        assert report.findings[0].rule == "AW-UNREADABLE"


def test_findings_ordered_by_severity() -> None:
    data = re.sub(rb"<cbc:BuyerReference>[^<]*</cbc:BuyerReference>", b"", XR_UBL[0].read_bytes(), count=1)
    order = {"fatal": 0, "error": 1, "warning": 2, "information": 3}
    severities = [order[f.severity] for f in validate(data, "x.xml").findings]
    assert severities == sorted(severities)


def test_german_html_report_is_well_formed_and_names_the_rules() -> None:
    data = re.sub(rb"<cbc:BuyerReference>[^<]*</cbc:BuyerReference>", b"", XR_UBL[0].read_bytes(), count=1)
    page = validate(data, "x.xml").to_html()
    doc = lxml_html.fromstring(page)
    assert doc.get("lang") == "de"
    assert "zurückweisen" in page and "BR-DE-15" in page
    assert doc.xpath("//table/thead/tr/th[@scope='col']")
    assert "<script" not in page


def test_invoice_rendering_shows_all_parts_and_attachments() -> None:
    path = _with_attachment()
    parsed = parse(path.read_bytes(), path.name)
    page = render_html(parsed, validate(path.read_bytes(), path.name))
    doc = lxml_html.fromstring(page)
    headings = " ".join(doc.xpath("//h2/text()"))
    for part in (
        "Kopfdaten",
        "Verkäufer",
        "Käufer",
        "Positionen",
        "Umsatzsteuer",
        "Summen",
        "Zahlung",
        "Anlagen",
    ):
        assert part in headings
    links = doc.xpath("//a[@download]")
    assert links and links[0].get("href").startswith("data:")
    assert parsed.invoice.number and parsed.invoice.number in page


def test_rendering_escapes_markup() -> None:
    data = re.sub(
        rb"<cbc:Note>[^<]*</cbc:Note>",
        b"<cbc:Note>&lt;script&gt;alert(1)&lt;/script&gt;</cbc:Note>",
        XR_UBL[0].read_bytes(),
        count=1,
    )
    page = render_html(parse(data, "x.xml"))
    assert "<script>" not in page


def test_every_readable_corpus_file_renders_and_reports() -> None:
    """Rendering and the HTML report never fail on anything the reader accepts (partial, old, odd)."""
    from einvoice.errors import UnreadableInvoice
    from tests.paths import CORPUS_DIR

    rendered = 0
    for path in sorted(CORPUS_DIR.rglob("*")):
        if path.suffix.lower() not in {".xml", ".pdf"} or "cen-unit" in path.parts:
            continue
        data = path.read_bytes()
        try:
            parsed = parse(data, path.name)
        except UnreadableInvoice:
            continue
        report = validate(data, path.name)
        page = render_html(parsed, report)
        assert page.startswith("<!DOCTYPE html>") and "</html>" in page
        assert report.to_html().startswith("<!DOCTYPE html>")
        rendered += 1
    assert rendered > 300
