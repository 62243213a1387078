"""The validation report: findings as data, an accept/reject recommendation, JSON and German HTML."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from einvoice.rules.base import Finding
from einvoice.validation.html import report_html

if TYPE_CHECKING:
    from einvoice.syntax.parsed import ParsedInvoice

__all__ = ["ValidationReport"]

_BLOCKING = frozenset({"fatal", "error"})


@dataclass(slots=True)
class ValidationReport:
    """Result of validating one file. ``valid`` is False exactly when a finding is ``error``/``fatal``."""

    path: str | None
    syntax: str | None
    specification: str | None
    profile: str | None
    findings: list[Finding] = field(default_factory=list)
    parsed: ParsedInvoice | None = field(default=None, repr=False, compare=False)

    @property
    def valid(self) -> bool:
        return not any(f.severity in _BLOCKING for f in self.findings)

    @property
    def readable(self) -> bool:
        """False when the file could not be read as an invoice at all (a ``fatal`` finding)."""
        return not any(f.severity == "fatal" for f in self.findings)

    @property
    def recommendation(self) -> str:
        """``accept`` or ``reject`` (as the KoSIT validator recommends)."""
        return "accept" if self.valid else "reject"

    def count(self, severity: str) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def rule_ids(self) -> set[str]:
        return {f.rule for f in self.findings}

    def to_dict(self) -> dict[str, Any]:
        """The CLI/API shape (one object per file)."""
        return {
            "path": self.path,
            "syntax": self.syntax,
            "specification": self.specification,
            "profile": self.profile,
            "valid": self.valid,
            "recommendation": self.recommendation,
            "counts": {s: self.count(s) for s in ("fatal", "error", "warning", "information")},
            "findings": [f.to_dict() for f in self.findings],
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False)

    def to_html(self) -> str:
        """A self-contained German HTML page (accessible: landmarks, table headers, no scripts)."""
        return report_html(self)
