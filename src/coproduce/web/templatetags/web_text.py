"""Filters that write stored codes and amounts the way people read them."""

from __future__ import annotations

from collections.abc import Iterable

from django import template
from django.conf.locale import LANG_INFO

from coproduce.framework.amounts import PENCE, amount_format

register = template.Library()


def language_name(code: str) -> str:
    """``"pl"`` → ``"Polish"``; a code Django does not know is shown as it is stored."""
    info = LANG_INFO.get(code.strip().lower(), {})
    return str(info.get("name") or code.strip())


@register.filter
def language_names(codes: Iterable[str]) -> str:
    """``["en", "pl"]`` → ``"English, Polish"``."""
    return ", ".join(language_name(code) for code in codes if code.strip())


@register.filter
def pounds(pence: int) -> str:
    """``350`` → ``"£3.50"``; whole pounds drop the pence (``"£5"``)."""
    return amount_format(int(pence), PENCE, grouped=True)
