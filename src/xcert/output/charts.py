"""Inline SVG bar charts for the rate reports: no library, no network, prints crisply.

The label on each bar is the same text the table prints (stats.percent), so a chart
and its table never disagree by a rounding. A category's name is printed whole, over
as many lines as it needs (two certificates that differ only at the end of their names
must be told apart), broken where typeset breaks a printed line.
"""

from __future__ import annotations

from html import escape

from xcert.output.typeset import pieces

BAR = "#2f6fb0"
GRID = "#d0d7de"
Bar = tuple[str, float | None, str]  # label, fraction (None: nobody), the printed percentage
SIZE = 11  # a label's font size, in the chart's units
LEADING = 13  # from one line of a label to the next


def rate_bars(title: str, bars: list[Bar], *, width: int = 640) -> str:
    """Vertical bars for a few categories (years, cohorts); more than 8 go sideways."""
    if len(bars) > 8:
        return rate_rows(title, bars, width=width)
    top, left, plot_h = 36, 44, 156
    slot = (width - left - 16) / max(len(bars), 1)
    labels = [wrap(label, slot - 6) for label, _, _ in bars]
    height = top + plot_h + 8 + LEADING * max((len(lines) for lines in labels), default=1) + 8
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
    for index, ((_, value, shown), lines) in enumerate(zip(bars, labels, strict=True)):
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
        parts.append(_label(lines, centre, top + plot_h + 16, "middle"))
    return "".join([*parts, "</svg>"])


def rate_rows(title: str, bars: list[Bar], *, width: int = 640) -> str:
    """Horizontal bars, one row each: long certificate names and many of them stay legible,
    each name whole in a column as wide as the longest (at most 45% of the chart)."""
    top, value_w = 30, 56
    widest = max((text_width(label) for label, _, _ in bars), default=0.0)
    label_w = max(80.0, min(widest + 12, width * 0.45))
    labels = [wrap(label, label_w - 12) for label, _, _ in bars]
    rows = [max(20, 8 + LEADING * len(lines)) for lines in labels]
    plot_w = width - label_w - value_w - 12
    parts = _open(title, width, top + sum(rows) + 10)
    y = top
    for (_, value, shown), lines, row_h in zip(bars, labels, rows, strict=True):
        middle = y + row_h / 2
        first = middle + 4 - LEADING * (len(lines) - 1) / 2  # the lines centred on the bar
        parts.append(_label(lines, label_w - 6, first, "end"))
        bar_w = plot_w * (value or 0)
        if value is not None:
            parts.append(
                f'<rect x="{label_w:.1f}" y="{middle - 7:.1f}" width="{bar_w:.1f}" height="14" fill="{BAR}"/>'
            )
        parts.append(
            f'<text x="{label_w + bar_w + 4:.1f}" y="{middle + 4:.1f}" font-size="11">{escape(shown)}</text>'
        )
        y += row_h
    return "".join([*parts, "</svg>"])


def _open(title: str, width: int, height: float) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height:.0f}" '
        f'width="100%" role="img" aria-label="{escape(title)}">',
        f'<text x="{width / 2:.0f}" y="18" text-anchor="middle" font-size="14" font-weight="bold">'
        f"{escape(title)}</text>",
    ]


def _label(lines: list[str], x: float, y: float, anchor: str) -> str:
    """A label's lines, the first with its baseline at `y`."""
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if index == 0 else LEADING}">{escape(line)}</tspan>'
        for index, line in enumerate(lines)
    )
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{SIZE}">{spans}</text>'


def wrap(label: str, room: float) -> list[str]:
    """`label` in lines no wider than `room`, as even as the fewest lines allow (no last
    line of one character); a piece wider than `room` alone on its line."""
    lines = _fill(label, room)
    narrow = text_width(label) / len(lines)
    while len(lines) > 1 and narrow < room:
        even = _fill(label, narrow)
        if len(even) <= len(lines):
            return even
        narrow += SIZE / 2
    return lines


def _fill(label: str, room: float) -> list[str]:
    lines, line = [], ""
    for piece in pieces(label):
        if piece.isspace():
            line += " " if line else ""
        elif line and text_width(line + piece) > room:
            lines.append(line.rstrip())
            line = piece
        else:
            line += piece
    return [*lines, line.rstrip()]


def text_width(text: str) -> float:
    """About how wide `text` prints in a label: a Chinese character a full em, the rest
    (digits, Latin letters) a little over half."""
    return sum(SIZE if ord(char) > 0x2E80 else SIZE * 0.6 for char in text)
