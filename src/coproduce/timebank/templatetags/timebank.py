from __future__ import annotations

from django import template

from coproduce.framework.amounts import amount_format

register = template.Library()


@register.filter
def hours(minutes: int | None) -> str:
    """Whole minutes as h:mm with a true minus sign."""
    return amount_format(minutes or 0)
