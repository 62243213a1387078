"""Human-readable renderings of invoices."""
