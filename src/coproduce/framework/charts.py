"""Charts drawn on the server as SVG, each with the same figures as a table beside it, so a
screen-reader user gets the numbers and the page needs no script (the CSP allows none inline).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

from coproduce.framework.amounts import MINUS, PENCE, amount_format


def _format(value: float, unit: str) -> str:
    if unit == "£":
        return amount_format(round(value * 100), PENCE, grouped=True)
    # The one minus sign amount_format writes, for figures it does not (decimal hours, counts).
    sign, value = (MINUS if value < 0 else ""), abs(value)
    if unit == "hours":
        return f"{sign}{value:,.1f} h"
    if float(value).is_integer():
        return f"{sign}{int(value):,}{(' ' + unit) if unit else ''}"
    return f"{sign}{value:,.1f}{(' ' + unit) if unit else ''}"


def _note(row: tuple[str, float] | tuple[str, float, str]) -> str:
    return str(row[2]) if len(row) > 2 else ""


def bar_chart(
    *,
    title: str,
    rows: Sequence[tuple[str, float] | tuple[str, float, str]],
    unit: str = "",
    caption: str = "",
) -> SafeString:
    """A horizontal bar chart with a figure caption and the data table under it.

    Labels and values are HTML text beside each bar, so a long label wraps instead of being
    clipped, text keeps its size on a narrow screen, and nothing depends on colour or length
    alone. A row's optional third item is a note written after its value ("Funded"); rows
    with a note other than the first row's draw a lighter bar as well."""
    title_e = escape(title)
    if not rows:
        return mark_safe(  # noqa: S308 - the title is escaped
            f'<figure class="chart"><figcaption>{title_e}</figcaption>'
            "<p>No figures yet.</p></figure>"
        )
    peak = max((row[1] for row in rows), default=0) or 1
    first_note = _note(rows[0])
    items = []
    table_rows = []
    for row in rows:
        label, value = escape(str(row[0])), row[1]
        note = _note(row)
        shown = escape(_format(value, unit) + (f" · {note}" if note else ""))
        width = max(0.5, 100 * value / peak) if value > 0 else 0
        bar_class = "chart-bar" if note == first_note else "chart-bar chart-bar-other"
        items.append(
            f'<li class="chart-row"><span class="chart-label">{label}</span>'
            f'<svg class="chart-svg" aria-hidden="true" focusable="false" viewBox="0 0 100 10" '
            f'preserveAspectRatio="none"><rect x="0" y="0" width="{width:.2f}" height="10" '
            f'class="{bar_class}"></rect></svg>'
            f'<span class="chart-value">{shown}</span></li>'
        )
        table_rows.append(f'<tr><th scope="row">{label}</th><td class="numeric">{shown}</td></tr>')
    chart_id = "chart-" + "".join(ch for ch in title.lower() if ch.isalnum())[:40]
    caption_html = f"<p class='hint'>{escape(caption)}</p>" if caption else ""
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'<figure class="chart" aria-labelledby="{chart_id}-c">'
        f'<figcaption id="{chart_id}-c">{title_e}</figcaption>{caption_html}'
        f'<ol class="chart-rows">{"".join(items)}</ol>'
        f'<details class="chart-data"><summary>Show the figures as a table</summary>'
        f'<div class="table-scroll" role="region" aria-label="{title_e}" tabindex="0">'
        f'<table class="table"><caption class="visually-hidden">{title_e}</caption>'
        f'<thead><tr><th scope="col">Item</th><th scope="col" class="numeric">Value</th></tr>'
        f"</thead><tbody>{''.join(table_rows)}</tbody></table></div></details></figure>"
    )


# Each series of a radar chart is told apart by its line and its marker as well as by name,
# never by colour alone.
_RADAR_DASHES = ("", "8 5", "2 4", "12 4 2 4")
_RADAR_MARKERS = ("circle", "square", "diamond", "triangle")


def _radar_marker(kind: str, x: float, y: float) -> str:
    if kind == "circle":
        return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="currentColor"></circle>'
    if kind == "square":
        return (
            f'<rect x="{x - 4:.1f}" y="{y - 4:.1f}" width="8" height="8" '
            'fill="none" stroke="currentColor" stroke-width="2"></rect>'
        )
    if kind == "diamond":
        return (
            f'<polygon points="{x:.1f},{y - 5:.1f} {x + 5:.1f},{y:.1f} {x:.1f},{y + 5:.1f} '
            f'{x - 5:.1f},{y:.1f}" fill="currentColor"></polygon>'
        )
    return (
        f'<polygon points="{x:.1f},{y - 5:.1f} {x + 5:.1f},{y + 4:.1f} {x - 5:.1f},{y + 4:.1f}" '
        'fill="none" stroke="currentColor" stroke-width="2"></polygon>'
    )


def _radar_label_lines(label: str, width: int = 22) -> list[str]:
    return textwrap.wrap(label, width) or [""]


def radar_chart(
    *,
    title: str,
    axes: Sequence[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    minimum: float = 0,
    maximum: float = 1,
    caption: str = "",
    missing: str = "Not shown",
) -> SafeString:
    """A radar (spider) chart: one spoke per axis, one closed line per series, with a legend
    and the figures as a table under it.

    Series differ by dash pattern and marker shape, not colour. A series with a missing value
    (None) draws no line, only markers where it has values; its table cells read ``missing``.
    Axis labels are SVG text wrapped over lines, so every spoke is named on the chart too."""
    title_e = escape(title)
    if not axes or not series:
        return mark_safe(  # noqa: S308 - the title is escaped
            f'<figure class="chart"><figcaption>{title_e}</figcaption>'
            "<p>No figures yet.</p></figure>"
        )
    chart_id = "radar-" + "".join(ch for ch in title.lower() if ch.isalnum())[:40]
    size, centre, radius = 560, 280, 150
    span = (maximum - minimum) or 1
    count = len(axes)

    def point(index: int, value: float) -> tuple[float, float]:
        angle = -math.pi / 2 + 2 * math.pi * index / count
        distance = radius * max(0.0, min(1.0, (value - minimum) / span))
        return centre + distance * math.cos(angle), centre + distance * math.sin(angle)

    parts: list[str] = []
    for step in range(1, 5):
        ring = minimum + span * step / 4
        ring_points = " ".join(
            f"{x:.1f},{y:.1f}" for x, y in (point(i, ring) for i in range(count))
        )
        parts.append(
            f'<polygon points="{ring_points}" fill="none" stroke="currentColor" '
            'stroke-opacity="0.25" stroke-width="1"></polygon>'
        )
        _x, y = point(0, ring)
        parts.append(
            f'<text x="{centre + 4}" y="{y + 4:.1f}" font-size="11" fill="currentColor">'
            f"{escape(_format(ring, ''))}</text>"
        )
    for index, axis in enumerate(axes):
        x, y = point(index, maximum)
        parts.append(
            f'<line x1="{centre}" y1="{centre}" x2="{x:.1f}" y2="{y:.1f}" stroke="currentColor" '
            'stroke-opacity="0.4" stroke-width="1"></line>'
        )
        angle = -math.pi / 2 + 2 * math.pi * index / count
        lx, ly = centre + (radius + 14) * math.cos(angle), centre + (radius + 14) * math.sin(angle)
        anchor = (
            "middle" if abs(math.cos(angle)) < 0.3 else ("start" if math.cos(angle) > 0 else "end")
        )
        lines = _radar_label_lines(str(axis))
        if math.sin(angle) < -0.3:
            ly -= 14 * (len(lines) - 1)
        elif abs(math.sin(angle)) <= 0.3:
            ly -= 7 * (len(lines) - 1)
        else:
            ly += 10
        spans = "".join(
            f'<tspan x="{lx:.1f}" dy="{0 if n == 0 else 14}">{escape(line)}</tspan>'
            for n, line in enumerate(lines)
        )
        parts.append(
            f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="13" text-anchor="{anchor}" '
            f'fill="currentColor">{spans}</text>'
        )
    legend: list[str] = []
    for number, (name, values) in enumerate(series):
        dash = _RADAR_DASHES[number % len(_RADAR_DASHES)]
        marker = _RADAR_MARKERS[number % len(_RADAR_MARKERS)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        points = [
            point(i, float(v)) if v is not None else None for i, v in enumerate(values[:count])
        ]
        if len(points) == count and all(p is not None for p in points):
            joined = " ".join(f"{p[0]:.1f},{p[1]:.1f}" for p in points if p is not None)
            parts.append(
                f'<polygon points="{joined}" fill="none" stroke="currentColor" '
                f'stroke-width="2.5"{dash_attr}></polygon>'
            )
        parts.extend(_radar_marker(marker, p[0], p[1]) for p in points if p is not None)
        ly = size - 24 * (len(series) - number)
        legend.append(
            f'<line x1="20" y1="{ly}" x2="64" y2="{ly}" stroke="currentColor" stroke-width="2.5"'
            f"{dash_attr}></line>{_radar_marker(marker, 42, ly)}"
            f'<text x="74" y="{ly + 5}" font-size="14" fill="currentColor">{escape(name)}</text>'
        )
    height = size + 10
    svg = (
        f'<svg class="chart-radar" role="img" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'viewBox="0 0 {size} {height}" width="100%" preserveAspectRatio="xMidYMid meet">'
        f'<title id="{chart_id}-t">{title_e}</title>'
        f'<desc id="{chart_id}-d">{escape(_radar_desc(axes, series, missing))}</desc>'
        f"{''.join(parts)}{''.join(legend)}</svg>"
    )
    head = "".join(f'<th scope="col" class="numeric">{escape(name)}</th>' for name, _ in series)
    body = []
    for index, axis in enumerate(axes):
        cells = "".join(
            f'<td class="numeric">{escape(_radar_value(values, index, missing))}</td>'
            for _name, values in series
        )
        body.append(f'<tr><th scope="row">{escape(str(axis))}</th>{cells}</tr>')
    caption_html = f"<p class='hint'>{escape(caption)}</p>" if caption else ""
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'<figure class="chart" aria-labelledby="{chart_id}-c">'
        f'<figcaption id="{chart_id}-c">{title_e}</figcaption>{caption_html}{svg}'
        f'<details class="chart-data"><summary>Show the figures as a table</summary>'
        f'<div class="table-scroll" role="region" aria-label="{title_e}" tabindex="0">'
        f'<table class="table"><caption class="visually-hidden">{title_e}</caption>'
        f'<thead><tr><th scope="col">Item</th>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div></details></figure>"
    )


def _radar_value(values: Sequence[float | None], index: int, missing: str) -> str:
    value = values[index] if index < len(values) else None
    return missing if value is None else f"{float(value):.2f}"


def _radar_desc(
    axes: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], missing: str
) -> str:
    return "; ".join(
        f"{name}: "
        + ", ".join(f"{axis} {_radar_value(values, i, missing)}" for i, axis in enumerate(axes))
        for name, values in series
    )
