"""The throughput shortcuts give the same answers as the straightforward implementations they replace."""

from __future__ import annotations

import pytest
from lxml import etree

from einvoice.reading import parse
from einvoice.rules.peppol import _first_empty
from einvoice.services import validate
from einvoice.validation.schema import schema_findings
from einvoice.xmlsafe import safe_parser
from tests.unit.einvoice.corpus_expectations import corpus_files

UBL = [p for p in corpus_files("xrechnung-ubl") if "01.01a" in p.name]
CII = [p for p in corpus_files("xrechnung-cii") if "01.01a" in p.name]

pytestmark = pytest.mark.skipif(not (UBL and CII), reason="e-invoice corpus not available")

#: the definition of PEPPOL-EN16931-R008 that ``_first_empty`` implements without libxml2's XPath engine
_EMPTY_XPATH = etree.XPath("//*[not(node()[not(self::comment())])]")

_BLOB = "JVBERi0xLjQK" * 40
_CBC = b"<a xmlns:c='urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2'>x"


def _ubl_with_attachment(blob: str, attributes: str = 'mimeCode="application/pdf" filename="a.pdf"') -> bytes:
    text = UBL[0].read_text(encoding="utf-8")
    return text.replace(
        "</cbc:BuyerReference>",
        "</cbc:BuyerReference>\n<cac:AdditionalDocumentReference><cbc:ID>A1</cbc:ID><cac:Attachment>"
        f"<cbc:EmbeddedDocumentBinaryObject {attributes}>{blob}</cbc:EmbeddedDocumentBinaryObject>"
        "<!-- after the blob --></cac:Attachment></cac:AdditionalDocumentReference>",
        1,
    ).encode()


@pytest.mark.parametrize(
    "xml",
    [
        b"<a><b/></a>",
        b"<a><b></b></a>",
        b"<a><b><![CDATA[]]></b></a>",
        b"<a><b><!--x--></b></a>",
        b"<a><b><!--x--><!--y--></b></a>",
        b"<a><b><!--x-->t</b></a>",
        b"<a><b><?pi x?></b></a>",
        b"<a><b> </b></a>",
        b"<a><b>&#32;</b></a>",
        b"<a>t<b>x</b></a>",
        b"<a><b>x</b><c><!--c--></c><d/></a>",
        b"<a/>",
        b"<!--top--><a>x</a><!--end-->",
        b"<a><b><c/></b></a>",
        b"<a><b><!--x--><c>1</c></b></a>",
        b"<a xmlns='urn:x'><b a='1'/></a>",
        b"<a><b><![CDATA[]]><!--c--></b></a>",
        # attachments are tested without reading their text
        _CBC + b"<c:EmbeddedDocumentBinaryObject/></a>",
        _CBC + b"<c:EmbeddedDocumentBinaryObject><!--x--></c:EmbeddedDocumentBinaryObject></a>",
        _CBC + b"<c:EmbeddedDocumentBinaryObject><!--x-->QUJD</c:EmbeddedDocumentBinaryObject></a>",
        _CBC + b"<c:EmbeddedDocumentBinaryObject>QUJD</c:EmbeddedDocumentBinaryObject><d/></a>",
        _CBC + b"<c:EmbeddedDocumentBinaryObject><?pi x?></c:EmbeddedDocumentBinaryObject></a>",
    ],
)
def test_first_empty_element_agrees_with_the_r008_xpath(xml: bytes) -> None:
    root = etree.fromstring(xml, safe_parser())
    expected = _EMPTY_XPATH(root)
    found = _first_empty(root)
    assert found is (expected[0] if expected else None)


def test_first_empty_element_agrees_with_the_r008_xpath_on_the_corpus() -> None:
    files = (
        corpus_files("xrechnung-ubl") + corpus_files("en16931-ubl") + corpus_files("invalid/kosit-valconf")
    )
    checked = 0
    for path in files:
        if path.suffix.lower() != ".xml":
            continue
        try:
            root = etree.fromstring(path.read_bytes(), safe_parser())
        except etree.XMLSyntaxError:
            continue
        expected = _EMPTY_XPATH(root)
        assert _first_empty(root) is (expected[0] if expected else None), path
        checked += 1
    assert checked > 50


def test_schema_check_leaves_the_tree_byte_identical() -> None:
    parsed = parse(_ubl_with_attachment(_BLOB), "a.xml")
    before = etree.tostring(parsed.root)
    blob_el = parsed.root.find(".//{*}EmbeddedDocumentBinaryObject")
    assert schema_findings(parsed) == []
    assert etree.tostring(parsed.root) == before
    # the very element objects the model's locations point to are back in place
    assert parsed.root.find(".//{*}EmbeddedDocumentBinaryObject") is blob_el
    assert blob_el is not None and blob_el.text == _BLOB and blob_el.tail is None


@pytest.mark.parametrize(
    "attributes",
    [
        'mimeCode="application/pdf" filename="a.pdf" foo="x"',  # attribute the schema does not allow
        'filename="a.pdf"',  # mimeCode is required by the UBL schema
    ],
)
def test_schema_errors_on_a_large_attachment_read_like_on_a_small_one(attributes: str) -> None:
    """The stand-in used for a large attachment carries tag, attributes and line of the original."""
    small = validate(_ubl_with_attachment("QUJD", attributes), "a.xml")
    large = validate(_ubl_with_attachment(_BLOB, attributes), "a.xml")
    xsd_small = [f for f in small.findings if f.rule == "AW-XSD"]
    xsd_large = [f for f in large.findings if f.rule == "AW-XSD"]
    assert xsd_small and xsd_large == xsd_small
    assert "EmbeddedDocumentBinaryObject" in (xsd_large[0].location or "")


def test_schema_check_still_sees_children_of_a_large_attachment() -> None:
    """A binary object with element content is not swapped out: the schema error stays."""
    xml = _ubl_with_attachment(_BLOB + "<cbc:Note>x</cbc:Note>")
    report = validate(xml, "a.xml")
    assert "AW-XSD" in {f.rule for f in report.findings}
    assert report.parsed is not None
    el = report.parsed.root.find(".//{*}EmbeddedDocumentBinaryObject")
    assert el is not None and el.text == _BLOB and len(el) == 1


_PATH_DOC = (
    b"<r xmlns:a='urn:a' xmlns:b='urn:b'><a:x><b:y>1</b:y><b:y/><!--c--><b:z>t</b:z></a:x>"
    b"<a:x><b:y>2</b:y></a:x><q>u</q><y/><z xmlns='urn:d'/></r>"
)


@pytest.mark.parametrize(
    "path",
    [
        "{urn:a}x",
        "{urn:a}x/{urn:b}y",
        "{*}x/{*}y",
        "{urn:a}x/{*}z",
        "q",
        "{*}q",
        "y",
        "{*}y",
        "z",
        "{*}z",
        "{urn:b}y",
        "{urn:a}x/{urn:b}y/{urn:b}w",
        "{urn:a}x/{urn:b}z",
        "{}y",
        "{}q",
        "{*}x/{urn:b}y",
        "{urn:d}z",
    ],
)
def test_child_path_lookups_equal_elementpath(path: str) -> None:
    from einvoice.syntax._common import find, findall, findtext

    root = etree.fromstring(_PATH_DOC, safe_parser())
    assert findall(root, path) == root.findall(path)
    assert find(root, path) == root.find(path)
    assert findtext(root, path) == root.findtext(path)


@pytest.mark.parametrize("path", [".//q", "{*}x/..", "q[1]", "*", "@a", "{*}x//{*}y"])
def test_child_path_lookups_refuse_other_paths(path: str) -> None:
    from einvoice.syntax._common import findall

    with pytest.raises(ValueError):
        findall(etree.fromstring(_PATH_DOC, safe_parser()), path)


def test_parsed_invoice_holds_its_element_proxies_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    import einvoice.reading as reading

    parsed = parse(UBL[0].read_bytes(), UBL[0].name)
    assert parsed.elements[0] is parsed.root and len(parsed.elements) == sum(1 for _ in parsed.root.iter())
    assert parsed.root[0] is parsed.elements[1]  # lxml hands out the held proxy, not a new one
    monkeypatch.setattr(reading, "KEEP_ELEMENTS", 10)
    many = (
        b"<Invoice xmlns='urn:oasis:names:specification:ubl:schema:xsd:Invoice-2'>"
        + b"<x/>" * 5000
        + b"</Invoice>"
    )
    assert len(parse(many, "many.xml").elements) == 10


@pytest.mark.parametrize(
    ("declaration", "prefix"),
    [
        ("xmlns:b='urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2'", "b"),  # own prefix
        ("", "cbc"),
    ],
)
def test_schema_check_keeps_namespace_prefixes_and_error_paths(declaration: str, prefix: str) -> None:
    """An attachment that declares its own prefix is left in place (blanked): tree and error paths as before."""

    def doc(blob: str) -> bytes:
        text = UBL[0].read_text(encoding="utf-8")
        return text.replace(
            "</cbc:BuyerReference>",
            "</cbc:BuyerReference><cac:AdditionalDocumentReference><cbc:ID>A1</cbc:ID><cac:Attachment>"
            f"<{prefix}:EmbeddedDocumentBinaryObject {declaration} filename='a.pdf'>{blob}"
            f"</{prefix}:EmbeddedDocumentBinaryObject></cac:Attachment></cac:AdditionalDocumentReference>",
            1,
        ).encode()

    small = [f for f in validate(doc("QUJD"), "a.xml").findings if f.rule == "AW-XSD"]
    large_report = validate(doc(_BLOB), "a.xml")
    large = [f for f in large_report.findings if f.rule == "AW-XSD"]
    assert small and large == small and f"{prefix}:EmbeddedDocumentBinaryObject" in (small[0].location or "")
    parsed = parse(doc(_BLOB), "a.xml")
    before = etree.tostring(parsed.root)
    assert schema_findings(parsed) and etree.tostring(parsed.root) == before


def test_leitweg_id_check_agrees_with_the_parser() -> None:
    import random
    import string

    from einvoice.domain.terms import TermsError, is_valid_leitweg_id, leitweg_check_digits, parse_leitweg_id

    def parses(value: str) -> bool:
        try:
            parse_leitweg_id(value)
        except TermsError:
            return False
        return True

    rnd = random.Random(7)
    cases = ["04011000-1234512345-06", "991-01234-44", " 04011000-12345-03 ", "", "abc", "05-1-00", "1-2-3"]
    for _ in range(2000):
        coarse = "".join(rnd.choice(string.digits) for _ in range(rnd.randint(1, 13)))
        fine = "".join(rnd.choice(string.ascii_letters + string.digits) for _ in range(rnd.randint(0, 4)))
        check = (
            leitweg_check_digits(coarse, fine or None) if rnd.random() < 0.5 else f"{rnd.randint(0, 99):02d}"
        )
        cases.append(f"{coarse}{'-' + fine if fine else ''}-{check}")
    assert [is_valid_leitweg_id(v) for v in cases] == [parses(v) for v in cases]
    assert any(is_valid_leitweg_id(v) for v in cases) and not all(is_valid_leitweg_id(v) for v in cases)


def test_tag_caches_stay_bounded_and_answers_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    """Documents with many distinct tags cannot grow the per-tag caches without bound."""
    from einvoice.rules import ubl_cr

    text = UBL[0].read_text(encoding="utf-8")
    unknown = "".join(f"<cbc:X{i}>1</cbc:X{i}>" for i in range(300))
    data = text.replace("</cbc:BuyerReference>", "</cbc:BuyerReference>" + unknown, 1).encode()
    expected = [(f.rule, f.location) for f in validate(data, "x.xml").findings]
    monkeypatch.setattr(ubl_cr, "_MAX_CACHED_STEPS", 50)
    ubl_cr._STEPS.clear()
    ubl_cr._LOCAL_NAMES.clear()
    assert [(f.rule, f.location) for f in validate(data, "x.xml").findings] == expected
    assert len(ubl_cr._STEPS) <= 50 and len(ubl_cr._LOCAL_NAMES) <= 50


def test_unreadable_report_speaks_german_first_like_every_aktenwerk_rule():
    from einvoice.validation.engine import validate

    report = validate(b"<Invoice", "broken.xml")
    (finding,) = report.findings
    assert finding.rule == "AW-UNREADABLE" and finding.severity == "fatal"
    assert finding.message == finding.message_de and finding.message.startswith("Die Datei")
    assert finding.message_en.startswith("The file")
