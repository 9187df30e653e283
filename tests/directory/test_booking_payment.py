"""Bookings of priced resources are paid in time credits through the time-bank ledger."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time

import pytest

from coproduce.directory import services
from coproduce.directory.models import Asset, Booking, BookingStatus, Resource
from coproduce.errors import Conflict, CoproduceError, InvalidInput
from coproduce.people.models import HistoryEntry
from coproduce.timebank import ledger as timebank
from coproduce.timebank import services as timebank_services
from coproduce.timebank.models import Account, AccountKind, Transfer, TransferKind
from tests.conftest import World

from .test_bookings import next_weekday


def priced_room(world: World, asset: Asset, minutes: int) -> Resource:
    return services.resource_create(
        viewer=world.viewer("staff"),
        asset=asset,
        name="Garden room",
        kind="room",
        available_from=time(8),
        available_until=time(20),
        credit_minutes=minutes,
    )


def balance(world: World, role: str) -> int:
    membership = world.org.memberships.get(person=world.people[role])
    return timebank.member_account(membership).balance


def test_approval_takes_credits_and_cancelling_gives_them_back(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    room = priced_room(world, make_asset(), 120)
    booking = services.booking_request(
        viewer=world.viewer("member"),
        resource=room,
        starts_at=next_weekday(10),
        ends_at=next_weekday(12),
        purpose="Seed swap",
    )
    assert (booking.bank, booking.credit_minutes) == (world.org, 120)
    services.booking_decide(viewer=world.viewer("staff"), booking=booking, approve=True)
    stored = Booking.objects.get()
    transfer = Transfer.objects.get(pk=stored.payment_transfer_id)
    assert transfer.kind == TransferKind.AGENCY
    assert balance(world, "member") == -120
    agency = Account.objects.get(organisation=world.org, kind=AccountKind.AGENCY)
    assert agency.balance == 120
    services.booking_cancel(viewer=world.viewer("member"), booking=stored)
    assert balance(world, "member") == 0
    assert Transfer.objects.filter(kind=TransferKind.REVERSAL, reverses=transfer).exists()


def test_a_refund_is_the_time_banks_reversal_with_its_history_and_never_twice(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    """The directory's refund once built its own mirror legs: it skipped the reversal's
    history, and refunded a payment a coordinator had already reversed a second time."""
    room = priced_room(world, make_asset(), 120)
    booking = services.booking_request(
        viewer=world.viewer("member"),
        resource=room,
        starts_at=next_weekday(10),
        ends_at=next_weekday(12),
        purpose="Seed swap",
    )
    services.booking_decide(viewer=world.viewer("staff"), booking=booking, approve=True)
    paid = Booking.objects.get()
    timebank_services.transfer_reverse(
        viewer=world.viewer("coordinator"),
        transfer_id=paid.payment_transfer_id,
        reason="Paid twice by mistake",
    )
    assert balance(world, "member") == 0
    with pytest.raises(Conflict, match=r"^This transfer has already been reversed\.$"):
        services.booking_cancel(viewer=world.viewer("member"), booking=paid)
    assert balance(world, "member") == 0
    assert Booking.objects.get().status == paid.status
    assert Transfer.objects.filter(kind=TransferKind.REVERSAL).count() == 1

    again = services.booking_request(
        viewer=world.viewer("member"),
        resource=room,
        starts_at=next_weekday(14),
        ends_at=next_weekday(16),
        purpose="Seed swap, again",
    )
    services.booking_decide(viewer=world.viewer("staff"), booking=again, approve=True)
    payment = Booking.objects.get(pk=again.pk).payment_transfer_id
    services.booking_cancel(viewer=world.viewer("member"), booking=Booking.objects.get(pk=again.pk))
    refund = Transfer.objects.get(kind=TransferKind.REVERSAL, reverses_id=payment)
    assert refund.reason == "Booking of Garden room cancelled"
    assert refund.on_behalf_of == world.people["member"]
    recorded = HistoryEntry.objects.get(
        action="timebank.transfer_reversed", subject_id=str(payment)
    )
    assert recorded.actor == world.people["member"]
    assert recorded.detail == {"reversal": refund.pk, "reason": "Booking of Garden room cancelled"}


def test_a_member_of_another_bank_pays_the_owner_as_a_partner(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    room = priced_room(world, make_asset(), 60)
    booking = services.booking_request(
        viewer=world.viewer("outsider"),
        resource=room,
        starts_at=next_weekday(10),
        ends_at=next_weekday(11),
        purpose="Northgate committee",
    )
    assert booking.bank == world.other_org
    services.booking_decide(viewer=world.viewer("manager"), booking=booking, approve=True)
    partner = Account.objects.get(
        organisation=world.other_org, kind=AccountKind.PARTNER, counterparty=world.org
    )
    assert partner.balance == 60
    transfer = Transfer.objects.get(pk=Booking.objects.get().payment_transfer_id)
    assert transfer.kind == TransferKind.REDEMPTION


def test_approval_beyond_the_members_limit_is_refused_and_nothing_moves(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    room = priced_room(world, make_asset(), 900)
    booking = services.booking_request(
        viewer=world.viewer("member"),
        resource=room,
        starts_at=next_weekday(10),
        ends_at=next_weekday(12),
        purpose="Big party",
    )
    with pytest.raises(CoproduceError):
        services.booking_decide(viewer=world.viewer("staff"), booking=booking, approve=True)
    assert Booking.objects.get().status == BookingStatus.REQUESTED
    assert not Transfer.objects.exists()


def test_a_bank_the_requester_does_not_belong_to_is_refused(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    room = priced_room(world, make_asset(), 60)
    with pytest.raises(InvalidInput) as error:
        services.booking_request(
            viewer=world.viewer("member"),
            resource=room,
            starts_at=next_weekday(10),
            ends_at=next_weekday(11),
            purpose="x",
            bank=world.other_org,
        )
    assert (error.value.field, error.value.message) == (
        "bank",
        "Choose a time bank you are an active member of.",
    )
    assert not Booking.objects.exists()
