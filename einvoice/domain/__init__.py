"""EN 16931 domain: the invoice model and pure domain helpers."""
