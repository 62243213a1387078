"""Retention periods: years and months, or permanent (dauernd aufbewahren)."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from retention.errors import InvalidPeriod

_PERIOD_RE = re.compile(r"^\s*(?:(?P<y>\d+)\s*y)?\s*(?:(?P<m>\d+)\s*m)?\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Period:
    """A retention period. ``permanent`` periods never end."""

    years: int = 0
    months: int = 0
    permanent: bool = False

    def __post_init__(self) -> None:
        if self.years < 0 or self.months < 0:
            raise InvalidPeriod("Aufbewahrungsfrist darf nicht negativ sein")
        if self.permanent and (self.years or self.months):
            raise InvalidPeriod("eine dauernde Aufbewahrung hat keine Jahre/Monate")

    @classmethod
    def parse(cls, text: str) -> Period:
        """Parse ``"8y"``, ``"6m"``, ``"10y6m"`` or ``"permanent"``/``"dauernd"``."""
        if not isinstance(text, str):
            raise InvalidPeriod(f"Frist muss ein Text sein, nicht {type(text).__name__}")
        if text.strip().lower() in {"permanent", "dauernd", "forever"}:
            return cls(permanent=True)
        match = _PERIOD_RE.match(text)
        if not match or not (match.group("y") or match.group("m")):
            raise InvalidPeriod(
                f"unlesbare Aufbewahrungsfrist: {text!r} (erwartet z. B. '8y', '6m', 'permanent')"
            )
        return cls(years=int(match.group("y") or 0), months=int(match.group("m") or 0))

    def __str__(self) -> str:
        if self.permanent:
            return "permanent"
        parts = []
        if self.years:
            parts.append(f"{self.years}y")
        if self.months or not parts:
            parts.append(f"{self.months}m")
        return "".join(parts)

    @property
    def total_months(self) -> int:
        return self.years * 12 + self.months

    def german(self) -> str:
        """Human-readable German text, e.g. ``8 Jahre``."""
        if self.permanent:
            return "dauernd"
        parts = []
        if self.years:
            parts.append(f"{self.years} Jahr" + ("e" if self.years != 1 else ""))
        if self.months:
            parts.append(f"{self.months} Monat" + ("e" if self.months != 1 else ""))
        return " ".join(parts) or "0 Monate"

    def add_to(self, start: date) -> date:
        """``start`` plus this period; day clamped to the month's end (31.01. + 1 m = 28./29.02.)."""
        if self.permanent:
            raise InvalidPeriod("dauernde Aufbewahrung hat kein Ende")
        month_index = start.month - 1 + self.total_months
        year = start.year + month_index // 12
        month = month_index % 12 + 1
        if year > date.max.year:  # a (mistyped) far-future date: kept beyond the calendar, never due
            return date.max
        last_day = calendar.monthrange(year, month)[1]
        # keep "end of month" anchors at the end of month (31.12. + 6 m = 30.06.)
        day = (
            last_day
            if start.day == calendar.monthrange(start.year, start.month)[1]
            else min(start.day, last_day)
        )
        return date(year, month, day)
