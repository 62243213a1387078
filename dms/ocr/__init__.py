"""The central scan station: OCR into searchable PDF/A-2b, batch separation, TR-RESISCAN records.

Public entry points (import from the submodules; importing this package is cheap):

- ``dms.ocr.engine.ocr_to_pdfa(src, dst, languages, mode, deskew, rotate) -> OcrResult``
- ``dms.ocr.batch.separate_batch(src, out_dir, config) -> BatchResult``
- ``dms.ocr.resiscan`` — batch records, quality check, Transfervermerk
- ``dms.ocr.errors`` — typed failures with German/English reasons
"""
