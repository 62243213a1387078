"""ocrmypdf plugin: Tesseract as usual, but a fast projection-profile deskew, at most one Tesseract
per core machine-wide, and page rasters taken from the parent instead of re-rendered.

ocrmypdf's own deskew runs a full Tesseract layout pass per page (~0.5-1 s); this estimate takes
~50 ms on the same page and is as accurate for scanner skew (±5°). Loaded by module name through
``ocrmypdf.ocr(plugins=["dms.ocr._plugin"])``; later plugins win ``get_ocr_engine``.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pikepdf
from ocrmypdf import hookimpl
from ocrmypdf.builtin_plugins.tesseract_ocr import TesseractOcrEngine
from PIL import Image

from dms.ocr.imageops import estimate_skew, raster_name
from dms.ocr.pdftools import plain_page_image

#: Folder of page rasters the parent already wrote for this job (``imageops.frames_to_pdf``), set by
#: the OCR child around each ``ocrmypdf.ocr`` call; None when there are none.
RASTER_DIR: Path | None = None


def _slot_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


@contextlib.contextmanager
def tesseract_slot(slots: int | None = None, poll: float = 0.02) -> Iterator[int]:
    """Hold one of ``slots`` (default: the usable cores) machine-wide Tesseract slots.

    Several worker processes each OCR'ing several pages at once would otherwise run more Tesseracts
    than there are cores; time-slicing them costs 3-10 % more CPU per page (cache thrashing) and
    gains nothing. A slot is an exclusive ``flock`` on a file in the temp folder, so it is shared by
    every OCR child of this user on the machine and released by the kernel if a child is killed.
    """
    count = max(1, slots or _slot_count())
    folder = Path(tempfile.gettempdir()) / f"aktenwerk-tesseract-slots-{os.getuid()}"
    folder.mkdir(mode=0o700, exist_ok=True)
    while True:
        for index in range(count):
            fd = os.open(folder / f"slot-{index}", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                yield index
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
                os.close(fd)
            return
        time.sleep(poll)


class AktenwerkTesseractEngine(TesseractOcrEngine):
    """Tesseract OCR engine with the Pillow-based skew estimate and machine-wide Tesseract slots."""

    @staticmethod
    def get_deskew(input_file: Path, options: Any) -> float:
        with Image.open(input_file) as image:
            return estimate_skew(image)

    @staticmethod
    def generate_pdf(input_file: Path, output_pdf: Path, output_text: Path, options: Any) -> None:
        with tesseract_slot():
            TesseractOcrEngine.generate_pdf(input_file, output_pdf, output_text, options)  # type: ignore[no-untyped-call]

    @staticmethod
    def generate_hocr(input_file: Path, output_hocr: Path, output_text: Path, options: Any) -> None:
        with tesseract_slot():
            TesseractOcrEngine.generate_hocr(input_file, output_hocr, output_text, options)  # type: ignore[no-untyped-call]


@hookimpl
def get_ocr_engine(options: Any) -> AktenwerkTesseractEngine | None:
    if options is not None and getattr(options, "ocr_engine", "auto") not in ("auto", "tesseract"):
        return None
    return AktenwerkTesseractEngine()


# ------------------------------------------------------------------------------------ rasterizing
_PNG_MODES = {"pnggray": "L", "png16m": "RGB", "png256": "RGB", "pngmono": "1", "pngmonod": "1"}


def _sole_page_image(input_file: Path, pageno: int, dpi: tuple[float, float]) -> Image.Image | None:
    """The page's only image when the page is nothing but that image at ``dpi`` (an image scan)."""
    with pikepdf.open(input_file) as pdf:
        image = plain_page_image(pdf.pages[pageno - 1])
    if image is None:
        return None
    x_dpi, y_dpi = image.info["dpi"]
    if abs(x_dpi - dpi[0]) > 1 or abs(y_dpi - dpi[1]) > 1:
        return None
    return image


def _prepared_raster(pageno: int, mode: str, dpi: tuple[float, float]) -> Path | None:
    """The raster the parent wrote for this page, if there is one in the right mode and resolution."""
    if RASTER_DIR is None:
        return None
    path = RASTER_DIR / raster_name(pageno)
    try:
        with Image.open(path) as image:
            x_dpi, y_dpi = image.info["dpi"]
            if image.mode != mode or abs(x_dpi - dpi[0]) > 1 or abs(y_dpi - dpi[1]) > 1:
                return None
    except (OSError, KeyError, ValueError, TypeError):
        return None
    return path


@hookimpl
def rasterize_pdf_page(  # noqa: PLR0917 - signature fixed by the ocrmypdf hookspec
    input_file: Path, output_file: Path, raster_device: Any, raster_dpi: Any, pageno: int, page_dpi: Any,
    rotation: int | None, filter_vector: bool, stop_on_soft_error: bool, options: Any, use_cropbox: bool,
) -> Path | None:
    """Image-only pages (our own image→PDF output) are extracted instead of re-rendered.

    Rendering an 8-megapixel scan with pdfium and encoding it as PNG costs ~0.25 s CPU per page
    (and pdfium runs under a global lock); the image is already there. Better still, when the parent
    left the page's pixels in :data:`RASTER_DIR` (an uncompressed TIFF, which Pillow and Tesseract
    read by content whatever the name), that file is moved into place: no decode, no encode. Anything
    else — vector content, masks, rotation, a resolution change — returns None and the built-in
    rasterizer runs.
    """
    mode = _PNG_MODES.get(str(raster_device))
    if mode is None or rotation or filter_vector:
        return None
    dpi = (float(raster_dpi.x), float(raster_dpi.y))
    force = str(getattr(options, "mode", "")).startswith("force")
    prepared = None if force else _prepared_raster(pageno, mode, dpi)
    if prepared is not None:
        try:
            os.replace(prepared, output_file)  # each raster is used once; a second pass extracts again
        except OSError:
            shutil.copyfile(prepared, output_file)
        return Path(output_file)
    try:
        image = _sole_page_image(Path(input_file), pageno, dpi)
    except Exception:  # any doubt: let the real rasterizer do it
        return None
    if image is None:
        return None
    if image.mode != mode:
        image = image.convert(mode)
    if mode == "1" or force:
        # in force mode this raster becomes the visible page: keep it a compressed PNG
        image.save(output_file, format="PNG", compress_level=1, dpi=dpi)
    else:
        # only Tesseract reads this file: an uncompressed copy (still PNG, level 0) saves the deflate
        image.save(output_file, format="PNG", compress_level=0, dpi=dpi)
    return Path(output_file)
