"""KoSIT validator-configuration tests: every xmute mutation meets its schematron expectation, and the
report instances meet their documented accept/reject outcome."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from einvoice.services import validate
from tests.unit.einvoice.corpus_expectations import (
    CORPUS_DIR,
    apply_mutation,
    corpus_files,
    rel,
    xmute_mutations,
)

MUTATED = corpus_files("invalid/kosit-valconf/cen-unit-test") + corpus_files(
    "invalid/kosit-valconf/instances"
)
MUTATED = [p for p in MUTATED if b"<?xmute" in p.read_bytes()]

pytestmark = pytest.mark.skipif(not MUTATED, reason="e-invoice corpus not available")


@pytest.mark.parametrize("path", MUTATED, ids=rel)
def test_xmute_expectations(path: Path) -> None:
    root = etree.parse(str(path)).getroot()  # trusted corpus file with processing instructions
    mutations = xmute_mutations(root)
    assert mutations
    wrong = []
    for m in mutations:
        report = validate(apply_mutation(root, m), path.name)
        fired = report.rule_ids()
        wrong += [(m.label, r, "should fail") for r in m.invalid if r not in fired]
        wrong += [(m.label, r, "should pass") for r in m.valid if r in fired]
    assert not wrong, wrong


def _index_outcomes() -> dict[str, str]:
    """instances/*.xml → documented outcome text from invalid/INDEX.md."""
    out: dict[str, str] = {}
    index = CORPUS_DIR / "invalid" / "INDEX.md"
    if not index.is_file():
        return out
    for line in index.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) >= 2 and cells[0].startswith("kosit-valconf/instances/"):
            out[cells[0]] = cells[1]
    return out


OUTCOMES = _index_outcomes()


@pytest.mark.parametrize("name", sorted(OUTCOMES), ids=str)
def test_instance_outcome(name: str) -> None:
    documented = OUTCOMES[name].lower()
    path = CORPUS_DIR / "invalid" / name
    data = path.read_bytes().replace(
        b"@xrechnung.spec.id@", b"urn:cen.eu:en16931:2017#compliant#urn:xeinkauf.de:kosit:xrechnung_3.0"
    )
    report = validate(data, path.name)
    if "no assertion" in documented:
        assert report.readable
    elif "valid + accept" in documented:
        assert report.valid, [f.rule for f in report.findings]
    elif "reject" in documented:
        assert not report.valid
    elif "accept (only warnings)" in documented:
        # documented as "expected invalid but ACCEPT": the validity assertion (invalid) is what a report
        # states; EN 16931 BR-09 (seller country) is a fatal CEN rule, so the recommendation is reject too.
        assert not report.valid and report.findings
