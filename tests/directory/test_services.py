from __future__ import annotations

from collections.abc import Callable
from datetime import time, timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from coproduce.directory import selectors, services
from coproduce.directory.models import Asset, Schedule
from coproduce.directory.schedules import ScheduleSpec, parse_opening_times
from coproduce.errors import InvalidInput, NotFound, PermissionDenied
from coproduce.people.models import HistoryEntry
from tests.conftest import World

from .conftest import saturday_morning


def test_asset_create_writes_asset_schedule_centroid_and_history(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    asset = make_asset(schedules=[saturday_morning()], languages=["en", "PL"])
    stored = Asset.objects.get(pk=asset.pk)
    assert stored.postcode == "LS6 2AB"
    assert stored.languages == "en,pl"
    assert stored.last_checked_by == world.people["staff"]
    assert list(stored.schedules.values_list("byday", "opens_at")) == [("SA", time(9, 0))]
    assert selectors.postcode_location("LS6 2AB") == (53.82, -1.57)
    assert HistoryEntry.objects.filter(action="asset.created", subject_id=str(asset.pk)).exists()


def test_asset_create_by_member_is_refused(world: World) -> None:
    data = services.AssetData(name="Hall", category="physical_space")
    with pytest.raises(PermissionDenied) as error:
        services.asset_create(viewer=world.viewer("member"), organisation=world.org, data=data)
    assert (
        error.value.message == "You need to be a staff or above of this organisation to add assets."
    )
    assert not Asset.objects.exists()


def test_asset_create_in_another_organisation_is_not_found(world: World) -> None:
    data = services.AssetData(name="Hall", category="physical_space")
    with pytest.raises(NotFound):
        services.asset_create(viewer=world.viewer("outsider"), organisation=world.org, data=data)


def test_asset_create_rejects_a_bad_postcode_naming_the_field(world: World) -> None:
    data = services.AssetData(name="Hall", category="physical_space", postcode="NOT A CODE")
    with pytest.raises(InvalidInput) as error:
        services.asset_create(viewer=world.viewer("staff"), organisation=world.org, data=data)
    assert error.value.field == "postcode"
    assert error.value.message.startswith("“NOT A CODE” is not a UK postcode.")
    assert not Asset.objects.exists()


def test_individual_gifts_cannot_be_entered_as_assets(world: World) -> None:
    data = services.AssetData(name="Maureen's sewing", category="individual_gift")
    with pytest.raises(InvalidInput) as error:
        services.asset_create(viewer=world.viewer("staff"), organisation=world.org, data=data)
    assert error.value.field == "category"


def test_impossible_schedule_is_refused_and_nothing_written(world: World) -> None:
    closing_first = ScheduleSpec(
        freq="WEEKLY", interval=1, byday="MO", opens_at=time(17, 0), closes_at=time(9, 0)
    )
    data = services.AssetData(name="Hall", category="physical_space", schedules=[closing_first])
    with pytest.raises(InvalidInput) as error:
        services.asset_create(viewer=world.viewer("staff"), organisation=world.org, data=data)
    assert error.value.field == "closes_at"
    assert error.value.message == (
        "Closing time 09:00 must be after opening time 17:00. "
        "Split an overnight opening into two days."
    )
    assert not Asset.objects.exists()


def test_asset_create_validates_its_opening_times_like_schedule_add(world: World) -> None:
    # Both ways in write opening times through one validating builder: asset_create used to
    # bulk-create them unvalidated, so a long description reached the database.
    long_note = ScheduleSpec(
        freq="WEEKLY",
        interval=1,
        byday="MO",
        opens_at=time(9, 0),
        closes_at=time(17, 0),
        description="x" * 201,
    )
    data = services.AssetData(name="Hall", category="physical_space", schedules=[long_note])
    with pytest.raises(InvalidInput) as error:
        services.asset_create(viewer=world.viewer("staff"), organisation=world.org, data=data)
    assert error.value.field == "description"
    assert error.value.message == "Ensure this value has at most 200 characters (it has 201)."
    assert not Asset.objects.exists()
    assert not Schedule.objects.exists()


@pytest.mark.parametrize(
    ("byday", "freq", "message"),
    [
        ("XX", "WEEKLY", "“XX” is not a day. Use MO, TU, WE, TH, FR, SA or SU."),
        ("2MO", "WEEKLY", "“2MO” is not a day. Use MO, TU, WE, TH, FR, SA or SU."),
        ("", "WEEKLY", "Choose at least one day."),
    ],
)
def test_schedule_add_rejects_impossible_days(
    world: World, make_asset: Callable[..., Asset], byday: str, freq: str, message: str
) -> None:
    asset = make_asset()
    spec = ScheduleSpec(freq=freq, interval=1, byday=byday, opens_at=time(9), closes_at=time(10))
    with pytest.raises(InvalidInput) as error:
        services.schedule_add(viewer=world.viewer("staff"), asset=asset, spec=spec)
    assert (error.value.field, error.value.message) == ("byday", message)
    assert not Schedule.objects.exists()


def test_monthly_schedule_keeps_occurrence_in_week_order(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    asset = make_asset()
    spec = ScheduleSpec(
        freq="MONTHLY", interval=1, byday="-1FR,2mo", opens_at=time(9), closes_at=time(10)
    )
    schedule = services.schedule_add(viewer=world.viewer("staff"), asset=asset, spec=spec)
    assert Schedule.objects.get(pk=schedule.pk).byday == "2MO,-1FR"


def test_database_refuses_schedule_closing_before_it_opens(
    make_asset: Callable[..., Asset],
) -> None:
    asset = make_asset()
    with pytest.raises(IntegrityError), transaction.atomic():
        Schedule.objects.create(asset=asset, byday="MO", opens_at=time(10), closes_at=time(9))


def test_parse_opening_times_reads_the_short_form() -> None:
    specs = parse_opening_times("MO,tu 09:00-17:00; SA 10:00-12:30")
    assert [(s.byday, s.opens_at, s.closes_at) for s in specs] == [
        ("MO,TU", time(9), time(17)),
        ("SA", time(10), time(12, 30)),
    ]
    with pytest.raises(InvalidInput) as error:
        parse_opening_times("Mondays all day")
    assert error.value.message == (
        "“Mondays all day” is not an opening time. Write it like “MO,TU 09:00-17:00”."
    )


def test_asset_check_clears_the_stale_flag(
    world: World, make_asset: Callable[..., Asset], settings: Any
) -> None:
    settings.COPRODUCE_DIRECTORY_STALE_DAYS = 30
    asset = make_asset()
    Asset.objects.filter(pk=asset.pk).update(last_checked_at=timezone.now() - timedelta(days=31))
    asset.refresh_from_db()
    assert selectors.is_stale(asset)
    assert list(selectors.stale_assets(viewer=world.viewer("staff"))) == [asset]
    services.asset_check(viewer=world.viewer("coordinator"), asset=asset)
    asset.refresh_from_db()
    assert not selectors.is_stale(asset)
    assert asset.last_checked_by == world.people["coordinator"]
    assert list(selectors.stale_assets(viewer=world.viewer("staff"))) == []


def test_asset_update_changes_fields_and_search_index(
    world: World, make_asset: Callable[..., Asset]
) -> None:
    asset = make_asset()
    data = services.AssetData(
        **{**services.asset_data_from(asset), "name": "Riverside Repair Cafe"}
    )
    services.asset_update(viewer=world.viewer("staff"), asset=asset, data=data)
    found = selectors.asset_find(
        viewer=world.viewer("member"), filters=selectors.AssetFilters(text="repair")
    )
    assert [hit.asset.name for hit in found.hits] == ["Riverside Repair Cafe"]
