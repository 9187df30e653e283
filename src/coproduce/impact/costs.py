"""Price years and re-basing unit costs to one price year with a GDP-deflator series.

A price year is a UK financial year (April to March), written ``2013/14`` (``2013-14`` as HM
Treasury writes it is read too) and keyed by its starting calendar year, 2013. A value in one
price year is re-based to another as value x index[to] / index[from], exactly, rounded once to
the penny half-up.

``deflators_from_csv`` reads a deflator series from either HM Treasury's "GDP deflators at
market prices, and money GDP" CSV (notes and header rows, then one row per financial year with
the index in the first numeric column) or a plain two-column ``financial_year,index`` CSV.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from math import floor

from coproduce.framework.rows import RowError as RowError

FIRST_YEAR = 1900
LAST_YEAR = 2100
# HM Treasury publishes indices to 3 places; the column keeps 6.
INDEX_PLACES = 6
MAX_INDEX = Decimal(10) ** 6
TWO_COLUMN_HEADER = ["financial_year", "index"]
_PENNY = Decimal("0.01")
_YEAR_RANGE = re.compile(r"^(\d{4})\s*[/\-\u2013]\s*(\d{2}|\d{4})$")
_BASE = re.compile(r"(\d{4}\s*[/\-\u2013]\s*\d{2,4})\s*=\s*100")


def financial_year(text: str) -> int:
    """The starting calendar year of the financial year ``text`` ("2013/14" or "2013-14" →
    2013). ValueError, naming the problem, for anything else."""
    shown = text.strip()
    match = _YEAR_RANGE.match(shown)
    if match is None:
        raise ValueError(f"'{shown}' is not a financial year: write it like 2013/14")
    start, end = int(match.group(1)), match.group(2)
    if not FIRST_YEAR <= start <= LAST_YEAR:
        raise ValueError(
            f"{shown} is out of range: give a financial year from "
            f"{price_year_label(FIRST_YEAR)} to {price_year_label(LAST_YEAR)}"
        )
    following = start + 1
    expected = f"{following % 100:02d}" if len(end) == 2 else str(following)
    if end != expected:
        raise ValueError(
            f"{shown} is not a financial year: {start} is followed by {following} "
            f"({price_year_label(start)})"
        )
    return start


def price_year_label(year: int) -> str:
    """The financial year starting in ``year`` as a price year is written: 2013 → "2013/14"."""
    return f"{year}/{(year + 1) % 100:02d}"


def rebase(
    value: Decimal | int,
    from_year: int | str,
    to_year: int | str,
    series: Mapping[int, Decimal],
) -> Decimal:
    """``value`` in price year ``from_year`` re-based to ``to_year``: value x index[to] /
    index[from], to the penny half-up. Years are financial years ("2013/14") or their
    starting years (2013). ValueError naming the year when the series has no index for it."""
    start = _year(from_year)
    end = _year(to_year)
    exact = Fraction(value)
    if start != end:
        exact = exact * _index(series, end) / _index(series, start)
    return round_to_penny(exact)


def round_to_penny(amount: Fraction) -> Decimal:
    """``amount`` in pounds to the penny, half away from zero (Decimal's ROUND_HALF_UP)."""
    pennies = floor(abs(amount) * 100 + Fraction(1, 2))
    if amount < 0:
        pennies = -pennies
    return (Decimal(pennies) / 100).quantize(_PENNY)


def _year(year: int | str) -> int:
    return financial_year(year) if isinstance(year, str) else year


def _index(series: Mapping[int, Decimal], year: int) -> Fraction:
    index = series.get(year)
    if index is None:
        raise ValueError(f"the deflator series has no index for {price_year_label(year)}")
    if not index.is_finite() or index <= 0:
        raise ValueError(
            f"the deflator index for {price_year_label(year)} must be above 0, not {index}"
        )
    return Fraction(index)


@dataclass(frozen=True)
class DeflatorFile:
    """A deflator series read from a CSV: indices by starting year, the base the file states
    ("2016/17 = 100", HM Treasury's layout only) and which layout it was."""

    indices: dict[int, Decimal]
    base: str | None
    layout: str  # "hmt" | "two_column"


def index_problem(text: str) -> tuple[Decimal | None, str | None]:
    """A deflator index typed as ``text`` (thousands commas allowed), or what is wrong."""
    shown = text.strip()
    try:
        index = Decimal(shown.replace(",", ""))
    except InvalidOperation:
        return None, f"the index must be a number, not '{shown}'"
    if not index.is_finite():
        return None, f"the index must be a number, not '{shown}'"
    if index <= 0:
        return None, f"the index must be above 0, not {shown}"
    if index >= MAX_INDEX:
        return None, f"the index must be below {MAX_INDEX:,}, not {shown}"
    exponent = index.as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -INDEX_PLACES:
        return None, f"the index can have at most {INDEX_PLACES} decimal places, not {shown}"
    return index, None


def deflators_from_csv(text: str) -> tuple[DeflatorFile | None, list[RowError]]:
    """The series in ``text``, or every problem named by spreadsheet row. A file whose first
    row is ``financial_year,index`` is read strictly (every row a year and its index); any
    other is read as HM Treasury's layout: rows whose first cell is not a financial year
    (titles, headers, notes, the calendar-year rows) are skipped."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num, [cell.strip() for cell in row]))
    except csv.Error as error:
        return None, [RowError(reader.line_num + 1, f"the row does not parse: {error}")]
    if not rows:
        return None, [RowError(1, "the file is empty")]
    if [cell.lower() for cell in rows[0][1]] == TWO_COLUMN_HEADER:
        return _two_column(rows[1:])
    return _hmt(rows)


def _two_column(rows: list[tuple[int, list[str]]]) -> tuple[DeflatorFile | None, list[RowError]]:
    indices: dict[int, Decimal] = {}
    seen: dict[int, int] = {}
    errors: list[RowError] = []
    for row_number, cells in rows:
        if len(cells) != 2:
            errors.append(RowError(row_number, f"expected 2 columns, found {len(cells)}"))
            continue
        _add(indices, seen, errors, row_number, cells[0], cells[1])
    return _finish(indices, None, "two_column", errors)


def _hmt(rows: list[tuple[int, list[str]]]) -> tuple[DeflatorFile | None, list[RowError]]:
    indices: dict[int, Decimal] = {}
    seen: dict[int, int] = {}
    errors: list[RowError] = []
    base: str | None = None
    column: int | None = None
    for row_number, cells in rows:
        if not _YEAR_RANGE.match(cells[0]):
            if not indices and base is None:
                base = _stated_base(cells)
            continue
        if column is None:
            # The index column is the first numeric one of the first year's row; every later
            # year is read from the same column, so a gap never shifts money GDP into it.
            column = next((i for i, cell in enumerate(cells) if i > 0 and _is_number(cell)), None)
            if column is None:
                errors.append(RowError(row_number, f"{cells[0]} has no index"))
                continue
        cell = cells[column] if column < len(cells) else ""
        if not cell:
            errors.append(RowError(row_number, f"{cells[0]} has no index"))
            continue
        _add(indices, seen, errors, row_number, cells[0], cell)
    return _finish(indices, base, "hmt", errors)


def _stated_base(cells: list[str]) -> str | None:
    for cell in cells:
        match = _BASE.search(cell)
        if match is not None:
            try:
                return f"{price_year_label(financial_year(match.group(1)))} = 100"
            except ValueError:
                return None
    return None


def _is_number(cell: str) -> bool:
    try:
        return Decimal(cell.replace(",", "")).is_finite()
    except InvalidOperation:
        return False


def _add(
    indices: dict[int, Decimal],
    seen: dict[int, int],
    errors: list[RowError],
    row_number: int,
    year_text: str,
    index_text: str,
) -> None:
    try:
        year = financial_year(year_text)
    except ValueError as error:
        errors.append(RowError(row_number, str(error)))
        return
    index, problem = index_problem(index_text)
    if problem is not None:
        errors.append(RowError(row_number, f"{price_year_label(year)}: {problem}"))
        return
    if year in seen:
        errors.append(
            RowError(
                row_number, f"{price_year_label(year)} appears twice (first on row {seen[year]})"
            )
        )
        return
    assert index is not None
    seen[year] = row_number
    indices[year] = index


def _finish(
    indices: dict[int, Decimal], base: str | None, layout: str, errors: list[RowError]
) -> tuple[DeflatorFile | None, list[RowError]]:
    if errors:
        return None, errors
    if not indices:
        return None, [RowError(1, "the file has no financial years with an index")]
    return DeflatorFile(indices=dict(sorted(indices.items())), base=base, layout=layout), []
