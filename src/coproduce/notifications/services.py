"""Every write to notifications. Apps call ``notification_send`` from inside their own
services, so a notification exists exactly when the change it announces was committed."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.utils import timezone

from coproduce.errors import InvalidInput, NotFound
from coproduce.notifications.events import event_get, events_all
from coproduce.notifications.models import Frequency, Notification, Preference

UNSUBSCRIBE_SALT = "coproduce.notifications.unsubscribe"
ALL_EVENTS = "all"
DIGEST_EVERY = timedelta(days=7)


def frequencies_for(user_ids: Iterable[int], event: str) -> dict[int, str]:
    """Each user's email frequency for ``event``: their choice, else the event's default."""
    ids = list(user_ids)
    default = event_get(event).default
    chosen = dict(
        Preference.objects.filter(user_id__in=ids, event=event).values_list("user_id", "frequency")
    )
    return {user_id: chosen.get(user_id, default) for user_id in ids}


@transaction.atomic
def notification_send(
    *, user_ids: Iterable[int | None], event: str, title: str, body: str = "", url: str = ""
) -> list[Notification]:
    """Tell each user (people without a login are skipped). Emails to those who want them
    at once are queued when the surrounding transaction commits."""
    recipients = sorted({user_id for user_id in user_ids if user_id is not None})
    if not recipients:
        return []
    event_get(event)
    now = timezone.now()
    created = Notification.objects.bulk_create(
        [
            Notification(
                recipient_id=user_id,
                event=event,
                title=title[:200],
                body=body[:2000],
                url=url[:300],
                created_at=now,
            )
            for user_id in recipients
        ]
    )
    frequencies = frequencies_for(recipients, event)
    immediate = [n.pk for n in created if frequencies[n.recipient_id] == Frequency.IMMEDIATE]
    if immediate:
        from coproduce.notifications.tasks import notifications_email

        transaction.on_commit(partial(notifications_email.enqueue, immediate))
    return created


@transaction.atomic
def notification_read(*, user: Any, notification_id: int) -> Notification:
    """Mark one of the user's notifications as read; another person's is a 404."""
    notification = Notification.objects.filter(pk=notification_id, recipient_id=user.pk).first()
    if notification is None:
        raise NotFound()
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic
def notifications_read_all(*, user: Any) -> int:
    return Notification.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(
        read_at=timezone.now()
    )


@transaction.atomic
def preference_set(*, user: Any, event: str, frequency: str) -> None:
    """Choose how ``user`` hears about ``event`` (or every event, with ``all``)."""
    if frequency not in Frequency.values:
        raise InvalidInput(event, f"“{frequency}” is not a choice of how often.")
    codes = [e.code for e in events_all()] if event == ALL_EVENTS else [event_get(event).code]
    for code in codes:
        Preference.objects.update_or_create(
            user_id=user.pk, event=code, defaults={"frequency": frequency}
        )


def unsubscribe_token(*, user_id: int, event: str) -> str:
    """A link's token that stops one kind of email (or all) without signing in. It carries
    no expiry: an unsubscribe link in an old email must still work."""
    return signing.dumps({"u": user_id, "e": event}, salt=UNSUBSCRIBE_SALT, compress=True)


def unsubscribe_read(token: str) -> tuple[Any, str]:
    """The user and event a token names; a forged or damaged token is a 404."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
        user_id, event = int(data["u"]), str(data["e"])
    except (signing.BadSignature, KeyError, TypeError, ValueError) as error:
        raise NotFound("This unsubscribe link is not valid.") from error
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        raise NotFound("This unsubscribe link is not valid.")
    if event != ALL_EVENTS:
        event_get(event)
    return user, event


@transaction.atomic
def unsubscribe(*, token: str) -> tuple[Any, str]:
    user, event = unsubscribe_read(token)
    preference_set(user=user, event=event, frequency=Frequency.NEVER)
    return user, event


@transaction.atomic
def notifications_mark_emailed(*, notification_ids: list[int], at: datetime) -> None:
    Notification.objects.filter(pk__in=notification_ids, emailed_at__isnull=True).update(
        emailed_at=at
    )


def digest_due(*, now: datetime | None = None) -> dict[int, list[int]]:
    """For each user, the unemailed notifications of the past week whose events they
    hear about weekly."""
    now = now or timezone.now()
    rows = Notification.objects.filter(
        emailed_at__isnull=True, created_at__gte=now - DIGEST_EVERY, created_at__lte=now
    ).values_list("pk", "recipient_id", "event")
    by_event: dict[str, set[int]] = {}
    for _, user_id, event in rows:
        by_event.setdefault(event, set()).add(user_id)
    weekly: set[tuple[int, str]] = set()
    for event, users in by_event.items():
        for user_id, frequency in frequencies_for(users, event).items():
            if frequency == Frequency.WEEKLY:
                weekly.add((user_id, event))
    due: dict[int, list[int]] = {}
    for pk, user_id, event in rows:
        if (user_id, event) in weekly:
            due.setdefault(user_id, []).append(pk)
    return due


@transaction.atomic
def notifications_settle(*, since: datetime) -> int:
    """Treat the notifications raised since ``since`` as already emailed: they stay on the
    page but no email goes out (the demo's made-up history is not news to anyone)."""
    return Notification.objects.filter(created_at__gte=since, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )


@transaction.atomic
def preferences_set(*, user: Any, choices: dict[str, str]) -> dict[str, str]:
    """The preferences page in one transaction: how often, for each event it names (a bad
    choice for one leaves them all as they were)."""
    for event, frequency in choices.items():
        preference_set(user=user, event=event, frequency=frequency)
    return choices
