"""A person's age, for the rules that depend on it (a reward for under-16s, a budget's
minimum voting age)."""

from __future__ import annotations

from datetime import date


def age_on(born: date, today: date) -> int:
    """How many whole years old someone born on ``born`` is on ``today``."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
