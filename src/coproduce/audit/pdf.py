"""A round's results as a PDF: the table, a radar chart and a bar chart as vector graphics."""

from __future__ import annotations

import io
import textwrap
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
    """Staff solid, members dashed, on the features where every group drawn has a score shown:
    a line through a made-up point would mislead. The legend names what is left out."""
    result = data.result
    threshold = data.round.threshold
    drawing = Drawing(170 * mm, 110 * mm)
    names = {"staff": "staff", "member": "members"}
    drawn = [
        group
        for group in ("staff", "member")
        if any(getattr(row, group).score is not None for row in result.sections)
    ]
    axes = [
        row
        for row in result.sections
        if drawn and all(getattr(row, group).score is not None for group in drawn)
    ]
    notes: list[str] = []
    if len(axes) >= 3:
        chart = SpiderChart()
        chart.x, chart.y, chart.width, chart.height = 30 * mm, 20 * mm, 110 * mm, 84 * mm
        chart.labels = [row.title[:30] for row in axes]
        chart.data = [[float(getattr(row, group).score) for row in axes] for group in drawn]
        chart.strandLabels.format = "values"
        for index, group in enumerate(drawn):
            strand = chart.strands[index]
            strand.strokeColor = colors.black
            strand.fillColor = None
            strand.strokeWidth = 1.5
            if group == "member":
                strand.strokeDashArray = (4, 3)
        drawing.add(chart)
        lines = {"staff": "Solid line: staff.", "member": "Dashed line: members."}
        notes.extend(lines[group] for group in drawn)
        left_out = [row.title for row in result.sections if row not in axes]
        if left_out:
            notes.append(
                f"Not on the chart (fewer than {threshold} responses): {', '.join(left_out)}."
            )
    else:
        notes.append(
            f"Too few features have scores shown (fewer than {threshold} responses) to draw "
            "the radar: see the table."
        )
    missing = [names[group] for group in ("staff", "member") if group not in drawn]
    if missing and len(axes) >= 3:
        notes.append(f"No line for {' or '.join(missing)}: fewer than {threshold} responses.")
    legend = textwrap.wrap(" ".join(notes), width=110)[:3]
    for number, text in enumerate(legend):
        drawing.add(String(5, 4 + 9 * (len(legend) - 1 - number), text, fontSize=8))
    return drawing


def _bars(data: RoundResult) -> Drawing:
    result = data.result
    drawing = Drawing(170 * mm, 80 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 15 * mm, 20 * mm, 150 * mm, 50 * mm
    chart.data = [
        # None leaves a gap: no bar is drawn for a score not shown.
        [None if r.staff.score is None else float(r.staff.score) for r in result.sections],
        [None if r.member.score is None else float(r.member.score) for r in result.sections],
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
        String(
            5,
            5,
            "Scores by section: black bars staff, white bars members; no bar where a score "
            "is not shown.",
            fontSize=9,
        )
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
