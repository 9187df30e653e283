"""Charts drawn on the server as SVG, each with the same figures as a table beside it, so a
screen-reader user gets the numbers and the page needs no script (the CSP allows none inline).
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from django.utils.safestring import SafeString, mark_safe

BAR_HEIGHT = 22
GAP = 8
LABEL_WIDTH = 180
CHART_WIDTH = 640


def _format(value: float, unit: str) -> str:
    if unit == "hours":
        return f"{value:,.1f} h"
    if unit == "£":
        return f"£{value:,.2f}"
    if float(value).is_integer():
        return f"{int(value):,}{(' ' + unit) if unit else ''}"
    return f"{value:,.1f}{(' ' + unit) if unit else ''}"


def bar_chart(
    *, title: str, rows: Sequence[tuple[str, float]], unit: str = "", caption: str = ""
) -> SafeString:
    """A horizontal bar chart with a figure caption and the data table under it.

    Values are written beside each bar so nothing depends on colour or length alone."""
    title_e = escape(title)
    if not rows:
        return mark_safe(  # noqa: S308 - the title is escaped
            f'<figure class="chart"><figcaption>{title_e}</figcaption>'
            "<p>No figures yet.</p></figure>"
        )
    peak = max((value for _, value in rows), default=0) or 1
    height = len(rows) * (BAR_HEIGHT + GAP) + GAP
    bar_space = CHART_WIDTH - LABEL_WIDTH - 90
    parts = [
        f'<svg class="chart-svg" role="img" aria-labelledby="{{id}}-t" '
        f'viewBox="0 0 {CHART_WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet">',
        f'<title id="{{id}}-t">{title_e}</title>',
    ]
    for index, (label, value) in enumerate(rows):
        y = GAP + index * (BAR_HEIGHT + GAP)
        width = max(1.0, bar_space * (value / peak)) if value > 0 else 0
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR_HEIGHT * 0.7:.1f}" '
            f'text-anchor="end" class="chart-label">{escape(str(label))[:32]}</text>'
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:.1f}" height="{BAR_HEIGHT}" '
            f'class="chart-bar"></rect>'
            f'<text x="{LABEL_WIDTH + width + 6:.1f}" y="{y + BAR_HEIGHT * 0.7:.1f}" '
            f'class="chart-value">{escape(_format(value, unit))}</text>'
        )
    parts.append("</svg>")
    chart_id = "chart-" + "".join(ch for ch in title.lower() if ch.isalnum())[:40]
    svg = "".join(parts).replace("{id}", chart_id)
    table_rows = "".join(
        f'<tr><th scope="row">{escape(str(label))}</th>'
        f'<td class="numeric">{escape(_format(value, unit))}</td></tr>'
        for label, value in rows
    )
    caption_html = f"<p class='hint'>{escape(caption)}</p>" if caption else ""
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'<figure class="chart" aria-labelledby="{chart_id}-c">'
        f'<figcaption id="{chart_id}-c">{title_e}</figcaption>{caption_html}{svg}'
        f'<details class="chart-data"><summary>Show the figures as a table</summary>'
        f'<table class="table"><caption class="visually-hidden">{title_e}</caption>'
        f'<thead><tr><th scope="col">Item</th><th scope="col" class="numeric">Value</th></tr>'
        f"</thead><tbody>{table_rows}</tbody></table></details></figure>"
    )
