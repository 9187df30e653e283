from __future__ import annotations

from collections.abc import Callable

from coproduce.directory.models import Asset, Booking
from tests.conftest import World

from .test_bookings import make_room, next_weekday


def test_api_creates_an_asset_and_finds_it_near_a_postcode(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    make_asset(name="Anchor", postcode="LS6 2AB", latitude=53.82, longitude=-1.57)
    client = world.client("staff")
    response = client.post(
        f"/api/v1/directory/organisations/{world.org.pk}/assets",
        {"name": "Bench by the river", "category": "physical_space", "postcode": "LS6 2AB"},
        content_type="application/json",
    )
    assert response.status_code == 201
    created = Asset.objects.get(name="Bench by the river")
    # placed at the postcode's known centroid
    assert (created.latitude, created.longitude) == (53.82, -1.57)
    found = client.get("/api/v1/directory/assets", {"postcode": "LS6 2AB", "within_km": 1})
    assert found.status_code == 200
    assert [item["name"] for item in found.json()["items"]] == ["Anchor", "Bench by the river"]
    assert found.json()["items"][0]["distance_km"] == 0.0


def test_api_refuses_a_bad_postcode_and_an_overlapping_booking(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    client = world.client("staff")
    bad = client.post(
        f"/api/v1/directory/organisations/{world.org.pk}/assets",
        {"name": "Hall", "category": "physical_space", "postcode": "NOPE"},
        content_type="application/json",
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "postcode"
    room = make_room(world, make_asset())
    body = {
        "starts_at": next_weekday(10).isoformat(),
        "ends_at": next_weekday(12).isoformat(),
        "purpose": "Choir",
    }
    url = f"/api/v1/directory/resources/{room.pk}/bookings"
    assert (
        world.client("member").post(url, body, content_type="application/json").status_code == 201
    )
    clash = world.client("outsider").post(url, body, content_type="application/json")
    assert clash.status_code == 409
    assert clash.json()["error"]["message"].startswith("Main hall is already booked")
    assert Booking.objects.count() == 1
