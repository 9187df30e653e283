"""Reading asset rows from CSV and XLSX sheets, and the per-row error a rejected import carries.

Nothing here writes: the services validate the rows, show them for preview and write them all
or none.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from coproduce.errors import InvalidInput

# Column headings accepted in a sheet, lower-cased; the first is the asset field.
COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("name", "asset", "asset name"),
    "category": ("category", "type"),
    "description": ("description", "what it is", "notes"),
    "address": ("address", "street"),
    "town": ("town", "city"),
    "postcode": ("postcode", "post code"),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lon", "lng"),
    "phone": ("phone", "telephone"),
    "email": ("email",),
    "url": ("website", "url"),
    "cost": ("cost", "cost (£)", "price"),
    "opening_times": ("opening times", "opening_times", "open"),
}
MAX_ROWS = 2000


@dataclass(frozen=True)
class RowError:
    """What is wrong in one row; ``path`` when ``field`` is a path into a JSON document
    (``schedules[0].opens_at``), shown exactly as written there."""

    row: int
    field: str
    message: str
    path: bool = False

    def __str__(self) -> str:
        where = self.field if self.path else self.field.replace("_", " ")
        return f"Row {self.row}, {where}: {self.message}"


@dataclass(frozen=True)
class RowWarning(RowError):
    """What an import kept differently from the file; the row was still imported."""


class ImportRejected(InvalidInput):
    """Some rows are wrong; the message counts them and ``rows`` says what is wrong where."""

    def __init__(self, rows: list[RowError]) -> None:
        problems = len({error.row for error in rows})
        noun = "row has a problem" if problems == 1 else "rows have problems"
        super().__init__(None, f"{problems} {noun}, so nothing was imported.")
        self.rows = rows


def read_sheet(*, filename: str, content: bytes) -> list[dict[str, str]]:
    """The sheet's data rows as {asset field: text}; unknown columns are an error."""
    lower = filename.lower()
    if lower.endswith(".csv"):
        table = _read_csv(content)
    elif lower.endswith(".xlsx"):
        table = _read_xlsx(content)
    else:
        raise InvalidInput("file", "Upload a CSV (.csv) or Excel (.xlsx) file.")
    if not table:
        raise InvalidInput("file", "The file is empty.")
    header, *body = table
    fields: list[str] = []
    for heading in header:
        key = heading.strip().lower()
        match = next((field for field, names in COLUMNS.items() if key in names), None)
        if match is None:
            known = ", ".join(names[0] for names in COLUMNS.values())
            raise InvalidInput(
                "file", f"The column “{heading}” is not one we know. Use these headings: {known}."
            )
        fields.append(match)
    if "name" not in fields:
        raise InvalidInput("file", "The file needs a “name” column.")
    if len(body) > MAX_ROWS:
        raise InvalidInput("file", f"Import at most {MAX_ROWS} rows at a time.")
    rows = []
    for cells in body:
        if not any(cell.strip() for cell in cells):
            continue
        padded = [*cells, *[""] * (len(fields) - len(cells))]
        rows.append({field: padded[i].strip() for i, field in enumerate(fields)})
    return rows


def _read_csv(content: bytes) -> list[list[str]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidInput("file", "Save the CSV file as UTF-8 and upload it again.") from error
    return [row for row in csv.reader(io.StringIO(text))]


def _read_xlsx(content: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for a damaged file
        raise InvalidInput("file", "This is not an Excel file we can read.") from error
    sheet = workbook.worksheets[0]
    table = [
        ["" if cell is None else str(cell) for cell in row]
        for row in sheet.iter_rows(values_only=True)
    ]
    workbook.close()
    return table
