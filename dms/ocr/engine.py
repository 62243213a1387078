"""OCR into a searchable PDF/A-2b archive copy with ocrmypdf and Tesseract.

``ocr_to_pdfa(src, dst)`` never touches ``src``: it copies it into a private work folder, converts
images (multi-page TIFF, PNG, JPEG) into an image PDF, runs ocrmypdf in a child process with a hard
time limit, checks the result declares PDF/A-2B, and moves it atomically to ``dst``.

Orientation is handled optimistically: the first pass runs without Tesseract's orientation detection
(about 0.8 s per page); only when an inked page yields implausible text is the document run again with
``rotate_pages``. Deskew of images and of scanner PDFs (one image per page) happens during the
conversion to the image PDF ocrmypdf works on (``imageops.frames_to_pdf``: the image is drawn rotated,
Tesseract gets a straightened raster written alongside); other PDFs use the plugin's fast skew
estimate (see ``_plugin.py``). ocrmypdf writes a plain PDF, which the OCR child converts to PDF/A-2b
with pikepdf (validated once as written).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from dms.ocr._child import run_ocrmypdf
from dms.ocr.errors import (
    CorruptInputError,
    EmptyDocumentError,
    EncryptedPdfError,
    OcrCrashedError,
    OcrEngineMissingError,
    OcrError,
    OcrTimeoutError,
    PdfaConversionError,
    SignedPdfError,
    UnsupportedFormatError,
)
from dms.ocr.imageops import frames_to_pdf, images_to_pdf, sniff
from dms.ocr.pdftools import (
    inspect_pdf,
    page_texts,
    pdfa_status,
    plain_page_images,
    strip_presentation_keys,
)

OcrMode = Literal["skip", "redo", "force"]
MODES: tuple[str, ...] = ("skip", "redo", "force")
PDFA_CONFORMANCE = "2B"

#: Reasons recorded in ``OcrResult.skipped_reason``.
SKIP_HAS_TEXT = "already has text: OCR skipped / enthält bereits Text: keine Texterkennung"
SKIP_SIGNED = (
    "digitally signed: no archive copy, the signed original is the record / "
    "digital signiert: keine Archivkopie, das signierte Original ist maßgeblich"
)


@dataclass(frozen=True)
class OcrResult:
    """Outcome of :func:`ocr_to_pdfa`.

    ``sha256`` is the hash of the PDF/A copy at ``pdfa_path`` (``None`` when none was produced, then
    ``skipped_reason`` says why); ``source_sha256`` is the hash of the untouched original.
    """

    text: str
    pages: int
    pdfa_path: Path | None
    sha256: str | None
    skipped_reason: str | None = None
    source_sha256: str = ""
    page_texts: tuple[str, ...] = ()
    ocr_applied: bool = True
    rotated_pass: bool = False
    blank_pages: tuple[int, ...] = ()
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0
    conformance: str = ""
    settings: dict[str, Any] = field(default_factory=dict)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@lru_cache(maxsize=1)
def installed_languages() -> frozenset[str]:
    """Tesseract languages present on this machine (empty when tesseract is missing)."""
    exe = shutil.which("tesseract")
    if exe is None:
        return frozenset()
    proc = subprocess.run(  # noqa: S603 - fixed argv
        [exe, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
    )
    lines = (proc.stdout or proc.stderr).splitlines()
    return frozenset(line.strip() for line in lines[1:] if line.strip())


def check_engine(languages: tuple[str, ...]) -> None:
    """Fail early and clearly when Tesseract, Ghostscript or a language pack is missing."""
    if shutil.which("tesseract") is None:
        raise OcrEngineMissingError("tesseract is not installed")
    missing = [lang for lang in languages if lang not in installed_languages()]
    if missing:
        raise OcrEngineMissingError(
            f"tesseract language data missing: {', '.join(missing)}",
            reason_de=f"Tesseract-Sprachdaten fehlen: {', '.join(missing)}.",
        )


#: Frequent German and English function words. Text read the right way up contains some of them;
#: text OCR'd upside down or sideways yields letter soup that contains almost none.
_FUNCTION_WORDS = frozenset(
    ["der", "die", "das", "den", "dem", "des", "ein", "eine", "einer", "eines", "einem", "einen", "und", "oder", "aber", "nicht", "kein", "keine", "ist", "sind", "war", "wird", "werden", "wurde", "wurden", "hat", "haben", "hatte", "sein", "im", "in", "an", "am", "auf", "aus", "bei", "mit", "nach", "von", "vom", "zu", "zum", "zur", "für", "über", "unter", "vor", "bis", "durch", "gegen", "ohne", "um", "als", "auch", "so", "wie", "wenn", "dass", "daß", "sich", "sie", "er", "es", "wir", "ihr", "ich", "sehr", "bitte", "ihre", "ihren", "ihrem", "ihnen", "uns", "zu", "noch", "nur", "schon", "mehr", "hier", "dort", "diese", "dieser", "diesem", "diesen", "dieses", "alle", "allen", "beim", "sowie", "gemäß", "nr", "datum", "seite", "betrag", "summe", "straße", "herr", "frau", "the", "and", "of", "to", "in", "for", "on", "with", "is", "are", "was", "be", "by", "from", "at", "as", "or", "not", "this", "that", "it", "an", "a", "your", "our", "we", "you"]
)
_TOKEN_STRIP = ".,;:!?()[]\"'„“”‚‘’-–/"  # noqa: S105 - punctuation, not a password


def text_plausible(text: str) -> bool:
    """Heuristic for "OCR read this page the right way up".

    Upright text (letters, forms, invoices) contains some common function words; a page OCR'd upside
    down or sideways yields few tokens or letter soup with practically none of them.
    """
    tokens = [t.strip(_TOKEN_STRIP).lower() for t in text.split()]
    tokens = [t for t in tokens if t]
    if len(tokens) < 3:
        return False
    hits = sum(1 for t in tokens if t in _FUNCTION_WORDS)
    return hits >= 2 and hits / len(tokens) >= 0.03


def default_jobs(pages: int) -> int:
    """Parallel Tesseract jobs: one per core, never more than pages."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(cores, pages))


def default_timeout(pages: int) -> float:
    """Generous document time limit: a minute of fixed cost plus a minute per page."""
    return 60.0 + 60.0 * pages


_EXC_MAP: dict[str, type[OcrError]] = {
    "EncryptedPdfError": EncryptedPdfError,
    "DigitalSignatureError": SignedPdfError,
    "InputFileError": CorruptInputError,
    "UnsupportedImageFormatError": UnsupportedFormatError,
    "DpiError": CorruptInputError,
    "PdfaConversionFailedError": PdfaConversionError,
    "MissingDependencyError": OcrEngineMissingError,
    "TesseractConfigError": OcrEngineMissingError,
}

# ocrmypdf.ExitCode values that are returned rather than raised
_EXIT_MAP: dict[int, type[OcrError]] = {
    2: CorruptInputError,  # input_file
    3: OcrEngineMissingError,  # missing_dependency
    6: OcrError,  # already_done_ocr (never with our modes)
    8: EncryptedPdfError,
    10: PdfaConversionError,
}


def _run_pass(kwargs: dict[str, Any], timeout: float, raster_dir: Path | None = None) -> None:
    outcome = run_ocrmypdf(kwargs, timeout, raster_dir=raster_dir, pdfa=PDFA_CONFORMANCE.lower())
    if outcome.kind == "exit":
        if outcome.value == 0:
            return
        raise _EXIT_MAP.get(int(outcome.value), OcrError)(f"ocrmypdf exit code {outcome.value}")
    if outcome.kind == "timeout":
        raise OcrTimeoutError(f"after {outcome.value} s")
    if outcome.kind == "crashed":
        raise OcrCrashedError(f"exit status {outcome.value}")
    cls = _EXC_MAP.get(str(outcome.value), OcrError)
    raise cls(f"{outcome.value}: {outcome.message}".strip(": "))


def _atomic_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dst.name}.", suffix=".part", dir=dst.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        shutil.copyfile(src, tmp)
        with tmp.open("rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, dst)
    finally:
        tmp.unlink(missing_ok=True)


def ocr_to_pdfa(  # noqa: PLR0917 - signature fixed by the issue
    src: Path,
    dst: Path,
    languages: tuple[str, ...] = ("deu", "eng"),
    mode: OcrMode = "skip",
    deskew: bool = True,
    rotate: bool = True,
    *,
    jobs: int | None = None,
    timeout: float | None = None,
    page_timeout: float = 180.0,
    work_dir: Path | None = None,
) -> OcrResult:
    """OCR ``src`` (TIFF/PNG/JPEG/PDF) into a PDF/A-2b copy at ``dst``; ``src`` is never modified.

    ``mode``: ``skip`` leaves pages that already carry text alone (a born-digital PDF is not OCR'd
    again, only converted to PDF/A), ``redo`` replaces an earlier OCR layer, ``force`` rasterises
    and OCRs everything. Raises an :class:`~dms.ocr.errors.OcrError` subclass with a reason.
    """
    started = time.monotonic()
    src = Path(src)
    dst = Path(dst)
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    if not src.is_file():
        raise CorruptInputError(f"no such file: {src}", reason_de=f"Datei nicht gefunden: {src.name}")
    if src.resolve() == dst.resolve():
        raise ValueError("dst must differ from src: the original is never overwritten")
    check_engine(tuple(languages))
    settings: dict[str, Any] = {
        "languages": list(languages),
        "mode": mode,
        "deskew": deskew,
        "rotate": rotate,
        "output_type": "pdfa-2",
    }
    with tempfile.TemporaryDirectory(prefix="aw-ocr-", dir=work_dir) as tmp_name:
        tmp = Path(tmp_name)
        original = tmp / "original"
        shutil.copyfile(src, original)  # work on a private copy: the source may be in a watched folder
        source_sha256 = sha256_file(original)
        kind = sniff(original)
        warnings: list[str] = []
        ocr_deskew = deskew
        # page pixels for Tesseract, written while converting (not in force mode: there ocrmypdf's
        # raster also becomes the visible page, so the plugin's own extraction keeps its PNG)
        raster_dir: Path | None = None
        if mode != "force":
            raster_dir = tmp / "rasters"
            raster_dir.mkdir()
        optimize = 1
        if kind == "pdf":
            facts = inspect_pdf(original)
            pdf_in = original
            pages = facts.pages
            blank_pages = facts.blank_pages
            if facts.signed:
                texts = page_texts(original)
                return OcrResult(
                    text="\n\f".join(texts), pages=pages, pdfa_path=None, sha256=None,
                    skipped_reason=SKIP_SIGNED, source_sha256=source_sha256, page_texts=tuple(texts),
                    ocr_applied=False, seconds=time.monotonic() - started, settings=settings,
                )
            already_text = facts.all_text and mode == "skip"
            removed = strip_presentation_keys(original)
            if removed:
                warnings.append(f"removed presentation/action keys from the archive copy: {removed}")
            if deskew and not any(facts.text_pages) and mode != "force":
                # a scanner PDF (one image per page): straighten here, as for images, instead of
                # ocrmypdf's per-page Tesseract layout pass and PNG round trip
                images = plain_page_images(original)
                if images is not None:
                    ocr_deskew = False
                    straight = tmp / "deskewed.pdf"
                    conversion = frames_to_pdf(
                        ((im, None) for im in images), straight, deskew=True, raster_dir=raster_dir
                    )
                    skewed = [i + 1 for i, a in enumerate(conversion.deskew_angles) if a]
                    if skewed:
                        pdf_in = straight
                        warnings.append(f"deskewed pages {skewed}")
        else:
            pdf_in = tmp / "images.pdf"
            conversion = images_to_pdf(original, pdf_in, deskew=deskew, raster_dir=raster_dir)
            optimize = 0  # freshly Flate/G4-encoded or untouched JPEG: nothing for the optimizer to gain
            pages = conversion.pages
            blank_pages = conversion.blank_pages
            ocr_deskew = False  # already straightened during conversion
            already_text = False
            skewed = [i + 1 for i, a in enumerate(conversion.deskew_angles) if a]
            if skewed:
                warnings.append(f"deskewed pages {skewed}")
        if len(blank_pages) == pages:
            raise EmptyDocumentError(f"all {pages} page(s) are blank")
        if blank_pages:
            warnings.append(f"blank pages: {[i + 1 for i in blank_pages]}")
        out = tmp / "out.pdf"
        kwargs: dict[str, Any] = {
            "input_file_or_options": pdf_in,
            "output_file": out,
            "language": list(languages),
            # PDF/A-2b without Ghostscript: ocrmypdf writes a plain PDF and the OCR child converts it
            # with pikepdf.pdfa.save (what ocrmypdf's "internal" PDF/A backend does, but validating
            # the written file once instead of twice). No Ghostscript re-render: faster, and Debian's
            # gs 10.0 is refused by ocrmypdf for skip/redo because it corrupts existing text.
            "output_type": "pdf",
            "mode": mode,
            "deskew": ocr_deskew,
            "rotate_pages": False,
            "jobs": jobs or default_jobs(pages),
            "optimize": optimize,
            "fast_web_view": 1_000_000,  # MB: never linearize (an archive copy, not a web download)
            # Tesseract writes the invisible text layer itself (no hOCR → fpdf2 round trip in Python)
            "pdf_renderer": "sandwich",
            "progress_bar": False,
            "tesseract_timeout": page_timeout,
            "plugins": ["dms.ocr._plugin"],
            "tagged_pdf_mode": "ignore",
        }
        limit = timeout if timeout is not None else default_timeout(pages)
        try:
            _run_pass(kwargs, limit, raster_dir)
        except (PdfaConversionError, SignedPdfError) as exc:
            if not already_text:
                raise
            # a born-digital PDF: its text is usable even without an archive copy; record why none
            texts = page_texts(original)
            return OcrResult(
                text="\n\f".join(texts), pages=pages, pdfa_path=None, sha256=None,
                skipped_reason=f"{SKIP_HAS_TEXT}; no PDF/A copy: {exc.code}: {exc.reason_en}",
                source_sha256=source_sha256, page_texts=tuple(texts), ocr_applied=False,
                warnings=tuple(warnings), seconds=time.monotonic() - started, settings=settings,
            )
        texts = page_texts(out)
        rotated_pass = False
        if rotate and not already_text:
            suspicious = [
                i for i, t in enumerate(texts) if i not in blank_pages and not text_plausible(t)
            ]
            if suspicious:
                out2 = tmp / "out-rotated.pdf"
                remaining = max(1.0, limit - (time.monotonic() - started))
                _run_pass(
                    kwargs | {"output_file": out2, "rotate_pages": True, "rotate_pages_threshold": 2.0},
                    remaining,
                )
                texts2 = page_texts(out2)
                if sum(text_plausible(t) for t in texts2) > sum(text_plausible(t) for t in texts):
                    out, texts, rotated_pass = out2, texts2, True
                    warnings.append(f"orientation corrected (pages checked: {[i + 1 for i in suspicious]})")
        conformance = pdfa_status(out)
        if conformance.upper() != PDFA_CONFORMANCE:
            raise PdfaConversionError(f"output declares PDF/A {conformance or 'none'}, expected 2B")
        _atomic_copy(out, dst)
    return OcrResult(
        text="\n\f".join(texts),
        pages=pages,
        pdfa_path=dst,
        sha256=sha256_file(dst),
        skipped_reason=SKIP_HAS_TEXT if already_text else None,
        source_sha256=source_sha256,
        page_texts=tuple(texts),
        ocr_applied=not already_text,
        rotated_pass=rotated_pass,
        blank_pages=tuple(blank_pages),
        warnings=tuple(warnings),
        seconds=time.monotonic() - started,
        conformance=conformance.upper(),
        settings=settings,
    )
