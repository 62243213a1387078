"""UI route modules, one per audience."""
