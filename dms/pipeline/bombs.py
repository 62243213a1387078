"""Decompression-bomb guard for PDFs, run before any engine (OCR, text, thumbnail) touches the file.

Finding of the reliability campaign: a 300 KB PDF whose page content stream inflates to 200 MB kept
pdfium busy for 8 s at 430 MB RSS during text extraction; a few MB of PDF would take a worker down.
Here every Flate-compressed stream that engines decode for text or rendering (page contents, forms,
fonts; not images or embedded files, which text extraction never inflates) is inflated in bounded
chunks without keeping the output, and the document is refused once the total passes the limit.
"""

from __future__ import annotations

import base64
import binascii
import io
import zlib
from collections.abc import Sequence

import pikepdf

from dms.pipeline.base import StepFailed

#: inflated bytes of non-image streams allowed per PDF (real documents stay far below this)
MAX_INFLATED_BYTES = 64 * 1024 * 1024
_CHUNK = 1024 * 1024


def _inflated_size(raw: bytes, budget: int) -> int:
    """Bytes ``raw`` inflates to, counting at most ``budget + 1`` (no output is kept)."""
    d = zlib.decompressobj()
    total, data = 0, raw
    while data and total <= budget:
        try:
            out = d.decompress(data, _CHUNK)
        except zlib.error:
            break  # damaged data: what inflated so far counts
        total += len(out)
        data = d.unconsumed_tail
        if not out and not data:
            break
    return total


def _strip_ascii_filters(raw: bytes, names: Sequence[object]) -> bytes | None:
    """Undo leading ASCII85/ASCIIHex filters (they only shrink); None unless Flate comes next."""
    for name in names:
        if name == pikepdf.Name.FlateDecode:
            return raw
        if name in (pikepdf.Name.ASCII85Decode, pikepdf.Name("/A85")):
            raw = base64.a85decode(raw.strip().removeprefix(b"<~").split(b"~>")[0])
        elif name in (pikepdf.Name.ASCIIHexDecode, pikepdf.Name("/AHx")):
            hexdigits = bytes(c for c in raw.split(b">")[0] if chr(c) in "0123456789abcdefABCDEF")
            raw = binascii.unhexlify(hexdigits + (b"0" if len(hexdigits) % 2 else b""))
        else:
            return None
    return None


def refuse_pdf_bomb(data: bytes, limit: int = MAX_INFLATED_BYTES) -> None:
    """Raise :class:`StepFailed` when the PDF's text/drawing streams inflate beyond ``limit`` bytes."""
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except Exception:
        return
    total = 0
    with pdf:
        for obj in pdf.objects:
            if not isinstance(obj, pikepdf.Stream):
                continue
            if obj.get("/Subtype") == pikepdf.Name.Image or obj.get("/Type") == pikepdf.Name.EmbeddedFile:
                continue
            filters = obj.get("/Filter")
            names = [filters] if isinstance(filters, pikepdf.Name) else list(filters or [])
            if pikepdf.Name.FlateDecode not in names:
                continue
            try:
                raw = _strip_ascii_filters(obj.read_raw_bytes(), names)
            except Exception:  # noqa: S112 - a damaged stream is the engines' problem
                continue
            if raw is None:
                continue
            total += _inflated_size(raw, limit - total)
            if total > limit:
                raise StepFailed(
                    f"PDF refused: its content streams inflate to more than {limit // (1024 * 1024)} MB "
                    "(decompression bomb)"
                )

