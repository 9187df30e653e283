"""Spare capacity: resources an asset offers and the bookings people ask for."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from coproduce.errors import Conflict, InvalidInput, PermissionDenied
from coproduce.people import permissions
from coproduce.people.history import history_record, model_update, model_validate
from coproduce.people.models import Organisation
from coproduce.people.permissions import Viewer

from .. import notices
from ..models import (
    BOOKING_HORIZON_DAYS,
    HOLDING_STATUSES,
    MEDIUM_TEXT,
    Asset,
    Booking,
    BookingStatus,
    Resource,
    ResourceKind,
)
from ..schedules import DAYS, normalise_byday
from .booking_payments import booking_bank_choose, booking_payment_refund, booking_payment_take


@transaction.atomic
def resource_create(
    *,
    viewer: Viewer,
    asset: Asset,
    name: str,
    kind: str,
    available_from: time,
    available_until: time,
    available_days: str = "MO,TU,WE,TH,FR,SA,SU",
    description: str = "",
    capacity: int | None = None,
    credit_minutes: int = 0,
) -> Resource:
    permissions.check(
        viewer,
        "directory.manage_bookings",
        asset.organisation_id,
        action="offer spare capacity",
    )
    if kind not in ResourceKind.values:
        raise InvalidInput("kind", "Choose what kind of thing it is.")
    if available_until <= available_from:
        raise InvalidInput("available_until", "The end of the day must be after its start.")
    resource = Resource(
        asset=asset,
        name=name.strip(),
        kind=kind,
        description=description.strip(),
        capacity=capacity,
        available_days=normalise_byday(available_days, field="available_days"),
        available_from=available_from,
        available_until=available_until,
        credit_minutes=credit_minutes,
    )
    if credit_minutes < 0:
        raise InvalidInput("credit_minutes", "The price cannot be negative.")
    model_validate(resource)
    resource.save()
    history_record(
        actor=viewer.person,
        organisation=asset.organisation,
        action="resource.created",
        subject=resource,
    )
    return resource


def booking_latest_date() -> date:
    """The last day a booking may be asked for today (bookings open two years ahead)."""
    return timezone.localdate() + timedelta(days=BOOKING_HORIZON_DAYS)


def booking_too_far_message(latest: date) -> str:
    return f"Bookings open two years ahead: choose a date up to {latest:%-d %B %Y}."


def _check_slot(resource: Resource, starts_at: datetime, ends_at: datetime) -> None:
    if timezone.is_naive(starts_at) or timezone.is_naive(ends_at):
        raise InvalidInput("starts_at", "Give the time with its time zone.")
    if ends_at <= starts_at:
        raise InvalidInput("ends_at", "The booking must end after it starts.")
    if starts_at < timezone.now():
        raise InvalidInput("starts_at", "Choose a time in the future.")
    # Before any conversion to local time: a date near year 9999 would overflow it.
    latest = booking_latest_date()
    for name, moment in (("starts_at", starts_at), ("ends_at", ends_at)):
        if moment.date() > latest or timezone.localtime(moment).date() > latest:
            raise InvalidInput(name, booking_too_far_message(latest))
    start, end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    if start.date() != end.date():
        raise InvalidInput("ends_at", "Book one day at a time.")
    day = DAYS[start.weekday()]
    if day not in resource.available_days.split(","):
        raise InvalidInput("starts_at", f"{resource.name} cannot be booked on {start:%A}s.")
    if start.time() < resource.available_from or end.time() > resource.available_until:
        raise InvalidInput(
            "starts_at",
            f"{resource.name} can be booked between {resource.available_from:%H:%M} and "
            f"{resource.available_until:%H:%M}.",
        )


@transaction.atomic
def booking_request(
    *,
    viewer: Viewer,
    resource: Resource,
    starts_at: datetime,
    ends_at: datetime,
    purpose: str,
    bank: Organisation | None = None,
) -> Booking:
    """Ask for a slot. Takes a row lock on the resource so requests for it queue; the
    database's exclusion constraint (PostgreSQL) is the backstop. A priced resource is paid
    in time credits of ``bank`` (the requester's time bank) when the owner approves."""
    if viewer.person is None or not permissions.may_anywhere(viewer, "directory.book"):
        raise PermissionDenied("You need to be a member of an organisation to book.")
    if not resource.is_active:
        raise Conflict(f"{resource.name} is not taking bookings.")
    if not purpose.strip():
        raise InvalidInput("purpose", "Say what the booking is for.")
    if len(purpose.strip()) > 200:
        raise InvalidInput("purpose", "Say what the booking is for in at most 200 characters.")
    _check_slot(resource, starts_at, ends_at)
    paying_bank = (
        booking_bank_choose(viewer=viewer, resource=resource, bank=bank)
        if resource.credit_minutes
        else None
    )
    Resource.objects.select_for_update().filter(pk=resource.pk).first()
    clash = Booking.objects.filter(
        resource=resource,
        status__in=HOLDING_STATUSES,
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    ).first()
    if clash is not None:
        raise Conflict(
            f"{resource.name} is already booked from {timezone.localtime(clash.starts_at):%H:%M} "
            f"to {timezone.localtime(clash.ends_at):%H:%M} that day. Choose another time."
        )
    booking = Booking(
        resource=resource,
        requested_by=viewer.person,
        starts_at=starts_at,
        ends_at=ends_at,
        purpose=purpose.strip(),
        credit_minutes=resource.credit_minutes,
        bank=paying_bank,
    )
    try:
        with transaction.atomic():
            booking.save()
    except IntegrityError as error:
        raise Conflict(f"{resource.name} has just been booked for that time.") from error
    history_record(
        actor=viewer.person,
        organisation=resource.asset.organisation,
        action="booking.requested",
        subject=booking,
    )
    notices.booking_requested_notify(booking=booking)
    return booking


@transaction.atomic
def booking_decide(*, viewer: Viewer, booking: Booking, approve: bool, reason: str = "") -> Booking:
    organisation = booking.resource.asset.organisation
    permissions.check(
        viewer, "directory.manage_bookings", organisation.pk, action="decide bookings"
    )
    locked = Booking.objects.select_for_update().get(pk=booking.pk)
    if locked.status != BookingStatus.REQUESTED:
        raise Conflict(f"This booking has already been {locked.get_status_display().lower()}.")
    if not approve and not reason.strip():
        raise InvalidInput("reason", "Say why you are declining, so they can try another time.")
    if len(reason.strip()) > MEDIUM_TEXT:
        raise InvalidInput("reason", f"Keep the reason to at most {MEDIUM_TEXT} characters.")
    data: dict[str, Any] = {
        "status": BookingStatus.APPROVED if approve else BookingStatus.DECLINED,
        "decline_reason": "" if approve else reason.strip(),
        "decided_by": viewer.person,
        "decided_at": timezone.now(),
    }
    if approve and locked.credit_minutes:
        data["payment_transfer_id"] = booking_payment_take(viewer=viewer, booking=locked)
    model_update(
        locked,
        data=data,
        actor=viewer.person,
        organisation=organisation,
        action="booking.approved" if approve else "booking.declined",
    )
    notices.booking_decided_notify(booking=locked)
    return locked


@transaction.atomic
def booking_cancel(*, viewer: Viewer, booking: Booking) -> Booking:
    locked = Booking.objects.select_for_update().get(pk=booking.pk)
    if viewer.person_id != locked.requested_by_id:
        permissions.check(
            viewer,
            "directory.manage_bookings",
            booking.resource.asset.organisation_id,
            action="cancel this booking",
        )
    if locked.status not in HOLDING_STATUSES:
        raise Conflict("Only a booking that is waiting or approved can be cancelled.")
    if locked.payment_transfer_id is not None:
        booking_payment_refund(viewer=viewer, booking=locked)
    model_update(
        locked,
        data={"status": BookingStatus.CANCELLED},
        actor=viewer.person,
        organisation=booking.resource.asset.organisation,
        action="booking.cancelled",
    )
    return locked
