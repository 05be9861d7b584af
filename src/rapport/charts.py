"""Charts as inline SVG, drawn here: nothing is fetched from a CDN, nothing runs in the browser.

The web pages and the static report embed these strings. Every label is escaped; each chart
scales to its container (viewBox) and carries a <title> for screen readers.
"""

from __future__ import annotations

__all__ = ["bar_chart", "histogram", "line_chart"]

from collections.abc import Sequence
from html import escape

import numpy as np

PALETTE = {"bar": "#3b6ea8", "negative": "#c0504d", "positive": "#4f9a57", "neutral": "#8c8c8c",
           "grid": "#e3e3e3", "text": "#333333"}


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
            f'xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">'
            f"<title>{escape(title)}</title>{''.join(body)}</svg>")


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: int = 12,
          weight: str = "normal") -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" font-weight="{weight}" '
            f'fill="{PALETTE["text"]}" text-anchor="{anchor}" '
            f'font-family="system-ui, sans-serif">{escape(text)}</text>')


def bar_chart(items: Sequence[tuple[str, float]], *, title: str, fmt: str = "{:,.0f}",
              colours: Sequence[str] | None = None, width: int = 640,
              label_width: int = 220) -> str:
    """Horizontal bars, one per (label, value), longest first as given."""
    row, top = 24, 28
    height = top + row * max(len(items), 1) + 8
    body = [_text(0, 16, title, size=14, weight="bold")]
    peak = max((abs(v) for _, v in items), default=0) or 1.0
    span = width - label_width - 70
    room = max(6, int((label_width - 8) / 6.6))  # characters of 12 px text left of the bars
    for i, (label, value) in enumerate(items):
        y = top + i * row
        length = span * abs(value) / peak
        colour = colours[i] if colours else PALETTE["bar"]
        short = label if len(label) <= room else label[:room - 1] + "…"
        body.append(_text(label_width - 8, y + 15, short, anchor="end"))
        body.append(f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="{row - 8}"'
                    f' fill="{colour}" rx="2"><title>{escape(label)}: '
                    f"{escape(fmt.format(value))}</title></rect>")
        body.append(_text(label_width + length + 6, y + 15, fmt.format(value)))
    return _svg(width, height, title, body)


def histogram(values: Sequence[float], *, title: str, bins: int = 20, fmt: str = "{:,.0f}",
              width: int = 640, height: int = 220, log: bool = False) -> str:
    """Vertical bars counting `values` per bin (bins on log1p when `log`)."""
    data = np.asarray([v for v in values if v is not None and np.isfinite(v)], dtype=float)
    body = [_text(0, 16, title, size=14, weight="bold")]
    if data.size == 0:
        body.append(_text(0, 50, "no data yet"))
        return _svg(width, height, title, body)
    shown = np.log1p(np.clip(data, 0, None)) if log else data
    counts, edges = np.histogram(shown, bins=bins)
    if log:
        edges = np.expm1(edges)
    top, bottom, left = 28, height - 28, 40
    peak = counts.max() or 1
    step = (width - left - 10) / len(counts)
    body.append(f'<line x1="{left}" y1="{bottom}" x2="{width - 10}" y2="{bottom}" '
                f'stroke="{PALETTE["grid"]}"/>')
    body.append(_text(left - 6, top + 10, f"{int(peak):,}", anchor="end", size=10))
    for i, n in enumerate(counts):
        h = (bottom - top) * n / peak
        x = left + i * step
        body.append(f'<rect x="{x + 1:.1f}" y="{bottom - h:.1f}" width="{step - 2:.1f}" '
                    f'height="{h:.1f}" fill="{PALETTE["bar"]}"><title>'
                    f"{escape(fmt.format(edges[i]))}–{escape(fmt.format(edges[i + 1]))}: "
                    f"{int(n):,}</title></rect>")
    for i in (0, len(counts) // 2, len(counts)):  # the last one ends at the edge, not past it
        body.append(_text(left + i * step, bottom + 16, fmt.format(edges[i]),
                          anchor="end" if i == len(counts) else "middle", size=10))
    return _svg(width, height, title, body)


def line_chart(points: Sequence[tuple[str, float]], *, title: str, low: float = -1.0,
               high: float = 1.0, width: int = 640, height: int = 200,
               fmt: str = "{:+.2f}") -> str:
    """A line over labelled points (e.g. mean sentiment per month), with the zero line."""
    body = [_text(0, 16, title, size=14, weight="bold")]
    if not points:
        body.append(_text(0, 50, "no data yet"))
        return _svg(width, height, title, body)
    top, bottom, left, right = 28, height - 28, 44, width - 10
    span = (high - low) or 1.0

    def y_of(v: float) -> float:
        return bottom - (bottom - top) * (min(max(v, low), high) - low) / span

    step = (right - left) / max(len(points) - 1, 1)
    xy = [(left + i * step, y_of(v)) for i, (_, v) in enumerate(points)]
    if low < 0 < high:
        body.append(f'<line x1="{left}" y1="{y_of(0):.1f}" x2="{right}" y2="{y_of(0):.1f}" '
                    f'stroke="{PALETTE["grid"]}" stroke-dasharray="4 3"/>')
    for value in (low, high):
        body.append(_text(left - 6, y_of(value) + 4, fmt.format(value), anchor="end", size=10))
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in xy)
    body.append(f'<polyline points="{path}" fill="none" stroke="{PALETTE["bar"]}" '
                f'stroke-width="2"/>')
    for (x, y), (label, value) in zip(xy, points, strict=True):
        body.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{PALETTE["bar"]}">'
                    f"<title>{escape(label)}: {escape(fmt.format(value))}</title></circle>")
    last = len(points) - 1
    for i in sorted({0, len(points) // 2, last}):
        anchor = "start" if i == 0 else "end" if i == last else "middle"
        body.append(_text(xy[i][0], bottom + 16, points[i][0], anchor=anchor, size=10))
    return _svg(width, height, title, body)
