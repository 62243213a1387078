"""Small real test files for UI journeys."""

from __future__ import annotations

import io


def text_pdf(*lines: str) -> bytes:
    """A one-page PDF with real text (reportlab), so extraction and search find the words."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4)
    y = 800
    for line in lines:
        c.drawString(72, y, line)
        y -= 18
    c.showPage()
    c.save()
    return buf.getvalue()
