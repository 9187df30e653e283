from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from coproduce.notifications.selectors import unread_count
from coproduce.people.permissions import ANONYMOUS
from coproduce.web.navigation import items_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    viewer = getattr(request, "viewer", ANONYMOUS)
    return {
        "viewer": viewer,
        "nav_items": items_for(viewer) if viewer.is_authenticated else [],
    }


def notifications(request: HttpRequest) -> dict[str, Any]:
    """The unread count in the header, read only when a page renders it."""
    user = getattr(request, "user", None)
    return {"unread_notifications": lambda: unread_count(user=user)}
