"""Inline SVG bar charts for the rate reports: no library, no network, prints crisply.

The label on each bar is the same text the table prints (stats.percent), so a chart
and its table never disagree by a rounding.
"""

from __future__ import annotations

from html import escape

BAR = "#2f6fb0"
GRID = "#d0d7de"
Bar = tuple[str, float | None, str]  # label, fraction (None: nobody), the printed percentage


def rate_bars(title: str, bars: list[Bar], *, width: int = 640) -> str:
    """Vertical bars for a few categories (years, cohorts); more than 8 go sideways."""
    if len(bars) > 8:
        return rate_rows(title, bars, width=width)
    height, top, bottom, left = 240, 36, 48, 44
    plot_h = height - top - bottom
    slot = (width - left - 16) / max(len(bars), 1)
    bar_w = min(56.0, slot * 0.6)
    parts = _open(title, width, height)
    for tick in (0, 50, 100):
        y = top + plot_h * (1 - tick / 100)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - 8}" y2="{y:.1f}" stroke="{GRID}"/>'
        )
        parts.append(
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{tick}%</text>'
        )
    for index, (label, value, shown) in enumerate(bars):
        x = left + slot * index + (slot - bar_w) / 2
        centre = x + bar_w / 2
        bar_h = plot_h * (value or 0)
        y = top + plot_h - bar_h
        if value is not None:
            parts.append(
                f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{bar_h:.1f}" fill="{BAR}"/>'
            )
        parts.append(
            f'<text x="{centre:.1f}" y="{y - 4:.1f}" text-anchor="middle" font-size="12">{escape(shown)}</text>'
        )
        parts.append(
            f'<text x="{centre:.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="11">'
            f"{escape(_fit(label, int(slot / 7)))}</text>"
        )
    return "".join([*parts, "</svg>"])


def rate_rows(title: str, bars: list[Bar], *, width: int = 640) -> str:
    """Horizontal bars, one row each: long certificate names and many of them stay legible."""
    row_h, top, label_w, value_w = 20, 30, 220, 56
    height = top + row_h * len(bars) + 10
    plot_w = width - label_w - value_w - 12
    parts = _open(title, width, height)
    for index, (label, value, shown) in enumerate(bars):
        y = top + row_h * index
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end" font-size="11">{escape(_fit(label, 18))}</text>'
        )
        bar_w = plot_w * (value or 0)
        if value is not None:
            parts.append(
                f'<rect x="{label_w}" y="{y + 3}" width="{bar_w:.1f}" height="{row_h - 6}" fill="{BAR}"/>'
            )
        parts.append(
            f'<text x="{label_w + bar_w + 4:.1f}" y="{y + 14}" font-size="11">{escape(shown)}</text>'
        )
    return "".join([*parts, "</svg>"])


def _open(title: str, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" role="img" aria-label="{escape(title)}">',
        f'<text x="{width / 2:.0f}" y="18" text-anchor="middle" font-size="14" font-weight="bold">'
        f"{escape(title)}</text>",
    ]


def _fit(label: str, limit: int) -> str:
    """A label cut to about `limit` characters (CJK count double) with an ellipsis."""
    limit = max(limit, 4)
    size = 0
    for index, char in enumerate(label):
        size += 2 if ord(char) > 0x2E80 else 1
        if size > limit:
            return label[:index] + "…"
    return label
