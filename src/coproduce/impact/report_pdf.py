"""An evaluation report as a PDF: each section's tables, their notes, and two charts (hours
exchanged per month, value by budget holder) drawn as vector graphics."""

from __future__ import annotations

import io
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from coproduce.errors import Conflict
from coproduce.impact.models import EvaluationReport, ReportStatus
from coproduce.impact.report_tables import (
    Cell,
    Hours,
    Number,
    Percent,
    Pounds,
    Section,
    period_text,
    report_sections,
)
from coproduce.impact.report_tables import Table as ReportTable

PAGE = landscape(A4)
WIDTH = PAGE[0] - 30 * mm  # the frame between SimpleDocTemplate's default margins, roughly
CHART_WIDTH = 240 * mm
CHART_HEIGHT = 75 * mm
MAX_BARS = 24  # a longer period's months are drawn as the latest 24


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _text(cell: Cell) -> str:
    return "" if cell is None else str(cell)


def _numeric(cell: Cell) -> bool:
    return isinstance(cell, Pounds | Hours | Number | Percent)


def _table(table: ReportTable, styles: dict[str, ParagraphStyle]) -> Table:
    cell_style, number_style, head_style = styles["cell"], styles["number"], styles["head"]
    rows: list[list[Any]] = [[Paragraph(_esc(name), head_style) for name in table.header]]
    for row in table.rows:
        rows.append(
            [
                Paragraph(_esc(_text(cell)), number_style if _numeric(cell) else cell_style)
                for cell in row
            ]
        )
    columns = len(table.header)
    first = min(70 * mm, WIDTH / columns * 1.6) if columns > 2 else 110 * mm
    rest = (WIDTH - first) / (columns - 1) if columns > 2 else 60 * mm
    drawn = Table(rows, colWidths=[first] + [rest] * (columns - 1), repeatRows=1, hAlign="LEFT")
    commands: list[Any] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
        ("BACKGROUND", (0, 0), (-1, 0), colors.Color(0.92, 0.92, 0.92)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if table.total_row and table.rows:
        commands.append(("LINEABOVE", (0, -1), (-1, -1), 1.2, colors.black))
    drawn.setStyle(TableStyle(commands))
    return drawn


def _bars(
    *,
    categories: list[str],
    series: list[list[float]],
    fills: list[Any],
    stacked: bool,
    caption: str,
) -> Drawing:
    drawing = Drawing(CHART_WIDTH, CHART_HEIGHT)
    chart = VerticalBarChart()
    chart.x, chart.y = 20 * mm, 22 * mm
    chart.width, chart.height = CHART_WIDTH - 30 * mm, CHART_HEIGHT - 30 * mm
    chart.data = series
    chart.categoryAxis.categoryNames = [name[:28] for name in categories]
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.categoryAxis.labels.fontSize = 7
    if stacked:
        chart.categoryAxis.style = "stacked"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.labels.fontSize = 7
    for index, fill in enumerate(fills):
        chart.bars[index].fillColor = fill
        chart.bars[index].strokeColor = colors.black
    drawing.add(chart)
    drawing.add(String(5, 3, caption, fontSize=8))
    return drawing


def _hours_chart(figures: dict[str, Any]) -> Drawing | None:
    hours = figures["hours"]
    months = hours["by_month"][-MAX_BARS:]
    if hours["suppressed"] or not months:
        return None
    return _bars(
        categories=[month["label"] for month in months],
        series=[[round(month["minutes"] / 60, 2) for month in months]],
        fills=[colors.Color(0.3, 0.3, 0.3)],
        stacked=False,
        caption="Hours exchanged in each month"
        + (f" (the latest {MAX_BARS} months)" if len(hours["by_month"]) > MAX_BARS else "")
        + ": the figures are in the table above.",
    )


def _value_chart(figures: dict[str, Any]) -> Drawing | None:
    rows = figures["value"]["rows"]
    if not rows:
        return None
    return _bars(
        categories=[row["label"] for row in rows],
        series=[
            [row["cashable_pence"] / 100 for row in rows],
            [row["non_cashable_pence"] / 100 for row in rows],
        ],
        fills=[colors.black, colors.white],
        stacked=True,
        caption="Value by budget holder, in pounds: black cashable, white non-cashable; "
        "the figures are in the table above.",
    )


def _styles() -> dict[str, ParagraphStyle]:
    sheet = getSampleStyleSheet()
    cell = ParagraphStyle("cell", parent=sheet["Normal"], fontSize=8, leading=10)
    return {
        "title": sheet["Title"],
        "heading": sheet["Heading2"],
        "subheading": sheet["Heading4"],
        "normal": sheet["Normal"],
        "cell": cell,
        "number": ParagraphStyle("number", parent=cell, alignment=2),
        "head": ParagraphStyle("head", parent=cell, fontName="Helvetica-Bold"),
    }


def _section(section: Section, styles: dict[str, ParagraphStyle]) -> list[Any]:
    flow: list[Any] = [Paragraph(_esc(section.title), styles["heading"])]
    for table in section.tables:
        if table.title:
            flow.append(Paragraph(_esc(table.title), styles["subheading"]))
        if table.rows:
            flow += [_table(table, styles), Spacer(1, 3 * mm)]
        else:
            flow.append(Paragraph("Nothing to show.", styles["normal"]))
    flow += [Paragraph(_esc(note), styles["normal"]) for note in section.notes]
    return flow


def report_pdf(report: EvaluationReport) -> bytes:
    """The PDF bytes of a finished report (uncompressed and invariant: the same figures give
    the same file). Conflict while the report is not ready."""
    figures = report.figures
    if report.status != ReportStatus.DONE or not figures:
        raise Conflict("The report is not ready yet.")
    buffer = io.BytesIO()
    title = f"Evaluation report: {figures['service_label']}"
    doc = SimpleDocTemplate(
        buffer,
        pagesize=PAGE,
        title=title,
        author=figures["organisation"],
        invariant=1,
        pageCompression=0,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
    )
    styles = _styles()
    story: list[Any] = [
        Paragraph(_esc(title), styles["title"]),
        Paragraph(
            _esc(
                f"{figures['organisation']}. {figures['service_label']}, "
                f"{figures['area_label'].lower() if not figures['area'] else figures['area']}, "
                f"{period_text(figures)}."
            ),
            styles["normal"],
        ),
        Paragraph(_esc(figures["suppression_note"]), styles["normal"]),
        Paragraph(_esc(f"Discounting of the SROI: {figures['discounting']}."), styles["normal"]),
        Spacer(1, 4 * mm),
    ]
    charts = {"Hours": _hours_chart(figures), "Value by budget holder": _value_chart(figures)}
    for section in report_sections(figures):
        story += _section(section, styles)
        chart = charts.get(section.title)
        if chart is not None:
            story += [Spacer(1, 3 * mm), chart]
        story.append(Spacer(1, 5 * mm))
    doc.build(story)
    return buffer.getvalue()
