"""What the people app tells people, through the notifications package."""

from __future__ import annotations

from django.urls import reverse

from coproduce.notifications.events import event_register
from coproduce.notifications.services import notification_send
from coproduce.people import permissions
from coproduce.people.models import Membership, MembershipStatus

APPLICATION_RECEIVED = event_register(
    "people.application_received", "Someone applies to join an organisation you coordinate"
).code
APPLICATION_DECIDED = event_register(
    "people.application_decided", "Your application to join is decided"
).code


def application_received_notify(*, membership: Membership) -> None:
    deciders = Membership.objects.filter(
        organisation_id=membership.organisation_id,
        status=MembershipStatus.ACTIVE,
        role__in=permissions.ABILITIES["people.decide_application"],
    ).values_list("person__user_id", flat=True)
    notification_send(
        user_ids=list(deciders),
        event=APPLICATION_RECEIVED,
        title=(f"{membership.person.display_name} asks to join {membership.organisation.name}"),
        url=reverse("people:application_list", args=[membership.organisation.slug]),
    )


def application_decided_notify(*, membership: Membership) -> None:
    approved = membership.status == MembershipStatus.ACTIVE
    notification_send(
        user_ids=[membership.person.user_id],
        event=APPLICATION_DECIDED,
        title=(
            f"Welcome to {membership.organisation.name}: your application is approved"
            if approved
            else f"Your application to join {membership.organisation.name} was not approved"
        ),
        url=reverse("people:organisation_detail", args=[membership.organisation.slug]),
    )
