"""Failure reasons are shown to clerks: they name the problem, not the worker's temporary paths."""

from __future__ import annotations

import pytest

from dms.ocr.errors import CorruptInputError
from dms.ocr.pdftools import open_checked, render_pages


def test_corrupt_pdf_reason_carries_no_temporary_path(tmp_path):
    work = tmp_path / "aw-ocr-step-xyz"
    work.mkdir()
    broken = work / "input.pdf"
    broken.write_bytes(b"%PDF-1.4 garbage")
    for call in (lambda: open_checked(broken), lambda: next(iter(render_pages(broken)))):
        with pytest.raises(CorruptInputError) as info:
            call()
        assert "cannot read PDF" in str(info.value)
        assert str(work) not in str(info.value)
