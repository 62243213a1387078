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


# ------------------------------------------------------------------------------------ rasterizing
_PNG_MODES = {"pnggray": "L", "png16m": "RGB", "png256": "RGB", "pngmono": "1", "pngmonod": "1"}
_ALLOWED_OPS = {"q", "Q", "cm", "Do"}


def _sole_page_image(input_file: Path, pageno: int, dpi: tuple[float, float]) -> Image.Image | None:
    """The page's only image when the page is nothing but that image at ``dpi`` (an image scan)."""
    import pikepdf  # noqa: PLC0415 - only in the OCR child

    with pikepdf.open(input_file) as pdf:
        page = pdf.pages[pageno - 1]
        if int(page.obj.get("/Rotate", 0)) % 360:
            return None
        xobjects = page.resources.get("/XObject", {})
        if len(xobjects) != 1 or "/Annots" in page.obj:
            return None
        (xobj,) = xobjects.values()
        if xobj.get("/Subtype") != pikepdf.Name.Image or "/SMask" in xobj or "/Mask" in xobj:
            return None
        if xobj.get("/ImageMask") or xobj.get("/ColorSpace") not in (pikepdf.Name.DeviceGray, pikepdf.Name.DeviceRGB):
            return None
        ops = pikepdf.parse_content_stream(page)
        if {str(op.operator) for op in ops} - _ALLOWED_OPS:
            return None
        box = page.mediabox
        width_pt, height_pt = float(box[2]) - float(box[0]), float(box[3]) - float(box[1])
        cms = [[float(x) for x in op.operands] for op in ops if str(op.operator) == "cm"]
        if len(cms) != 1 or abs(cms[0][0] - width_pt) > 0.5 or abs(cms[0][3] - height_pt) > 0.5 or cms[0][1] or cms[0][2]:
            return None
        image = pikepdf.PdfImage(xobj)
        if abs(image.width / (width_pt / 72) - dpi[0]) > 1 or abs(image.height / (height_pt / 72) - dpi[1]) > 1:
            return None
        return image.as_pil_image()


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
    image.save(output_file, format="PNG", compress_level=1, dpi=(float(raster_dpi.x), float(raster_dpi.y)))
    return Path(output_file)
