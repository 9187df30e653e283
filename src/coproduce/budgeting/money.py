"""How an amount of pence is written for people."""

from __future__ import annotations


def pounds(pence: int) -> str:
    """``123456`` → ``"£1,234.56"``; whole pounds drop the pence (``"£500"``)."""
    sign = "-" if pence < 0 else ""
    whole, part = divmod(abs(pence), 100)
    if part == 0:
        return f"{sign}£{whole:,}"
    return f"{sign}£{whole:,}.{part:02d}"
