from __future__ import annotations

from django import template

from coproduce.budgeting.money import pounds as format_pounds

register = template.Library()


@register.filter
def pounds(pence: int | None) -> str:
    return "" if pence is None else format_pounds(int(pence))
