"""Image handling for the scan station: type sniffing, validation, blank-page and skew detection, and
conversion of (multi-page) images into a PDF that ocrmypdf can work on.

Pure Pillow + pikepdf (img2pdf for bilevel pages); no numpy. Every image is fully decoded once, so
truncated files fail here with a clear reason instead of deep inside OCR.

Cost per 300 dpi A4 page matters here (it is added to every page Tesseract reads): gray and colour
pages are embedded as plain Flate streams written with zlib's run-length strategy (PNG's per-row
filter search costs three times as much and compresses noisy scans no better); blank and skew
detection share one downscaled copy; a skewed page is straightened by drawing its image rotated on
the page, so the archive keeps the scanned pixels (no resampling, and a JPEG stays as it came); and
the pixels Tesseract will read (the page as shown: rotated, cheaply, with nearest neighbour) are
written once, uncompressed, next to the PDF (``raster_dir``), so the OCR child neither decodes the
page image again nor re-encodes it.
"""

from __future__ import annotations

import io
import math
import warnings
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import img2pdf
import pikepdf
from PIL import Image, ImageChops, ImageOps, UnidentifiedImageError

from dms.ocr.errors import CorruptInputError, TooLargeError, UnsupportedFormatError

FileKind = Literal["pdf", "tiff", "png", "jpeg"]

#: Assumed resolution when an image carries none (or an implausible one): scanners default to 300 dpi.
DEFAULT_DPI = 300
MIN_PLAUSIBLE_DPI = 100
#: Refuse decompression bombs: 200 megapixels is far above an A3 page at 600 dpi (~70 MP).
MAX_PIXELS = 200_000_000
#: Skew below this is invisible and harmless to OCR; straightening it would only cost a re-encode.
MIN_DESKEW_DEGREES = 0.25
#: Width of the downscaled gray copy used for blank and skew detection.
ANALYSIS_WIDTH = 500
#: zlib settings for page images: run-length matching only (Z_RLE) at level 1 is ~3x faster than
#: level 6 and, on scans (long runs of paper white), compresses as well.
FLATE_LEVEL = 1


def sniff(path: Path) -> FileKind:
    """Decide the file type from its first bytes (never the extension)."""
    with path.open("rb") as fh:
        head = fh.read(1024)
    if not head:
        raise CorruptInputError("the file is empty", reason_de="Die Datei ist leer.")
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if head[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if head[:3] == b"\xff\xd8\xff":
        return "jpeg"
    raise UnsupportedFormatError(f"({path.suffix or 'no extension'})")


def _open_image(path: Path) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(path)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise TooLargeError(str(exc)) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise CorruptInputError(f"cannot open image: {exc}") from exc
    if img.width * img.height > MAX_PIXELS:
        raise TooLargeError(f"{img.width}x{img.height} pixels")
    return img


def iter_frames(path: Path) -> Iterator[Image.Image]:
    """Yield every frame (page) of an image file, fully decoded; damaged data raises CorruptInputError."""
    img = _open_image(path)
    with img:
        index = 0
        while True:
            try:
                img.seek(index)
                frame = img.copy()
                frame.load()
            except EOFError:
                if index == 0:
                    raise CorruptInputError("the image has no frames") from None
                return
            except (OSError, SyntaxError, ValueError) as exc:
                raise CorruptInputError(f"page {index + 1}: {exc}") from exc
            frame.info.setdefault("dpi", img.info.get("dpi"))
            yield frame
            index += 1


def frame_dpi(frame: Image.Image) -> tuple[float, float]:
    """The frame's resolution, or :data:`DEFAULT_DPI` when missing or implausibly low."""
    dpi = frame.info.get("dpi")
    try:
        x, y = float(dpi[0]), float(dpi[1])  # type: ignore[index]
    except (TypeError, ValueError, IndexError):
        return (DEFAULT_DPI, DEFAULT_DPI)
    if x < MIN_PLAUSIBLE_DPI or y < MIN_PLAUSIBLE_DPI:
        return (DEFAULT_DPI, DEFAULT_DPI)
    return (x, y)


def _to_gray(img: Image.Image) -> Image.Image:
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, rgba)
    return img if img.mode == "L" else img.convert("L")


def small_gray(img: Image.Image, width: int = ANALYSIS_WIDTH) -> Image.Image:
    """A gray copy about ``width`` pixels wide, each pixel the mean of a block of the original
    (specks average away, strokes stay dark). Integer block averaging (``reduce``) is 3x faster
    than a BOX resize to an exact width."""
    factor = max(1, round(img.width / max(1, width)))
    if img.mode in ("L", "RGB"):
        small = img.reduce(factor) if factor > 1 else img
        return small if small.mode == "L" else small.convert("L")
    gray = _to_gray(img)
    return gray.reduce(factor) if factor > 1 else gray


def ink_ratio(img: Image.Image, *, threshold: int = 128, width: int = 400, small: Image.Image | None = None) -> float:
    """Share of dark pixels on a downscaled copy, after removing isolated specks (scanner noise).

    ``small`` is an already downscaled gray copy (see :func:`small_gray`) to use instead of ``img``.
    """
    # BOX downscaling averages specks away; a real stroke survives as a darker block
    if small is None:
        small = small_gray(img, width)
    hist = small.histogram()
    dark = sum(hist[:threshold])
    return dark / max(1, small.width * small.height)


def is_blank(img: Image.Image, *, max_ink: float = 0.002, small: Image.Image | None = None) -> bool:
    """True for an empty sheet (white or only scanner noise)."""
    return ink_ratio(img, small=small) <= max_ink


def estimate_skew(
    img: Image.Image, *, max_angle: float = 5.0, width: int = ANALYSIS_WIDTH, small: Image.Image | None = None
) -> float:
    """Angle in degrees (counter-clockwise) that straightens the text lines; 0.0 when unsure.

    Projection-profile method: rotate a small binarised copy and keep the angle whose row profile
    is sharpest (text lines and gaps alternate most strongly). Coarse 1° search, then 0.1° refine
    (22 rotations of a ~500 px wide copy: a few ms each). ``small`` is an already downscaled gray
    copy (see :func:`small_gray`) to use instead of ``img``.
    """
    if small is None:
        small = small_gray(img, width)
    width, height = small.size
    ink = ImageOps.invert(small).point(lambda v: 255 if v > 80 else 0)
    if ink.histogram()[255] < 0.001 * width * height:
        return 0.0

    def sharpness(angle: float) -> float:
        rotated = ink.rotate(angle, resample=Image.Resampling.NEAREST)
        rows = rotated.resize((1, rotated.height), Image.Resampling.BOX)  # mean ink per row, 0..255
        # sum of squared differences between neighbouring rows, from the histogram of |a - b|
        steps = ImageChops.difference(rows.crop((0, 0, 1, height - 1)), rows.crop((0, 1, 1, height)))
        return float(sum(count * value * value for value, count in enumerate(steps.histogram()) if count))

    coarse = [float(a) for a in range(-round(max_angle), round(max_angle) + 1)]
    best = max(coarse, key=sharpness)
    fine = [best + step / 10 for step in range(-5, 6)]
    scores = {a: sharpness(a) for a in fine}
    best = max(scores, key=lambda a: scores[a])
    level = scores[0.0] if 0.0 in scores else sharpness(0.0)
    if abs(best) < MIN_DESKEW_DEGREES or scores[best] <= level * 1.02:
        return 0.0  # negligible skew or no clear improvement: leave the page alone
    return round(best, 2)


@dataclass(frozen=True)
class ImageConversion:
    """Result of :func:`images_to_pdf`: page count, blank pages (0-based) and applied deskew angles."""

    pages: int
    blank_pages: tuple[int, ...]
    deskew_angles: tuple[float, ...]


#: Resampling of the deskewed raster Tesseract reads. The archive page is not resampled at all (its
#: image is drawn rotated, see :func:`_placement`), so this raster only has to be right for OCR:
#: nearest neighbour is 4x cheaper than bilinear and reads the same words.
DESKEW_RESAMPLE = Image.Resampling.NEAREST
_EXIF_ORIENTATION = 0x0112


def raster_name(pageno: int) -> str:
    """File name of page ``pageno``'s (1-based) OCR raster inside a ``raster_dir``."""
    return f"{pageno:06d}.tif"


def _has_orientation(frame: Image.Image) -> bool:
    try:
        return frame.getexif().get(_EXIF_ORIENTATION, 1) not in (None, 1)
    except Exception:  # broken EXIF: treat as upright, as viewers do
        return False


def _normalize(frame: Image.Image) -> Image.Image:
    """Upright (EXIF orientation applied) in mode 1, L or RGB; alpha composited onto white."""
    if _has_orientation(frame):
        frame = ImageOps.exif_transpose(frame)
    if frame.mode not in ("1", "L", "RGB"):
        frame = _to_gray(frame) if frame.mode in ("LA", "I", "I;16", "F", "P", "PA") else frame.convert("RGB")
        if frame.mode == "RGBA":
            frame = frame.convert("RGB")
    return frame


def _rotate(frame: Image.Image, angle: float) -> Image.Image:
    if frame.mode == "1" and DESKEW_RESAMPLE != Image.Resampling.NEAREST:
        frame = frame.convert("L")
    fill = (255, 255, 255) if frame.mode == "RGB" else 255
    return frame.rotate(angle, resample=DESKEW_RESAMPLE, fillcolor=fill)


def _placement(width_pt: float, height_pt: float, angle: float) -> str:
    """The ``cm`` operands that draw a page-filling image rotated by ``angle`` degrees
    (counter-clockwise, like ``Image.rotate``) about the page centre: the page shows the scan
    straightened while the embedded pixels stay exactly as scanned (no resampling, no generation
    loss; the corners that turn out of the page are clipped, as ``Image.rotate`` crops them)."""
    if not angle:
        return f"{width_pt} 0 0 {height_pt} 0 0"
    cos, sin = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    cx, cy = width_pt / 2, height_pt / 2
    a, b, c, d = width_pt * cos, width_pt * sin, -height_pt * sin, height_pt * cos
    e, f = cx - cx * cos + cy * sin, cy - cx * sin - cy * cos
    return " ".join(f"{v:.6f}" for v in (a, b, c, d, e, f))


def _page_layout(width_px: int, height_px: int, dpi: tuple[float, float]) -> tuple[float, float]:
    x_dpi, y_dpi = dpi
    if x_dpi < MIN_PLAUSIBLE_DPI or y_dpi < MIN_PLAUSIBLE_DPI or (x_dpi, y_dpi) == (96.0, 96.0):
        x_dpi = y_dpi = float(DEFAULT_DPI)
    return (round(width_px * 72 / x_dpi, 4), round(height_px * 72 / y_dpi, 4))


def _add_image_page(
    pdf: pikepdf.Pdf, data: bytes, *, filter_: str, size: tuple[int, int], mode: str, dpi: tuple[float, float],
    angle: float = 0.0,
) -> None:
    """Append a page that shows nothing but one image (already encoded with ``filter_``) at ``dpi``,
    turned by ``angle`` degrees about the page centre."""
    width_pt, height_pt = _page_layout(size[0], size[1], dpi)
    image = pikepdf.Stream(pdf, b"")
    image.write(data, filter=pikepdf.Name(filter_))
    image.Type = pikepdf.Name.XObject
    image.Subtype = pikepdf.Name.Image
    image.Width, image.Height = size
    image.ColorSpace = pikepdf.Name.DeviceGray if mode == "L" else pikepdf.Name.DeviceRGB
    image.BitsPerComponent = 8
    content = pikepdf.Stream(pdf, f"q {_placement(width_pt, height_pt, angle)} cm /Im0 Do Q".encode())
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, width_pt, height_pt],
        Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image)),
        Contents=content,
    )
    pdf.pages.append(pikepdf.Page(page))


def _add_bilevel_page(pdf: pikepdf.Pdf, frame: Image.Image, dpi: tuple[float, float], angle: float = 0.0) -> None:
    """Append a bilevel page as CCITT G4 (img2pdf embeds Pillow's G4 TIFF without re-encoding),
    turned by ``angle`` degrees about the page centre."""
    buf = io.BytesIO()
    frame.save(buf, format="TIFF", compression="group4", dpi=dpi)

    def layout(imgwidthpx: int, imgheightpx: int, ndpi: tuple[float, float]) -> tuple[float, float, float, float]:
        w, h = _page_layout(imgwidthpx, imgheightpx, dpi)
        return (w, h, w, h)

    try:
        single = img2pdf.convert([buf.getvalue()], layout_fun=layout, rotation=img2pdf.Rotation.ifvalid)
    except Exception as exc:  # img2pdf raises a zoo of types for odd images
        raise CorruptInputError(f"cannot convert image to PDF: {exc}") from exc
    assert single is not None
    with pikepdf.open(io.BytesIO(single)) as src:
        pdf.pages.append(src.pages[0])  # copies the page and its image into pdf
    if angle:
        page = pdf.pages[-1]
        (name,) = page.resources.XObject.keys()
        width_pt, height_pt = float(page.mediabox[2]), float(page.mediabox[3])
        page.obj.Contents = pikepdf.Stream(pdf, f"q {_placement(width_pt, height_pt, angle)} cm {name} Do Q".encode())


def images_to_pdf(src: Path, dst: Path, *, deskew: bool = True, raster_dir: Path | None = None) -> ImageConversion:
    """Write every page of a TIFF/PNG/JPEG to an image-only PDF at ``dst``.

    Pages are decoded and checked; images without a plausible resolution get :data:`DEFAULT_DPI`.
    JPEG pages are embedded unchanged (no recompression); other pages are re-encoded losslessly.
    Skewed pages are straightened here when ``deskew`` is set (drawn rotated, see :func:`_placement`),
    which is far cheaper than a Tesseract layout pass per page. See :func:`frames_to_pdf` for
    ``raster_dir``.
    """
    kind = sniff(src)
    if kind == "pdf":
        raise UnsupportedFormatError("expected an image, got a PDF")
    passthrough = src.read_bytes() if kind == "jpeg" else None
    return frames_to_pdf(
        ((frame, passthrough) for frame in iter_frames(src)), dst, deskew=deskew, raster_dir=raster_dir
    )


def frames_to_pdf(
    frames: Iterable[tuple[Image.Image, bytes | None]],
    dst: Path,
    *,
    deskew: bool = True,
    raster_dir: Path | None = None,
) -> ImageConversion:
    """Write page images to an image-only PDF; ``bytes`` (if given) is a JPEG that is embedded
    unchanged.

    Gray and colour pages become Flate streams of the raw pixels (zlib level :data:`FLATE_LEVEL`),
    bilevel pages CCITT G4; a skewed page's image is drawn rotated by its deskew angle. With
    ``raster_dir``, each page as shown (upright, deskewed) is also written there uncompressed as
    ``raster_name(pageno)`` with its resolution: what the OCR child's rasterizer would otherwise have
    to produce from the PDF (see ``dms.ocr._plugin``).
    """
    blanks: list[int] = []
    angles: list[float] = []
    pdf = pikepdf.new()
    for index, (original, encoded) in enumerate(frames):
        dpi = frame_dpi(original)
        reuse_jpeg = (
            encoded is not None and original.mode in ("L", "RGB") and bool(original.info.get("dpi"))
            and not _has_orientation(original)
        )
        frame = _normalize(original)
        small = small_gray(frame)
        blank = is_blank(frame, small=small)
        if blank:
            blanks.append(index)
        angle = estimate_skew(frame, small=small) if deskew and not blank else 0.0
        angles.append(angle)
        if raster_dir is not None:
            # what the page shows: the scan turned by angle (the text layer must match the view)
            raster = _rotate(frame, angle) if angle else frame
            raster.save(raster_dir / raster_name(index + 1), format="TIFF", compression="raw", dpi=dpi)
        if frame.mode == "1":
            _add_bilevel_page(pdf, frame, dpi, angle)
        elif reuse_jpeg:
            assert encoded is not None
            _add_image_page(pdf, encoded, filter_="/DCTDecode", size=frame.size, mode=frame.mode, dpi=dpi, angle=angle)
        else:
            packer = zlib.compressobj(FLATE_LEVEL, zlib.DEFLATED, 15, 9, zlib.Z_RLE)
            data = packer.compress(frame.tobytes()) + packer.flush()
            _add_image_page(pdf, data, filter_="/FlateDecode", size=frame.size, mode=frame.mode, dpi=dpi, angle=angle)
    if not angles:
        raise CorruptInputError("the image has no pages")
    pdf.save(dst)
    return ImageConversion(pages=len(angles), blank_pages=tuple(blanks), deskew_angles=tuple(angles))
