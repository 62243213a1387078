"""Facade of the e-invoice package used by ``dms``: read, validate, render.

- ``parse(data, filename=None) -> ParsedInvoice`` (raises `UnreadableInvoice` on unreadable input)
- ``validate(data, filename=None) -> ValidationReport`` (never raises on bad input)
- ``render_html(parsed) -> str`` (human-readable invoice view)
"""

from __future__ import annotations

from einvoice.reading import ParsedInvoice, parse
from einvoice.render.html import render_invoice
from einvoice.validation.engine import validate
from einvoice.validation.report import ValidationReport

__all__ = ["ParsedInvoice", "ValidationReport", "parse", "render_html", "validate"]


def render_html(parsed: ParsedInvoice, report: ValidationReport | None = None) -> str:
    """The invoice as a German HTML page (header, parties, lines, VAT, totals, payment, attachments)."""
    return render_invoice(parsed, report)
