"""Read-only PDF inspection for the scan station (pikepdf for structure, pypdfium2 for text/render)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pikepdf
import pypdfium2
from PIL import Image

from dms.ocr.errors import CorruptInputError, EmptyDocumentError, EncryptedPdfError
from dms.ocr.imageops import is_blank

#: A page with at least this many non-space characters counts as "already has text" (as for ocrmypdf's
#: skip mode, which leaves any page with text alone).
MIN_TEXT_CHARS = 1


@dataclass(frozen=True)
class PdfFacts:
    """What the engine needs to know before OCR."""

    pages: int
    text_pages: tuple[bool, ...]
    blank_pages: tuple[int, ...]
    signed: bool

    @property
    def all_text(self) -> bool:
        return bool(self.text_pages) and all(self.text_pages)


def _is_signed(pdf: pikepdf.Pdf) -> bool:
    acroform = pdf.Root.get("/AcroForm")
    if acroform is None:
        return False
    sig_flags = acroform.get("/SigFlags")
    if sig_flags is not None and int(sig_flags) & 1:
        return True
    for field in acroform.get("/Fields", []):
        if field.get("/FT") == pikepdf.Name.Sig and field.get("/V") is not None:
            return True
    return False


def _reason(exc: BaseException, path: Path | bytes | None = None) -> str:
    """The library's message without the worker's temporary path (failure reasons are shown to users)."""
    text = str(exc)
    if isinstance(path, Path):
        text = text.replace(str(path), path.name).replace(str(path.parent) + "/", "")
    return text


def open_checked(path: Path) -> pikepdf.Pdf:
    """Open a PDF or raise a typed error (encrypted, damaged)."""
    try:
        pdf = pikepdf.open(path)
    except pikepdf.PasswordError as exc:
        raise EncryptedPdfError("a password is required to open it") from exc
    except (pikepdf.PdfError, OSError, ValueError, RuntimeError) as exc:
        raise CorruptInputError(f"cannot read PDF: {_reason(exc, path)}") from exc
    if pdf.is_encrypted:
        pdf.close()
        raise EncryptedPdfError(
            "it carries owner-password restrictions",
            reason_de="Die PDF-Datei ist verschlüsselt (Rechtebeschränkung durch ein Besitzerkennwort).",
        )
    return pdf


def page_texts(source: Path | bytes) -> list[str]:
    """Text of each page (text layer, not OCR) of a PDF file or of PDF bytes."""
    try:
        doc = pypdfium2.PdfDocument(source)
    except pypdfium2.PdfiumError as exc:
        raise CorruptInputError(f"cannot read PDF: {_reason(exc, source)}") from exc
    try:
        out = []
        for page in doc:
            textpage = page.get_textpage()
            out.append(textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n"))
            textpage.close()
            page.close()
        return out
    finally:
        doc.close()


def render_pages(path: Path, *, dpi: float = 150, grayscale: bool = True) -> Iterator[Image.Image]:
    """Render each page to a Pillow image (used for blank-page and barcode detection)."""
    try:
        doc = pypdfium2.PdfDocument(path)
    except pypdfium2.PdfiumError as exc:
        raise CorruptInputError(f"cannot read PDF: {_reason(exc, path)}") from exc
    try:
        for page in doc:
            bitmap = page.render(scale=dpi / 72, grayscale=grayscale)
            yield bitmap.to_pil()
            page.close()
    finally:
        doc.close()


def inspect_pdf(path: Path) -> PdfFacts:
    """Page count, which pages carry text, which are blank, whether it is signed. Raises typed errors."""
    with open_checked(path) as pdf:
        pages = len(pdf.pages)
        signed = _is_signed(pdf)
    if pages == 0:
        raise EmptyDocumentError("the PDF has no pages", reason_de="Die PDF-Datei enthält keine Seiten.")
    texts = page_texts(path)
    text_pages = tuple(len("".join(t.split())) >= MIN_TEXT_CHARS for t in texts)
    blank: list[int] = []
    if not all(text_pages):
        for index, image in enumerate(render_pages(path, dpi=40)):
            if not text_pages[index] and is_blank(image):
                blank.append(index)
    return PdfFacts(pages=pages, text_pages=text_pages, blank_pages=tuple(blank), signed=signed)


def pdfa_status(path: Path) -> str:
    """PDF/A part and conformance declared in the XMP metadata, e.g. ``2B``; empty when none."""
    with pikepdf.open(path) as pdf:
        return str(pdf.open_metadata().pdfa_status or "")


#: Page keys that PDF/A forbids or that pikepdf's PDF/A check cannot vouch for, and that carry no
#: content: slide-show transitions, display durations, zoom and page actions (JavaScript hooks).
_PRESENTATION_KEYS = ("/Trans", "/Dur", "/PZ", "/AA")


def strip_presentation_keys(path: Path) -> list[str]:
    """Remove presentation/action keys from every page of ``path`` in place (a private work copy)."""
    removed: set[str] = set()
    with pikepdf.open(path, allow_overwriting_input=True) as pdf:
        for page in pdf.pages:
            for key in _PRESENTATION_KEYS:
                if key in page.obj:
                    del page.obj[key]
                    removed.add(key)
        if removed:
            pdf.save(path)
    return sorted(removed)


_IMAGE_PAGE_OPS = {"q", "Q", "cm", "Do"}


def plain_page_image(page: pikepdf.Page) -> Image.Image | None:
    """The page's image when the page is nothing but one full-page image (a scan), with its dpi.

    Returns None for anything else: text or vector content, several images, masks, rotation,
    annotations, colour spaces other than gray/RGB.
    """
    if int(page.obj.get("/Rotate", 0)) % 360 or "/Annots" in page.obj:
        return None
    xobjects: Any = page.resources.get("/XObject", {})
    if len(xobjects) != 1:
        return None
    (xobj,) = xobjects.values()
    if xobj.get("/Subtype") != pikepdf.Name.Image or "/SMask" in xobj or "/Mask" in xobj:
        return None
    if xobj.get("/ImageMask") or xobj.get("/ColorSpace") not in (pikepdf.Name.DeviceGray, pikepdf.Name.DeviceRGB):
        return None
    ops = pikepdf.parse_content_stream(page)
    if {str(op.operator) for op in ops} - _IMAGE_PAGE_OPS:
        return None
    box = page.mediabox
    width_pt, height_pt = float(box[2]) - float(box[0]), float(box[3]) - float(box[1])
    cms = [[float(x) for x in op.operands] for op in ops if str(op.operator) == "cm"]
    if len(cms) != 1 or abs(cms[0][0] - width_pt) > 0.5 or abs(cms[0][3] - height_pt) > 0.5 or cms[0][1] or cms[0][2]:
        return None
    pdf_image = pikepdf.PdfImage(cast(pikepdf.Stream, xobj))
    image = pdf_image.as_pil_image()
    image.info["dpi"] = (pdf_image.width / (width_pt / 72), pdf_image.height / (height_pt / 72))
    return image


def plain_page_images(path: Path) -> list[Image.Image] | None:
    """All page images of an image-only PDF (see :func:`plain_page_image`), or None if any page is not."""
    with pikepdf.open(path) as pdf:
        images = []
        for page in pdf.pages:
            try:
                image = plain_page_image(page)
            except (pikepdf.PdfError, ValueError, NotImplementedError, OSError):
                return None
            if image is None:
                return None
            images.append(image)
        return images
