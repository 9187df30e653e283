"""The apps raise their events through notifications: the person who has to act, or whose
request was decided, hears about it; the person who acted does not."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from coproduce.notifications.models import Notification
from coproduce.people import services as people_services
from coproduce.people.notices import APPLICATION_DECIDED, APPLICATION_RECEIVED
from coproduce.people.permissions import viewer_for
from coproduce.timebank import services
from coproduce.timebank.notices import (
    EXCHANGE_ACCEPTED,
    EXCHANGE_CLAIMED,
    EXCHANGE_CONFIRMED,
    EXCHANGE_PROPOSED,
)
from tests.conftest import PASSWORD, World
from tests.timebank.factories import member, viewer

pytestmark = pytest.mark.django_db


def _told(event: str) -> list[str]:
    return sorted(
        Notification.objects.filter(event=event).values_list("recipient__email", flat=True)
    )


def test_each_step_of_an_exchange_tells_the_other_person(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    ana, mo = member(world, "Ana"), member(world, "Mo")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        exchange = services.exchange_propose(
            viewer=viewer(mo), provider=ana, receiver=mo, minutes=60, description="Gardening"
        )
    assert _told(EXCHANGE_PROPOSED) == ["ana@tb.example.org"]
    assert [m.to for m in mail.outbox] == [["ana@tb.example.org"]]
    assert mail.outbox[0].subject == "Mo proposed an exchange: Gardening (1:00)"

    with django_capture_on_commit_callbacks(execute=True):
        services.exchange_accept(viewer=viewer(ana), exchange_id=exchange.pk)
    assert _told(EXCHANGE_ACCEPTED) == ["mo@tb.example.org"]
    assert mail.outbox[-1].subject == "Ana accepted the exchange: Gardening (1:00)"

    services.exchange_claim(viewer=viewer(ana), exchange_id=exchange.pk, minutes=60)
    assert _told(EXCHANGE_CLAIMED) == ["mo@tb.example.org"]
    services.exchange_confirm(viewer=viewer(mo), exchange_id=exchange.pk)
    assert _told(EXCHANGE_CONFIRMED) == ["ana@tb.example.org"]


def test_a_coordinator_brokering_tells_both_people(world: World) -> None:
    ana, mo = member(world, "Ana"), member(world, "Mo")
    services.exchange_propose(
        viewer=world.viewer("coordinator"),
        provider=ana,
        receiver=mo,
        minutes=30,
        description="Lift to the clinic",
    )
    assert _told(EXCHANGE_PROPOSED) == ["ana@tb.example.org", "mo@tb.example.org"]


def test_applications_reach_the_coordinators_and_the_decision_the_applicant(
    world: World,
) -> None:
    Notification.objects.all().delete()
    person = people_services.person_register(
        full_name="Priya Patel", email="priya@example.org", password=PASSWORD
    )
    membership = people_services.membership_apply(
        viewer=viewer_for(person.user), organisation=world.org
    )
    # coordinators, managers and administrators decide applications
    assert _told(APPLICATION_RECEIVED) == [
        "admin@a.example.org",
        "coordinator@a.example.org",
        "manager@a.example.org",
    ]
    people_services.membership_decide(
        viewer=world.viewer("coordinator"), membership_id=membership.pk, approve=True
    )
    notice = Notification.objects.get(event=APPLICATION_DECIDED)
    assert notice.recipient_id == person.user_id
    assert notice.title == "Welcome to Holy Cross Time Bank: your application is approved"
