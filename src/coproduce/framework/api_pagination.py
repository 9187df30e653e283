from __future__ import annotations

import math
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Schema
from ninja.pagination import PaginationBase

from coproduce.framework.api_bounds import MAX_PAGE


class Pagination(PaginationBase):
    """``?page=N&page_size=M`` (at most 100), answered with the page and the totals. A page
    outside 1..MAX_PAGE is a 422 naming ``page``; a page past the last one is empty."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=MAX_PAGE)
        page_size: int = Field(25, ge=1, le=100)

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        pages: int

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        count = self._items_count(queryset)
        size = pagination.page_size
        start = (pagination.page - 1) * size
        return {
            "items": list(queryset[start : start + size]),
            "count": count,
            "page": pagination.page,
            "pages": max(1, math.ceil(count / size)),
        }
