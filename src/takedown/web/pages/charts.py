"""Inline SVG bar charts: readable without JavaScript, printable, accessible (title + desc)."""

from __future__ import annotations

from html import escape


def bars(
    title: str, labels: list[str], values: list[float], *, width: int = 560, height: int = 180
) -> str:
    top = max(values, default=0) or 1
    step = width / max(len(values), 1)
    bar = step * 0.7
    parts = [
        f'<svg role="img" viewBox="0 0 {width} {height + 30}" width="100%" '
        f'aria-labelledby="t-{id(values)}"><title id="t-{id(values)}">{escape(title)}'
        "</title>"
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        h = height * value / top
        x = i * step + (step - bar) / 2
        parts.append(
            f'<rect x="{x:.1f}" y="{height - h:.1f}" width="{bar:.1f}" '
            f'height="{h:.1f}" fill="#0b57d0"><title>{escape(label)}: {value:g}'
            "</title></rect>"
        )
        if len(labels) <= 16:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{height + 16}" font-size="10" '
                f'text-anchor="middle">{escape(label[-5:])}</text>'
            )
    parts.append("</svg>")
    return "".join(parts)
