"""Every valid corpus instance is accepted; MINIMUM/BASIC WL and ZUGFeRD 1.0 are rejected with the reason.

The expectation comes from the folder (valid instances) and the profile each file declares (BT-24),
never from a per-file list.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from einvoice.services import validate
from tests.unit.einvoice.corpus_expectations import NOT_EN16931_PROFILES, VALID_FOLDERS, corpus_files, rel

FILES = [p for folder in VALID_FOLDERS for p in corpus_files(folder)]

pytestmark = pytest.mark.skipif(not FILES, reason="e-invoice corpus not available")


@pytest.mark.parametrize("path", FILES, ids=rel)
def test_valid_instance_is_accepted_or_rejected_for_its_profile(path: Path) -> None:
    report = validate(path.read_bytes(), path.name)
    errors = [f"{f.rule} {f.location}" for f in report.findings if f.severity in ("error", "fatal")]
    assert report.readable, errors
    profile = report.profile or ""
    if profile in NOT_EN16931_PROFILES:
        assert not report.valid
        assert "AW-PROFILE-NOT-EN16931" in report.rule_ids()
    elif profile.startswith("ZUGFERD-1.0") or report.syntax == "ZUGFeRD-1.0-CII":
        assert not report.valid
        assert "AW-OUTDATED" in report.rule_ids()
    else:
        assert report.valid, errors
        assert report.recommendation == "accept"
    if path.suffix.lower() == ".pdf":  # the official samples carry consistent Factur-X XMP metadata
        assert "AW-PDF-XMP" not in report.rule_ids()


def test_pass_rate_per_folder_is_complete() -> None:
    """Per folder: every EN 16931-level instance accepted (the figure reported in docs/benchmarks.md)."""
    for folder in VALID_FOLDERS:
        files = corpus_files(folder)
        relevant = accepted = 0
        for path in files:
            report = validate(path.read_bytes(), path.name)
            profile = report.profile or ""
            if profile in NOT_EN16931_PROFILES or profile.startswith("ZUGFERD-1.0"):
                continue
            relevant += 1
            accepted += report.valid
        assert relevant > 0, folder
        assert accepted == relevant, f"{folder}: {accepted}/{relevant}"
