"""Small parts of the scan station: child outcome mapping, the rasterize shortcut, settings, step rules."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dms.ocr import _plugin, engine
from dms.ocr import testscans as ts
from dms.ocr._child import ChildOutcome
from dms.ocr.config import OcrSettings
from dms.ocr.errors import (
    ERRORS_BY_CODE,
    EncryptedPdfError,
    OcrCrashedError,
    OcrError,
    OcrTimeoutError,
    PdfaConversionError,
)
from dms.ocr.imageops import images_to_pdf
from dms.ocr.step import OcrStep
from dms.pipeline.base import IngestContext


@pytest.mark.parametrize(
    ("outcome", "error"),
    [
        (ChildOutcome("crashed", -9, "Killed"), OcrCrashedError),
        (ChildOutcome("timeout", 5), OcrTimeoutError),
        (ChildOutcome("exception", "EncryptedPdfError", "locked"), EncryptedPdfError),
        (ChildOutcome("exception", "PdfaConversionFailedError", "x"), PdfaConversionError),
        (ChildOutcome("exception", "SomethingNew", "boom"), OcrError),
        (ChildOutcome("exit", 8), EncryptedPdfError),
    ],
)
def test_child_outcomes_become_typed_errors(monkeypatch: pytest.MonkeyPatch, outcome: ChildOutcome,
                                             error: type[OcrError]) -> None:
    monkeypatch.setattr(engine, "run_ocrmypdf", lambda kwargs, timeout, **_: outcome)
    with pytest.raises(error) as info:
        engine._run_pass({}, 1.0)
    assert type(info.value) is error
    assert info.value.to_dict()["reason_de"]


def test_every_error_code_is_unique_and_german() -> None:
    assert len(ERRORS_BY_CODE) == 11
    assert all(cls.reason_de and cls.code for cls in ERRORS_BY_CODE.values())


def test_rasterize_shortcut_only_for_plain_image_pages(tmp_path: Path) -> None:
    page = ts.german_page(1, n_sentences=2, size_mm=ts.A6_MM)
    ts.save_png(page, tmp_path / "p.png")
    images_to_pdf(tmp_path / "p.png", tmp_path / "img.pdf", deskew=False)
    image = _plugin._sole_page_image(tmp_path / "img.pdf", 1, (300.0, 300.0))
    assert image is not None and image.size == page.image.size
    assert _plugin._sole_page_image(tmp_path / "img.pdf", 1, (150.0, 150.0)) is None  # other resolution
    ts.save_text_pdf(["Text, kein Bild"], tmp_path / "text.pdf")
    assert _plugin._sole_page_image(tmp_path / "text.pdf", 1, (300.0, 300.0)) is None


def test_settings_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AKTENWERK_OCR_MODE", "force")
    monkeypatch.setenv("AKTENWERK_OCR_LANGUAGES", "deu")
    monkeypatch.setenv("AKTENWERK_OCR_SCAN_FOLDERS", '[{"path": "/srv/scan/63", "department": "63"}]')
    cfg = OcrSettings()
    assert cfg.mode == "force" and cfg.language_tuple == ("deu",)
    assert cfg.scan_folders[0].department == "63" and cfg.scan_folders[0].path == Path("/srv/scan/63")
    monkeypatch.setenv("AKTENWERK_OCR_MODE", "sometimes")
    with pytest.raises(ValueError, match="mode"):
        OcrSettings()


def _ctx(mime: str, data: bytes = b"%PDF-1.7\n") -> IngestContext:
    return IngestContext(document_id=1, version_no=1, filename="x", data=data, sha256="0" * 64, mime_type=mime)


def test_step_applies_to_scans_only_and_leaves_hybrid_invoices_alone() -> None:
    step = OcrStep(container=Any, settings=OcrSettings())  # type: ignore[arg-type]
    assert step.applies(_ctx("image/tiff"))
    assert step.applies(_ctx("application/pdf"))
    assert not step.applies(_ctx("application/xml"))
    assert not step.applies(_ctx("message/rfc822"))
    hybrid = _ctx("application/pdf", b"%PDF-1.7\n<< /Names << /EmbeddedFiles 5 0 R >> >>")
    assert not step.applies(hybrid) and "embedded files" in hybrid.warnings[0]
    off = OcrStep(container=Any, settings=OcrSettings(enabled=False))  # type: ignore[arg-type]
    assert not off.applies(_ctx("image/png"))


def test_born_digital_pdfs_get_no_archive_copy_unless_configured(tmp_path: Path) -> None:
    text_pdf = ts.save_text_pdf(["Bescheid über die Straßenreinigungsgebühren 2026"], tmp_path / "t.pdf").read_bytes()
    scan_pdf = ts.save_image_pdf([ts.german_page(3, n_sentences=1, size_mm=ts.A6_MM)], tmp_path / "s.pdf").read_bytes()
    default = OcrStep(container=Any, settings=OcrSettings())  # type: ignore[arg-type]
    assert not default.applies(_ctx("application/pdf", text_pdf))
    assert default.applies(_ctx("application/pdf", scan_pdf))
    archive_all = OcrStep(container=Any, settings=OcrSettings(pdfa_for_text_pdfs=True))  # type: ignore[arg-type]
    assert archive_all.applies(_ctx("application/pdf", text_pdf))
    redo = OcrStep(container=Any, settings=OcrSettings(mode="redo"))  # type: ignore[arg-type]
    assert redo.applies(_ctx("application/pdf", text_pdf))


def test_a_real_child_crash_is_reported_and_the_next_job_gets_a_fresh_child(tmp_path: Path) -> None:
    from dms.ocr._child import run_ocrmypdf

    src = ts.save_image_pdf([ts.german_page(5, n_sentences=1, size_mm=ts.A6_MM)], tmp_path / "in.pdf")
    kwargs = {"input_file_or_options": src, "output_file": tmp_path / "out.pdf", "progress_bar": False,
              "plugins": ["tests.unit.ocr.ocr_crash_plugin"]}
    outcome = run_ocrmypdf(kwargs, 60)
    assert outcome.kind == "crashed" and outcome.value == 3
    ok = run_ocrmypdf(kwargs | {"plugins": ["dms.ocr._plugin"], "output_type": "pdf"}, 120)
    assert ok.kind == "exit" and ok.value == 0


class _Dpi:
    def __init__(self, value: float) -> None:
        self.x = self.y = value


def _rasterize(tmp_path: Path, out_name: str, dpi: float, mode: str = "skip") -> Path | None:
    class Options:
        pass

    options = Options()
    options.mode = mode  # type: ignore[attr-defined]
    return _plugin.rasterize_pdf_page(
        input_file=tmp_path / "img.pdf", output_file=tmp_path / out_name, raster_device="pnggray",
        raster_dpi=_Dpi(dpi), pageno=1, page_dpi=_Dpi(dpi), rotation=0, filter_vector=False,
        stop_on_soft_error=True, options=options, use_cropbox=False,
    )


def test_rasterize_takes_the_parents_raster_once_then_extracts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from PIL import Image

    page = ts.german_page(2, n_sentences=2, size_mm=ts.A6_MM, rotation_deg=0.0)
    ts.save_png(page, tmp_path / "p.png")
    rasters = tmp_path / "rasters"
    rasters.mkdir()
    images_to_pdf(tmp_path / "p.png", tmp_path / "img.pdf", raster_dir=rasters)
    prepared = rasters / "000001.tif"
    monkeypatch.setattr(_plugin, "RASTER_DIR", rasters)
    assert _rasterize(tmp_path, "other-dpi.png", 150.0) is None  # wrong resolution: not this raster
    assert _rasterize(tmp_path, "forced.png", 300.0, mode="force") == tmp_path / "forced.png"
    assert prepared.exists()  # force mode: the raster becomes the visible page, so it is extracted as PNG
    with Image.open(tmp_path / "forced.png") as forced:
        assert forced.format == "PNG"
    assert _rasterize(tmp_path, "r1.png", 300.0) == tmp_path / "r1.png"
    assert not prepared.exists()  # moved, not copied
    with Image.open(tmp_path / "r1.png") as r1, Image.open(tmp_path / "forced.png") as forced:
        assert r1.format == "TIFF" and r1.tobytes() == forced.tobytes()
    assert _rasterize(tmp_path, "r2.png", 300.0) == tmp_path / "r2.png"  # second pass: extracted again
    monkeypatch.setattr(_plugin, "RASTER_DIR", None)
    assert _rasterize(tmp_path, "r3.png", 300.0) == tmp_path / "r3.png"


def test_tesseract_slots_admit_one_holder_per_slot(tmp_path, monkeypatch) -> None:
    import tempfile
    import threading

    # the slots are machine-wide files in the temp folder: a private one, so OCR tests running in other
    # processes at the same time cannot hold a slot of this test
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    held: list[int] = []
    peak = 0
    lock = threading.Lock()
    pair = threading.Barrier(2, timeout=30)  # two holders meet inside: both slots are usable at once

    def work() -> None:
        nonlocal peak
        with _plugin.tesseract_slot(slots=2, poll=0.001) as index:
            with lock:
                held.append(index)
                peak = max(peak, len(held))
            pair.wait()
            with lock:
                held.remove(index)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert peak == 2 and held == []
