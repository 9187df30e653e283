"""Coordinators reach the asset-mapping pages from the main navigation."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coproduce.directory.navigation import nav_items
from tests.conftest import World


@pytest.mark.parametrize("role", ["coordinator", "manager", "admin"])
def test_coordinators_and_up_have_asset_mapping_in_the_navigation(world: World, role: str) -> None:
    url = reverse("directory:mapping_session_list", args=[world.org.slug])
    items = {item.label: item.url for item in nav_items(world.viewer(role))}
    assert items["Asset mapping"] == url
    html = world.client(role).get(reverse("directory:asset_list")).content.decode()
    assert f'href="{url}"' in html
    assert world.client(role).get(url).status_code == 200


@pytest.mark.parametrize("role", ["member", "staff", "commissioner"])
def test_others_have_no_asset_mapping_in_the_navigation(world: World, role: str) -> None:
    labels = [item.label for item in nav_items(world.viewer(role))]
    assert labels == ["Directory"]
