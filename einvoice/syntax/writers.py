"""Writers: EN 16931 model → UBL 2.1 / CII D16B XML and Factur-X PDF/A-3."""

from __future__ import annotations

from einvoice.domain.model import Invoice
from einvoice.syntax.cii_writer import write_cii
from einvoice.syntax.facturx_pdf import write_facturx_pdf
from einvoice.syntax.parsed import Syntax
from einvoice.syntax.ubl_writer import write_ubl

__all__ = ["write", "write_cii", "write_facturx_pdf", "write_ubl"]


def write(invoice: Invoice, syntax: Syntax) -> bytes:
    """Serialise ``invoice`` in ``syntax`` (``UBL-Invoice``, ``UBL-CreditNote`` or ``CII``)."""
    if syntax == "UBL-Invoice":
        return write_ubl(invoice, credit_note=False)
    if syntax == "UBL-CreditNote":
        return write_ubl(invoice, credit_note=True)
    if syntax == "CII":
        return write_cii(invoice)
    raise ValueError(f"no writer for syntax {syntax!r} (ZUGFeRD 1.0 is read-only)")
