"""Notifications: on the page with a count in the header, by email at once or weekly, and an
unsubscribe link that works without signing in."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from coproduce.errors import InvalidInput, NotFound
from coproduce.notifications import selectors, services
from coproduce.notifications.models import Frequency, Notification, Preference
from coproduce.timebank.notices import EXCHANGE_ACCEPTED, EXCHANGE_PROPOSED
from tests.conftest import World

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(world: World) -> World:
    """The shared world, less the notices its applications raised while it was built."""
    Notification.objects.all().delete()
    mail.outbox.clear()
    return world


def _send(world: World, *roles: str, event: str = EXCHANGE_ACCEPTED, title: str = "News") -> None:
    services.notification_send(
        user_ids=[world.people[role].user_id for role in roles],
        event=event,
        title=title,
        url="/dashboard/",
    )


def test_send_tells_each_user_once_and_skips_people_without_a_login(world: World) -> None:
    member = world.people["member"]
    created = services.notification_send(
        user_ids=[member.user_id, member.user_id, None], event=EXCHANGE_ACCEPTED, title="Hi"
    )
    assert [n.recipient_id for n in created] == [member.user_id]
    assert Notification.objects.count() == 1


def test_unknown_event_is_refused(world: World) -> None:
    with pytest.raises(InvalidInput, match="is not a kind of notification"):
        _send(world, "member", event="timebank.nothing_of_the_sort")
    assert Notification.objects.count() == 0


def test_email_goes_after_commit_and_its_link_unsubscribes_without_signing_in(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _send(world, "member", title="Sam accepted the exchange")
    assert [m.to for m in mail.outbox] == [["member@a.example.org"]]
    assert mail.outbox[0].subject == "Sam accepted the exchange"
    body = mail.outbox[0].body
    link = next(line for line in body.splitlines() if "/notifications/unsubscribe/" in line)
    path = link[link.index("/notifications/unsubscribe/") :]
    assert Notification.objects.get().emailed_at is not None

    anonymous = Client()
    asked = anonymous.get(path)
    assert asked.status_code == 200
    assert "Stop emails about this?" in asked.content.decode()
    assert not Preference.objects.exists()  # looking at the page changes nothing
    done = anonymous.post(path)
    assert done.status_code == 200
    assert "Emails stopped" in done.content.decode()
    preference = Preference.objects.get()
    assert (preference.event, preference.frequency) == (EXCHANGE_ACCEPTED, Frequency.NEVER)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        _send(world, "member")
        _send(world, "member", event=EXCHANGE_PROPOSED)  # other events still email
    assert [m.subject for m in mail.outbox] == ["News"]
    assert Notification.objects.count() == 3  # and all still show on the page


def test_no_email_when_the_transaction_rolls_back(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        _send(world, "member")
    assert len(callbacks) == 1 and mail.outbox == []


def test_weekly_choice_goes_into_one_digest(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    member = world.people["member"].user
    services.preference_set(user=member, event="all", frequency=Frequency.WEEKLY)
    with django_capture_on_commit_callbacks(execute=True):
        _send(world, "member", title="First")
        _send(world, "member", event=EXCHANGE_PROPOSED, title="Second")
    assert mail.outbox == []
    call_command("notifications", "digest")
    assert len(mail.outbox) == 1
    digest = mail.outbox[0]
    assert digest.subject == "Your week on Coproduce: 2 updates"
    assert "First" in digest.body and "Second" in digest.body
    assert "/notifications/unsubscribe/" in digest.body
    call_command("notifications", "digest")
    assert len(mail.outbox) == 1  # nothing twice


def test_forged_unsubscribe_link_is_not_found(world: World) -> None:
    token = services.unsubscribe_token(user_id=world.people["member"].user_id, event="all")
    with pytest.raises(NotFound):
        services.unsubscribe(token=token[:-2] + "xx")
    assert Client().get(reverse("notifications:unsubscribe", args=["nonsense"])).status_code == 404


def test_header_counts_unread_and_opening_one_reads_it(world: World) -> None:
    _send(world, "member", title="One")
    _send(world, "member", title="Two")
    _send(world, "staff", title="Not yours")
    client = world.client("member")
    page = client.get(reverse("web:dashboard")).content.decode()
    assert '<span class="count">2<span class="visually-hidden"> unread</span>' in page
    mine = Notification.objects.filter(recipient=world.people["member"].user).first()
    assert mine is not None
    opened = client.get(reverse("notifications:open", args=[mine.pk]))
    assert opened.status_code == 302 and opened["Location"] == "/dashboard/"
    assert selectors.unread_count(user=world.people["member"].user) == 1
    theirs = Notification.objects.get(recipient=world.people["staff"].user)
    assert client.get(reverse("notifications:open", args=[theirs.pk])).status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_list_pages_and_read_all(world: World) -> None:
    for number in range(30):
        _send(world, "member", title=f"Update {number}")
    client = world.client("member")
    first = client.get(reverse("notifications:list")).content.decode()
    assert "Page 1 of 2 (30 in all)" in first and "Update 29" in first
    client.post(reverse("notifications:read_all"))
    assert selectors.unread_count(user=world.people["member"].user) == 0


def test_preferences_page_saves_each_choice(world: World) -> None:
    client = world.client("member")
    page = client.get(reverse("notifications:preferences")).content.decode()
    assert "Someone proposes an exchange with you" in page
    data = {code: Frequency.IMMEDIATE for code, _ in _codes()}
    data[EXCHANGE_PROPOSED] = Frequency.WEEKLY
    response = client.post(reverse("notifications:preferences"), data)
    assert response.status_code == 302
    chosen = dict(Preference.objects.values_list("event", "frequency"))
    assert chosen[EXCHANGE_PROPOSED] == Frequency.WEEKLY
    bad = client.post(reverse("notifications:preferences"), {**data, EXCHANGE_PROPOSED: "hourly"})
    assert bad.status_code == 200
    assert Preference.objects.get(event=EXCHANGE_PROPOSED).frequency == Frequency.WEEKLY


def _codes() -> list[tuple[str, str]]:
    from coproduce.notifications.events import events_all

    return [(event.code, event.label) for event in events_all()]


def test_settled_notifications_stay_on_the_page_and_are_never_emailed(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from django.utils import timezone

    from coproduce.notifications.tasks import notifications_email

    since = timezone.now()
    _send(world, "member", title="From the demo's history")
    assert services.notifications_settle(since=since) == 1
    notice = Notification.objects.get()
    assert notifications_email.call([notice.pk]) == 0
    assert mail.outbox == []
    assert selectors.unread_count(user=world.people["member"].user) == 1
