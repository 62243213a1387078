"""Batch separation of a scanned stack: separator sheets, Aktenzeichen QR codes, ASN barcodes.

Three steps, the middle one pure:

1. :func:`detect_codes` renders each page of a PDF (pypdfium2) and reads QR codes and barcodes with
   pyzbar; an image stack (TIFF, PNG, JPEG) is read from its decoded frames instead
   (:func:`scan_frames`: no image→PDF conversion and no rendering just to look for codes).
2. :func:`plan_batch` turns the codes per page into documents: a page carrying the separator code
   (default ``AW-SPLIT``) ends the current document and is dropped; an Aktenzeichen QR files the
   document into that Akte; an ASN barcode (``ASN00123``) gives its archive serial number. A code on
   a separator sheet applies to the document that follows it, a code on a content page to the
   document that page belongs to. The first value wins; a conflicting second one is a warning.
3. :func:`split_pdf` writes one PDF per document with pikepdf (separator pages left out).

:func:`separate_batch` runs all three on a PDF, TIFF, PNG or JPEG.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from PIL import Image
from pyzbar import pyzbar

from dms.ocr.errors import EmptyDocumentError
from dms.ocr.imageops import frame_dpi, images_to_pdf, is_blank, iter_frames, sniff
from dms.ocr.pdftools import open_checked, render_pages

SYMBOLS = (
    pyzbar.ZBarSymbol.QRCODE,
    pyzbar.ZBarSymbol.CODE128,
    pyzbar.ZBarSymbol.CODE39,
    pyzbar.ZBarSymbol.I25,
)


@dataclass(frozen=True)
class Code:
    """One decoded symbol: ``symbology`` as pyzbar names it (QRCODE, CODE128, …) and its text."""

    symbology: str
    value: str


@dataclass(frozen=True)
class PageScan:
    """Codes found on one page (0-based ``index``) and whether the page is blank."""

    index: int
    codes: tuple[Code, ...] = ()
    blank: bool = False


@dataclass(frozen=True)
class SeparationConfig:
    """How codes are read. Patterns are matched against the whole decoded text."""

    separator: str = "AW-SPLIT"
    #: QR text ``AW-AKTE:<Aktenzeichen>``, or a bare Aktenzeichen such as ``022.31-0042/2026`` or
    #: ``63.01.02-2026/0147`` (file-plan code, dash, two numbers separated by a slash).
    akte_pattern: str = r"(?:AW-AKTE:\s*(?P<prefixed>\S.*)|(?P<bare>\d{1,3}(?:\.\d{1,3})*-\d{1,6}/\d{1,6}))"
    asn_pattern: str = r"ASN\s*(?P<asn>\d{1,10})"
    asn_digits: int = 5
    drop_blank_pages: bool = False
    render_dpi: float = 200.0

    def is_separator(self, code: Code) -> bool:
        value = code.value.strip()
        return value == self.separator or value.startswith(self.separator + ":")

    def akte_of(self, code: Code) -> str | None:
        value = code.value.strip()
        if value.startswith(self.separator + ":"):
            value = value[len(self.separator) + 1 :].strip()
        match = re.fullmatch(self.akte_pattern, value)
        if not match:
            return None
        groups = match.groupdict()
        return (groups.get("prefixed") or groups.get("bare") or match.group(0)).strip()

    def asn_of(self, code: Code) -> str | None:
        match = re.fullmatch(self.asn_pattern, code.value.strip())
        if not match:
            return None
        return f"ASN{int(match.group('asn')):0{self.asn_digits}d}"


@dataclass(frozen=True)
class BatchPart:
    """One resulting document: its source pages (0-based), target Akte, ASN and notes."""

    index: int
    pages: tuple[int, ...]
    akte: str | None = None
    asn: str | None = None
    codes: tuple[Code, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class BatchPlan:
    """How a stack of ``source_pages`` pages splits into documents."""

    source_pages: int
    parts: tuple[BatchPart, ...]
    separator_pages: tuple[int, ...] = ()
    dropped_blank_pages: tuple[int, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass
class _Draft:
    pages: list[int] = field(default_factory=list)
    akte: str | None = None
    asn: str | None = None
    codes: list[Code] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def apply(self, code: Code, config: SeparationConfig, page: int) -> None:
        akte = config.akte_of(code)
        asn = config.asn_of(code)
        if akte is not None:
            if self.akte is None:
                self.akte = akte
            elif self.akte != akte:
                self.warnings.append(f"page {page + 1}: second Aktenzeichen {akte} ignored (kept {self.akte})")
        if asn is not None:
            if self.asn is None:
                self.asn = asn
            elif self.asn != asn:
                self.warnings.append(f"page {page + 1}: second ASN {asn} ignored (kept {self.asn})")
        if akte is not None or asn is not None:
            self.codes.append(code)


def plan_batch(scans: Sequence[PageScan], config: SeparationConfig | None = None) -> BatchPlan:
    """Pure: split pages into documents at separator sheets (see module docstring for the rules)."""
    config = config or SeparationConfig()
    parts: list[BatchPart] = []
    separators: list[int] = []
    dropped: list[int] = []
    warnings: list[str] = []
    draft = _Draft()

    def close() -> None:
        nonlocal draft
        if draft.pages:
            parts.append(
                BatchPart(
                    index=len(parts), pages=tuple(draft.pages), akte=draft.akte, asn=draft.asn,
                    codes=tuple(draft.codes), warnings=tuple(draft.warnings),
                )
            )
        elif draft.akte or draft.asn:
            warnings.append("codes on a separator sheet were not followed by any page")
        draft = _Draft()

    for scan in sorted(scans, key=lambda s: s.index):
        if any(config.is_separator(c) for c in scan.codes):
            close()
            separators.append(scan.index)
            for code in scan.codes:  # codes on a separator sheet belong to the next document
                draft.apply(code, config, scan.index)
            continue
        if scan.blank and config.drop_blank_pages:
            dropped.append(scan.index)
            continue
        draft.pages.append(scan.index)
        for code in scan.codes:
            draft.apply(code, config, scan.index)
    close()
    return BatchPlan(
        source_pages=len(scans), parts=tuple(parts), separator_pages=tuple(separators),
        dropped_blank_pages=tuple(dropped), warnings=tuple(warnings),
    )


def decode_image(image: Image.Image) -> tuple[Code, ...]:
    """All QR codes and barcodes pyzbar finds on one page image, in reading order, without duplicates."""
    gray = image.convert("L")
    found = pyzbar.decode(gray, symbols=SYMBOLS)
    seen: set[tuple[str, str]] = set()
    out: list[Code] = []
    for symbol in sorted(found, key=lambda s: (s.rect.top, s.rect.left)):
        value = symbol.data.decode("utf-8", errors="replace")
        key = (symbol.type, value)
        if key not in seen:
            seen.add(key)
            out.append(Code(symbology=symbol.type, value=value))
    return tuple(out)


def detect_codes(pdf: Path, *, dpi: float = 200.0) -> list[PageScan]:
    """Render every page and read its codes; also notes blank pages."""
    scans = []
    for index, image in enumerate(render_pages(pdf, dpi=dpi)):
        scans.append(PageScan(index=index, codes=decode_image(image), blank=is_blank(image)))
    return scans


def _at_dpi(frame: Image.Image, dpi: float) -> Image.Image:
    """The frame scaled down (block averaging, as a renderer would) to about ``dpi``; never up."""
    image = frame if frame.mode in ("L", "RGB") else frame.convert("L")
    source_dpi = frame_dpi(frame)[0]
    factor = source_dpi / dpi
    if factor < 1.05:
        return image
    if abs(factor - round(factor)) < 0.05:
        return image.reduce(round(factor))
    size = (max(1, round(image.width / factor)), max(1, round(image.height / factor)))
    return image.resize(size, Image.Resampling.BOX)


def scan_frames(frames: Iterable[Image.Image], *, dpi: float = 200.0) -> list[PageScan]:
    """Codes and blank pages of decoded page images, each looked at with about ``dpi`` resolution."""
    scans = []
    for index, frame in enumerate(frames):
        image = _at_dpi(frame, dpi)
        scans.append(PageScan(index=index, codes=decode_image(image), blank=is_blank(image)))
    return scans


def split_pdf(src: Path, plan: BatchPlan, out_dir: Path, *, stem: str = "part") -> list[Path]:
    """Write one PDF per planned document into ``out_dir`` (``<stem>-001.pdf`` …)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    outputs: list[Path] = []
    with open_checked(src) as source:
        for part in plan.parts:
            target = out_dir / f"{stem}-{part.index + 1:03d}.pdf"
            with pikepdf.new() as pdf:
                for page_index in part.pages:
                    pdf.pages.append(source.pages[page_index])
                pdf.save(target)
            outputs.append(target)
    return outputs


@dataclass(frozen=True)
class BatchResult:
    """The plan, the page scans it was made from, and one PDF per document."""

    plan: BatchPlan
    scans: tuple[PageScan, ...]
    documents: tuple[Path, ...]


def is_whole(plan: BatchPlan) -> bool:
    """True when the plan is the whole stack as one document (nothing split off or dropped)."""
    return (
        len(plan.parts) == 1
        and not plan.separator_pages
        and not plan.dropped_blank_pages
        and plan.parts[0].pages == tuple(range(plan.source_pages))
    )


def separate_batch(
    src: Path, out_dir: Path, config: SeparationConfig | None = None, *, write_whole: bool = True
) -> BatchResult:
    """Detect codes in a scanned stack (PDF or image), plan documents and write one PDF each.

    ``src`` is only read. Raises :class:`EmptyDocumentError` when no document remains. With
    ``write_whole=False`` a stack that stays one document (:func:`is_whole`) is not written again:
    ``documents`` is empty and the caller keeps ``src`` itself (an image stack is then never
    converted to PDF here).
    """
    config = config or SeparationConfig()
    with tempfile.TemporaryDirectory(prefix="aw-batch-") as tmp_name:
        pdf = src
        is_pdf = sniff(src) == "pdf"
        if is_pdf:
            scans = detect_codes(pdf, dpi=config.render_dpi)
        else:
            scans = scan_frames(iter_frames(src), dpi=config.render_dpi)
        plan = plan_batch(scans, config)
        if not plan.parts:
            raise EmptyDocumentError("the batch contains only separator sheets or blank pages")
        if not write_whole and is_whole(plan):
            return BatchResult(plan=plan, scans=tuple(scans), documents=())
        if not is_pdf:
            pdf = Path(tmp_name) / "stack.pdf"
            images_to_pdf(src, pdf, deskew=False)
        documents = split_pdf(pdf, plan, out_dir, stem=src.stem)
    return BatchResult(plan=plan, scans=tuple(scans), documents=tuple(documents))
