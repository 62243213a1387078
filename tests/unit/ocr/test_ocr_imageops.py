"""Image helpers: sniffing, blank and skew detection, image→PDF conversion (no OCR here)."""

from __future__ import annotations

from pathlib import Path

import pikepdf
import pypdfium2
import pytest
from PIL import Image

from dms.ocr import imageops
from dms.ocr import testscans as ts
from dms.ocr.errors import CorruptInputError, UnsupportedFormatError

A6 = ts.A6_MM


@pytest.mark.parametrize("angle", [0.0, 0.7, -1.5, 3.0])
def test_estimate_skew_finds_the_correction(angle: float) -> None:
    page = ts.german_page(3, n_sentences=6, rotation_deg=angle, size_mm=A6, dpi=200)
    assert imageops.estimate_skew(page.image) == pytest.approx(-angle, abs=0.25)


def test_blank_detection_ignores_scanner_noise_but_not_one_line() -> None:
    assert imageops.is_blank(ts.blank_page(size_mm=A6, noise=0.002).image)
    assert not imageops.is_blank(ts.render_page(["Nur eine Zeile: Eingangsstempel 02.11.2026"], size_mm=A6).image)


def test_sniff_by_content_not_extension(tmp_path: Path) -> None:
    png = ts.save_png(ts.blank_page(size_mm=A6), tmp_path / "looks.pdf")
    assert imageops.sniff(png) == "png"
    (tmp_path / "x.tif").write_bytes(b"GIF89a....")
    with pytest.raises(UnsupportedFormatError):
        imageops.sniff(tmp_path / "x.tif")
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(CorruptInputError):
        imageops.sniff(tmp_path / "empty.png")


def test_image_without_dpi_is_laid_out_at_300_dpi(tmp_path: Path) -> None:
    img = Image.new("L", (1240, 1748), 255)  # A6 at 300 dpi, no dpi info stored
    img.save(tmp_path / "nodpi.png")
    conv = imageops.images_to_pdf(tmp_path / "nodpi.png", tmp_path / "o.pdf")
    assert conv.pages == 1 and conv.blank_pages == (0,)
    with pikepdf.open(tmp_path / "o.pdf") as pdf:
        width_pt = float(pdf.pages[0].mediabox[2])
    assert width_pt == pytest.approx(1240 / 300 * 72, rel=0.01)


def test_alpha_png_and_multipage_tiff_convert(tmp_path: Path) -> None:
    rgba = ts.german_page(1, n_sentences=2, size_mm=A6).image.convert("RGBA")
    rgba.save(tmp_path / "alpha.png", dpi=(300, 300))
    assert imageops.images_to_pdf(tmp_path / "alpha.png", tmp_path / "a.pdf").pages == 1
    pages = [ts.german_page(i, n_sentences=2, size_mm=A6) for i in range(3)]
    tif = ts.save_tiff(pages, tmp_path / "m.tif")
    conv = imageops.images_to_pdf(tif, tmp_path / "m.pdf")
    assert conv.pages == 3 and conv.blank_pages == ()


def _page_image_stream(pdf: pikepdf.Pdf, index: int) -> pikepdf.Stream:
    (image,) = pdf.pages[index].Resources.XObject.values()
    assert isinstance(image, pikepdf.Stream)
    return image


def test_gray_pages_become_flate_streams_and_rasters_for_tesseract(tmp_path: Path) -> None:
    pages = [ts.german_page(7, n_sentences=3, size_mm=A6, rotation_deg=2.0),
             ts.german_page(8, n_sentences=3, size_mm=A6, rotation_deg=0.0)]
    tif = ts.save_tiff(pages, tmp_path / "gray.tif", compression="tiff_deflate")
    rasters = tmp_path / "rasters"
    rasters.mkdir()
    conv = imageops.images_to_pdf(tif, tmp_path / "g.pdf", raster_dir=rasters)
    assert conv.deskew_angles[0] == pytest.approx(-2.0, abs=0.25) and conv.deskew_angles[1] == 0.0
    assert sorted(p.name for p in rasters.iterdir()) == [imageops.raster_name(1), imageops.raster_name(2)]
    scanned = list(imageops.iter_frames(tif))
    with pikepdf.open(tmp_path / "g.pdf") as pdf:
        for index in range(2):
            image = _page_image_stream(pdf, index)
            assert image.Filter == pikepdf.Name.FlateDecode and image.ColorSpace == pikepdf.Name.DeviceGray
            # the archive keeps the scanned pixels exactly; the page draws them straightened
            assert pikepdf.PdfImage(image).as_pil_image().tobytes() == scanned[index].tobytes()
            with Image.open(rasters / imageops.raster_name(index + 1)) as raster:
                assert raster.info["compression"] == "raw" and raster.info["dpi"] == pytest.approx((300, 300))
                assert raster.size == scanned[index].size
                assert imageops.estimate_skew(raster) == 0.0  # Tesseract reads the straightened page
    doc = pypdfium2.PdfDocument(tmp_path / "g.pdf")
    try:
        for page in doc:
            assert imageops.estimate_skew(page.render(scale=200 / 72, grayscale=True).to_pil()) == 0.0
    finally:
        doc.close()


def test_jpeg_is_embedded_unchanged_and_bilevel_pages_stay_g4(tmp_path: Path) -> None:
    page = ts.german_page(9, n_sentences=2, size_mm=A6, rotation_deg=1.5)  # deskewed without re-encoding
    jpg = ts.save_jpeg(page, tmp_path / "p.jpg")
    imageops.images_to_pdf(jpg, tmp_path / "j.pdf")
    with pikepdf.open(tmp_path / "j.pdf") as pdf:
        image = _page_image_stream(pdf, 0)
        assert image.Filter == pikepdf.Name.DCTDecode and image.read_raw_bytes() == jpg.read_bytes()
    tif = ts.save_tiff([page], tmp_path / "fax.tif")  # group4, mode 1
    imageops.images_to_pdf(tif, tmp_path / "fax.pdf")
    with pikepdf.open(tmp_path / "fax.pdf") as pdf:
        assert pikepdf.Name.CCITTFaxDecode in pikepdf.Array(_page_image_stream(pdf, 0).Filter)
