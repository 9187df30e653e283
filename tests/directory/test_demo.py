from __future__ import annotations

import io

import pytest

from coproduce.directory import demo
from coproduce.directory.models import Asset, Booking, Resource


@pytest.mark.slow
@pytest.mark.django_db
def test_demo_builds_an_asset_map_once() -> None:
    people_demo = pytest.importorskip("coproduce.people.demo")
    people_demo.load(stdout=io.StringIO(), people=20)
    out = io.StringIO()
    demo.load(stdout=out)
    count = Asset.objects.count()
    assert 90 <= count <= 110
    assert set(Resource.objects.values_list("kind", flat=True)) >= {"room", "vehicle", "kitchen"}
    assert Booking.objects.count() == 1
    demo.load(stdout=out)
    assert Asset.objects.count() == count
    assert out.getvalue().endswith("Directory: already loaded.\n")
