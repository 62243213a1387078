"""ocrmypdf plugin: Tesseract as usual, but a fast projection-profile deskew.

ocrmypdf's own deskew runs a full Tesseract layout pass per page (~0.5-1 s); this estimate takes
~50 ms on the same page and is as accurate for scanner skew (±5°). Loaded by module name through
``ocrmypdf.ocr(plugins=["dms.ocr._plugin"])``; later plugins win ``get_ocr_engine``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ocrmypdf import hookimpl
from ocrmypdf.builtin_plugins.tesseract_ocr import TesseractOcrEngine
from PIL import Image

from dms.ocr.imageops import estimate_skew


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
