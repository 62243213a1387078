"""Generated German test scans for the scan station's tests and benchmark.

Pages are rendered with Pillow at a chosen resolution (300 dpi by default) with a slight rotation and
salt-and-pepper noise, so OCR sees something close to a real office scan. Separator sheets, Aktenzeichen
QR codes and ASN barcodes are drawn module by module from reportlab's QR and Code 128 encoders (no
extra dependency). Everything is deterministic for a given seed.

Nothing here is used in production paths; it lives in the package so the benchmark and the tests share
one generator.
"""

from __future__ import annotations

import io
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from PIL import Image, ImageDraw, ImageFont
from reportlab.graphics.barcode.code128 import Code128
from reportlab.graphics.barcode.qrencoder import QRCode, QRErrorCorrectLevel
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

A4_MM = (210.0, 297.0)
A6_MM = (105.0, 148.0)
MM_PER_INCH = 25.4

#: Municipal German sentences with umlauts and ß; words of 3+ letters are what recall is measured on.
GERMAN_SENTENCES: tuple[str, ...] = (
    "Sehr geehrte Damen und Herren,",
    "hiermit beantrage ich die Erteilung einer Baugenehmigung für das Grundstück Gartenstraße 12.",
    "Die Gebühren werden nach der Verwaltungsgebührensatzung der Stadt festgesetzt.",
    "Gegen diesen Bescheid kann innerhalb eines Monats nach Bekanntgabe Widerspruch erhoben werden.",
    "Der Widerspruch ist schriftlich oder zur Niederschrift beim Bürgeramt einzulegen.",
    "Bitte überweisen Sie den Betrag bis zum Fälligkeitsdatum auf das angegebene Konto.",
    "Die Unterlagen zur Gewerbeanmeldung wurden vollständig und fristgerecht eingereicht.",
    "Wir bitten um Prüfung der beigefügten Rechnung über die Straßenreinigung im Oktober.",
    "Das Ordnungsamt hat die Sondernutzungserlaubnis für den Wochenmarkt verlängert.",
    "Für Rückfragen steht Ihnen die Sachbearbeiterin montags bis freitags gern zur Verfügung.",
    "Die Schulträgerschaft umfasst auch die Unterhaltung der Turnhalle und des Schulhofs.",
    "Mit freundlichen Grüßen aus dem Rathaus, Ihre Stadtverwaltung.",
    "Der Zuwendungsbescheid für die Jugendförderung liegt dem Jugendamt vor.",
    "Die Anhörung nach dem Verwaltungsverfahrensgesetz findet im Sitzungssaal statt.",
    "Eine Abschrift des Protokolls wird allen Beteiligten übersandt.",
    "Die Kämmerei bestätigt den Eingang der Zahlung für die Hundesteuer.",
)

_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/noto/NotoSans-Regular.ttf",
)


def _font(size_px: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for candidate in _FONT_CANDIDATES:
        if Path(candidate).is_file():
            return ImageFont.truetype(candidate, size_px)
    return ImageFont.load_default(size=size_px)


def words_of(text: str) -> list[str]:
    """Words used for recall: alphabetic tokens of three or more letters, punctuation stripped."""
    out: list[str] = []
    for raw in text.split():
        word = raw.strip(".,;:!?()\"'„“”–-/")
        if len(word) >= 3 and word.isalpha():
            out.append(word)
    return out


def word_recall(expected_text: str, recognised_text: str) -> float:
    """Share of expected words (multiset) found in the recognised text, case-sensitive."""
    expected = words_of(expected_text)
    if not expected:
        return 1.0
    pool: dict[str, int] = {}
    for word in words_of(recognised_text):
        pool[word] = pool.get(word, 0) + 1
    hits = 0
    for word in expected:
        if pool.get(word, 0) > 0:
            pool[word] -= 1
            hits += 1
    return hits / len(expected)


@dataclass(frozen=True)
class Code:
    """A code to draw on a page: ``kind`` is ``qr`` or ``code128``; position is relative (0..1)."""

    value: str
    kind: str = "qr"
    x: float = 0.7
    y: float = 0.04
    module_mm: float = 0.8


@dataclass
class TestPage:
    """One generated page: its image and the text that was printed on it."""

    image: Image.Image
    text: str
    codes: list[Code] = field(default_factory=list)


def _px(mm: float, dpi: int) -> int:
    return round(mm / MM_PER_INCH * dpi)


def _qr_matrix(value: str) -> list[list[bool]]:
    qr = QRCode(None, QRErrorCorrectLevel.M)
    qr.addData(value)
    qr.make()
    n = qr.getModuleCount()
    return [[bool(qr.isDark(r, c)) for c in range(n)] for r in range(n)]


def _code128_widths(value: str) -> list[tuple[bool, int]]:
    barcode = Code128(value)
    barcode.validate()
    barcode.encode()
    barcode.decompose()
    out: list[tuple[bool, int]] = []
    for ch in barcode.decomposed:
        if ch.isupper():
            out.append((True, ord(ch) - ord("A") + 1))
        elif ch.islower():
            out.append((False, ord(ch) - ord("a") + 1))
    return out


def draw_code(img: Image.Image, code: Code, dpi: int) -> None:
    """Draw a QR code or a Code 128 barcode (with quiet zone) onto ``img`` in place."""
    draw = ImageDraw.Draw(img)
    module = max(2, _px(code.module_mm, dpi))
    x0 = round(code.x * img.width)
    y0 = round(code.y * img.height)
    if code.kind == "qr":
        matrix = _qr_matrix(code.value)
        n = len(matrix)
        quiet = 4 * module
        draw.rectangle((x0 - quiet, y0 - quiet, x0 + n * module + quiet, y0 + n * module + quiet), fill=255)
        for r, row in enumerate(matrix):
            for c, dark in enumerate(row):
                if dark:
                    xs, ys = x0 + c * module, y0 + r * module
                    draw.rectangle((xs, ys, xs + module - 1, ys + module - 1), fill=0)
    elif code.kind == "code128":
        bar = max(2, module // 2)
        height = _px(12, dpi)
        widths = _code128_widths(code.value)
        total = sum(w for _, w in widths) * bar
        quiet = 10 * bar
        draw.rectangle((x0 - quiet, y0 - quiet, x0 + total + quiet, y0 + height + quiet), fill=255)
        x = x0
        for dark, w in widths:
            if dark:
                draw.rectangle((x, y0, x + w * bar - 1, y0 + height), fill=0)
            x += w * bar
    else:
        raise ValueError(f"unknown code kind: {code.kind}")


def render_page(
    lines: Sequence[str],
    *,
    dpi: int = 300,
    size_mm: tuple[float, float] = A4_MM,
    font_pt: float = 11.0,
    rotation_deg: float = 0.0,
    noise: float = 0.002,
    codes: Iterable[Code] = (),
    seed: int = 0,
) -> TestPage:
    """Render ``lines`` as a grayscale scan: text, optional codes, slight rotation, salt-and-pepper noise."""
    width, height = _px(size_mm[0], dpi), _px(size_mm[1], dpi)
    img = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(img)
    font_px = round(font_pt / 72 * dpi)
    font = _font(font_px)
    margin = _px(20 if size_mm[0] > 150 else 10, dpi)
    y = margin + _px(25 if size_mm[0] > 150 else 8, dpi)
    max_width = width - 2 * margin
    printed: list[str] = []
    for line in lines:
        # wrap by words to the text width
        words = line.split()
        current = ""
        for word in words:
            candidate = f"{current} {word}".strip()
            if draw.textlength(candidate, font=font) <= max_width:
                current = candidate
                continue
            if current:
                draw.text((margin, y), current, fill=0, font=font)
                printed.append(current)
                y += round(font_px * 1.5)
            current = word
        if current:
            draw.text((margin, y), current, fill=0, font=font)
            printed.append(current)
            y += round(font_px * 1.5)
        if y > height - margin - font_px:
            break
    code_list = list(codes)
    for code in code_list:
        draw_code(img, code, dpi)
    rng = random.Random(seed)  # noqa: S311 - deterministic test noise
    if rotation_deg:
        img = img.rotate(rotation_deg, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=255)
    if noise > 0:
        pixels = img.load()
        assert pixels is not None
        for _ in range(int(width * height * noise)):
            px, py = rng.randrange(width), rng.randrange(height)
            pixels[px, py] = 0 if rng.random() < 0.5 else 255
    img.info["dpi"] = (dpi, dpi)
    return TestPage(image=img, text="\n".join(printed), codes=code_list)


def german_page(
    seed: int,
    *,
    n_sentences: int = 8,
    dpi: int = 300,
    size_mm: tuple[float, float] = A4_MM,
    rotation_deg: float | None = None,
    noise: float = 0.002,
    codes: Iterable[Code] = (),
    font_pt: float = 11.0,
) -> TestPage:
    """A page of German municipal prose; rotation defaults to a slight random tilt (±1.5°)."""
    rng = random.Random(seed)  # noqa: S311 - deterministic test text
    sentences = [rng.choice(GERMAN_SENTENCES) for _ in range(n_sentences)]
    heading = f"Stadt Musterstadt, Vorgang {1000 + seed}"
    angle = rng.uniform(-1.5, 1.5) if rotation_deg is None else rotation_deg
    return render_page(
        [heading, *sentences],
        dpi=dpi,
        size_mm=size_mm,
        rotation_deg=angle,
        noise=noise,
        codes=codes,
        seed=seed,
        font_pt=font_pt,
    )


def separator_page(
    *, value: str = "AW-SPLIT", kind: str = "qr", dpi: int = 300, size_mm: tuple[float, float] = A4_MM,
    extra_codes: Iterable[Code] = (),
) -> TestPage:
    """A separator sheet: a large code in the middle and the word "Trennblatt"."""
    code = (
        Code(value, kind=kind, x=0.35, y=0.3, module_mm=1.2)
        if kind == "qr"
        else Code(value, kind=kind, x=0.1, y=0.3, module_mm=0.5)
    )
    return render_page(["TRENNBLATT"], dpi=dpi, size_mm=size_mm, codes=[code, *extra_codes], noise=0.0005)


def blank_page(*, dpi: int = 300, size_mm: tuple[float, float] = A4_MM, noise: float = 0.0005,
               seed: int = 0) -> TestPage:
    """A blank sheet with a little scanner noise (e.g. the back side of a duplex scan)."""
    return render_page([], dpi=dpi, size_mm=size_mm, noise=noise, seed=seed)


# ---------------------------------------------------------------------------------------------- writers


def _dpi_of(page: TestPage) -> tuple[int, int]:
    dpi = page.image.info.get("dpi", (300, 300))
    return (round(dpi[0]), round(dpi[1]))


def save_png(page: TestPage, path: Path) -> Path:
    page.image.save(path, format="PNG", dpi=_dpi_of(page))
    return path


def save_jpeg(page: TestPage, path: Path, quality: int = 85) -> Path:
    page.image.save(path, format="JPEG", dpi=_dpi_of(page), quality=quality)
    return path


def save_tiff(pages: Sequence[TestPage], path: Path, compression: str = "group4") -> Path:
    """Multi-page TIFF; ``group4`` stores bilevel pages as a fax scanner would."""
    # copies: Pillow leaves PNG encoder state on an image it saved, which breaks a later TIFF save
    images = [p.image.convert("1") if compression == "group4" else p.image.copy() for p in pages]
    images[0].save(
        path,
        format="TIFF",
        save_all=True,
        append_images=images[1:],
        compression=compression,
        dpi=_dpi_of(pages[0]),
    )
    return path


def save_image_pdf(pages: Sequence[TestPage], path: Path) -> Path:
    """An image-only PDF (no text layer), one page per image, at the images' resolution."""
    images = [p.image.convert("L") for p in pages]
    images[0].save(path, format="PDF", save_all=True, append_images=images[1:], resolution=_dpi_of(pages[0])[0])
    return path


def save_text_pdf(lines: Sequence[str], path: Path, *, embed_font: bool = True) -> Path:
    """A born-digital PDF with a real text layer (it must not be OCR'd again in ``skip`` mode).

    ``embed_font=False`` uses the non-embedded standard Helvetica, which PDF/A forbids.
    """
    font_name = "Helvetica"
    for candidate in _FONT_CANDIDATES if embed_font else ():
        if Path(candidate).is_file():
            pdfmetrics.registerFont(TTFont("AwTestSans", candidate))
            font_name = "AwTestSans"
            break
    c = canvas.Canvas(str(path), pagesize=A4, initialFontName=font_name, initialFontSize=11)
    c.setFont(font_name, 11)
    y = A4[1] - 72
    for line in lines:
        c.drawString(56, y, line)
        y -= 16
    c.showPage()
    c.save()
    return path


def save_encrypted_pdf(
    pages: Sequence[TestPage], path: Path, password: str = "geheim",  # noqa: S107 - test fixture
) -> Path:
    """An image PDF protected with a user (open) password."""
    buf = io.BytesIO()
    images = [p.image.convert("L") for p in pages]
    images[0].save(buf, format="PDF", save_all=True, append_images=images[1:], resolution=_dpi_of(pages[0])[0])
    buf.seek(0)
    with pikepdf.open(buf) as pdf:
        pdf.save(path, encryption=pikepdf.Encryption(user=password, owner=password + "-owner"))
    return path


def save_corrupt_image(path: Path, kind: str = "png") -> Path:
    """A file that claims to be an image but is truncated garbage after a valid header."""
    page = render_page(["kaputt"], size_mm=A6_MM, dpi=150)
    buf = io.BytesIO()
    page.image.save(buf, format="PNG" if kind == "png" else "JPEG")
    data = buf.getvalue()
    path.write_bytes(data[: max(64, len(data) // 3)])
    return path
