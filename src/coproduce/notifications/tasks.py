"""Email goes out through the task queue, never inside a web request."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from coproduce.notifications.events import event_get
from coproduce.notifications.models import Notification
from coproduce.notifications.services import (
    ALL_EVENTS,
    notifications_mark_emailed,
    unsubscribe_token,
)


def _absolute(path: str) -> str:
    base = getattr(settings, "COPRODUCE_SITE_URL", "").rstrip("/")
    return f"{base}{path}" if path.startswith("/") else path


def _send(user_id: int, email: str, notifications: list[Notification], *, digest: bool) -> None:
    events = sorted({n.event for n in notifications})
    one_event = events[0] if len(events) == 1 and not digest else ALL_EVENTS
    context = {
        "notifications": [
            {"title": n.title, "body": n.body, "url": _absolute(n.url) if n.url else ""}
            for n in notifications
        ],
        "digest": digest,
        "event_label": event_get(one_event).label if one_event != ALL_EVENTS else "",
        "unsubscribe_url": _absolute(
            reverse(
                "notifications:unsubscribe",
                args=[unsubscribe_token(user_id=user_id, event=one_event)],
            )
        ),
        "preferences_url": _absolute(reverse("notifications:preferences")),
    }
    subject = (
        f"Your week on Coproduce: {len(notifications)} updates"
        if digest
        else notifications[0].title
    )
    send_mail(
        subject=subject[:150],
        message=render_to_string("notifications/email.txt", context),
        from_email=None,
        recipient_list=[email],
    )
    notifications_mark_emailed(notification_ids=[n.pk for n in notifications], at=timezone.now())


@task()
def notifications_email(notification_ids: list[int]) -> int:
    """Email each notification to its recipient, once."""
    sent = 0
    for notification in (
        Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True)
        .select_related("recipient")
        .order_by("pk")
    ):
        if notification.recipient.email and notification.recipient.is_active:
            _send(
                notification.recipient_id,
                notification.recipient.email,
                [notification],
                digest=False,
            )
            sent += 1
    return sent


def digest_send(due: dict[int, list[int]]) -> int:
    """One email per user with their week's weekly notifications."""
    sent = 0
    for user_id, ids in sorted(due.items()):
        notifications = list(
            Notification.objects.filter(pk__in=ids, emailed_at__isnull=True)
            .select_related("recipient")
            .order_by("created_at", "pk")
        )
        if not notifications:
            continue
        recipient = notifications[0].recipient
        if recipient.email and recipient.is_active:
            _send(user_id, recipient.email, notifications, digest=True)
            sent += 1
    return sent
