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


def test_import_with_bad_rows_writes_nothing_and_names_each_row(
    rich_asset: Asset, tmp_path: Path
) -> None:
    good = _export(tmp_path, "first.json")[0]
    _empty_directory()
    bad_status = {**good, "id": "0b7f7a5e-97a1-4c2e-9c0e-1b1c7e5b1a01", "status": "open"}
    bad_id = {**good, "id": "not-a-uuid"}
    bad_schedule = {
        **good,
        "id": "0b7f7a5e-97a1-4c2e-9c0e-1b1c7e5b1a02",
        "schedules": [{**good["schedules"][0], "opens_at": "18:00", "closes_at": "09:00"}],
    }
    with pytest.raises(ImportRejected) as error:
        services.openreferral_import(viewer=None, items=[good, bad_status, bad_id, bad_schedule])
    assert error.value.message == "3 rows have problems, so nothing was imported."
    assert [str(e) for e in error.value.rows] == [
        "Row 2, status: “open” is not one of active, inactive, defunct, temporarily closed.",
        "Row 3, id: “not-a-uuid” is not a UUID.",
        "Row 4, schedules[0].closes at: Closing time 09:00 must be after opening time 18:00. "
        "Split an overnight opening into two days.",
    ]
    assert not Asset.objects.exists()
    assert not Organisation.objects.filter(openreferral_identity__isnull=False).exists()


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
