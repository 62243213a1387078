"""Errors of the ``einvoice`` package (one root: :class:`EinvoiceError`).

Domain errors carry no HTTP codes; ``dms/web/errors.py`` maps them.
"""

from __future__ import annotations

__all__ = [
    "EinvoiceError",
    "HostileXml",
    "NoEmbeddedInvoice",
    "NotAnInvoice",
    "UnreadableInvoice",
    "WriterError",
]


class EinvoiceError(Exception):
    """Root of all e-invoice errors."""


class UnreadableInvoice(EinvoiceError):
    """The input cannot be read as an invoice at all (a *fatal* finding in a validation report)."""

    def __init__(self, message: str, *, code: str = "unreadable") -> None:
        super().__init__(message)
        self.message = message
        #: short machine code: ``unreadable``, ``hostile-xml``, ``not-an-invoice``, ``no-embedded-xml``,
        #: ``pdf-encrypted``, ``pdf-broken``, ``too-large``
        self.code = code


class HostileXml(UnreadableInvoice):
    """XML refused for safety: DOCTYPE/entities/external DTD, too large or too deeply nested."""

    def __init__(self, message: str, *, code: str = "hostile-xml") -> None:
        super().__init__(message, code=code)


class NotAnInvoice(UnreadableInvoice):
    """Well-formed XML (or a PDF) that is none of the supported invoice syntaxes."""

    def __init__(self, message: str, *, code: str = "not-an-invoice") -> None:
        super().__init__(message, code=code)


class NoEmbeddedInvoice(UnreadableInvoice):
    """A PDF without an embedded invoice XML (a plain PDF is not an e-invoice)."""

    def __init__(self, message: str, *, code: str = "no-embedded-xml") -> None:
        super().__init__(message, code=code)


class WriterError(EinvoiceError):
    """The model cannot be written in the requested syntax (e.g. PDF generation failed)."""
