"""What the directory tells people, through the notifications package."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from coproduce.directory.models import Booking, BookingStatus
from coproduce.notifications.events import event_register
from coproduce.notifications.services import notification_send
from coproduce.people import permissions
from coproduce.people.models import Membership, MembershipStatus

BOOKING_REQUESTED = event_register(
    "directory.booking_requested", "Someone asks to book a space or equipment you look after"
).code
BOOKING_DECIDED = event_register(
    "directory.booking_decided", "Your booking is approved or declined"
).code


def _when(booking: Booking) -> str:
    return f"{timezone.localtime(booking.starts_at):%-d %B %Y, %H:%M}"


def booking_requested_notify(*, booking: Booking) -> None:
    """Tell the owner's staff, who decide bookings."""
    organisation_id = booking.resource.asset.organisation_id
    deciders = Membership.objects.filter(
        organisation_id=organisation_id,
        status=MembershipStatus.ACTIVE,
        role__in=permissions.ABILITIES["directory.manage_bookings"],
    ).values_list("person__user_id", flat=True)
    notification_send(
        user_ids=list(deciders),
        event=BOOKING_REQUESTED,
        title=f"Booking request: {booking.resource.name}, {_when(booking)}",
        body=booking.purpose,
        url=reverse("directory:booking_list"),
    )


def booking_decided_notify(*, booking: Booking) -> None:
    verdict = "approved" if booking.status == BookingStatus.APPROVED else "declined"
    notification_send(
        user_ids=[booking.requested_by.user_id],
        event=BOOKING_DECIDED,
        title=f"Your booking of {booking.resource.name} on {_when(booking)} is {verdict}",
        body=booking.decline_reason,
        url=reverse("directory:booking_list"),
    )
