"""Errors of SEPA payment files and bank statements."""

from __future__ import annotations

from einvoice.errors import EinvoiceError


class PaymentFileError(EinvoiceError):
    """A payment file cannot be built, is invalid against its XSD, or a statement cannot be read."""

    def __init__(self, message: str, *, problems: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = problems
