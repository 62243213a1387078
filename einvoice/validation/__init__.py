"""Validation: engine (parse + rules) and the report (JSON and German HTML)."""

from einvoice.validation.engine import validate, validate_parsed
from einvoice.validation.report import ValidationReport

__all__ = ["ValidationReport", "validate", "validate_parsed"]
