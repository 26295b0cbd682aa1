"""Small inline SVG charts (no JavaScript): horizontal bars with their values written out.
They scale down to the page (viewBox, max-width: 100%), so they fit a phone."""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from html import escape

COLOURS = ("#1f5fa8", "#c2410c")
# Stacked rows (the label above its bar) and a linear axis in time units: readable at a
# phone's width, where a label column would squeeze the bars.
NARROW = 400
PLOT_X, PLOT_W = 8, NARROW - 16 - 70
STACK = 44


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
    """One bar per entry under its label, longest = largest; an empty chart says so."""
    rows = list(data.items())
    height = 40 + STACK * max(len(rows), 1)
    top = max((v for _, v in rows), default=0) or 1
    parts = [_open(title, height, NARROW)]
    if not rows:
        parts.append(_text(PLOT_X, 52, "none in this period", anchor="start"))
    for i, (label, value) in enumerate(rows):
        y = 34 + i * STACK
        width = PLOT_W * value / top
        parts.append(
            _text(PLOT_X, y + 12, label, anchor="start")
            + f'<rect x="{PLOT_X}" y="{y + 18}" width="{max(width, 1):.1f}" '
            f'height="{STACK // 2 - 4}" fill="{COLOURS[0]}"/>'
            + _text(PLOT_X + max(width, 1) + 6, y + 32, fmt(value), anchor="start")
        )
    parts.append("</svg>")
    return "".join(parts)


def _open(title: str, height: int, width: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}" '
        'font-family="system-ui, sans-serif" font-size="13" style="max-width:100%;height:auto">'
        f"<title>{escape(title)}</title>"
        f'<rect width="{width}" height="{height}" fill="#ffffff"/>'
        + _text(8, 18, title, anchor="start", weight="bold")
    )


def _text(x: float, y: float, text: str, *, anchor: str, weight: str = "normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y}" text-anchor="{anchor}" font-weight="{weight}" '
        f'fill="#111827">{escape(text)}</text>'
    )


NICE = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400)


def duration_bars(title: str, series: dict[str, dict[str, float | None]]) -> str:
    """Durations on a linear scale with a labelled time axis, a bar per series for each
    measure (its value written beside it)."""
    names = list(dict.fromkeys(name for values in series.values() for name in values))
    values = [v for s in series.values() for v in s.values() if v is not None]
    step = _tick_step(max(values, default=1.0))
    top = step * max(1, math.ceil(max(values, default=1.0) / step))
    rows = sum(1 + len(names) for _ in series)
    axis_y = 48 + rows * (STACK // 2)
    height = axis_y + 40
    parts = [_open(title, height, NARROW)]
    parts += [_legend_at(8 + k * 150, name, k) for k, name in enumerate(names)]
    parts.append(_axis(axis_y, top, step))
    y = 48
    for measure, by_name in series.items():
        parts.append(_text(PLOT_X, y + 14, measure, anchor="start", weight="bold"))
        y += STACK // 2
        for k, name in enumerate(names):
            value = by_name.get(name)
            width = 0.0 if value is None else PLOT_W * value / top
            text = "none" if value is None else human_duration(value)
            colour = COLOURS[k % len(COLOURS)]
            parts.append(
                f'<rect x="{PLOT_X}" y="{y + 3}" width="{max(width, 1):.1f}" '
                f'height="{STACK // 2 - 6}" fill="{colour}"/>'
                + _text(PLOT_X + max(width, 1) + 6, y + 15, text, anchor="start")
            )
            y += STACK // 2
    parts.append("</svg>")
    return "".join(parts)


def _tick_step(top: float) -> float:
    """A round step giving at most five ticks up to `top` seconds."""
    return next((n for n in NICE if top / n <= 5), NICE[-1] * math.ceil(top / NICE[-1] / 5))


def _axis(y: int, top: float, step: float) -> str:
    parts = [f'<line x1="{PLOT_X}" y1="{y}" x2="{PLOT_X + PLOT_W}" y2="{y}" stroke="#374151"/>']
    ticks = round(top / step)
    for i in range(ticks + 1):
        x = PLOT_X + PLOT_W * i / ticks
        parts.append(
            f'<line x1="{x:.1f}" y1="40" x2="{x:.1f}" y2="{y + 5}" stroke="#d1d5db"/>'
            + _text(x, y + 20, human_duration(i * step) if i else "0", anchor="middle")
        )
    parts.append(_text(PLOT_X + PLOT_W / 2, y + 36, "time from the first report", anchor="middle"))
    return "".join(parts)


def _legend_at(x: float, name: str, k: int) -> str:
    return (
        f'<rect x="{x}" y="26" width="12" height="12" fill="{COLOURS[k % len(COLOURS)]}"/>'
        + _text(x + 16, 37, name, anchor="start")
    )
