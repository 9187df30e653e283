"""A bad row of an uploaded or command-line file, named the way a spreadsheet user finds it."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RowError:
    row: int  # spreadsheet row; the header is row 1
    message: str

    def __str__(self) -> str:
        return f"row {self.row}: {self.message}"


def csv_with_header(source: str | Iterable[str]) -> tuple[Any, list[str]] | RowError:
    """A CSV reader over ``source`` (the text, or a file's lines) that has read the header,
    and the header's cells stripped (a UTF-8 byte-order mark dropped); or the error on row 1
    when there is no header to read. The reader's ``line_num`` gives each later row's
    spreadsheet row."""
    lines = io.StringIO(source, newline="") if isinstance(source, str) else source
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        return RowError(1, "the file is empty: expected a header row")
    except csv.Error as error:
        return RowError(1, f"the header does not parse: {error}")
    if header:
        header[0] = header[0].removeprefix("\ufeff")
    return reader, [name.strip() for name in header]


def data_rows(reader: Any, columns: int) -> Iterator[tuple[int, list[str]] | RowError]:
    """The rows after the header, each with its spreadsheet row; blank rows are skipped, a row
    with the wrong number of cells is a RowError, and a row that does not parse is a RowError
    that ends the file."""
    row_number = 1
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield RowError(row_number + 1, f"the row does not parse: {error}")
            return
        row_number = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != columns:
            yield RowError(row_number, f"expected {columns} columns, found {len(row)}")
            continue
        yield row_number, row
