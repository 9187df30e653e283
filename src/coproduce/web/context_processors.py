from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from coproduce.people.permissions import ANONYMOUS
from coproduce.web.navigation import items_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    viewer = getattr(request, "viewer", ANONYMOUS)
    return {
        "viewer": viewer,
        "nav_items": items_for(viewer) if viewer.is_authenticated else [],
    }
