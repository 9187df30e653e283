from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date
from typing import Any

from django.test import Client
from django.urls import reverse

from coproduce.directory import services
from coproduce.directory.models import Asset, Booking, BookingStatus, MappingSession, PendingImport
from tests.conftest import World

from .test_bookings import make_room, next_weekday


def test_public_list_searches_and_shows_the_map_data(
    world: World, make_asset: Callable[..., Asset], django_assert_max_num_queries: Any
) -> None:
    for n in range(30):
        make_asset(name=f"Hall {n:02d}", description="community space")
    make_asset(name="Knit and Natter", description="knitting group", category="association")
    client = Client()
    with django_assert_max_num_queries(8):
        response = client.get(reverse("directory:asset_list"), {"q": "knitting"})
    assert response.status_code == 200
    content = response.content.decode()
    assert "Knit and Natter" in content
    assert "Hall 00" not in content
    assert 'data-tiles-url="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in content
    page_two = client.get(reverse("directory:asset_list"), {"q": "community", "page": "2"})
    assert "Hall 25" in page_two.content.decode()
    assert "Hall 00" not in page_two.content.decode()


def test_list_with_unknown_postcode_explains_on_the_field(world: World) -> None:
    response = Client().get(reverse("directory:asset_list"), {"postcode": "ZZ1 1ZZ"})
    assert response.status_code == 200
    assert "We do not know where ZZ1 1ZZ is yet." in response.content.decode()


def test_staff_create_asset_through_the_form(world: World) -> None:
    client = world.client("staff")
    response = client.post(
        reverse("directory:asset_create", kwargs={"slug": world.org.slug}),
        {
            "name": "Repair Cafe",
            "category": "association",
            "status": "active",
            "postcode": "ls6 2ab",
            "cost_pence": "0",
            "languages": "en, pl",
            "is_public": "on",
        },
    )
    asset = Asset.objects.get(name="Repair Cafe")
    assert response.status_code == 302
    assert response["Location"] == asset.get_absolute_url()
    assert (asset.postcode, asset.languages) == ("LS6 2AB", "en,pl")


def test_form_shows_the_services_error_on_the_field(world: World) -> None:
    response = world.client("staff").post(
        reverse("directory:asset_create", kwargs={"slug": world.org.slug}),
        {
            "name": "Hall",
            "category": "association",
            "status": "active",
            "postcode": "nope",
            "cost_pence": "0",
        },
    )
    assert response.status_code == 200
    assert "“nope” is not a UK postcode." in response.content.decode()
    assert not Asset.objects.exists()


def test_stale_entry_is_flagged_on_its_page(
    world: World, make_asset: Callable[..., Asset], settings: Any
) -> None:
    settings.COPRODUCE_DIRECTORY_STALE_DAYS = 0
    asset = make_asset()
    response = Client().get(asset.get_absolute_url())
    assert "This entry has not been checked in the last 0 days" in response.content.decode()


def test_booking_page_requests_and_requester_cancels(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    room = make_room(world, make_asset())
    start = next_weekday(10)
    client = world.client("outsider")
    response = client.post(
        reverse("directory:booking_create", kwargs={"pk": room.pk}),
        {
            "date": start.date().isoformat(),
            "starts": "10:00",
            "ends": "11:00",
            "purpose": "Residents meeting",
        },
    )
    assert response.status_code == 302
    booking = Booking.objects.get()
    clash = world.client("member").post(
        reverse("directory:booking_create", kwargs={"pk": room.pk}),
        {"date": start.date().isoformat(), "starts": "10:30", "ends": "11:30", "purpose": "Choir"},
    )
    assert "Main hall is already booked from 10:00 to 11:00 that day." in clash.content.decode()
    cancel_url = reverse("directory:booking_cancel", kwargs={"pk": booking.pk})
    assert world.client("member").get(cancel_url).status_code == 403
    assert world.client("commissioner").get(cancel_url).status_code == 403
    assert world.client("staff").get(cancel_url).status_code == 200
    assert client.post(cancel_url, {"confirmed": "yes"}).status_code == 302
    assert Booking.objects.get().status == BookingStatus.CANCELLED


def test_commissioner_cannot_book(world: World, make_asset: Callable[..., Asset]) -> None:
    room = make_room(world, make_asset())
    url = reverse("directory:booking_create", kwargs={"pk": room.pk})
    assert world.client("commissioner").get(url).status_code == 403


def _session(world: World) -> MappingSession:
    return services.mapping_session_create(
        viewer=world.viewer("coordinator"),
        organisation=world.org,
        title="Walk",
        held_on=date(2026, 5, 1),
    )


def test_bulk_form_writes_every_row_or_none(world: World) -> None:
    session = _session(world)
    url = reverse("directory:mapping_session_detail", kwargs={"pk": session.pk})
    data = {"rows-TOTAL_FORMS": "3", "rows-INITIAL_FORMS": "0", "rows-MAX_NUM_FORMS": "50"}
    rows = [
        ("Bus shelter mural", "culture", "LS6 2AB", ""),
        ("Corner shop", "economic", "BAD", ""),
        ("Pensioners lunch", "association", "LS6 3CD", "WE 12:00-14:00"),
    ]
    for i, (name, category, postcode, times) in enumerate(rows):
        data.update(
            {
                f"rows-{i}-name": name,
                f"rows-{i}-category": category,
                f"rows-{i}-postcode": postcode,
                f"rows-{i}-opening_times": times,
            }
        )
    client = world.client("coordinator")
    response = client.post(url, data)
    content = response.content.decode()
    assert "Row 2, postcode: “BAD” is not a UK postcode." in content
    assert not Asset.objects.exists()
    data["rows-1-postcode"] = "LS6 4EF"
    assert client.post(url, data).status_code == 302
    assert sorted(Asset.objects.values_list("name", flat=True)) == [
        "Bus shelter mural",
        "Corner shop",
        "Pensioners lunch",
    ]
    assert Asset.objects.get(name="Pensioners lunch").schedules.get().byday == "WE"


def _grid(rows: list[tuple[str, str, str]]) -> dict[str, str]:
    data = {
        "rows-TOTAL_FORMS": str(len(rows)),
        "rows-INITIAL_FORMS": "0",
        "rows-MAX_NUM_FORMS": "50",
    }
    for i, (name, category, postcode) in enumerate(rows):
        data.update(
            {f"rows-{i}-name": name, f"rows-{i}-category": category, f"rows-{i}-postcode": postcode}
        )
    return data


def test_bulk_form_names_the_grid_row_even_after_an_empty_one(world: World) -> None:
    session = _session(world)
    url = reverse("directory:mapping_session_detail", kwargs={"pk": session.pk})
    data = _grid([("", "", ""), ("Corner shop", "economic", "BAD")])
    content = world.client("coordinator").post(url, data).content.decode()
    assert "Row 2, postcode: “BAD” is not a UK postcode." in content
    assert "Row 1, postcode" not in content
    # and on the row itself, beside the postcode typed there
    assert (
        '<p class="error-message" id="id_rows-1-postcode_error">“BAD” is not a UK postcode. '
        "Enter a full UK postcode, like LS6 2AB.</p>"
    ) in content
    assert not Asset.objects.exists()


def test_bulk_form_shows_what_the_grid_itself_refuses(world: World) -> None:
    session = _session(world)
    url = reverse("directory:mapping_session_detail", kwargs={"pk": session.pk})
    data = _grid([("Bus shelter mural", "culture", "LS6 2AB"), ("x" * 201, "spaceship", "")])
    content = world.client("coordinator").post(url, data).content.decode()
    assert "Some rows have problems, so nothing was saved." in content
    assert "Row 2, name: Ensure this value has at most 200 characters (it has 201)." in content
    assert (
        "Row 2, category: Select a valid choice. spaceship is not one of the available choices."
        in content
    )
    assert not Asset.objects.exists()


def _xlsx(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_sheet_import_previews_then_writes_on_confirm(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    make_asset(name="St Mary's Hall", postcode="LS6 2AB")
    session = _session(world)
    client = world.client("coordinator")
    content = _xlsx(
        [
            ["Name", "Category", "Postcode", "Opening times"],
            ["St Marys Hall", "Physical spaces", "LS6 2AB", "SA 10:00-12:00"],
            ["Food bank", "institution", "LS6 3CD", ""],
        ]
    )
    upload = io.BytesIO(content)
    upload.name = "walk.xlsx"
    response = client.post(
        reverse("directory:mapping_import", kwargs={"pk": session.pk}), {"file": upload}
    )
    pending = PendingImport.objects.get()
    assert response["Location"] == reverse(
        "directory:mapping_import_preview", kwargs={"pk": pending.pk}
    )
    assert Asset.objects.count() == 1
    preview = client.get(response["Location"]).content.decode()
    assert "Looks like: St Mary&#x27;s Hall" in preview
    assert "Import 2 assets" in preview
    client.post(response["Location"])
    assert Asset.objects.count() == 3
    assert Asset.objects.filter(mapping_session=session).count() == 2
    again = client.post(response["Location"], follow=True)
    assert "This file has already been imported." in again.content.decode()
    assert Asset.objects.count() == 3


def test_sheet_with_bad_rows_shows_each_and_confirms_nothing(world: World) -> None:
    session = _session(world)
    pending = services.mapping_import_stage(
        viewer=world.viewer("coordinator"),
        session=session,
        filename="walk.csv",
        content=b"name,postcode,opening times\nCafe,LS6 2AB,MO 17:00-09:00\n,LS6 2AB,\n",
    )
    client = world.client("coordinator")
    url = reverse("directory:mapping_import_preview", kwargs={"pk": pending.pk})
    preview = client.get(url).content.decode()
    assert "2 rows have problems" in preview
    assert "Closing time 09:00 must be after opening time 17:00." in preview
    assert "Enter the asset&#x27;s name." in preview
    response = client.post(url, follow=True)
    assert "2 rows have problems, so nothing was imported." in response.content.decode()
    assert not Asset.objects.exists()


def test_sheet_with_unknown_column_is_refused(world: World) -> None:
    session = _session(world)
    upload = io.BytesIO(b"name,colour\nCafe,red\n")
    upload.name = "walk.csv"
    response = world.client("coordinator").post(
        reverse("directory:mapping_import", kwargs={"pk": session.pk}), {"file": upload}
    )
    assert "The column “colour” is not one we know." in response.content.decode()
    assert not PendingImport.objects.exists()


def test_merge_moves_schedules_and_deletes_the_duplicate(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    from .conftest import saturday_morning

    keep = make_asset(name="St Mary's Hall", phone="")
    duplicate = make_asset(
        name="St Marys Hall", phone="0113 496 0002", schedules=[saturday_morning()]
    )
    url = reverse("directory:asset_merge", kwargs={"keep": keep.pk, "duplicate": duplicate.pk})
    assert world.client("staff").get(url).status_code == 403
    world.client("coordinator").post(url, {"confirmed": "yes"})
    assert list(Asset.objects.values_list("name", flat=True)) == ["St Mary's Hall"]
    kept = Asset.objects.get()
    assert kept.phone == "0113 496 0002"
    assert kept.schedules.count() == 1


def test_export_download_streams_a_service_package(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    import json

    make_asset(name="Library")
    response = Client().get(reverse("directory:export"))
    assert response.streaming
    body = json.loads(b"".join(response.streaming_content))  # type: ignore[arg-type]
    assert [service["name"] for service in body] == ["Library"]


def test_gifts_page_lists_fellow_members_offers(world: World) -> None:
    from coproduce.people import services as people_services

    people_services.skill_add(
        viewer=world.viewer("member"),
        person=world.people["member"],
        kind="offer",
        label="Dog walking",
    )
    assert (
        "Dog walking" in world.client("staff").get(reverse("directory:gift_list")).content.decode()
    )
    assert (
        "Dog walking"
        not in world.client("outsider").get(reverse("directory:gift_list")).content.decode()
    )


def test_booking_decide_page_records_decline_reason(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    room = make_room(world, make_asset())
    booking = services.booking_request(
        viewer=world.viewer("member"),
        resource=room,
        starts_at=next_weekday(10),
        ends_at=next_weekday(11),
        purpose="Choir",
    )
    url = reverse("directory:booking_decide", kwargs={"pk": booking.pk})
    client = world.client("staff")
    missing = client.post(url, {"decision": "decline"})
    assert "Say why you are declining" in missing.content.decode()
    client.post(url, {"decision": "decline", "reason": "Closed for repairs"})
    stored = Booking.objects.get()
    assert (stored.status, stored.decline_reason) == ("declined", "Closed for repairs")


def test_open_referral_file_previews_its_warnings_and_imports_unlocated_and_flagged(
    world: World,
) -> None:
    from pathlib import Path

    fixture = Path(__file__).with_name("data") / "service_full_abroad.json"
    session = _session(world)
    client = world.client("coordinator")
    upload = io.BytesIO(fixture.read_bytes())
    upload.name = "feed.json"
    response = client.post(
        reverse("directory:mapping_import", kwargs={"pk": session.pk}), {"file": upload}
    )
    pending = PendingImport.objects.get()
    assert pending.format == PendingImport.Format.OPENREFERRAL
    assert not Asset.objects.exists()
    preview = client.get(response["Location"]).content.decode()
    assert "2 rows will be imported differently from the file" in preview
    assert (
        "service_at_locations[0].location.addresses[0].postal_code: “62701” could not be "
        "placed on the map, so the service was imported without a location and flagged for "
        "someone to place it." in preview
    )
    assert "Import 2 assets" in preview
    done = client.post(response["Location"], follow=True).content.decode()
    assert "Imported 2 assets." in done
    assert (
        "1 imported asset could not be placed on the map, so each is flagged for someone to "
        "give it a point." in done
    )
    clinic = Asset.objects.get(name="Community Legal Advice Clinic")
    assert (clinic.organisation, clinic.mapping_session, clinic.postcode) == (
        world.org,
        session,
        "62701",
    )
    assert clinic.latitude is None and clinic.needs_location
    detail = client.get(clinic.get_absolute_url()).content.decode()
    assert "imported with an address we could not place on the map (“62701”)" in detail


def test_open_referral_file_with_what_the_schema_refuses_imports_nothing(world: World) -> None:
    session = _session(world)
    pending = services.mapping_import_stage(
        viewer=world.viewer("coordinator"),
        session=session,
        filename="feed.json",
        content=b'[{"id": "3f8a1c2e-6b7d-4e5f-9a0b-1c2d3e4f5a6b", "name": "Cafe", '
        b'"status": "open"}]',
    )
    client = world.client("coordinator")
    url = reverse("directory:mapping_import_preview", kwargs={"pk": pending.pk})
    preview = client.get(url).content.decode()
    assert "1 row has a problem" in preview
    assert "status: “open” is not one of active, inactive, defunct, temporarily closed." in preview
    response = client.post(url, follow=True)
    assert "1 row has a problem, so nothing was imported." in response.content.decode()
    assert not Asset.objects.exists()


def test_a_file_that_is_not_json_is_refused_on_the_file_field(world: World) -> None:
    session = _session(world)
    upload = io.BytesIO(b"{not json")
    upload.name = "feed.json"
    response = world.client("coordinator").post(
        reverse("directory:mapping_import", kwargs={"pk": session.pk}), {"file": upload}
    )
    assert "This is not JSON (line 1): Expecting property name enclosed in double quotes." in (
        response.content.decode()
    )
    assert not PendingImport.objects.exists()
