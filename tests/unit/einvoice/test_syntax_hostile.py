"""Hostile and broken input is refused fast with a clear :class:`UnreadableInvoice`, never a crash."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pikepdf
import pytest

from einvoice.errors import HostileXml, NoEmbeddedInvoice, NotAnInvoice, UnreadableInvoice
from einvoice.reading import parse
from einvoice.syntax.pdf import MAX_ATTACHMENTS, extract_xml
from einvoice.syntax.ubl_writer import write_ubl
from einvoice.xmlsafe import MAX_DEPTH, parse_xml
from tests.paths import CORPUS_DIR
from tests.unit.einvoice.builders import make_invoice

UBL_HEAD = b'<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2" ' \
           b'xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">'

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Invoice [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
""" + UBL_HEAD + b"<cbc:ID>&xxe;</cbc:ID></Invoice>"

BILLION_LAUGHS = b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n' + b"".join(
    f'<!ENTITY lol{i} "{"&lol{};".format(i - 1 if i > 1 else "") * 10}">\n'.encode().replace(b"&lol0;", b"&lol;")
    for i in range(1, 10)
) + b"]>\n" + UBL_HEAD + b"<cbc:ID>&lol9;</cbc:ID></Invoice>"

EXTERNAL_DTD = b'<?xml version="1.0"?>\n<!DOCTYPE Invoice SYSTEM "http://example.invalid/evil.dtd">\n' + \
    UBL_HEAD + b"<cbc:ID>1</cbc:ID></Invoice>"

PARAMETER_ENTITY = b'<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY % p SYSTEM "http://example.invalid/p.dtd"> %p;]>\n' + \
    UBL_HEAD + b"</Invoice>"


def _refused_fast(data: bytes, exc: type[Exception] = UnreadableInvoice, limit: float = 1.0) -> UnreadableInvoice:
    t0 = time.perf_counter()
    with pytest.raises(exc) as info:
        parse(data)
    assert time.perf_counter() - t0 < limit
    err = info.value
    assert isinstance(err, UnreadableInvoice)
    assert str(err), "a clear message"
    return err


@pytest.mark.parametrize("data", [XXE, BILLION_LAUGHS, EXTERNAL_DTD, PARAMETER_ENTITY],
                         ids=["xxe", "billion-laughs", "external-dtd", "parameter-entity"])
def test_doctype_based_attacks_are_refused(data: bytes) -> None:
    err = _refused_fast(data, HostileXml)
    assert "DOCTYPE" in str(err)
    assert err.code == "hostile-xml"


def test_doctype_after_comment_and_pi_is_refused_and_never_resolved() -> None:
    data = b'<?xml version="1.0"?><!-- c --><?pi x?>' + XXE.split(b"\n", 1)[1]
    _refused_fast(data, HostileXml)


def test_doctype_in_utf16_is_refused_after_parse() -> None:
    data = XXE.decode().replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>').encode("utf-16")
    _refused_fast(data, HostileXml)


def test_text_mentioning_doctype_inside_document_is_fine() -> None:
    inv = make_invoice(notes=[])
    inv.payment_terms = "<!DOCTYPE is just text here>"
    p = parse(write_ubl(inv))
    assert p.invoice.payment_terms == "<!DOCTYPE is just text here>"


def test_deep_nesting_is_refused() -> None:
    depth = MAX_DEPTH + 10
    data = UBL_HEAD + b"<a>" * depth + b"</a>" * depth + b"</Invoice>"
    err = _refused_fast(data, HostileXml)
    assert "deep" in str(err)


def test_very_deep_nesting_beyond_libxml2_limit_is_refused() -> None:
    depth = 100_000
    data = UBL_HEAD + b"<a>" * depth + b"</a>" * depth + b"</Invoice>"
    _refused_fast(data, UnreadableInvoice, limit=2.0)


def test_huge_text_node_is_refused() -> None:
    data = UBL_HEAD + b"<cbc:Note>" + b"A" * 12_000_000 + b"</cbc:Note></Invoice>"
    _refused_fast(data, UnreadableInvoice, limit=3.0)


def test_oversized_input_is_refused_before_parsing() -> None:
    with pytest.raises(HostileXml) as info:
        parse_xml(b"<a/>" + b" " * 100, max_bytes=50)
    assert info.value.code == "too-large"


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "empty"),
        (b"   \n", "empty"),
        (b"<Invoice><unclosed></Invoice>", "not well-formed"),
        (b"\xff\xfe\x00garbage", "XML"),
        (b"<html><body>Rechnung</body></html>", "not a supported e-invoice"),
        (b'<?xml version="1.0" encoding="x-unknown-enc"?><a/>', "XML"),
    ],
)
def test_garbage_is_unreadable_with_a_message(data: bytes, fragment: str) -> None:
    err = _refused_fast(data)
    assert fragment.lower() in str(err).lower()


def test_unknown_root_is_not_an_invoice() -> None:
    _refused_fast(b'<rsm:CrossIndustryInvoice xmlns:rsm="urn:wrong"/>', NotAnInvoice)


def test_input_must_be_bytes() -> None:
    with pytest.raises(UnreadableInvoice):
        parse("<Invoice/>")  # type: ignore[arg-type]


# --- PDFs -------------------------------------------------------------------------------------------

def _valid_pdf() -> bytes:
    folder = CORPUS_DIR / "zugferd-pdf" / "ferd-zugferd-2.4"
    files = sorted(folder.glob("EN16931_Einfach*.pdf"))
    if not files:
        pytest.skip("corpus PDFs not present")
    return files[0].read_bytes()


def test_truncated_pdf_is_unreadable() -> None:
    data = _valid_pdf()
    for cut in (len(data) // 2, 2000, 20):
        err = _refused_fast(data[:cut], limit=3.0)
        assert err.code in ("pdf-broken", "no-embedded-xml")


def test_encrypted_pdf_is_refused() -> None:
    src = pikepdf.open(io.BytesIO(_valid_pdf()))
    out = io.BytesIO()
    src.save(out, encryption=pikepdf.Encryption(owner="owner", user="user"))
    err = _refused_fast(out.getvalue(), limit=3.0)
    assert err.code == "pdf-encrypted"
    assert "encrypted" in str(err)


def test_encrypted_with_empty_user_password_is_refused_too() -> None:
    src = pikepdf.open(io.BytesIO(_valid_pdf()))
    out = io.BytesIO()
    src.save(out, encryption=pikepdf.Encryption(owner="owner", user=""))
    assert _refused_fast(out.getvalue(), limit=3.0).code == "pdf-encrypted"


def test_many_attachments_are_bounded() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    for i in range(MAX_ATTACHMENTS * 4):
        pdf.attachments[f"junk{i:04d}.txt"] = pikepdf.AttachedFileSpec(pdf, b"x" * 100)
    out = io.BytesIO()
    pdf.save(out)
    t0 = time.perf_counter()
    with pytest.raises(NoEmbeddedInvoice):
        extract_xml(out.getvalue())
    assert time.perf_counter() - t0 < 3.0


def test_pdf_with_hostile_embedded_xml_is_refused() -> None:
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.attachments["factur-x.xml"] = pikepdf.AttachedFileSpec(pdf, XXE)
    out = io.BytesIO()
    pdf.save(out)
    err = _refused_fast(out.getvalue(), HostileXml, limit=3.0)
    assert "DOCTYPE" in str(err)


def test_pdf_with_alternative_invoice_file_name_is_read() -> None:
    xml = write_ubl(make_invoice())
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.attachments["notes.txt"] = pikepdf.AttachedFileSpec(pdf, b"hello")
    pdf.attachments["xrechnung.xml"] = pikepdf.AttachedFileSpec(pdf, xml)
    out = io.BytesIO()
    pdf.save(out)
    p = parse(out.getvalue(), "rechnung.pdf")
    assert p.source == "pdf" and p.pdf_filename == "xrechnung.xml"
    assert p.invoice.number == "RE-2026-0001"
    assert p.xml == xml


NEGATIVE_PDFS = sorted(
    [*(CORPUS_DIR / "invalid" / "no-embedded-xml").glob("*.pdf"), CORPUS_DIR / "invalid/horstoeko/pdf_invalid.pdf",
     CORPUS_DIR / "invalid/mustang/corrupt-factur-x-waytoosmall.pdf"]
)


@pytest.mark.parametrize("path", [p for p in NEGATIVE_PDFS if p.exists()], ids=lambda p: p.name)
def test_corpus_pdfs_without_invoice_are_refused_cleanly(path: Path) -> None:
    err = _refused_fast(path.read_bytes(), limit=3.0)
    assert err.code in ("no-embedded-xml", "pdf-broken")


def test_mutated_corpus_documents_never_crash_reader_or_writers() -> None:
    """Seeded mutations (removed elements, junk values, broken attributes, duplicates): parse and both
    writers either work or raise UnreadableInvoice; nothing else escapes."""
    import random

    from lxml import etree

    from einvoice.syntax.writers import write

    files = [f for folder in ("xrechnung-ubl", "xrechnung-cii", "en16931-ubl", "en16931-cii")
             for f in sorted((CORPUS_DIR / folder).rglob("*.xml"))]
    if not files:
        pytest.skip("corpus not present")
    rng = random.Random(20261126)
    junk = ["", "abc", "-1", "1e5", "NaN", "2024-13-45", "99999999", " ", "\u00a0", "0.0000001", "x" * 500]
    for _ in range(300):
        root = etree.fromstring(rng.choice(files).read_bytes())
        elements = [e for e in root.iter() if isinstance(e.tag, str)]
        for _ in range(rng.randint(1, 6)):
            el = rng.choice(elements)
            parent = el.getparent()
            op = rng.random()
            if op < 0.3 and parent is not None:
                parent.remove(el)
            elif op < 0.6:
                el.text = rng.choice(junk)
            elif op < 0.8:
                for key in list(el.attrib):
                    el.attrib[key] = rng.choice(["", "ZZ"])
            elif parent is not None:
                parent.append(etree.fromstring(etree.tostring(el)))
        try:
            parsed = parse(etree.tostring(root))
        except UnreadableInvoice:
            continue
        for syntax in ("UBL-Invoice", "UBL-CreditNote", "CII"):
            assert write(parsed.invoice, syntax)  # type: ignore[arg-type]


def test_decompression_bomb_in_pdf_is_stopped_at_the_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from einvoice.syntax import pdf as pdf_module

    monkeypatch.setattr(pdf_module, "MAX_XML_BYTES", 1_000_000)
    doc = pikepdf.new()
    doc.add_blank_page()
    doc.attachments["factur-x.xml"] = pikepdf.AttachedFileSpec(doc, b"<a>" + b" " * 8_000_000 + b"</a>")
    out = io.BytesIO()
    doc.save(out, compress_streams=True)
    assert len(out.getvalue()) < 100_000, "the bomb is small on the wire"
    err = _refused_fast(out.getvalue(), HostileXml, limit=3.0)
    assert err.code == "too-large"
    with pytest.raises(HostileXml):
        pdf_module._candidates_pikepdf(out.getvalue())
