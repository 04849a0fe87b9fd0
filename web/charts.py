"""Charts drawn on the server as inline SVG: no chart library, no CDN, no script.

Every label is escaped (unit and procedure names come from an imported file). Only
SVG presentation attributes and classes are used (the pages' CSP forbids inline
styles); colours are in ``web/static/report.css``. A missing value (N/A) draws no
bar or point and says so in its label.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from markupsafe import Markup, escape

WIDTH = 640


def bar_chart(title: str, bars: Sequence[tuple[str, Decimal | None]], na: str) -> Markup:
    """Horizontal bars of a rate in percent (0 to 100), one per label, 80 % line marked."""
    row, left, right = 22, 230, 60
    height = row * len(bars) + 30
    scale = (WIDTH - left - right) / 100
    parts = [
        f'<svg class="chart bar" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    x80 = left + 80 * scale
    parts.append(f'<line class="target" x1="{x80:.1f}" y1="4" x2="{x80:.1f}" y2="{height - 20}"/>')
    parts.append(
        f'<text class="axis" x="{x80:.1f}" y="{height - 6}" text-anchor="middle">80%</text>'
    )
    for index, (label, rate) in enumerate(bars):
        y = 6 + index * row
        short = label if len(label) <= 34 else label[:33] + "…"
        parts.append(
            f'<text class="label" x="{left - 6}" y="{y + 14}" text-anchor="end">'
            f"{escape(short)}</text>"
        )
        if rate is None:
            parts.append(f'<text class="value" x="{left + 4}" y="{y + 14}">{escape(na)}</text>')
            continue
        width = float(rate) * scale
        kind = "good" if rate >= 80 else "low"
        parts.append(
            f'<rect class="{kind}" x="{left}" y="{y + 2}" width="{width:.1f}" height="{row - 6}">'
            f"<title>{escape(label)}: {rate}%</title></rect>"
        )
        parts.append(f'<text class="value" x="{left + width + 4:.1f}" y="{y + 14}">{rate}%</text>')
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(
    title: str, months: Sequence[str], series: Sequence[tuple[str, Sequence[Decimal | None]]]
) -> Markup:
    """Rates (0 to 100 %) per month, one polyline per series; gaps where a month is N/A."""
    height, left, right, top, bottom = 240, 40, 20, 12, 40
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    step = plot_w / max(len(months) - 1, 1)

    def y_of(rate: Decimal) -> float:
        return top + plot_h * (1 - float(rate) / 100)

    parts = [
        f'<svg class="chart line" role="img" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in (0, 50, 80, 100):
        y = y_of(Decimal(tick))
        css = "target" if tick == 80 else "grid"
        parts.append(
            f'<line class="{css}" x1="{left}" y1="{y:.1f}" x2="{WIDTH - right}" y2="{y:.1f}"/>'
        )
        parts.append(
            f'<text class="axis" x="{left - 4}" y="{y + 4:.1f}" text-anchor="end">{tick}</text>'
        )
    for index, month in enumerate(months):
        x = left + index * step
        label = f"{month[5:]}/{month[2:4]}" if len(month) == 7 else month
        parts.append(
            f'<text class="axis" x="{x:.1f}" y="{height - bottom + 16}" text-anchor="middle">'
            f"{escape(label)}</text>"
        )
    for number, (name, values) in enumerate(series):
        for run in _runs(values):
            points = " ".join(f"{left + i * step:.1f},{y_of(v):.1f}" for i, v in run)
            parts.append(f'<polyline class="series s{number}" points="{points}"/>')
            for i, v in run:
                parts.append(
                    f'<circle class="series s{number}" cx="{left + i * step:.1f}" '
                    f'cy="{y_of(v):.1f}" r="3"><title>{escape(name)} {escape(months[i])}: '
                    f"{v}%</title></circle>"
                )
        lx = left + number * 220
        parts.append(
            f'<rect class="key s{number}" x="{lx}" y="{height - 14}" width="12" height="8"/>'
            f'<text class="axis" x="{lx + 16}" y="{height - 6}">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _runs(values: Sequence[Decimal | None]) -> list[list[tuple[int, Decimal]]]:
    """Consecutive known values (a N/A month breaks the line)."""
    runs: list[list[tuple[int, Decimal]]] = [[]]
    for index, value in enumerate(values):
        if value is None:
            runs.append([])
        else:
            runs[-1].append((index, value))
    return [run for run in runs if run]
