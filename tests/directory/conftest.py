"""Directory fixtures: assets built through the services, never with objects.create."""

from __future__ import annotations

from collections.abc import Callable
from datetime import time
from typing import Any

import pytest

from coproduce.directory import services
from coproduce.directory.models import Asset
from coproduce.directory.schedules import ScheduleSpec
from tests.conftest import World


def build_asset(world: World, **overrides: Any) -> Asset:
    fields: dict[str, Any] = {
        "name": "Riverside Community Hall",
        "category": "physical_space",
        "description": "A hall with a kitchen, used by the tenants association.",
        "address": "1 River Street",
        "town": "Riverside",
        "postcode": "LS6 2AB",
        "latitude": 53.8200,
        "longitude": -1.5700,
    }
    schedules = overrides.pop("schedules", None)
    organisation = overrides.pop("organisation", world.org)
    fields.update(overrides)
    data = services.AssetData(**fields)
    if schedules is not None:
        data.schedules = schedules
    return services.asset_create(
        viewer=world.viewer("staff") if organisation == world.org else world.viewer("outsider"),
        organisation=organisation,
        data=data,
    )


def saturday_morning() -> ScheduleSpec:
    return ScheduleSpec(
        freq="WEEKLY", interval=1, byday="SA", opens_at=time(9, 0), closes_at=time(12, 0)
    )


@pytest.fixture
def make_asset(world: World) -> Callable[..., Asset]:
    def make(**overrides: Any) -> Asset:
        return build_asset(world, **overrides)

    return make
