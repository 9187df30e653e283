"""Reading and writing amounts: whole minutes shown as h:mm, pence as pounds."""

from __future__ import annotations

import re

from coproduce.errors import InvalidInput
from coproduce.timebank.models import Unit

MINUS = "\u2212"


def amount_format(value: int, unit: str = Unit.MINUTES) -> str:
    """``-600`` minutes → ``\u2212 10:00`` (a true minus sign); pence → pounds."""
    sign = MINUS if value < 0 else ""
    magnitude = abs(value)
    if unit == Unit.PENCE:
        return f"{sign}£{magnitude // 100}.{magnitude % 100:02d}"
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
