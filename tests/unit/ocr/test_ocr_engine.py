"""ocr_to_pdfa on generated German scans: formats, modes, faults. Small pages keep OCR fast."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pikepdf
import pytest

from dms.ocr import testscans as ts
from dms.ocr.engine import SKIP_HAS_TEXT, ocr_to_pdfa, text_plausible
from dms.ocr.errors import (
    CorruptInputError,
    EmptyDocumentError,
    EncryptedPdfError,
    OcrTimeoutError,
    UnsupportedFormatError,
)

A6 = ts.A6_MM


def _page(seed: int, **kw: object) -> ts.TestPage:
    return ts.german_page(seed, n_sentences=3, size_mm=A6, font_pt=10, **kw)  # type: ignore[arg-type]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _assert_pdfa(path: Path) -> None:
    with pikepdf.open(path) as pdf:
        assert pdf.open_metadata().pdfa_status == "2B"
        assert "/OutputIntents" in pdf.Root


def test_png_becomes_searchable_pdfa_and_original_is_untouched(tmp_path: Path) -> None:
    page = _page(1, rotation_deg=1.0)
    src = ts.save_png(page, tmp_path / "scan.png")
    before = (src.read_bytes(), src.stat().st_mtime_ns)
    result = ocr_to_pdfa(src, tmp_path / "out" / "scan.pdf")
    assert (src.read_bytes(), src.stat().st_mtime_ns) == before
    assert result.pdfa_path == tmp_path / "out" / "scan.pdf"
    assert result.sha256 == _sha(result.pdfa_path)
    assert result.source_sha256 == _sha(src)
    assert result.pages == 1 and result.ocr_applied and result.skipped_reason is None
    assert ts.word_recall(page.text, result.text) >= 0.9
    _assert_pdfa(result.pdfa_path)


def test_multipage_tiff_keeps_page_order(tmp_path: Path) -> None:
    pages = [_page(11), _page(12)]
    src = ts.save_tiff(pages, tmp_path / "stack.tif")
    result = ocr_to_pdfa(src, tmp_path / "stack.pdf")
    assert result.pages == 2
    assert "1011" in result.page_texts[0] and "1012" in result.page_texts[1]
    _assert_pdfa(tmp_path / "stack.pdf")


def test_jpeg_and_image_only_pdf(tmp_path: Path) -> None:
    page = _page(21)
    for src in (ts.save_jpeg(page, tmp_path / "a.jpg"), ts.save_image_pdf([page], tmp_path / "a.pdf")):
        result = ocr_to_pdfa(src, tmp_path / f"{src.name}.out.pdf")
        assert result.ocr_applied
        assert ts.word_recall(page.text, result.text) >= 0.9, src.name


def test_text_pdf_is_not_ocrd_again_in_skip_mode_but_gets_pdfa_copy(tmp_path: Path) -> None:
    src = ts.save_text_pdf(["Gebührenbescheid über die Straßenreinigung", "Widerspruch ist möglich"],
                           tmp_path / "born.pdf")
    result = ocr_to_pdfa(src, tmp_path / "born-a.pdf", mode="skip")
    assert not result.ocr_applied
    assert result.skipped_reason == SKIP_HAS_TEXT
    assert "Straßenreinigung" in result.text
    _assert_pdfa(tmp_path / "born-a.pdf")


def test_skip_mode_records_why_no_pdfa_copy_when_fonts_are_not_embedded(tmp_path: Path) -> None:
    src = ts.save_text_pdf(["Standard font only, not embedded, not PDF/A able"], tmp_path / "std.pdf",
                           embed_font=False)
    result = ocr_to_pdfa(src, tmp_path / "std-a.pdf")
    assert result.pdfa_path is None and result.sha256 is None
    assert result.skipped_reason is not None and "pdfa_failed" in result.skipped_reason
    assert "embedded" in result.text
    assert not (tmp_path / "std-a.pdf").exists()


def test_force_mode_ocrs_a_text_pdf(tmp_path: Path) -> None:
    src = ts.save_text_pdf(["Sehr geehrte Damen und Herren, die Zahlung ist eingegangen."], tmp_path / "t.pdf")
    result = ocr_to_pdfa(src, tmp_path / "t-a.pdf", mode="force")
    assert result.ocr_applied and result.skipped_reason is None
    assert "Zahlung" in result.text


def test_upside_down_page_is_turned_by_the_second_pass(tmp_path: Path) -> None:
    page = _page(31, rotation_deg=180)
    src = ts.save_png(page, tmp_path / "up.png")
    result = ocr_to_pdfa(src, tmp_path / "up.pdf")
    assert result.rotated_pass
    assert ts.word_recall(page.text, result.text) >= 0.9


@pytest.mark.parametrize("kind", ["png", "jpeg"])
def test_truncated_image_fails_with_reason(tmp_path: Path, kind: str) -> None:
    src = ts.save_corrupt_image(tmp_path / f"bad.{kind}", kind=kind)
    with pytest.raises(CorruptInputError) as info:
        ocr_to_pdfa(src, tmp_path / "bad.pdf")
    assert info.value.to_dict()["code"] == "corrupt_input"
    assert info.value.reason_de
    assert not (tmp_path / "bad.pdf").exists()


def test_encrypted_pdf_fails_and_keeps_original(tmp_path: Path) -> None:
    src = ts.save_encrypted_pdf([_page(41)], tmp_path / "secret.pdf")
    digest = _sha(src)
    with pytest.raises(EncryptedPdfError) as info:
        ocr_to_pdfa(src, tmp_path / "secret-a.pdf")
    assert "kennwort" in info.value.reason_de
    assert _sha(src) == digest
    assert not (tmp_path / "secret-a.pdf").exists()


def test_blank_document_is_refused(tmp_path: Path) -> None:
    src = ts.save_png(ts.blank_page(size_mm=A6), tmp_path / "blank.png")
    with pytest.raises(EmptyDocumentError):
        ocr_to_pdfa(src, tmp_path / "blank.pdf")


def test_unsupported_file_type(tmp_path: Path) -> None:
    src = tmp_path / "notes.txt"
    src.write_text("Hallo Welt")
    with pytest.raises(UnsupportedFormatError):
        ocr_to_pdfa(src, tmp_path / "notes.pdf")


def test_timeout_kills_ocr_and_leaves_no_output(tmp_path: Path) -> None:
    src = ts.save_png(_page(51), tmp_path / "slow.png")
    with pytest.raises(OcrTimeoutError) as info:
        ocr_to_pdfa(src, tmp_path / "slow.pdf", timeout=0.05)
    assert info.value.code == "timeout"
    assert not (tmp_path / "slow.pdf").exists()


def test_dst_must_not_overwrite_src(tmp_path: Path) -> None:
    src = ts.save_png(_page(61), tmp_path / "same.png")
    with pytest.raises(ValueError, match="never overwritten"):
        ocr_to_pdfa(src, src)


def test_text_plausible_tells_upright_text_from_letter_soup() -> None:
    assert text_plausible("Sehr geehrte Damen und Herren, hiermit beantrage ich die Erteilung")
    assert text_plausible("Rechnung Nr. 4711 über die Lieferung von Papier an die Stadt")
    assert not text_plausible('"ZT ayesjsuayesy oN spunsy sep ıny Bunßlwuysusßneg J3U13 Hu')
    assert not text_plausible("")
    assert not text_plausible("| ~ ‚")


def test_skewed_scanner_pdf_is_straightened_without_touching_the_original(tmp_path: Path) -> None:
    pages = [_page(71, rotation_deg=2.0), _page(72, rotation_deg=0.0)]
    src = ts.save_image_pdf(pages, tmp_path / "scanner.pdf")
    digest = _sha(src)
    result = ocr_to_pdfa(src, tmp_path / "scanner-a.pdf")
    assert "deskewed pages [1]" in result.warnings
    assert _sha(src) == digest
    assert all(ts.word_recall(p.text, t) >= 0.9 for p, t in zip(pages, result.page_texts, strict=True))
