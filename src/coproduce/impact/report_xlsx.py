"""An evaluation report as a spreadsheet: one sheet per section (Summary, Hours, Outcomes,
Wellbeing, Value by budget holder, SROI, Network), each table under a bold header row, numbers
stored as numbers and pounds formatted as pounds."""

from __future__ import annotations

import io
from datetime import UTC

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from coproduce.errors import Conflict
from coproduce.impact.models import EvaluationReport, ReportStatus
from coproduce.impact.report_tables import (
    Cell,
    Hours,
    NotShown,
    Number,
    Percent,
    Pounds,
    Section,
    period_text,
    report_sections,
)

POUNDS_FORMAT = '"£"#,##0.00'
HOURS_FORMAT = "#,##0.00"
PERCENT_FORMAT = "0.0%"
BOLD = Font(bold=True)


def _number_format(cell: Cell) -> str | None:
    if isinstance(cell, Pounds):
        return POUNDS_FORMAT
    if isinstance(cell, Hours):
        return HOURS_FORMAT
    if isinstance(cell, Percent):
        return PERCENT_FORMAT
    if isinstance(cell, Number):
        return "#,##0" if cell.places == 0 else "#,##0." + "0" * cell.places
    return None


def _value(cell: Cell) -> object:
    if isinstance(cell, Pounds | Hours | Percent):
        return cell.value
    if isinstance(cell, Number):
        return cell.value
    if isinstance(cell, NotShown):
        return str(cell)
    return cell


def _sheet(sheet: Worksheet, section: Section) -> None:
    """The first table's header is row 1, so the sheet can be filtered and read as it is;
    each later table follows a blank row, under its title."""
    widths: dict[int, int] = {}
    for place, table in enumerate(section.tables):
        if place:
            sheet.append([])
        if table.title:
            sheet.append([table.title])
            sheet.cell(row=sheet.max_row, column=1).font = BOLD
        sheet.append(table.header)
        for column in range(1, len(table.header) + 1):
            sheet.cell(row=sheet.max_row, column=column).font = BOLD
        for index, name in enumerate(table.header, start=1):
            widths[index] = max(widths.get(index, 0), len(name))
        for number, row in enumerate(table.rows, start=1):
            sheet.append([_value(cell) for cell in row])
            at = sheet.max_row
            for column, cell in enumerate(row, start=1):
                written = sheet.cell(row=at, column=column)
                shown = _number_format(cell)
                if shown is not None:
                    written.number_format = shown
                if table.total_row and number == len(table.rows):
                    written.font = BOLD
                widths[column] = max(widths.get(column, 0), len(str(cell or "")))
    if section.notes:
        sheet.append([])
        for note in section.notes:
            sheet.append([note])
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, 10), 60)


def report_xlsx(report: EvaluationReport) -> bytes:
    """The workbook's bytes for a finished report. Conflict while the report is not ready."""
    figures = report.figures
    if report.status != ReportStatus.DONE or not figures:
        raise Conflict("The report is not ready yet.")
    workbook = Workbook()
    workbook.remove(workbook.active)  # type: ignore[arg-type]
    for section in report_sections(figures):
        _sheet(workbook.create_sheet(section.title), section)
    workbook.properties.title = (
        f"Evaluation report: {figures['service_label']}, {figures['area_label']}, "
        f"{period_text(figures)}"
    )
    workbook.properties.creator = figures["organisation"]
    if report.finished_at is not None:
        # The workbook was made when its figures were: openpyxl's properties are naive UTC.
        workbook.properties.created = report.finished_at.astimezone(UTC).replace(tzinfo=None)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
