"""ocrmypdf plugin: Tesseract as usual, but a fast projection-profile deskew.

ocrmypdf's own deskew runs a full Tesseract layout pass per page (~0.5-1 s); this estimate takes
~50 ms on the same page and is as accurate for scanner skew (±5°). Loaded by module name through
``ocrmypdf.ocr(plugins=["dms.ocr._plugin"])``; later plugins win ``get_ocr_engine``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pikepdf
from ocrmypdf import hookimpl
from ocrmypdf.builtin_plugins.tesseract_ocr import TesseractOcrEngine
from PIL import Image

from dms.ocr.imageops import estimate_skew
from dms.ocr.pdftools import plain_page_image


class AktenwerkTesseractEngine(TesseractOcrEngine):
    """Tesseract OCR engine with the Pillow-based skew estimate."""

    @staticmethod
    def get_deskew(input_file: Path, options: Any) -> float:
        with Image.open(input_file) as image:
            return estimate_skew(image)


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


@hookimpl
def rasterize_pdf_page(  # noqa: PLR0917 - signature fixed by the ocrmypdf hookspec
    input_file: Path, output_file: Path, raster_device: Any, raster_dpi: Any, pageno: int, page_dpi: Any,
    rotation: int | None, filter_vector: bool, stop_on_soft_error: bool, options: Any, use_cropbox: bool,
) -> Path | None:
    """Image-only pages (our own image→PDF output) are extracted instead of re-rendered.

    Rendering an 8-megapixel scan with pdfium and encoding it as PNG costs ~0.25 s CPU per page
    (and pdfium runs under a global lock); the image is already there. Anything else — vector
    content, masks, rotation, a resolution change — returns None and the built-in rasterizer runs.
    """
    mode = _PNG_MODES.get(str(raster_device))
    if mode is None or rotation or filter_vector:
        return None
    try:
        image = _sole_page_image(Path(input_file), pageno, (float(raster_dpi.x), float(raster_dpi.y)))
    except Exception:  # any doubt: let the real rasterizer do it
        return None
    if image is None:
        return None
    if image.mode != mode:
        image = image.convert(mode)
    dpi = (float(raster_dpi.x), float(raster_dpi.y))
    if mode == "1" or str(getattr(options, "mode", "")).startswith("force"):
        # in force mode this raster becomes the visible page: keep it a compressed PNG
        image.save(output_file, format="PNG", compress_level=1, dpi=dpi)
    else:
        # only Tesseract reads this file: an uncompressed copy (still PNG, level 0) saves the deflate
        image.save(output_file, format="PNG", compress_level=0, dpi=dpi)
    return Path(output_file)
