"""Pagination for long lists on pages: ?page=N keeps the other query parameters."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet, Window
from django.http import HttpRequest

from coproduce.errors import InvalidInput

MAX_PAGE = 1_000_000


class _CountedInOneQuery:
    """A queryset for Paginator whose page and total come from one query (``COUNT(*) OVER
    ()``), so an expensive filter such as a full-text match runs once, not twice. Only for
    querysets without DISTINCT or grouping, where the window count is the row count."""

    def __init__(self, queryset: QuerySet[Any], number: int, per_page: int) -> None:
        self.queryset = queryset
        self.start = (max(1, number) - 1) * per_page
        self.per_page = per_page
        self.rows: list[Any] | None = None
        self.total: int | None = None

    def _fetch(self, start: int) -> None:
        window = self.queryset.annotate(_window_total=Window(Count("pk")))
        self.rows = list(window[start : start + self.per_page])
        self.start = start
        self.total = self.rows[0]._window_total if self.rows else None

    def count(self) -> int:
        if self.total is None:
            self._fetch(self.start)
        if self.total is None:  # a page past the end: the total decides the last page
            self.total = self.queryset.count()
        return self.total

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, wanted: slice) -> list[Any]:
        if self.rows is None or wanted.start != self.start:
            self._fetch(wanted.start or 0)
        assert self.rows is not None
        return self.rows


def page_number(request: HttpRequest) -> int:
    """The ``?page=N`` asked for (1 when absent): a whole number from 1 to ``MAX_PAGE``, or
    bad input naming the page."""
    raw = request.GET.get("page", "1")
    try:
        number = int(raw)
    except ValueError as error:
        raise InvalidInput("page", "The page number must be a whole number.") from error
    if not 1 <= number <= MAX_PAGE:
        raise InvalidInput("page", f"The page number must be from 1 to {MAX_PAGE:,}.")
    return number


def paginate(
    request: HttpRequest, items: Any, *, per_page: int = 25, one_query: bool = False
) -> Page[Any]:
    """The requested page of ``items`` (a queryset or list). A page past the end shows the
    last page; a page that is not a whole number from 1 to ``MAX_PAGE`` is bad input (it would
    otherwise reach the database as an offset past 64 bits). ``one_query`` fetches the page
    and the total together (see ``_CountedInOneQuery`` for when that is right)."""
    number = page_number(request)
    source: Any = _CountedInOneQuery(items, number, per_page) if one_query else items
    paginator = Paginator(source, per_page)
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
