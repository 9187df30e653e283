"""Charts drawn on the server as SVG, each with the same figures as a table beside it, so a
screen-reader user gets the numbers and the page needs no script (the CSP allows none inline).
"""

from __future__ import annotations

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
