"""Reading and writing amounts: whole minutes shown as h:mm, pence as pounds. The one
formatter every app writes hours and money with, so a negative amount always has one sign
(U+2212, a true minus) wherever it is shown."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from coproduce.errors import InvalidInput

MINUS = "\u2212"
# The units an amount is kept in (the time bank's ``Unit`` values).
MINUTES, PENCE = "minutes", "pence"


def amount_format(value: int, unit: str = MINUTES, *, grouped: bool = False) -> str:
    """``-600`` minutes → ``\u221210:00`` (a true minus sign); pence → pounds, ``£1234.50``.
    ``grouped`` writes pounds as prose reads them: thousands grouped and whole pounds
    without pence (``£1,234.50``, ``£500``)."""
    sign = MINUS if value < 0 else ""
    magnitude = abs(value)
    if unit == PENCE:
        pounds, pence = divmod(magnitude, 100)
        if not grouped:
            return f"{sign}£{pounds}.{pence:02d}"
        return f"{sign}£{pounds:,}" if pence == 0 else f"{sign}£{pounds:,}.{pence:02d}"
    return f"{sign}{magnitude // 60}:{magnitude % 60:02d}"


def hours_parse(value: str, *, field: str = "hours") -> int:
    """``1:30``, ``1.5`` or ``90m`` → 90 minutes. Sign is kept so callers can refuse it."""
    text = value.strip().lower().replace(MINUS, "-")
    match = re.fullmatch(r"(-?)(\d{1,4}):([0-5]\d)", text)
    if match:
        minutes = int(match.group(2)) * 60 + int(match.group(3))
        return -minutes if match.group(1) else minutes
    match = re.fullmatch(r"(-?\d{1,5})\s*m(in(ute)?s?)?", text)
    if match:
        return int(match.group(1))
    match = re.fullmatch(r"-?\d{1,4}(\.\d{1,2})?", text)
    if match:
        return round(float(text) * 60)
    raise InvalidInput(field, "Enter hours like 1:30, 1.5 or 90m.")


def decimal_parse(
    value: object,
    *,
    field: str,
    unreadable: str,
    negative: str,
    too_big: str,
    places: str,
    below: Decimal,
) -> Decimal:
    """A number of 0 or more, below ``below``, to at most 2 decimal places, from a Decimal, an
    int or text (thousands commas allowed); InvalidInput on ``field`` with the message for
    what is wrong. A bool is not a number here."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int | str):
        raise InvalidInput(field, unreadable)
    try:
        number = (
            Decimal(value.strip().replace(",", "")) if isinstance(value, str) else Decimal(value)
        )
    except InvalidOperation as error:
        raise InvalidInput(field, unreadable) from error
    if not number.is_finite():
        raise InvalidInput(field, unreadable)
    if number < 0:
        raise InvalidInput(field, negative)
    if number >= below:
        raise InvalidInput(field, too_big)
    if number != number.quantize(Decimal("0.01")):
        raise InvalidInput(field, places)
    return number.quantize(Decimal("0.01"))
