"""Search the directory, open an asset: the page works in a real browser and axe-core finds
no WCAG 2.2 AA violation on either page."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.conftest import build_world
from tests.directory.conftest import build_asset, saturday_morning
from tests.e2e.conftest import axe_violations, submit


@pytest.mark.django_db(transaction=True)
def test_search_the_directory_and_open_an_asset(page: Any, settings: Any) -> None:
    # Tiles from this server (they 404 harmlessly): the test never reaches the internet.
    settings.MAP_TILES_URL = "/static/directory/no-tiles/{z}/{x}/{y}.png"
    world = build_world()
    build_asset(
        world,
        name="Knit and Natter",
        description="Knitting circle for everyone",
        category="association",
        schedules=[saturday_morning()],
    )
    build_asset(
        world,
        name="Riverside Allotments",
        description="Growing vegetables",
        latitude=53.821,
        longitude=-1.571,
    )
    page.goto("/directory/")
    assert axe_violations(page) == []
    page.get_by_label("Search").fill("knitting")
    submit(page, page.get_by_role("button", name="Search"))
    page.wait_for_url("**/directory/?q=knitting*")
    results = page.locator(".asset-list")
    expect(results.get_by_role("link", name="Knit and Natter")).to_be_visible()
    expect(results.get_by_role("link", name="Riverside Allotments")).to_have_count(0)
    assert axe_violations(page) == []
    submit(page, results.get_by_role("link", name="Knit and Natter"))
    expect(page.locator("h1")).to_have_text("Knit and Natter")
    expect(page.get_by_role("cell", name="Saturday")).to_be_visible()
    assert axe_violations(page) == []
