"""Hybrid PDFs: embedded XML, file name and the Factur-X XMP facts (read with the hardened parser)."""

from __future__ import annotations

import pytest

from einvoice.reading import parse
from einvoice.syntax.facturx_pdf import write_facturx_pdf
from einvoice.syntax.pdf import extract, parse_xmp
from tests.paths import CORPUS_DIR
from tests.unit.einvoice.builders import make_invoice

VALID_PDFS = sorted((CORPUS_DIR / "zugferd-pdf").rglob("*.pdf"))
# XMP fx:ConformanceLevel per profile read from the XML (ZUGFeRD 1.0 uses its own level names)
_XMP_LEVEL = {
    "MINIMUM": {"MINIMUM"}, "BASIC-WL": {"BASIC WL"}, "BASIC": {"BASIC"}, "EN16931": {"EN 16931"},
    "EXTENDED": {"EXTENDED"}, "XRECHNUNG": {"XRECHNUNG"}, "ZUGFERD-1.0-BASIC": {"BASIC"},
    "ZUGFERD-1.0-COMFORT": {"COMFORT"}, "ZUGFERD-1.0-EXTENDED": {"EXTENDED"},
}


@pytest.mark.skipif(not VALID_PDFS, reason="corpus not present")
def test_xmp_level_matches_the_embedded_xml_for_valid_pdfs() -> None:
    checked = 0
    for path in VALID_PDFS:
        p = parse(path.read_bytes())
        level = p.pdf_xmp.get("conformance_level")
        if level is None:
            continue  # a few producers omit the Factur-X XMP extension
        assert level in _XMP_LEVEL[p.profile], (path.name, p.profile, level)
        assert p.pdf_xmp.get("pdfa_part") in ("3", "4")
        checked += 1
    assert checked >= len(VALID_PDFS) - 3


def test_broken_xmp_is_reported_not_fatal() -> None:
    folder = CORPUS_DIR / "invalid" / "mustang"
    if not folder.exists():
        pytest.skip("corpus not present")
    bad_level = parse((folder / "invalidXMP.pdf").read_bytes())
    assert bad_level.pdf_xmp["conformance_level"] == "no thing"
    unreadable = parse((folder / "invalidXMP-ParseError.pdf").read_bytes())
    assert "error" in unreadable.pdf_xmp and unreadable.invoice.number


def test_xmp_attribute_form_and_doctype_refusal() -> None:
    attr = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            b'<rdf:Description xmlns:fx="urn:factur-x:pdfa:CrossIndustryDocument:invoice:1p0#" '
            b'xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/" fx:ConformanceLevel="BASIC" pdfaid:part="3"/>'
            b"</rdf:RDF></x:xmpmeta>")
    assert parse_xmp(attr) == {"conformance_level": "BASIC", "pdfa_part": "3"}
    hostile = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    assert "DOCTYPE" in parse_xmp(hostile)["error"]


def test_generated_facturx_pdf_declares_its_level() -> None:
    found = extract(write_facturx_pdf(make_invoice()))
    assert found.filename == "factur-x.xml"
    assert found.xmp["conformance_level"] == "EN 16931"
    assert found.xmp["pdfa_part"] == "3"
    assert found.xmp["document_file_name"] == "factur-x.xml"


def test_xml_input_has_no_pdf_facts() -> None:
    from einvoice.syntax.ubl_writer import write_ubl

    p = parse(write_ubl(make_invoice()))
    assert p.source == "xml" and p.pdf_filename is None and p.pdf_xmp == {}
