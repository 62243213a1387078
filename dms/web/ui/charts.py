"""Accessible SVG bar charts: ``role="img"`` with a title and description, plus a data table.

Pure functions returning data for ``templates/_chart.html``; no JavaScript and no inline style, so
they respect the Content Security Policy.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    unit: str
    css: str
    bars: tuple[Bar, ...]
    width: int
    height: int
    summary: str

    @property
    def empty(self) -> bool:
        return not self.bars


def _fmt(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def bar_chart(
    chart_id: str,
    title: str,
    points: list[tuple[str, float]],
    *,
    unit: str = "",
    css: str = "bar",
    width: int = 600,
    height: int = 240,
) -> BarChart:
    """Lay out one bar per point; the summary is the text alternative read by screen readers."""
    top, bottom, left = 20.0, 40.0, 10.0
    plot_h = height - top - bottom
    peak = max((v for _, v in points), default=0.0) or 1.0
    slot = (width - 2 * left) / max(len(points), 1)
    bars = tuple(
        Bar(
            label=label,
            value=value,
            x=left + i * slot + slot * 0.15,
            y=top + plot_h - plot_h * (max(value, 0.0) / peak),
            width=slot * 0.7,
            height=plot_h * (max(value, 0.0) / peak),
        )
        for i, (label, value) in enumerate(points)
    )
    summary = "; ".join(f"{b.label}: {_fmt(b.value)} {unit}".strip() for b in bars)
    return BarChart(chart_id, title, unit, css, bars, width, height, summary)
