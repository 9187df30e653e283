"""Open Referral UK 3.0: every export shape validates against the standard's compiled schemas,
and export → import into an empty database → export gives the same services."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection

from coproduce.directory import openreferral, services
from coproduce.directory.importing import ImportRejected
from coproduce.directory.models import Asset, OrganisationIdentity, Schedule, Taxonomy, TaxonomyTerm
from coproduce.directory.schedules import ScheduleSpec
from coproduce.people import services as people_services
from coproduce.people.models import Area, HistoryEntry, Organisation
from coproduce.people.permissions import ANONYMOUS
from tests.conftest import World

from .conftest import saturday_morning

SCHEMA_DIR = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / ("openreferral-uk-3.0-schema")
)


def validator(name: str) -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    path = SCHEMA_DIR / name
    if not path.exists():
        pytest.skip(f"Open Referral UK schemas not found at {SCHEMA_DIR} (shared/ is absent)")
    schema = json.loads(path.read_text())
    cls = jsonschema.Draft202012Validator
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def assert_valid(name: str, document: Any) -> None:
    errors = sorted(validator(name).iter_errors(document), key=lambda e: list(e.path))
    assert [f"{list(e.path)}: {e.message}" for e in errors] == []


@pytest.fixture
def rich_asset(world: World, make_asset: Callable[..., Asset]) -> Asset:
    area = people_services.area_create(name="Riverside")
    term = services.taxonomy_term_create(
        taxonomy_name="Coproduce activities",
        name="Gardening",
        description="Growing things",
        code="gardening",
    )
    monthly = ScheduleSpec(
        freq="MONTHLY",
        interval=1,
        byday="2TU",
        opens_at=time(18),
        closes_at=time(20),
        description="Repair cafe",
    )
    return make_asset(
        name="Riverside Community Hall",
        url="https://hall.example.org/",
        email="bookings@hall.example.org",
        phone="0113 496 0001",
        contact_name="Hall bookings",
        cost_pence=250,
        cost_description="£2.50 a session",
        minimum_age=16,
        maximum_age=99,
        eligibility="Anyone living in Riverside",
        accessibility="Ramp at the side door",
        features=["step_free", "hearing_loop"],
        languages=["en", "pl"],
        area_id=area.pk,
        taxonomy_term_ids=[term.pk],
        schedules=[saturday_morning(), monthly],
    )


def test_every_export_shape_validates_against_the_schemas(rich_asset: Asset, world: World) -> None:
    asset = openreferral.export_assets(viewer=ANONYMOUS).get(pk=rich_asset.pk)
    service = openreferral.service_json(asset)
    assert_valid("service.json", service)
    assert_valid("service_list.json", openreferral.service_list_json(asset))
    assert_valid("service_package.json", [service])
    assert_valid("service_at_location.json", openreferral.service_at_location_json(asset))
    assert_valid("service_at_location_list.json", openreferral.service_at_location_list_json(asset))
    assert_valid("service_at_location_package.json", [openreferral.service_at_location_json(asset)])
    organization = {**openreferral.organization_json(asset), "services": [service]}
    assert_valid("organization.json", organization)
    assert_valid("organization_package.json", [organization])
    list_doc = json.loads("".join(openreferral.stream_array([asset], form="list")))
    for item in list_doc:
        assert_valid("service_list.json", item)
    package_doc = json.loads("".join(openreferral.stream_array([asset], form="package")))
    assert_valid("service_package.json", package_doc)


def test_a_minimal_asset_without_location_validates(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    bare = make_asset(
        name="Phone befriending", address="", postcode="", latitude=None, longitude=None, town=""
    )
    asset = openreferral.export_assets(viewer=ANONYMOUS).get(pk=bare.pk)
    service = openreferral.service_json(asset)
    assert service["service_at_locations"] == []
    assert_valid("service.json", service)


def test_export_maps_fields_to_the_standard(rich_asset: Asset) -> None:
    asset = openreferral.export_assets(viewer=ANONYMOUS).get(pk=rich_asset.pk)
    service = openreferral.service_json(asset)
    assert service["id"] == str(rich_asset.pk)
    assert service["status"] == "active"
    assert service["minimum_age"] == 16
    assert service["cost_options"][0]["amount"] == 2.5
    assert [s["byday"] for s in service["schedules"]] == ["SA", "2TU"]
    assert service["schedules"][0]["opens_at"] == "09:00:00"
    location = service["service_at_locations"][0]["location"]
    assert location["addresses"][0]["postal_code"] == "LS6 2AB"
    assert location["accessibility"][0]["details"] == "step_free,hearing_loop"
    assert [lang["code"] for lang in service["languages"]] == ["en", "pl"]
    assert [a["taxonomy_term"]["name"] for a in service["attributes"]] == [
        "Physical spaces",
        "Gardening",
    ]
    assert service["service_areas"][0]["name"] == "Riverside"


def _export(tmp_path: Path, name: str) -> list[dict[str, Any]]:
    out = tmp_path / name
    call_command("directory", "export", "--format", "openreferral-uk", "--out", str(out))
    return list(json.loads(out.read_text()))


def _empty_directory() -> None:
    """An empty database, as far as the directory is concerned."""
    Schedule.objects.all().delete()
    Asset.objects.all().delete()
    TaxonomyTerm.objects.all().delete()
    Taxonomy.objects.all().delete()
    OrganisationIdentity.objects.all().delete()
    Area.objects.all().delete()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM directory_asset_fts")


def test_round_trip_export_import_export_gives_the_same_services(
    rich_asset: Asset, world: World, make_asset: Callable[..., Asset], tmp_path: Path
) -> None:
    make_asset(
        name="Knit and Natter",
        category="association",
        postcode="LS6 3CD",
        latitude=53.83,
        longitude=-1.58,
    )
    first = _export(tmp_path, "first.json")
    assert len(first) == 2
    _empty_directory()
    assert not Asset.objects.exists()
    call_command("directory", "import", str(tmp_path / "first.json"))
    assert Asset.objects.count() == 2
    second = _export(tmp_path, "second.json")
    assert second == first
    # the organisation came back as a new one carrying the feed's UUID
    organisation_uuid = first[0]["organization"]["id"]
    imported = OrganisationIdentity.objects.get(uuid=organisation_uuid).organisation
    assert imported.pk != world.org.pk
    assert imported.name == "Holy Cross Time Bank"


def test_import_search_finds_imported_services(rich_asset: Asset, tmp_path: Path) -> None:
    first = _export(tmp_path, "first.json")
    _empty_directory()
    services.openreferral_import(viewer=None, items=first)
    found = Asset.objects.filter(name="Riverside Community Hall").get()
    from coproduce.directory.selectors import AssetFilters, asset_find

    hits = asset_find(viewer=ANONYMOUS, filters=AssetFilters(text="hall")).hits
    assert [h.asset for h in hits] == [found]


def test_import_refuses_only_what_the_schema_refuses_naming_the_path(
    rich_asset: Asset, tmp_path: Path
) -> None:
    good = _export(tmp_path, "first.json")[0]
    _empty_directory()
    bad_status = {**good, "id": "0b7f7a5e-97a1-4c2e-9c0e-1b1c7e5b1a01", "status": "open"}
    bad_id = {**good, "id": "not-a-uuid"}
    location = good["service_at_locations"][0]
    bad_nested = {
        **good,
        "id": "0b7f7a5e-97a1-4c2e-9c0e-1b1c7e5b1a03",
        "service_at_locations": [
            {**location, "location": {**location["location"], "location_type": "spaceship"}}
        ],
        "minimum_age": "sixteen",
    }
    with pytest.raises(ImportRejected) as error:
        services.openreferral_import(
            viewer=None, items=[good, bad_status, bad_id, bad_nested, "a string"]
        )
    assert error.value.message == "4 rows have problems, so nothing was imported."
    assert [str(e) for e in error.value.rows] == [
        "Row 2, status: “open” is not one of active, inactive, defunct, temporarily closed.",
        "Row 3, id: “not-a-uuid” is not a UUID.",
        "Row 4, minimum_age: must be a number.",
        "Row 4, service_at_locations[0].location.location_type: “spaceship” is not one of "
        "physical, postal, virtual.",
        "Row 5, (the service): must be an object.",
    ]
    assert not Asset.objects.exists()
    assert not Organisation.objects.filter(openreferral_identity__isnull=False).exists()


def test_import_keeps_a_service_the_schema_allows_and_warns_about_what_it_changed(
    rich_asset: Asset, tmp_path: Path
) -> None:
    good = _export(tmp_path, "first.json")[0]
    _empty_directory()
    overnight = {
        **good,
        "schedules": [
            {**good["schedules"][0], "opens_at": "18:00", "closes_at": "09:00"},
            good["schedules"][1],
        ],
    }
    result = services.openreferral_import(viewer=None, items=[overnight])
    assert (result.created, result.updated) == (1, 0)
    assert [str(w) for w in result.warnings] == [
        "Row 1, schedules[0].closes_at: Closing time 09:00 must be after opening time 18:00. "
        "Split an overnight opening into two days. This opening time was left out.",
    ]
    asset = Asset.objects.get(pk=good["id"])
    assert [s.byday for s in asset.schedules.all()] == ["2TU"]


def test_import_command_rejects_a_file_that_is_not_the_standard(db: None, tmp_path: Path) -> None:
    from django.core.management.base import CommandError

    path = tmp_path / "wrong.json"
    path.write_text(json.dumps({"hello": "world"}))
    with pytest.raises(CommandError) as error:
        call_command("directory", "import", str(path))
    assert "This is not Open Referral UK" in str(error.value)
    assert not Asset.objects.exists()


def test_import_by_a_viewer_puts_services_in_their_organisation(
    rich_asset: Asset, world: World, tmp_path: Path
) -> None:
    items = _export(tmp_path, "first.json")
    _empty_directory()
    result = services.openreferral_import(
        viewer=world.viewer("outsider"), items=items, organisation=world.other_org
    )
    assert (result.created, result.updated) == (1, 0)
    assert Asset.objects.get().organisation == world.other_org
    assert HistoryEntry.objects.filter(action="directory.imported").count() == 1


@pytest.mark.django_db(transaction=True)
def test_import_from_a_feed_follows_every_page_and_fetches_full_services(
    live_server: Any, tmp_path: Path
) -> None:
    from tests.conftest import build_world
    from tests.directory.conftest import build_asset

    world = build_world()
    for name in ("Allotments", "Library", "Youth club"):
        build_asset(world, name=name, schedules=[saturday_morning()])
    before = _export(tmp_path, "before.json")
    url = f"{live_server.url}/openreferral/services?per_page=2"
    items = openreferral.read_source(url)
    assert [item["name"] for item in items] == ["Allotments", "Library", "Youth club"]
    _empty_directory()
    result = services.openreferral_import(viewer=None, items=items)
    assert (result.created, result.updated) == (3, 0)
    assert _export(tmp_path, "after.json") == before


# A service in the shape of the standard's own full mock (service_full.json): every kind of
# nested record, optional fields left out, and an address abroad with a US ZIP code.
FULL_SERVICE_ABROAD = Path(__file__).with_name("data") / "service_full_abroad.json"
ABROAD_ID = "3f8a1c2e-6b7d-4e5f-9a0b-1c2d3e4f5a6b"
BARE_ID = "4a9b2d3f-7c8e-4f60-8b1c-2d3e4f5a6b7c"


def test_the_full_service_fixture_is_valid_open_referral_uk() -> None:
    assert_valid("service_package.json", json.loads(FULL_SERVICE_ABROAD.read_text()))


def test_import_command_takes_a_service_abroad_unlocated_flagged_and_reports_it(
    db: None, tmp_path: Path
) -> None:
    import io

    out = io.StringIO()
    call_command("directory", "import", str(FULL_SERVICE_ABROAD), "--no-progress", stdout=out)
    postal = "service_at_locations[0].location.addresses[0].postal_code"
    assert out.getvalue().splitlines() == [
        "Imported 2 new and 0 updated services.",
        "8 warnings, where the import differs from the feed (1 service is not on the map, "
        "flagged for someone to place):",
        "  Row 1, minimum_age: 16.5 was rounded down to 16 years.",
        "  Row 1, languages[1].code: “tlh” is not a language code we know; left out.",
        "  Row 1, service_at_locations[1]: an asset has one location here; only the first was "
        "kept.",
        f"  Row 1, {postal}: “62701” is not a UK postcode, so it was kept as written.",
        "  Row 1, schedules[1].closes_at: Closing time 02:00 must be after opening time 18:00. "
        "Split an overnight opening into two days. This opening time was left out.",
        "  Row 1, assured_date: “last spring” is not a date like 2025-01-31, so it was left out.",
        f"  Row 1, {postal}: “62701” could not be placed on the map, so the service was imported "
        "without a location and flagged for someone to place it.",
        "  Row 2, organization: has no organization record, so the service was put in "
        "“Services without an organisation (Open Referral UK import)”.",
    ]
    clinic = Asset.objects.get(pk=ABROAD_ID)
    assert (clinic.postcode, clinic.town, clinic.latitude, clinic.needs_location) == (
        "62701",
        "Springfield",
        None,
        True,
    )
    assert (clinic.status, clinic.minimum_age, clinic.maximum_age) == (
        "temporarily closed",
        16,
        None,
    )
    assert clinic.languages == "en"
    assert clinic.step_free and clinic.accessibility == "Lift to every floor"
    assert [s.byday for s in clinic.schedules.all()] == ["TU,TH"]
    assert [t.name for t in clinic.taxonomy_terms.all()] == ["Legal advice"]
    assert clinic.organisation.name == "Advice Without Borders"
    assert clinic.last_checked_at is None
    bare = Asset.objects.get(pk=BARE_ID)
    assert (bare.needs_location, bare.postcode, bare.description) == (False, "", "")
    assert bare.organisation.name == "Services without an organisation (Open Referral UK import)"
    exported = _export(tmp_path, "after.json")
    assert_valid("service_package.json", exported)
    by_id = {service["id"]: service for service in exported}
    address = by_id[ABROAD_ID]["service_at_locations"][0]["location"]["addresses"][0]
    assert address["postal_code"] == "62701"
    assert "latitude" not in by_id[ABROAD_ID]["service_at_locations"][0]["location"]
    assert by_id[BARE_ID]["service_at_locations"] == []


def test_importing_the_same_feed_again_updates_and_keeps_the_flag(db: None) -> None:
    items = json.loads(FULL_SERVICE_ABROAD.read_text())
    services.openreferral_import(viewer=None, items=items)
    again = services.openreferral_import(viewer=None, items=items)
    assert (again.created, again.updated, again.flagged) == (0, 2, 1)
    assert Asset.objects.get(pk=ABROAD_ID).needs_location is True


def test_a_uk_postcode_we_know_places_an_imported_service(
    rich_asset: Asset, tmp_path: Path
) -> None:
    good = _export(tmp_path, "first.json")[0]
    location = good["service_at_locations"][0]["location"]
    unplaced = {
        key: value for key, value in location.items() if key not in {"latitude", "longitude"}
    }
    moved = {
        **good,
        "id": "0b7f7a5e-97a1-4c2e-9c0e-1b1c7e5b1a09",
        "service_at_locations": [{**good["service_at_locations"][0], "location": unplaced}],
    }
    result = services.openreferral_import(viewer=None, items=[moved])
    asset = Asset.objects.get(pk=moved["id"])
    # rich_asset taught the directory where LS6 2AB is
    assert (asset.latitude, asset.longitude, asset.needs_location) == (53.82, -1.57, False)
    # the copy's opening times carried rich_asset's ids: both keep theirs, the copy gets new ones
    assert [w.field for w in result.warnings] == ["schedules[0].id", "schedules[1].id"]
    assert rich_asset.schedules.count() == 2
    assert asset.schedules.count() == 2


def test_a_service_area_spelt_differently_joins_the_area_and_an_impossible_one_is_reported(
    rich_asset: Asset, tmp_path: Path
) -> None:
    good = _export(tmp_path, "first.json")[0]
    area = good["service_areas"][0]
    shouting = {
        **good,
        "id": "0b7f7a5e-97a1-4c2e-9c0e-1b1c7e5b1a0a",
        "schedules": [],
        "service_areas": [{**area, "name": "RIVERSIDE"}],
    }
    symbols = {
        **good,
        "id": "0b7f7a5e-97a1-4c2e-9c0e-1b1c7e5b1a0b",
        "schedules": [],
        "service_areas": [{**area, "name": "!!!"}],
    }
    result = services.openreferral_import(viewer=None, items=[shouting, symbols])
    assert [str(w) for w in result.warnings] == [
        "Row 2, service_areas[0].name: “!!!” cannot be an area here, so it was left out."
    ]
    assert Asset.objects.get(pk=shouting["id"]).area == rich_asset.area
    assert Asset.objects.get(pk=symbols["id"]).area is None
    assert Area.objects.count() == 1
