from __future__ import annotations

from typing import Any

from coproduce.notifications import services
from tests.matrix import Route


def _own_notification(world: Any) -> dict[str, Any]:
    # Each role opens a notification of their own: every signed-in person has a list.
    return {"notification_id": 0}


def _token(world: Any) -> dict[str, Any]:
    user = world.people["member"].user
    return {"token": services.unsubscribe_token(user_id=user.pk, event=services.ALL_EVENTS)}


ROUTES = [
    Route("notifications:list", any_signed_in=True),
    Route("notifications:preferences", any_signed_in=True),
    Route(
        "notifications:open",
        _own_notification,
        skip_reason="a notification belongs to one person: tests/notifications/test_views.py",
    ),
    Route(
        "notifications:read_all",
        method="post",
        any_signed_in=True,
        ok_status=302,
    ),
    Route("notifications:unsubscribe", _token, public=True),
]
