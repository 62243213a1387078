"""The dms core tests exercise the pipeline around the OCR slot, not OCR itself (tests/unit/ocr does):
switch the OCR step's PDF/A work off here to keep this suite fast."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_ocr(monkeypatch):
    monkeypatch.setenv("AKTENWERK_OCR_ENABLED", "false")
