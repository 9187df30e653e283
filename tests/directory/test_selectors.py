from __future__ import annotations

from collections.abc import Callable
from datetime import time

import pytest

from coproduce.directory import selectors
from coproduce.directory import services as directory_services
from coproduce.directory.models import Asset
from coproduce.directory.schedules import ScheduleSpec
from coproduce.directory.selectors import AssetFilters
from coproduce.errors import InvalidInput, NotFound, PermissionDenied
from coproduce.people import services as people_services
from coproduce.people.models import Organisation
from coproduce.people.permissions import ANONYMOUS
from tests.conftest import World

from .conftest import saturday_morning
from .test_bookings import make_room, next_weekday


def names(filters: AssetFilters, world: World, role: str = "member") -> list[str]:
    page = selectors.asset_find(viewer=world.viewer(role), filters=filters, per_page=100)
    return [hit.asset.name for hit in page.hits]


def test_full_text_search_matches_words_in_name_and_description(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    make_asset(name="Knit and Natter", description="Knitting circle for beginners")
    make_asset(name="Allotments", description="Growing vegetables together")
    assert names(AssetFilters(text="vegetables"), world) == ["Allotments"]
    assert names(AssetFilters(text="knitting"), world) == ["Knit and Natter"]
    # operators typed by a visitor are only words, never a syntax error
    assert names(AssetFilters(text='"NEAR( OR'), world) == []


def test_filters_category_cost_age_and_accessibility(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    make_asset(name="Free hall", cost_pence=0, features=["step_free"])
    make_asset(name="Paid gym", category="economic", cost_pence=500, minimum_age=18)
    make_asset(name="Youth club", category="association", minimum_age=11, maximum_age=18)
    assert names(AssetFilters(free=True), world) == ["Free hall", "Youth club"]
    assert names(AssetFilters(category="economic"), world) == ["Paid gym"]
    assert names(AssetFilters(age=12), world) == ["Free hall", "Youth club"]
    assert names(AssetFilters(age=40), world) == ["Free hall", "Paid gym"]
    assert names(AssetFilters(accessibility=("step_free",)), world) == ["Free hall"]
    with pytest.raises(InvalidInput):
        names(AssetFilters(accessibility=("teleporter",)), world)


def test_open_on_a_day_and_time(world: World, make_asset: Callable[..., Asset]) -> None:
    make_asset(name="Saturday cafe", schedules=[saturday_morning()])
    weekday = ScheduleSpec(
        freq="WEEKLY", interval=1, byday="MO,TU", opens_at=time(9), closes_at=time(17)
    )
    make_asset(name="Weekday library", schedules=[weekday])
    assert names(AssetFilters(open_day="SA", open_at=time(10)), world) == ["Saturday cafe"]
    assert names(AssetFilters(open_day="SA", open_at=time(12)), world) == []
    assert names(AssetFilters(open_day="TU"), world) == ["Weekday library"]


def test_near_a_point_orders_by_distance_within_radius(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    make_asset(name="Far", latitude=53.90, longitude=-1.57, postcode="")
    make_asset(name="Near", latitude=53.821, longitude=-1.570, postcode="")
    make_asset(name="Nearest", latitude=53.8201, longitude=-1.5701, postcode="")
    page = selectors.asset_find(
        viewer=world.viewer("member"),
        filters=AssetFilters(near=(53.82, -1.57), within_km=2),
    )
    assert [hit.asset.name for hit in page.hits] == ["Nearest", "Near"]
    assert page.total_items == 2
    assert page.hits[1].distance_km == pytest.approx(0.111, abs=0.002)


def test_postcode_geocodes_from_known_postcodes_then_district(
    make_asset: Callable[..., Asset],
) -> None:
    make_asset(postcode="LS6 2AB", latitude=53.82, longitude=-1.57)
    make_asset(postcode="LS6 3CD", latitude=53.84, longitude=-1.59)
    assert selectors.near_point(viewer=ANONYMOUS, postcode="ls62ab") == (53.82, -1.57)
    # an unknown postcode in a known district: the district's centroid
    assert selectors.near_point(viewer=ANONYMOUS, postcode="LS6 9ZZ") == pytest.approx(
        (53.83, -1.58)
    )
    with pytest.raises(InvalidInput) as error:
        selectors.near_point(viewer=ANONYMOUS, postcode="ZZ1 1ZZ")
    assert error.value.message == (
        "We do not know where ZZ1 1ZZ is yet. Try a nearby postcode, or give a latitude "
        "and longitude."
    )
    assert selectors.near_point(viewer=ANONYMOUS, latitude=51.5, longitude=-0.1) == (51.5, -0.1)


def test_assets_of_a_private_organisation_are_hidden_from_visitors_and_outsiders(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    asset = make_asset(name="Members' room")
    make_asset(name="Private corner", is_public=False)
    assert [
        h.asset.name for h in selectors.asset_find(viewer=ANONYMOUS, filters=AssetFilters()).hits
    ] == ["Members' room"]
    Organisation.objects.filter(pk=world.org.pk).update(is_public=False)
    assert selectors.asset_find(viewer=ANONYMOUS, filters=AssetFilters()).total_items == 0
    with pytest.raises(NotFound):
        selectors.asset_get(viewer=world.viewer("outsider"), asset_id=asset.pk)
    assert names(AssetFilters(), world, "member") == ["Members' room", "Private corner"]


def test_gifts_show_offered_skills_of_fellow_members_within_their_privacy(world: World) -> None:
    member = world.people["member"]
    people_services.person_update(
        viewer=world.viewer("member"),
        person=member,
        full_name=member.full_name,
        email="member@a.example.org",
        phone="0113 496 0000",
        email_visibility="members",
        phone_visibility="coordinators",
    )
    people_services.skill_add(
        viewer=world.viewer("member"), person=member, kind="offer", label="Sewing repairs"
    )
    people_services.skill_add(
        viewer=world.viewer("member"), person=member, kind="interest", label="Learning Urdu"
    )
    staff_view = selectors.gift_list(viewer=world.viewer("staff"))
    assert [(g.label, g.email, g.phone) for g in staff_view] == [
        ("Sewing repairs", "member@a.example.org", "")
    ]
    coordinator_view = selectors.gift_list(viewer=world.viewer("coordinator"))
    assert coordinator_view[0].phone == "0113 496 0000"
    assert list(selectors.gift_list(viewer=world.viewer("outsider"))) == []
    assert list(selectors.gift_list(viewer=world.viewer("commissioner"))) == []
    assert list(selectors.gift_list(viewer=ANONYMOUS)) == []


def test_gifts_past_the_five_hundredth_are_reachable(world: World) -> None:
    member = world.people["member"]
    for number in range(505):
        people_services.skill_add(
            viewer=world.viewer("member"), person=member, kind="offer", label=f"Gift {number:03d}"
        )
    gifts = selectors.gift_list(viewer=world.viewer("staff"))
    assert gifts.count() == 505
    assert [g.label for g in gifts[500:505]] == [f"Gift {n}" for n in range(500, 505)]


def test_duplicate_suggestions_pair_similar_names_close_by(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    first = make_asset(name="St Mary's Church Hall")
    second = make_asset(name="St Marys Church Hall", latitude=53.8205, longitude=-1.5702)
    make_asset(name="St Mary's Church Hall", latitude=53.95, longitude=-1.57, postcode="")
    pairs = selectors.duplicate_suggestions(viewer=world.viewer("coordinator"))
    assert [(p.keep, p.duplicate) for p in pairs] == [(first, second)]


def test_asset_get_with_an_ability_refuses_a_role_too_low(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    asset = make_asset()
    with pytest.raises(
        PermissionDenied,
        match=r"^You need to be a staff or above of this organisation to offer spare capacity\.$",
    ):
        selectors.asset_get(
            viewer=world.viewer("member"),
            asset_id=asset.pk,
            ability="directory.manage_bookings",
            action="offer spare capacity",
        )
    with pytest.raises(NotFound):
        selectors.asset_get(
            viewer=world.viewer("outsider"), asset_id=asset.pk, ability="directory.map_assets"
        )
    # Seeing the asset needs no ability; the same outsider sees it in the directory.
    assert selectors.asset_get(viewer=world.viewer("outsider"), asset_id=asset.pk) == asset
    assert (
        selectors.asset_get(
            viewer=world.viewer("coordinator"), asset_id=asset.pk, ability="directory.map_assets"
        )
        == asset
    )


def test_resource_for_booking_refuses_who_may_not_book(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    room = make_room(world, make_asset())
    for viewer in (world.viewer("commissioner"), ANONYMOUS):
        with pytest.raises(
            PermissionDenied, match=r"^You need to be a member of an organisation to book\.$"
        ):
            selectors.resource_get_for_booking(viewer=viewer, resource_id=room.pk)
    assert (
        selectors.resource_get_for_booking(viewer=world.viewer("outsider"), resource_id=room.pk)
        == room
    )


def test_booking_for_decision_is_for_its_managers_not_its_requester(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    room = make_room(world, make_asset())
    booking = directory_services.booking_request(
        viewer=world.viewer("member"),
        resource=room,
        starts_at=next_weekday(10),
        ends_at=next_weekday(12),
        purpose="Tenants meeting",
    )
    # The requester may see their booking, not decide it.
    assert selectors.booking_get(viewer=world.viewer("member"), booking_id=booking.pk) == booking
    with pytest.raises(
        PermissionDenied,
        match=r"^You need to be a staff or above of this organisation to decide bookings\.$",
    ):
        selectors.booking_get_for_decision(viewer=world.viewer("member"), booking_id=booking.pk)
    with pytest.raises(NotFound):
        selectors.booking_get_for_decision(viewer=world.viewer("outsider"), booking_id=booking.pk)
    assert (
        selectors.booking_get_for_decision(viewer=world.viewer("staff"), booking_id=booking.pk)
        == booking
    )
