from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime, time, timedelta

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from coproduce.directory import services
from coproduce.directory.models import Asset, Booking, BookingStatus, Resource
from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.people.permissions import viewer_for
from tests.conftest import World, build_world


def next_weekday(hour: int, minute: int = 0) -> datetime:
    """A Wednesday at least a week ahead, at the given local time."""
    today = timezone.localdate() + timedelta(days=7)
    while today.weekday() != 2:
        today += timedelta(days=1)
    return timezone.make_aware(datetime.combine(today, time(hour, minute)))


def make_room(world: World, asset: Asset) -> Resource:
    return services.resource_create(
        viewer=world.viewer("staff"),
        asset=asset,
        name="Main hall",
        kind="room",
        available_from=time(8),
        available_until=time(22),
        available_days="MO,TU,WE,TH,FR",
    )


def test_booking_request_then_owner_approves(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    room = make_room(world, make_asset())
    booking = services.booking_request(
        viewer=world.viewer("outsider"),
        resource=room,
        starts_at=next_weekday(10),
        ends_at=next_weekday(12),
        purpose="Tenants meeting",
    )
    assert booking.status == BookingStatus.REQUESTED
    services.booking_decide(viewer=world.viewer("staff"), booking=booking, approve=True)
    stored = Booking.objects.get(pk=booking.pk)
    assert stored.status == BookingStatus.APPROVED
    assert stored.decided_by == world.people["staff"]


def test_overlapping_request_is_refused_with_the_clash(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    room = make_room(world, make_asset())
    services.booking_request(
        viewer=world.viewer("member"),
        resource=room,
        starts_at=next_weekday(10),
        ends_at=next_weekday(12),
        purpose="Choir",
    )
    with pytest.raises(Conflict) as error:
        services.booking_request(
            viewer=world.viewer("outsider"),
            resource=room,
            starts_at=next_weekday(11),
            ends_at=next_weekday(13),
            purpose="Yoga",
        )
    assert error.value.message == (
        "Main hall is already booked from 10:00 to 12:00 that day. Choose another time."
    )
    assert Booking.objects.count() == 1
    # touching end to start is not an overlap
    services.booking_request(
        viewer=world.viewer("outsider"),
        resource=room,
        starts_at=next_weekday(12),
        ends_at=next_weekday(13),
        purpose="Yoga",
    )


def test_a_declined_booking_frees_the_slot(world: World, make_asset: Callable[..., Asset]) -> None:
    room = make_room(world, make_asset())
    first = services.booking_request(
        viewer=world.viewer("member"),
        resource=room,
        starts_at=next_weekday(10),
        ends_at=next_weekday(12),
        purpose="Choir",
    )
    with pytest.raises(InvalidInput) as error:
        services.booking_decide(viewer=world.viewer("staff"), booking=first, approve=False)
    assert error.value.field == "reason"
    services.booking_decide(
        viewer=world.viewer("staff"), booking=first, approve=False, reason="Hall is being painted"
    )
    services.booking_request(
        viewer=world.viewer("outsider"),
        resource=room,
        starts_at=next_weekday(10),
        ends_at=next_weekday(12),
        purpose="Yoga",
    )
    assert Booking.objects.filter(status=BookingStatus.REQUESTED).count() == 1


def test_booking_outside_availability_or_in_the_past_is_refused(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    room = make_room(world, make_asset())
    with pytest.raises(InvalidInput) as error:
        services.booking_request(
            viewer=world.viewer("member"),
            resource=room,
            starts_at=next_weekday(7),
            ends_at=next_weekday(9),
            purpose="Early",
        )
    assert error.value.message == "Main hall can be booked between 08:00 and 22:00."
    saturday = next_weekday(10) + timedelta(days=3)
    with pytest.raises(InvalidInput) as error:
        services.booking_request(
            viewer=world.viewer("member"),
            resource=room,
            starts_at=saturday,
            ends_at=saturday + timedelta(hours=1),
            purpose="Weekend",
        )
    assert error.value.message == "Main hall cannot be booked on Saturdays."
    with pytest.raises(InvalidInput) as error:
        services.booking_request(
            viewer=world.viewer("member"),
            resource=room,
            starts_at=next_weekday(12),
            ends_at=next_weekday(10),
            purpose="Backwards",
        )
    assert error.value.field == "ends_at"
    assert not Booking.objects.exists()


def test_only_the_owning_organisation_decides(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    room = make_room(world, make_asset())
    booking = services.booking_request(
        viewer=world.viewer("member"),
        resource=room,
        starts_at=next_weekday(10),
        ends_at=next_weekday(12),
        purpose="Choir",
    )
    with pytest.raises(NotFound):
        services.booking_decide(viewer=world.viewer("outsider"), booking=booking, approve=True)
    with pytest.raises(PermissionDenied):
        services.booking_decide(viewer=world.viewer("member"), booking=booking, approve=True)
    services.booking_decide(viewer=world.viewer("manager"), booking=booking, approve=True)
    with pytest.raises(Conflict) as error:
        services.booking_decide(
            viewer=world.viewer("manager"), booking=booking, approve=False, reason="x"
        )
    assert error.value.message == "This booking has already been approved."


@pytest.mark.skipif(connection.vendor != "postgresql", reason="exclusion constraint: PostgreSQL")
def test_database_refuses_overlap_even_past_the_service(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    room = make_room(world, make_asset())
    person = world.people["member"]
    Booking.objects.create(
        resource=room,
        requested_by=person,
        starts_at=next_weekday(10),
        ends_at=next_weekday(12),
        purpose="A",
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            resource=room,
            requested_by=person,
            starts_at=next_weekday(11),
            ends_at=next_weekday(13),
            purpose="B",
        )
    Booking.objects.create(
        resource=room,
        requested_by=person,
        starts_at=next_weekday(11),
        ends_at=next_weekday(13),
        purpose="C",
        status="cancelled",
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrency race: PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_requests_for_one_slot_exactly_one_wins() -> None:
    from tests.directory.conftest import build_asset

    world = build_world()
    room = make_room(world, build_asset(world))
    viewers = [viewer_for(world.people["member"].user), viewer_for(world.outsider.user)]  # type: ignore[union-attr]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def attempt(index: int) -> None:
        try:
            barrier.wait()
            services.booking_request(
                viewer=viewers[index],
                resource=room,
                starts_at=next_weekday(10),
                ends_at=next_weekday(12),
                purpose=f"Request {index}",
            )
            outcomes.append("won")
        except Conflict:
            outcomes.append("conflict")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "won"]
    assert Booking.objects.filter(resource=room).count() == 1
