"""Inline SVG bar charts for the rate reports: no library, no network, prints crisply."""

from __future__ import annotations

from html import escape

BAR = "#2f6fb0"
GRID = "#d0d7de"


def rate_bars(title: str, bars: list[tuple[str, float | None]], *, width: int = 640) -> str:
    """Horizontal-axis labels under vertical bars, the percentage on each bar (SPEC 5.3).
    A rate over zero people has no bar and is labelled —."""
    height, top, bottom, left = 240, 36, 48, 44
    plot_h = height - top - bottom
    slot = (width - left - 16) / max(len(bars), 1)
    bar_w = min(56.0, slot * 0.6)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}">',
        f'<text x="{width / 2:.0f}" y="20" text-anchor="middle" font-size="14" font-weight="bold">'
        f"{escape(title)}</text>",
    ]
    for tick in (0, 50, 100):
        y = top + plot_h * (1 - tick / 100)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{tick}%</text>'
        )
    for index, (label, value) in enumerate(bars):
        x = left + slot * index + (slot - bar_w) / 2
        centre = x + bar_w / 2
        if value is not None:
            bar_h = plot_h * value
            y = top + plot_h - bar_h
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{bar_h:.1f}" fill="{BAR}"/>'
            )
            parts.append(
                f'<text x="{centre:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="12">'
                f"{value * 100:.1f}%</text>"
            )
        else:
            parts.append(
                f'<text x="{centre:.1f}" y="{top + plot_h - 4:.1f}" text-anchor="middle" font-size="12">—</text>'
            )
        parts.append(
            f'<text x="{centre:.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="11">'
            f"{escape(label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
