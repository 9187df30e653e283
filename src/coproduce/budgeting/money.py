"""How an amount of pence is written for people."""

from __future__ import annotations

from coproduce.framework.amounts import PENCE, amount_format


def pounds(pence: int) -> str:
    """``123456`` → ``"£1,234.56"``; whole pounds drop the pence (``"£500"``)."""
    return amount_format(pence, PENCE, grouped=True)
