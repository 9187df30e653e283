"""Every read of notifications, scoped to the user who is asking."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from coproduce.notifications.events import Event, events_all
from coproduce.notifications.models import Notification, Preference


def notification_list(*, user: Any) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient_id=user.pk).order_by("-created_at", "-id")


def unread_count(*, user: Any) -> int:
    if user is None or not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()


def preferences_for(*, user: Any) -> list[tuple[Event, str]]:
    chosen = dict(Preference.objects.filter(user_id=user.pk).values_list("event", "frequency"))
    return [(event, chosen.get(event.code, event.default)) for event in events_all()]
