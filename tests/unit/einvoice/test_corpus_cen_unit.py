"""The CEN TC 434 unit tests (vefa testSet files): for every fragment, the scoped rule fires exactly
when the test expects an error/warning and stays silent when it expects success."""

from __future__ import annotations

from pathlib import Path

import pytest

from einvoice.reading import parse_element
from einvoice.rules import ALIASES, check_rules
from einvoice.rules.catalogue import RULES
from einvoice.syntax.detect import detect_syntax
from tests.unit.einvoice.corpus_expectations import cen_cases, corpus_files, rel

FILES = corpus_files("invalid/cen-unit")

pytestmark = pytest.mark.skipif(not FILES, reason="e-invoice corpus not available")


@pytest.mark.parametrize("path", FILES, ids=rel)
def test_cen_unit_test_set_agrees(path: Path) -> None:
    cases = list(cen_cases(path))
    assert cases, "a testSet has at least one test"
    disagreements = []
    for case in cases:
        rule = ALIASES.get(case.rule, case.rule)
        assert rule in RULES, f"{rule} is in the catalogue"
        syntax = detect_syntax(case.fragment)
        parsed = parse_element(case.fragment, syntax)
        fired = {
            f.rule
            for f in check_rules(
                parsed.invoice, syntax=syntax, locations=parsed.locations, root=case.fragment
            )
        }
        expected_fire = case.kind in {"error", "warning"}
        if (rule in fired) != expected_fire:
            disagreements.append((case.index, case.kind, rule))
        if case.kind == "warning" and rule in fired:
            assert RULES[rule].severity == "warning"
    assert not disagreements, disagreements
