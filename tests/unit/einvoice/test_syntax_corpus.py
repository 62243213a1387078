"""Every invoice in the corpus's valid folders reads into the model with the right key facts.

Expectations are derived from the files themselves (independent XPath look-ups) and from the folder
conventions in the corpus INDEX.md, never hard-coded per file.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from einvoice.reading import ParsedInvoice, parse
from einvoice.syntax.namespaces import CII_NSMAP, UBL_NSMAP, ZF1_NSMAP
from tests.paths import CORPUS_DIR

VALID_FOLDERS = ("xrechnung-ubl", "xrechnung-cii", "en16931-ubl", "en16931-cii", "zugferd-pdf")


def _files(folder: str) -> list[Path]:
    return sorted(p for p in (CORPUS_DIR / folder).rglob("*") if p.is_file())


ALL_VALID = [p for folder in VALID_FOLDERS for p in _files(folder)]
pytestmark = pytest.mark.skipif(not ALL_VALID, reason="e-invoice corpus not present")

_NS = {**UBL_NSMAP, **CII_NSMAP}
# (BT, UBL xpath, CII xpath, ZUGFeRD 1.0 xpath) read independently from the XML
_FACTS = [
    ("number", "/*/cbc:ID", "/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:ID",
     "/rsm:CrossIndustryDocument/rsm:HeaderExchangedDocument/ram:ID"),
    ("payable", "/*/cac:LegalMonetaryTotal/cbc:PayableAmount",
     "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:DuePayableAmount",
     "//ram:ApplicableSupplyChainTradeSettlement/ram:SpecifiedTradeSettlementMonetarySummation/ram:DuePayableAmount"),
    ("tax_exclusive", "/*/cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount",
     "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:TaxBasisTotalAmount",
     "//ram:ApplicableSupplyChainTradeSettlement/ram:SpecifiedTradeSettlementMonetarySummation/ram:TaxBasisTotalAmount"),
]


def _id(p: Path) -> str:
    return str(p.relative_to(CORPUS_DIR))


def _xpath_text(p: ParsedInvoice, xpath: str) -> str | None:
    ns = ZF1_NSMAP if p.syntax == "ZUGFeRD-1.0-CII" else _NS
    hits = p.root.xpath(xpath, namespaces=ns)
    return hits[0].text.strip() if hits and hits[0].text is not None else None


@pytest.mark.parametrize("path", ALL_VALID, ids=_id)
def test_valid_file_parses_with_key_facts(path: Path) -> None:
    p = parse(path.read_bytes(), path.name)
    inv = p.invoice
    assert inv.number, "BT-1 invoice number read"
    assert inv.issue_date is not None, "BT-2 issue date read"
    assert inv.currency_code, "BT-5 currency read"
    assert inv.seller is not None and inv.seller.name, "BT-27 seller name read"
    col = {"UBL-Invoice": 1, "UBL-CreditNote": 1, "CII": 2, "ZUGFeRD-1.0-CII": 3}[p.syntax]
    for fact in _FACTS:
        expected = _xpath_text(p, fact[col])
        actual = inv.number if fact[0] == "number" else getattr(inv.totals, fact[0], None)
        if expected is None:
            assert actual is None
        elif fact[0] == "number":
            assert actual == expected
        else:
            assert actual == Decimal(expected)
            assert str(actual) == expected, "amounts are kept exactly as written"
    # the number of line elements in the XML equals the lines (incl. sub-lines) in the model
    line_xpath = {1: "//cac:InvoiceLine|//cac:CreditNoteLine|//cac:SubInvoiceLine",
                  2: "//ram:IncludedSupplyChainTradeLineItem", 3: "//ram:IncludedSupplyChainTradeLineItem"}[col]
    n_lines = len(p.root.xpath(line_xpath, namespaces=ZF1_NSMAP if col == 3 else _NS))
    assert len(inv.iter_lines()) == n_lines
    # location of BT-1 points at the element it was read from
    bt1 = p.locations.path("BT-1")
    assert bt1 is not None
    assert p.locations.element("BT-1").text.strip() == inv.number
    if p.profile not in ("ZUGFERD-1.0-EXTENDED",):
        assert p.problems == [], [(pr.term, pr.message) for pr in p.problems]


@pytest.mark.parametrize("path", ALL_VALID, ids=_id)
def test_syntax_and_profile_per_folder(path: Path) -> None:
    p = parse(path.read_bytes(), path.name)
    folder = path.relative_to(CORPUS_DIR).parts[0]
    if folder == "xrechnung-ubl":
        assert p.syntax in ("UBL-Invoice", "UBL-CreditNote")
        assert p.profile in ("XRECHNUNG", "XRECHNUNG-EXTENSION")
        assert p.xrechnung_version == "3.0"
    elif folder == "xrechnung-cii":
        assert p.syntax == "CII"
        assert p.profile in ("XRECHNUNG", "XRECHNUNG-EXTENSION")
    elif folder == "en16931-ubl":
        assert p.syntax in ("UBL-Invoice", "UBL-CreditNote")
        assert p.profile in ("PEPPOL-BIS-3", "EN16931")
    elif folder == "en16931-cii":
        assert p.syntax in ("CII", "ZUGFeRD-1.0-CII")
    else:
        assert p.source == "pdf"
        assert p.pdf_filename is not None
        assert p.pdf_filename.lower() in ("factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml")
    spec = (p.specification or "").lower()
    if p.syntax == "ZUGFeRD-1.0-CII":
        assert p.profile.startswith("ZUGFERD-1.0-")
        assert not p.is_en16931
    elif "xrechnung" in spec:
        assert p.is_xrechnung
    elif spec.endswith(":minimum"):
        assert p.profile == "MINIMUM" and not p.is_en16931
    elif spec.endswith(":basicwl"):
        assert p.profile == "BASIC-WL" and not p.is_en16931
    elif spec.endswith(":extended"):
        assert p.profile == "EXTENDED"
    elif spec.endswith(":basic"):
        assert p.profile == "BASIC"
    elif spec == "urn:cen.eu:en16931:2017":
        assert p.profile == "EN16931"
    assert p.profile != "UNKNOWN"
    assert p.syntax in ("UBL-Invoice", "UBL-CreditNote") or p.root.tag.endswith(("CrossIndustryInvoice", "CrossIndustryDocument"))


def test_xrechnung_older_versions_are_reported() -> None:
    older = [p for p in _files("zugferd-pdf") if "XRECHNUNG" in p.name.upper() and "2p1" in p.name]
    assert older
    versions = {parse(p.read_bytes()).xrechnung_version for p in older}
    assert versions <= {"1.2", "2.0", "2.1", "2.2", "2.3"}


def test_locations_point_at_line_terms_per_object() -> None:
    path = CORPUS_DIR / "xrechnung-ubl/kosit-testsuite/business-cases-standard/01.01a-INVOICE_ubl.xml"
    p = parse(path.read_bytes())
    for i, line in enumerate(p.invoice.lines, start=1):
        xp = p.locations.path("BT-131", line)
        assert xp is not None and "cac:InvoiceLine" in xp and xp.endswith("cbc:LineExtensionAmount")
        el = p.root.xpath(xp, namespaces=_NS)
        assert len(el) == 1 and Decimal(el[0].text) == line.net_amount
        of = p.locations.of(line)
        assert of is not None and of.startswith("/ubl:Invoice/cac:InvoiceLine")
        assert len(p.root.xpath(of, namespaces=_NS)) == 1
        assert i <= len(p.invoice.lines)
    assert p.locations.path("BT-115") == "/ubl:Invoice/cac:LegalMonetaryTotal/cbc:PayableAmount"
    assert p.locations.path("BT-999") is None


def test_cii_sub_lines_nest_under_parent() -> None:
    files = [p for p in _files("xrechnung-cii") + _files("zugferd-pdf") if b"ParentLineID" in _raw(p)]
    assert files
    for path in files:
        p = parse(path.read_bytes())
        assert any(line.sub_lines for line in p.invoice.lines)


def _raw(path: Path) -> bytes:
    data = path.read_bytes()
    if data.startswith(b"%PDF"):
        try:
            return parse(data).xml
        except Exception:
            return b""
    return data


def test_ubl_sub_invoice_lines_are_read() -> None:
    path = CORPUS_DIR / "xrechnung-ubl/kosit-visualization/sub-invoice-lines_ubl.xml"
    p = parse(path.read_bytes())
    assert any(line.sub_lines for line in p.invoice.lines)
    n = len(p.root.xpath("//cac:SubInvoiceLine", namespaces=_NS))
    assert sum(len(ln.sub_lines) for ln in p.invoice.iter_lines()) == n


def test_attachments_are_decoded() -> None:
    found = 0
    for path in _files("xrechnung-ubl") + _files("xrechnung-cii"):
        p = parse(path.read_bytes())
        for doc in p.invoice.additional_documents:
            if doc.attachment is not None:
                found += 1
                assert doc.attachment.content, "BT-125 decoded from base64"
                assert doc.attachment.mime_code
    assert found > 0


def test_bad_values_become_problems_not_crashes() -> None:
    path = CORPUS_DIR / "xrechnung-ubl/kosit-testsuite/business-cases-standard/01.01a-INVOICE_ubl.xml"
    root = etree.fromstring(path.read_bytes())
    root.find("cbc:IssueDate", UBL_NSMAP).text = "2024-02-30"
    root.find("cac:LegalMonetaryTotal/cbc:PayableAmount", UBL_NSMAP).text = "12,50"
    p = parse(etree.tostring(root))
    assert p.invoice.issue_date is None
    assert p.invoice.totals is not None and p.invoice.totals.payable is None
    terms = {pr.term for pr in p.problems}
    assert terms == {"BT-2", "BT-115"}
    assert all(pr.xpath for pr in p.problems)


def test_locations_never_confuse_a_discarded_object_with_a_new_one() -> None:
    from einvoice.domain.model import Delivery
    from einvoice.syntax.parsed import Locations

    loc = Locations()
    el = etree.Element("a")
    loc.bind(Delivery(), el)  # the object is discarded by the caller right away
    loc.add("BT-72", el, Delivery())
    for _ in range(1000):
        fresh = Delivery()
        assert loc.of(fresh) is None
        assert loc.path("BT-72", fresh) is None
    assert loc.path("BT-72") == "/a"


def test_large_invoice_parses_and_locates_in_linear_time() -> None:
    import time

    from einvoice.syntax.ubl_writer import write_ubl
    from tests.unit.einvoice.builders import make_invoice, make_line, recompute_totals

    inv = recompute_totals(make_invoice(lines=[make_line(str(i)) for i in range(1, 3001)]))
    xml = write_ubl(inv)
    t0 = time.perf_counter()
    p = parse(xml)
    located = [p.locations.element("BT-131", line) for line in p.invoice.lines]
    elapsed = time.perf_counter() - t0
    assert len(p.invoice.lines) == 3000 and all(el is not None for el in located)
    assert located[2999].getparent() is p.locations.element_of(p.invoice.lines[2999])
    assert elapsed < 5.0, elapsed
