"""Small inline SVG charts (no JavaScript): horizontal bars with their values written out."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from html import escape

WIDTH = 640
ROW = 26
LABEL_W = 220
VALUE_W = 90
BAR_W = WIDTH - LABEL_W - VALUE_W - 20
COLOURS = ("#1f5fa8", "#c2410c")


def human_duration(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"


def bars(title: str, data: Mapping[str, float], fmt: Callable[[float], str] = str) -> str:
    """One bar per entry, longest = largest; an empty chart says so."""
    rows = list(data.items())
    height = 40 + ROW * max(len(rows), 1)
    top = max((v for _, v in rows), default=0) or 1
    parts = [_open(title, height)]
    if not rows:
        parts.append(_text(LABEL_W, 52, "none in this period", anchor="start"))
    for i, (label, value) in enumerate(rows):
        y = 36 + i * ROW
        width = BAR_W * value / top
        parts.append(_row(label, y, width, fmt(value), COLOURS[0]))
    parts.append("</svg>")
    return "".join(parts)


def log_bars(title: str, series: dict[str, dict[str, float | None]]) -> str:
    """Durations on a log scale (0.1 s upward), a bar per series for each measure."""
    measures = list(series)
    names = list(dict.fromkeys(name for values in series.values() for name in values))
    values = [v for s in series.values() for v in s.values() if v is not None]
    top = math.log10(max(max(values, default=1.0), 1.0)) + 1.0
    height = 56 + ROW * max(len(measures) * len(names), 1)
    parts = [_open(title, height)]
    for k, name in enumerate(names):
        parts.append(_legend(k, name))
    row = 0
    for measure in measures:
        for k, name in enumerate(names):
            value = series[measure].get(name)
            y = 52 + row * ROW
            scaled = 0.0 if value is None else (math.log10(max(value, 0.1)) + 1) / top
            label = measure if k == 0 else ""
            text = "none" if value is None else human_duration(value)
            parts.append(_row(label, y, BAR_W * scaled, text, COLOURS[k % len(COLOURS)]))
            row += 1
    parts.append("</svg>")
    return "".join(parts)


def _open(title: str, height: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(title)}" '
        'font-family="system-ui, sans-serif" font-size="13">'
        f"<title>{escape(title)}</title>"
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>'
        + _text(8, 18, title, anchor="start", weight="bold")
    )


def _row(label: str, y: int, width: float, value: str, colour: str) -> str:
    return (
        _text(LABEL_W - 8, y + 14, label, anchor="end")
        + f'<rect x="{LABEL_W}" y="{y}" width="{max(width, 1):.1f}" height="{ROW - 8}" '
        f'fill="{colour}"/>' + _text(LABEL_W + max(width, 1) + 6, y + 14, value, anchor="start")
    )


def _legend(k: int, name: str) -> str:
    x = LABEL_W + k * 150
    return (
        f'<rect x="{x}" y="28" width="12" height="12" fill="{COLOURS[k % len(COLOURS)]}"/>'
        + _text(x + 16, 39, name, anchor="start")
    )


def _text(x: float, y: float, text: str, *, anchor: str, weight: str = "normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y}" text-anchor="{anchor}" font-weight="{weight}" '
        f'fill="#111827">{escape(text)}</text>'
    )
