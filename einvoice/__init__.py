"""einvoice package."""
