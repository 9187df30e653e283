"""Paying for a booking in time credits, and refunding it, through the time bank's
posting door: the one place the directory reaches sideways into the time bank."""

from __future__ import annotations

from django.utils import timezone

from coproduce.errors import Conflict, InvalidInput
from coproduce.people.models import Organisation
from coproduce.people.permissions import Viewer

from ..models import Booking, Resource


def booking_bank_choose(
    *, viewer: Viewer, resource: Resource, bank: Organisation | None
) -> Organisation:
    """The time bank whose credits pay: the one asked for, or the requester's only one."""
    from coproduce.people.models import MembershipStatus, OrganisationKind

    banks = list(
        Organisation.objects.filter(
            kind=OrganisationKind.TIME_BANK,
            memberships__person=viewer.person,
            memberships__status=MembershipStatus.ACTIVE,
        ).order_by("name")
    )
    credits = f"{resource.credit_minutes / 60:g} time credit" + (
        "" if resource.credit_minutes == 60 else "s"
    )
    if not banks:
        raise InvalidInput("bank", f"{resource.name} costs {credits}: join a time bank to book it.")
    if bank is not None:
        if bank.pk not in {b.pk for b in banks}:
            raise InvalidInput("bank", "Choose a time bank you are an active member of.")
        return bank
    if len(banks) > 1:
        names = " or ".join(b.name for b in banks)
        raise InvalidInput("bank", f"Choose whose time credits to pay with: {names}.")
    return banks[0]


def booking_payment_take(*, viewer: Viewer, booking: Booking) -> int:
    """Move the booking's credits through the time-bank ledger's one door: from the
    requester's account in their bank to the owner (the bank's own agency account when the
    owner is that bank, else the owner's partner account in the bank's books)."""
    from coproduce.people.models import Membership, MembershipStatus
    from coproduce.timebank import ledger as timebank
    from coproduce.timebank.models import AccountKind, TransferKind

    assert booking.bank is not None
    membership = Membership.objects.filter(
        person=booking.requested_by, organisation=booking.bank, status=MembershipStatus.ACTIVE
    ).first()
    if membership is None:
        raise Conflict(
            f"{booking.requested_by.display_name} is no longer an active member of "
            f"{booking.bank.name}, so the booking cannot be paid."
        )
    owner = booking.resource.asset.organisation
    if owner.pk == booking.bank.pk:
        payee = timebank.organisation_account(booking.bank, AccountKind.AGENCY)
        kind = TransferKind.AGENCY
    else:
        payee = timebank.counterparty_account(booking.bank, AccountKind.PARTNER, owner)
        kind = TransferKind.REDEMPTION
    when = timezone.localtime(booking.starts_at)
    transfer = timebank.transfer_post(
        legs=[
            timebank.Leg(timebank.member_account(membership), -booking.credit_minutes),
            timebank.Leg(payee, booking.credit_minutes),
        ],
        kind=kind,
        reason=f"Booking of {booking.resource.name} on {when:%d %B %Y at %H:%M}",
        operator=viewer.person,
        # Both legs are in the paying bank's books (the owner's partner or agency account).
        books={booking.bank.pk},
        on_behalf_of=booking.requested_by,
    )
    return int(transfer.pk)


def booking_payment_refund(*, viewer: Viewer, booking: Booking) -> None:
    """A cancelled paid booking gives the credits back by a reversing transfer."""
    from coproduce.timebank import ledger as timebank

    if booking.payment_transfer_id is None:
        return
    assert booking.bank_id is not None  # a paid booking names the bank that paid
    # The time bank's one reversal: locked so it is reversed once, and in its history.
    timebank.transfer_reversal_post(
        transfer_id=booking.payment_transfer_id,
        reason=f"Booking of {booking.resource.name} cancelled",
        operator=viewer.person,
        books={booking.bank_id},
    )
