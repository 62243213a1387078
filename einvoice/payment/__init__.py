"""SEPA payment files for approved invoices (pain.001.001.09) and bank statements (camt.053.001.08)."""

from einvoice.payment.errors import PaymentFileError

__all__ = ["PaymentFileError"]
