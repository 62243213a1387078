"""CEN unit-test fragments (vefa ``testSet``) read through ``parse_element`` without crashing."""

from __future__ import annotations

from pathlib import Path

import pytest

from einvoice.reading import parse_element
from einvoice.syntax.detect import detect_profile, detect_syntax
from einvoice.xmlsafe import parse_xml
from tests.paths import CORPUS_DIR

VEFA = "{http://difi.no/xsd/vefa/validator/1.0}"
TESTSETS = sorted((CORPUS_DIR / "invalid" / "cen-unit").rglob("*.xml"))


def _invoice_elements(path: Path) -> list:
    root = parse_xml(path.read_bytes())
    out = []
    for test in root.iter(f"{VEFA}test"):
        out.extend(child for child in test if isinstance(child.tag, str) and not child.tag.startswith(VEFA))
    return out


@pytest.mark.skipif(not TESTSETS, reason="corpus not present")
def test_every_cen_unit_fragment_parses() -> None:
    count = 0
    for path in TESTSETS:
        for el in _invoice_elements(path):
            syntax = detect_syntax(el)
            parsed = parse_element(el, syntax)
            assert parsed.syntax == syntax
            assert parsed.root is not el, "fragments are read from a standalone copy"
            assert parsed.root.getparent() is None
            for term in parsed.locations.terms():
                xp = parsed.locations.path(term)
                assert xp is not None and not xp.startswith("/*:testSet"), xp
            count += 1
    assert count >= 500


def test_fragment_keeps_what_is_present_and_nothing_else() -> None:
    path = CORPUS_DIR / "invalid/cen-unit/ubl-invoice/BR-01.xml"
    if not path.exists():
        pytest.skip("corpus not present")
    success, error = _invoice_elements(path)[:2]
    assert parse_element(success).invoice.specification_id == "123"
    missing = parse_element(error).invoice
    assert missing.specification_id is None
    assert missing.number is None and missing.lines == [] and missing.totals is None


@pytest.mark.parametrize(
    ("spec", "profile"),
    [
        ("urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0", "XRECHNUNG"),
        ("urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0#conformant#"
         "urn:xeinkauf.de:kosit:extension:xrechnung_3.0", "XRECHNUNG-EXTENSION"),
        ("urn:cen.eu:en16931:2017#compliant#urn:xoev-de:kosit:standard:xrechnung_1.2", "XRECHNUNG"),
        ("urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0", "PEPPOL-BIS-3"),
        ("urn:cen.eu:en16931:2017", "EN16931"),
        ("urn:cen.eu:en16931:2017#compliant#urn:factur-x.eu:1p0:basic", "BASIC"),
        ("urn:factur-x.eu:1p0:basicwl", "BASIC-WL"),
        ("urn:factur-x.eu:1p0:minimum", "MINIMUM"),
        ("urn:cen.eu:en16931:2017#conformant#urn:factur-x.eu:1p0:extended", "EXTENDED"),
        ("urn:cen.eu:en16931:2017#conformant#urn:zugferd.de:2p0:extended", "EXTENDED"),
        ("urn:zugferd.de:2p0:minimum", "MINIMUM"),
        ("urn:ferd:CrossIndustryDocument:invoice:1p0:comfort", "ZUGFERD-1.0-COMFORT"),
        ("urn:ferd:CrossIndustryDocument:invoice:1p0:basic", "ZUGFERD-1.0-BASIC"),
        ("something else", "UNKNOWN"),
        (None, "UNKNOWN"),
        ("", "UNKNOWN"),
    ],
)
def test_profile_detection(spec: str | None, profile: str) -> None:
    assert detect_profile(spec) == profile
