"""A round's results as a PDF: the table, a radar chart and a bar chart as vector graphics."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.charts.spider import SpiderChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from coproduce.audit.selectors.results import RoundResult


def _score(value: Decimal | None, threshold: int) -> str:
    return f"Not shown: fewer than {threshold} responses" if value is None else str(value)


def _radar(data: RoundResult) -> Drawing:
    result = data.result
    drawing = Drawing(170 * mm, 110 * mm)
    chart = SpiderChart()
    chart.x, chart.y, chart.width, chart.height = 30 * mm, 12 * mm, 110 * mm, 90 * mm
    chart.labels = [row.title[:30] for row in result.sections]
    scale = data.instrument.scale
    series = []
    for group in ("staff", "member"):
        series.append([float(getattr(r, group).score or scale.min) for r in result.sections])
    chart.data = series
    chart.strandLabels.format = "values"
    chart.strands[0].strokeColor = colors.black
    chart.strands[0].fillColor = None
    chart.strands[0].strokeWidth = 1.5
    chart.strands[1].strokeColor = colors.black
    chart.strands[1].fillColor = None
    chart.strands[1].strokeDashArray = (4, 3)
    chart.strands[1].strokeWidth = 1.5
    drawing.add(chart)
    drawing.add(String(5, 5, "Solid line: staff. Dashed line: members.", fontSize=9))
    return drawing


def _bars(data: RoundResult) -> Drawing:
    result = data.result
    drawing = Drawing(170 * mm, 80 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 15 * mm, 20 * mm, 150 * mm, 50 * mm
    chart.data = [
        [float(r.staff.score or 0) for r in result.sections],
        [float(r.member.score or 0) for r in result.sections],
    ]
    chart.categoryAxis.categoryNames = [r.code for r in result.sections]
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueMax = data.instrument.scale.max
    chart.bars[0].fillColor = colors.black
    chart.bars[1].fillColor = colors.white
    chart.bars[1].strokeColor = colors.black
    drawing.add(chart)
    drawing.add(
        String(5, 5, "Scores by section: black bars staff, white bars members.", fontSize=9)
    )
    return drawing


def results_pdf(data: RoundResult) -> bytes:
    """The PDF bytes (uncompressed, invariant: the same results give the same file)."""
    buffer = io.BytesIO()
    round = data.round
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"Results: {round.title}",
        invariant=1,
        pageCompression=0,
    )
    styles = getSampleStyleSheet()
    threshold = data.result.threshold
    story: list[Any] = [
        Paragraph(f"Results: {_esc(round.title)}", styles["Title"]),
        Paragraph(
            f"{_esc(round.service)}, {round.opens_on:%-d %B %Y} to {round.closes_on:%-d %B %Y}",
            styles["Normal"],
        ),
        Paragraph(
            f"A group with fewer than {threshold} responses shows no score: "
            f"Not shown: fewer than {threshold} responses.",
            styles["Normal"],
        ),
        Spacer(1, 6 * mm),
    ]
    rows: list[list[Any]] = [["Feature", "Staff (n)", "Members (n)", "Gap", "Band"]]
    for row in (*data.result.sections, data.result.overall):
        rows.append(
            [
                Paragraph(_esc(row.title), styles["Normal"]),
                Paragraph(
                    f"{_score(row.staff.score, threshold)} ({row.staff.respondents})",
                    styles["Normal"],
                ),
                Paragraph(
                    f"{_score(row.member.score, threshold)} ({row.member.respondents})",
                    styles["Normal"],
                ),
                "" if row.gap is None else str(row.gap),
                row.staff.band or row.member.band or "",
            ]
        )
    table = Table(rows, colWidths=[55 * mm, 35 * mm, 35 * mm, 20 * mm, 30 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("FONTNAME", (0, 0), (-1, 0), "Helvetica-Bold"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [table, Spacer(1, 6 * mm)]
    story += [Paragraph("Staff and members by feature", styles["Heading2"]), _radar(data)]
    story += [Paragraph("Scores by feature", styles["Heading2"]), _bars(data)]
    doc.build(story)
    return buffer.getvalue()


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
