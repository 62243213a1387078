"""Batch separation: code detection on generated sheets, the pure planner, splitting."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dms.ocr import testscans as ts
from dms.ocr.batch import (
    Code,
    PageScan,
    SeparationConfig,
    decode_image,
    plan_batch,
    separate_batch,
)
from dms.ocr.errors import EmptyDocumentError

A6 = ts.A6_MM
SEP = Code("QRCODE", "AW-SPLIT")


def _content(seed: int, codes: list[ts.Code] | None = None) -> ts.TestPage:
    return ts.german_page(seed, n_sentences=2, size_mm=A6, font_pt=10, codes=codes or [])


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> list[ts.TestPage]:
    return [
        _content(1, [ts.Code("ASN00123", kind="code128", x=0.45, y=0.02)]),
        _content(2),
        ts.separator_page(size_mm=A6, extra_codes=[ts.Code("AW-AKTE:022.31-0042/2026", x=0.1, y=0.7,
                                                           module_mm=0.6)]),
        _content(3),
        ts.separator_page(size_mm=A6, kind="code128"),
        _content(4, [ts.Code("63.01.02-2026/0147", x=0.6, y=0.75, module_mm=0.5)]),
        ts.blank_page(size_mm=A6),
    ]


@pytest.mark.parametrize("fmt", ["tiff", "pdf"])
def test_stack_is_split_at_separators_with_akte_and_asn(tmp_path: Path, stack: list[ts.TestPage],
                                                         fmt: str) -> None:
    src = ts.save_tiff(stack, tmp_path / "s.tif") if fmt == "tiff" else ts.save_image_pdf(stack, tmp_path / "s.pdf")
    original = src.read_bytes()
    result = separate_batch(src, tmp_path / "out", SeparationConfig(drop_blank_pages=True))
    plan = result.plan
    assert plan.source_pages == 7
    assert plan.separator_pages == (2, 4)
    assert plan.dropped_blank_pages == (6,)
    assert [p.pages for p in plan.parts] == [(0, 1), (3,), (5,)]
    assert [p.asn for p in plan.parts] == ["ASN00123", None, None]
    assert [p.akte for p in plan.parts] == [None, "022.31-0042/2026", "63.01.02-2026/0147"]
    assert len(result.documents) == 3
    with pikepdf.open(result.documents[0]) as pdf:
        assert len(pdf.pages) == 2
    assert src.read_bytes() == original


def test_decode_reads_qr_and_code128() -> None:
    page = _content(9, [ts.Code("AW-SPLIT", x=0.1, y=0.6), ts.Code("ASN42", kind="code128", x=0.45, y=0.02)])
    values = {c.value for c in decode_image(page.image)}
    assert values == {"AW-SPLIT", "ASN42"}


def test_codes_on_separator_go_to_next_document_and_conflicts_warn() -> None:
    scans = [
        PageScan(0, (SEP, Code("QRCODE", "AW-AKTE:1.2-3/2026"))),
        PageScan(1, (Code("CODE128", "ASN7"),)),
        PageScan(2, (Code("QRCODE", "AW-AKTE:9.9-9/2026"), Code("CODE128", "ASN8"))),
    ]
    plan = plan_batch(scans)
    (part,) = plan.parts
    assert part.pages == (1, 2) and part.akte == "1.2-3/2026" and part.asn == "ASN00007"
    assert len(part.warnings) == 2


def test_separator_with_inline_akte_and_trailing_separator() -> None:
    scans = [PageScan(0, (Code("QRCODE", "AW-SPLIT:022.31-0042/2026"),)), PageScan(1), PageScan(2, (SEP,))]
    plan = plan_batch(scans)
    assert [(p.pages, p.akte) for p in plan.parts] == [((1,), "022.31-0042/2026")]


def test_blank_pages_are_kept_unless_configured() -> None:
    scans = [PageScan(0), PageScan(1, blank=True)]
    assert plan_batch(scans).parts[0].pages == (0, 1)
    assert plan_batch(scans, SeparationConfig(drop_blank_pages=True)).parts[0].pages == (0,)


def test_unrelated_codes_are_ignored() -> None:
    cfg = SeparationConfig()
    assert cfg.akte_of(Code("QRCODE", "https://example.org")) is None
    assert cfg.asn_of(Code("CODE128", "XYZ123")) is None
    assert cfg.asn_of(Code("CODE128", "ASN 00042")) == "ASN00042"


def test_only_separators_is_an_empty_batch(tmp_path: Path) -> None:
    src = ts.save_image_pdf([ts.separator_page(size_mm=A6)], tmp_path / "sep.pdf")
    with pytest.raises(EmptyDocumentError):
        separate_batch(src, tmp_path / "out")


@given(st.lists(st.sampled_from(["page", "sep", "blank"]), max_size=30))
def test_plan_accounts_for_every_page(kinds: list[str]) -> None:
    scans = [PageScan(i, (SEP,) if k == "sep" else (), blank=k == "blank") for i, k in enumerate(kinds)]
    plan = plan_batch(scans, SeparationConfig(drop_blank_pages=True))
    in_parts = [p for part in plan.parts for p in part.pages]
    assert sorted(in_parts + list(plan.separator_pages) + list(plan.dropped_blank_pages)) == list(range(len(kinds)))
    assert all(part.pages for part in plan.parts)
    assert in_parts == sorted(in_parts)


def test_a_stack_without_separators_is_not_rewritten_when_the_caller_keeps_it(tmp_path: Path) -> None:
    pages = [_content(5, [ts.Code("ASN77", kind="code128", x=0.45, y=0.02)]), _content(6)]
    src = ts.save_tiff(pages, tmp_path / "whole.tif", compression="tiff_deflate")
    kept = separate_batch(src, tmp_path / "out", write_whole=False)
    assert kept.documents == () and not (tmp_path / "out").exists()
    assert [p.pages for p in kept.plan.parts] == [(0, 1)] and kept.plan.parts[0].asn == "ASN00077"
    written = separate_batch(src, tmp_path / "out", write_whole=True)
    assert len(written.documents) == 1 and written.plan == kept.plan
