"""Charts drawn on the server as SVG strings: no browser, no JavaScript.

Pure functions: numbers and labels in, an `<svg>` string out. Used by the PDF
documents (WeasyPrint draws SVG natively) and by HTML pages. Every text element uses
`FONT_FAMILY`, the documents' body font, so the fonts embedded in the PDF match.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import Decimal
from html import escape

from evaluations.numbers import format_number

FONT_FAMILY = "DejaVu Sans, sans-serif"
# Colour-blind-safe pair (Okabe-Ito): self-assessed orange, validated blue.
SERIES_COLOURS = ("#E69F00", "#0072B2", "#009E73", "#CC79A7")
BAR_COLOUR = "#0072B2"
GRID_COLOUR = "#C8CDD2"
TEXT_COLOUR = "#212529"

Number = int | float | Decimal


# The smallest text a chart writes, in px at its natural size: readable on paper and on
# screen (pages show charts at their natural width or wider, never shrunk).
MIN_TEXT = 12


def _fmt(value: Number) -> str:
    """A value as people read it: a decimal comma in Indonesian."""
    return format_number(value)


def _value_text(value: Number) -> str:
    """A count as a whole number, anything else with two decimals."""
    return str(value) if isinstance(value, int) else _fmt(value)


def _text(
    x: float, y: float, content: str, *, size: float = MIN_TEXT, anchor: str = "middle", bold=False
):
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT_FAMILY}" font-size="{size}" '
        f'fill="{TEXT_COLOUR}" text-anchor="{anchor}"{weight}>{escape(str(content))}</text>'
    )


class _RadarGeometry:
    """Where a value on an axis is drawn: axis 0 points up, the others follow clockwise;
    values are clamped to 0..maximum."""

    def __init__(self, axes: int, maximum: float, size: int):
        self.axes, self.maximum = axes, maximum
        self.cx = self.cy = size / 2
        self.radius = size / 2 - 48  # room for the axis labels around the chart

    def point(self, i: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * i / self.axes
        r = self.radius * max(0.0, min(value, self.maximum)) / self.maximum
        return self.cx + r * math.cos(angle), self.cy + r * math.sin(angle)

    def polygon(self, values: Sequence[float]) -> str:
        return " ".join(
            f"{x:.1f},{y:.1f}" for x, y in (self.point(i, v) for i, v in enumerate(values))
        )


def _radar_grid(geo: _RadarGeometry, labels: Sequence[str]) -> list[str]:
    """One ring per whole level (numbered on the first axis), then the axes with labels."""
    parts = []
    for ring in range(1, int(geo.maximum) + 1):
        pts = geo.polygon([ring] * geo.axes)
        parts.append(
            f'<polygon points="{pts}" fill="none" stroke="{GRID_COLOUR}" stroke-width="0.7"/>'
        )
        x, y = geo.point(0, ring)
        parts.append(_text(x + 3, y + 4, str(ring), anchor="start"))
    for i, label in enumerate(labels):
        x, y = geo.point(i, geo.maximum)
        parts.append(
            f'<line x1="{geo.cx:.1f}" y1="{geo.cy:.1f}" x2="{x:.1f}" y2="{y:.1f}" '
            f'stroke="{GRID_COLOUR}" stroke-width="0.7"/>'
        )
        lx, ly = geo.point(i, geo.maximum * 1.16)
        # Labels left of the centre end at their point, right of it start there.
        anchor = "middle" if abs(lx - geo.cx) < 8 else ("start" if lx > geo.cx else "end")
        parts.append(_text(lx, ly + 4, label, anchor=anchor, bold=True))
    return parts


def _radar_series(
    geo: _RadarGeometry, s: int, name: str, values: Sequence[Number | None], size: int
) -> list[str]:
    """The series' polygon and points, and its line of the legend under the chart."""
    colour = SERIES_COLOURS[s % len(SERIES_COLOURS)]
    numbers = [float(v or 0) for v in values]
    parts = [
        f'<polygon points="{geo.polygon(numbers)}" fill="{colour}" fill-opacity="0.18" '
        f'stroke="{colour}" stroke-width="1.8"/>'
    ]
    for i, v in enumerate(numbers):
        x, y = geo.point(i, v)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.4" fill="{colour}"/>')
    ly = size + 4 + 16 * s
    parts.append(
        f'<rect x="{size / 2 - 70:.1f}" y="{ly:.1f}" width="12" height="10" fill="{colour}"/>'
    )
    parts.append(_text(size / 2 - 52, ly + 10, name, anchor="start"))
    return parts


def radar_svg(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[Number | None]]],
    *,
    maximum: float = 5,
    size: int = 320,
    title: str = "",
) -> str:
    """A radar (spider) chart: one axis per label, one polygon per series.

    `series` is [(name, values)], values on 0..maximum (None counts as 0).
    A legend lists the series under the chart.
    """
    if len(labels) < 3:
        raise ValueError("A radar chart needs at least three axes.")
    legend_height = 16 * len(series) + 6
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {size} {size + legend_height}" '
        f'width="{size}" height="{size + legend_height}" role="img">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    geo = _RadarGeometry(len(labels), maximum, size)
    parts.extend(_radar_grid(geo, labels))
    for s, (name, values) in enumerate(series):
        parts.extend(_radar_series(geo, s, name, values, size))
    parts.append("</svg>")
    return "".join(parts)


def bar_svg(
    items: Sequence[tuple[str, Number]],
    *,
    width: int = 480,
    bar_height: int = 18,
    label_width: int = 150,
    value_format=None,
    maximum: Number | None = None,
    title: str = "",
) -> str:
    """A horizontal bar chart: one bar per (label, value), the value written after it.

    Horizontal bars keep long Indonesian labels (province names) readable.
    """
    value_format = value_format or _value_text
    gap = 6
    height = len(items) * (bar_height + gap) + gap
    top = max([float(v) for _, v in items] + [float(maximum or 0), 1e-9])
    plot = width - label_width - 50
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for i, (label, value) in enumerate(items):
        y = gap + i * (bar_height + gap)
        w = plot * float(value) / top
        parts.append(_text(label_width - 6, y + bar_height * 0.75, label, anchor="end"))
        parts.append(
            f'<rect x="{label_width}" y="{y}" width="{w:.1f}" height="{bar_height}" '
            f'fill="{BAR_COLOUR}"/>'
        )
        parts.append(
            _text(label_width + w + 4, y + bar_height * 0.75, value_format(value), anchor="start")
        )
    parts.append("</svg>")
    return "".join(parts)


def column_svg(
    items: Sequence[tuple[str, Number]],
    *,
    width: int = 480,
    height: int = 200,
    title: str = "",
) -> str:
    """A vertical bar chart for a few categories (e.g. the distribution by predicate)."""
    n = max(len(items), 1)
    bottom = height - 28
    top_pad = 18
    slot = width / n
    top = max([float(v) for _, v in items] + [1e-9])
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    parts.append(f'<line x1="0" y1="{bottom}" x2="{width}" y2="{bottom}" stroke="{GRID_COLOUR}"/>')
    for i, (label, value) in enumerate(items):
        h = (bottom - top_pad) * float(value) / top
        x = i * slot + slot * 0.2
        parts.append(
            f'<rect x="{x:.1f}" y="{bottom - h:.1f}" width="{slot * 0.6:.1f}" '
            f'height="{h:.1f}" fill="{BAR_COLOUR}"/>'
        )
        parts.append(_text(i * slot + slot / 2, bottom - h - 4, _value_text(value), bold=True))
        parts.append(_text(i * slot + slot / 2, bottom + 14, label))
    parts.append("</svg>")
    return "".join(parts)


def format_index(value: Number | None) -> str:
    return "–" if value is None else _fmt(value)


# --- Charts over days ---------------------------------------------------------------

TODAY_COLOUR = "#8A4B00"  # dark amber: 3:1 against white and apart from the deadline red
DEADLINE_COLOUR = "#B71C1C"
LINE_COLOUR = "#1B3A5C"


def _week_ticks(count: int, plot: float, min_gap: float = 64) -> tuple[list[int], int]:
    """Indexes of the weekly ticks (every 7th day from the first), and every how many
    ticks a date is written so that the labels never overlap."""
    ticks = list(range(0, count, 7))
    per_week = plot * 7 / max(count, 1)
    return ticks, max(1, math.ceil(min_gap / max(per_week, 1e-9)))


def timeline_svg(
    days: Sequence,
    values: Sequence[Number],
    *,
    kind: str,
    maximum: Number,
    tick_text,
    day_text,
    value_text,
    marks: Sequence[tuple[int, str, str]] = (),
    title: str = "",
    width: int = 300,
    height: int = 200,
) -> str:
    """A chart over consecutive days: bars (`kind="bars"`) or a line (`kind="line"`).

    The y axis runs from 0 to `maximum` with three ticks written by `tick_text`; the x axis
    has a tick each week with the date (`day_text`) under every tick that has room.
    `marks` are vertical lines at a day index with a label written above the chart
    (today, the deadline): (index, label, colour). Each bar or point carries a <title>
    (the day and `value_text(value)`), the browser's tooltip. The natural width is
    small (300): a page shows the chart at that width or wider, so its 12 px text is
    never drawn smaller.
    """
    left, right, top, bottom = 44, 10, 18 + 16 * len(marks), 34
    plot_w, plot_h = width - left - right, height - top - bottom
    count = max(len(days), 1)
    step = plot_w / count
    top_value = float(maximum) or 1.0

    def x_mid(i: int) -> float:
        return left + (i + 0.5) * step

    def y_of(v: Number) -> float:
        return top + plot_h - plot_h * min(float(v), top_value) / top_value

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" class="chart-timeline">'
    ]
    if title:
        parts.append(f"<title>{escape(title)}</title>")
    for tick in (0, top_value / 2, top_value):
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" '
            f'stroke="{GRID_COLOUR}" stroke-width="0.8"/>'
        )
        parts.append(_text(left - 4, y + 4, tick_text(tick), anchor="end"))
    if kind == "bars":
        for i, (day, v) in enumerate(zip(days, values, strict=True)):
            if not v:
                continue
            y = y_of(v)
            parts.append(
                f'<rect x="{left + i * step + 0.5:.1f}" y="{y:.1f}" '
                f'width="{max(step - 1, 0.8):.1f}" height="{top + plot_h - y:.1f}" '
                f'fill="{BAR_COLOUR}"><title>{escape(day_text(day))}: '
                f"{escape(value_text(v))}</title></rect>"
            )
    else:
        points = " ".join(f"{x_mid(i):.1f},{y_of(v):.1f}" for i, v in enumerate(values))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{LINE_COLOUR}" stroke-width="2"/>'
        )
        radius = max(min(step / 2, 3), 1)
        for i, (day, v) in enumerate(zip(days, values, strict=True)):
            parts.append(
                f'<circle cx="{x_mid(i):.1f}" cy="{y_of(v):.1f}" r="{radius:.1f}" '
                f'fill="{LINE_COLOUR}" fill-opacity="0"><title>{escape(day_text(day))}: '
                f"{escape(value_text(v))}</title></circle>"
            )
    base = top + plot_h
    parts.append(
        f'<line x1="{left}" y1="{base}" x2="{width - right}" y2="{base}" stroke="{TEXT_COLOUR}"/>'
    )
    ticks, every = _week_ticks(len(days), plot_w)
    for n, i in enumerate(ticks):
        x = x_mid(i)
        parts.append(
            f'<line x1="{x:.1f}" y1="{base}" x2="{x:.1f}" y2="{base + 5}" stroke="{TEXT_COLOUR}"/>'
        )
        if n % every == 0 and x + 26 <= width:
            parts.append(_text(x, base + 19, day_text(days[i])))
    for row, (i, label, colour) in enumerate(marks):
        x = x_mid(i)
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{base}" stroke="{colour}" '
            f'stroke-width="1.5" stroke-dasharray="4 3"/>'
        )
        # Near an edge the label grows inwards, so it is never cut.
        anchor = "start" if x < left + 40 else ("end" if x > width - 60 else "middle")
        label_svg = _text(x, 14 + 16 * row, label, anchor=anchor, bold=True)
        parts.append(label_svg.replace(f'fill="{TEXT_COLOUR}"', f'fill="{colour}"'))
    parts.append("</svg>")
    return "".join(parts)
