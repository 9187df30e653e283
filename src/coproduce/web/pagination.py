"""Pagination for long lists on pages: ?page=N keeps the other query parameters."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

from coproduce.errors import InvalidInput


def paginate(request: HttpRequest, items: Any, *, per_page: int = 25) -> Page[Any]:
    """The requested page of ``items`` (a queryset or list). A page past the end shows the
    last page; a page that is not a number is bad input."""
    raw = request.GET.get("page", "1")
    try:
        number = int(raw)
    except ValueError as error:
        raise InvalidInput("page", "The page number must be a whole number.") from error
    paginator = Paginator(items, per_page)
    page = paginator.get_page(number)
    params = request.GET.copy()
    params.pop("page", None)
    base = params.urlencode()
    prefix = f"{base}&" if base else ""
    page.querystring_base = prefix  # type: ignore[attr-defined]
    if page.has_previous():
        page.querystring_previous = (  # type: ignore[attr-defined]
            f"{prefix}page={page.previous_page_number()}"
        )
    if page.has_next():
        page.querystring_next = f"{prefix}page={page.next_page_number()}"  # type: ignore[attr-defined]
    page.nearby_numbers = _nearby(page.number, paginator.num_pages)  # type: ignore[attr-defined]
    return page


def _nearby(current: int, last: int) -> list[int | None]:
    """1 … 4 5 [6] 7 8 … 20, with None where numbers are left out."""
    wanted = {1, last, *range(max(1, current - 2), min(last, current + 2) + 1)}
    numbers: list[int | None] = []
    previous = 0
    for number in sorted(wanted):
        if number - previous > 1:
            numbers.append(None)
        numbers.append(number)
        previous = number
    return numbers
