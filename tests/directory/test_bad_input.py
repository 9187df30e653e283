"""Bad input to the directory is refused with a message naming the field, never a 500: text
that cannot be stored, text past its length, times with an offset, bookings years ahead."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time, timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.directory import forms, services
from coproduce.directory.models import Asset, Booking, Resource
from coproduce.errors import InvalidInput
from tests.conftest import World

from .conftest import saturday_morning
from .test_bookings import make_room, next_weekday

SURROGATE_MESSAGE = (
    "{path}: the request contained a character that cannot be stored (an unpaired UTF-16 "
    "surrogate, like \\ud800). Remove it and try again."
)


def _assets_url(world: World) -> str:
    return f"/api/v1/directory/organisations/{world.org.pk}/assets"


def test_a_lone_surrogate_in_json_is_refused_naming_the_field(world: World) -> None:
    response = world.client("staff").post(
        _assets_url(world),
        '{"name": "Hall \\ud800", "category": "physical_space"}',
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": SURROGATE_MESSAGE.format(path="name"),
            "field": "name",
        }
    }
    assert not Asset.objects.exists()


def test_a_lone_surrogate_deep_in_json_names_its_path(world: World) -> None:
    response = world.client("staff").post(
        _assets_url(world),
        '{"name": "Hall", "category": "physical_space", "languages": ["en", "\\udfff"]}',
        content_type="application/json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == "languages"
    assert error["message"] == SURROGATE_MESSAGE.format(path="languages[1]")
    assert not Asset.objects.exists()


def test_a_surrogate_pair_is_one_character_and_is_stored(world: World) -> None:
    response = world.client("staff").post(
        _assets_url(world),
        '{"name": "Hall \\ud83c\\udf3b", "category": "physical_space"}',
        content_type="application/json",
    )
    assert response.status_code == 201
    assert Asset.objects.get().name == "Hall \N{SUNFLOWER}"


def test_a_lone_surrogate_in_a_booking_purpose_is_refused(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    room = make_room(world, make_asset())
    body = (
        f'{{"starts_at": "{next_weekday(10).isoformat()}", '
        f'"ends_at": "{next_weekday(12).isoformat()}", "purpose": "Choir \\ud800"}}'
    )
    response = world.client("member").post(
        f"/api/v1/directory/resources/{room.pk}/bookings", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "purpose"
    assert not Booking.objects.exists()


def test_a_null_byte_in_a_page_form_names_the_field(world: World) -> None:
    url = reverse("directory:asset_create", kwargs={"slug": world.org.slug})
    response = world.client("staff").post(
        url, {"name": "Hall", "category": "physical_space", "description": "a\x00b"}
    )
    assert response.status_code == 400
    assert (
        "description: the request contained a character that cannot be stored (a null byte). "
        "Remove it and try again." in response.content.decode()
    )
    assert not Asset.objects.exists()


def test_broken_utf8_in_a_query_string_is_not_a_server_error(world: World) -> None:
    response = world.client("member").get("/api/v1/directory/assets?q=%ED%A0%80")
    assert response.status_code == 200


# --- lengths -------------------------------------------------------------------------------


def test_the_api_refuses_a_description_past_its_length(world: World) -> None:
    response = world.client("staff").post(
        _assets_url(world),
        {"name": "Hall", "category": "physical_space", "description": "x" * 5001},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "description"
    assert not Asset.objects.exists()


def test_a_megabyte_of_eligibility_is_refused_by_the_api(world: World) -> None:
    response = world.client("staff").post(
        _assets_url(world),
        {"name": "Hall", "category": "physical_space", "eligibility": "x" * 1_000_000},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "eligibility"


def test_the_service_refuses_text_past_its_length_naming_the_field(world: World) -> None:
    data = services.AssetData(name="Hall", category="physical_space", accessibility="x" * 2001)
    with pytest.raises(
        InvalidInput, match=re.escape("Ensure this value has at most 2000 characters (it has 2001)")
    ) as error:
        services.asset_create(viewer=world.viewer("staff"), organisation=world.org, data=data)
    assert error.value.field == "accessibility"
    assert not Asset.objects.exists()


def test_a_resource_description_past_its_length_is_refused(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    asset = make_asset()
    with pytest.raises(InvalidInput) as error:
        services.resource_create(
            viewer=world.viewer("staff"),
            asset=asset,
            name="Hall",
            kind="room",
            available_from=time(9),
            available_until=time(17),
            description="x" * 5001,
        )
    assert error.value.field == "description"
    assert not Resource.objects.exists()


def test_the_forms_hold_text_to_the_same_lengths() -> None:
    form = forms.AssetForm(
        {"name": "Hall", "category": "physical_space", "cost_pence": 0, "eligibility": "x" * 2001}
    )
    assert not form.is_valid()
    assert form.errors["eligibility"] == [
        "Ensure this value has at most 2000 characters (it has 2001)."
    ]
    resource = forms.ResourceForm({"description": "x" * 5001})
    assert not resource.is_valid()
    assert "description" in resource.errors


def test_the_database_backs_up_the_text_lengths(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    asset = make_asset()
    with pytest.raises(IntegrityError), transaction.atomic():
        Asset.objects.filter(pk=asset.pk).update(description="x" * 5001)


def test_the_service_refuses_a_long_booking_purpose_rather_than_cutting_it(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    room = make_room(world, make_asset())
    with pytest.raises(InvalidInput, match="at most 200 characters"):
        services.booking_request(
            viewer=world.viewer("member"),
            resource=room,
            starts_at=next_weekday(10),
            ends_at=next_weekday(12),
            purpose="x" * 201,
        )
    assert not Booking.objects.exists()


# --- times with an offset ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("at", "found"),
    [("10:30+00:00", True), ("10:30Z", True), ("00:00:00Z", False), ("13:00+00:00", False)],
)
def test_at_with_an_offset_is_that_moment_in_local_time(
    world: World, make_asset: Callable[..., Asset], at: str, found: bool
) -> None:
    # Open 09:00-12:00 on Saturdays: 10:30 UTC is 10:30 or 11:30 in London, 13:00 UTC is
    # after closing either way.
    make_asset(name="Repair cafe", schedules=[saturday_morning()])
    response = world.client("member").get("/api/v1/directory/assets", {"day": "SA", "at": at})
    assert response.status_code == 200
    names = [item["name"] for item in response.json()["items"]]
    assert names == (["Repair cafe"] if found else [])


def test_at_with_a_positive_offset_is_converted(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    make_asset(name="Repair cafe", schedules=[saturday_morning()])
    # 12:00 at +01:00 is 11:00 UTC: 11:00 or 12:00 in London; at 12:00 it has just closed.
    expected = timezone.localtime(
        datetime.combine(timezone.localdate(), time(12, 0, tzinfo=timezone.get_fixed_timezone(60)))
    ).time()
    response = world.client("member").get(
        "/api/v1/directory/assets", {"day": "SA", "at": "12:00+01:00"}
    )
    assert response.status_code == 200
    names = [item["name"] for item in response.json()["items"]]
    assert names == (["Repair cafe"] if expected < time(12) else [])


# --- resource times ------------------------------------------------------------------------


def test_resource_times_are_local_times_as_the_openapi_document_declares(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    room = make_room(world, make_asset())
    body = world.client("member").get(f"/api/v1/directory/resources/{room.pk}").json()
    assert (body["available_from"], body["available_until"]) == ("08:00:00", "22:00:00")
    document = world.client("member").get("/api/v1/openapi.json").json()
    declared = document["components"]["schemas"]["ResourceOut"]["properties"]["available_from"]
    assert declared["type"] == "string"
    assert declared.get("format") != "time"  # JSON Schema's time needs an offset; these have none
    assert re.fullmatch(declared["pattern"], body["available_from"])
    assert re.fullmatch(declared["pattern"], body["available_until"])


# --- booking window ------------------------------------------------------------------------


def _latest() -> date:
    return timezone.localdate() + timedelta(days=730)


def test_a_booking_in_year_9999_is_refused_naming_the_field(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    room = make_room(world, make_asset())
    response = world.client("member").post(
        f"/api/v1/directory/resources/{room.pk}/bookings",
        {
            "starts_at": "9999-12-31T10:00:00-05:00",
            "ends_at": "9999-12-31T23:59:59-05:00",
            "purpose": "Far future",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid",
        "message": f"Bookings open two years ahead: choose a date up to {_latest():%-d %B %Y}.",
        "field": "starts_at",
    }
    assert not Booking.objects.exists()


def test_a_booking_just_past_two_years_is_refused_and_just_within_is_taken(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    room = services.resource_create(
        viewer=world.viewer("staff"),
        asset=make_asset(),
        name="Garden",
        kind="other",
        available_from=time(8),
        available_until=time(20),
    )

    def at(day: date, hour: int) -> datetime:
        return timezone.make_aware(datetime.combine(day, time(hour)))

    too_far = _latest() + timedelta(days=1)
    with pytest.raises(InvalidInput) as error:
        services.booking_request(
            viewer=world.viewer("member"),
            resource=room,
            starts_at=at(too_far, 10),
            ends_at=at(too_far, 11),
            purpose="Party",
        )
    assert (error.value.field, error.value.message) == (
        "starts_at",
        f"Bookings open two years ahead: choose a date up to {_latest():%-d %B %Y}.",
    )
    booking = services.booking_request(
        viewer=world.viewer("member"),
        resource=room,
        starts_at=at(_latest(), 10),
        ends_at=at(_latest(), 11),
        purpose="Party",
    )
    assert Booking.objects.get().pk == booking.pk


def test_the_booking_page_refuses_year_9999_on_the_date_field(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    room = make_room(world, make_asset())
    url = reverse("directory:booking_create", kwargs={"pk": room.pk})
    response = world.client("member").post(
        url, {"date": "9999-12-31", "starts": "10:00", "ends": "11:00", "purpose": "Far"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["date"] == [
        f"Bookings open two years ahead: choose a date up to {_latest():%-d %B %Y}."
    ]
    yesterday = (timezone.localdate() - timedelta(days=1)).isoformat()
    response = world.client("member").post(
        url, {"date": yesterday, "starts": "10:00", "ends": "11:00", "purpose": "Past"}
    )
    assert response.context["form"].errors["date"] == ["Choose today or a later date."]
    assert not Booking.objects.exists()
