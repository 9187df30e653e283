"""What the time bank tells people, through the notifications package. The services call
these inside their own transaction."""

from __future__ import annotations

from django.urls import reverse

from coproduce.framework.amounts import amount_format
from coproduce.notifications.events import event_register
from coproduce.notifications.services import notification_send
from coproduce.people.models import Person
from coproduce.timebank.models import Exchange, Unit

EXCHANGE_PROPOSED = event_register(
    "timebank.exchange_proposed", "Someone proposes an exchange with you"
).code
EXCHANGE_ACCEPTED = event_register(
    "timebank.exchange_accepted", "An exchange you are part of is accepted"
).code
EXCHANGE_DECLINED = event_register(
    "timebank.exchange_declined", "An exchange you are part of is declined or cancelled"
).code
EXCHANGE_CLAIMED = event_register(
    "timebank.exchange_claimed", "Someone asks you to confirm the hours of an exchange"
).code
EXCHANGE_CONFIRMED = event_register(
    "timebank.exchange_confirmed", "The hours of your exchange are confirmed"
).code

_VERBS = {
    EXCHANGE_PROPOSED: "proposed an exchange",
    EXCHANGE_ACCEPTED: "accepted the exchange",
    EXCHANGE_DECLINED: "declined or cancelled the exchange",
    EXCHANGE_CLAIMED: "asks you to confirm the hours of",
    EXCHANGE_CONFIRMED: "confirmed the hours of",
}


def exchange_notify(*, exchange: Exchange, event: str, actor: Person | None) -> None:
    """Tell the exchange's two people, except the one who acted."""
    people = dict(
        Person.objects.filter(
            memberships__in=[exchange.provider_id, exchange.receiver_id]
        ).values_list("pk", "user_id")
    )
    actor_id = actor.pk if actor is not None else None
    name = actor.display_name if actor is not None else "A coordinator"
    hours = amount_format(exchange.claimed_minutes or exchange.minutes, Unit.MINUTES)
    notification_send(
        user_ids=[user_id for person_id, user_id in people.items() if person_id != actor_id],
        event=event,
        title=f"{name} {_VERBS[event]}: {exchange.description[:120]} ({hours})",
        url=reverse("timebank:exchange_detail", args=[exchange.pk]),
    )
