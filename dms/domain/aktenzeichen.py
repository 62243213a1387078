"""Aktenzeichen (file numbers) generated from a configurable pattern.

The pattern is a Python format string with the fields ``plan`` (file-plan code, e.g. ``63.01.02``),
``year`` (4 digits), ``seq`` (sequence per plan node and year) and ``dept`` (department code).
Default ``{plan}-{year}/{seq:04d}`` → ``63.01.02-2026/0147``.
"""

from __future__ import annotations

import string

from dms.errors import ValidationFailed

ALLOWED_FIELDS = frozenset({"plan", "year", "seq", "dept"})


def validate_pattern(pattern: str) -> None:
    """Refuse patterns with unknown fields or without ``seq`` (numbers must be unique)."""
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None}
    except ValueError as exc:
        raise ValidationFailed(f"invalid Aktenzeichen pattern {pattern!r}: {exc}") from exc
    unknown = {f.split(".")[0].split("[")[0] for f in fields} - ALLOWED_FIELDS
    if unknown:
        raise ValidationFailed(f"unknown field(s) in Aktenzeichen pattern: {', '.join(sorted(unknown))}")
    if "seq" not in fields:
        raise ValidationFailed("Aktenzeichen pattern must contain {seq}")


def format_aktenzeichen(pattern: str, *, plan: str, year: int, seq: int, dept: str | None = None) -> str:
    validate_pattern(pattern)
    return pattern.format(plan=plan, year=year, seq=seq, dept=dept or "")
