"""Membership numbers: a plain member sees who the other members are, not their numbers;
coordinators and up see every number (the API and the member list page)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.conftest import World

pytestmark = pytest.mark.django_db


def _listed(world: World, role: str) -> dict[str, str | None]:
    response = world.client(role).get(
        f"/api/v1/organisations/{world.org.pk}/memberships?page_size=50"
    )
    assert response.status_code == 200
    return {row["person_name"]: row["number"] for row in response.json()["items"]}


def test_api_member_list_hides_other_members_numbers_from_a_plain_member(world: World) -> None:
    listed = _listed(world, "member")
    own = world.org.memberships.get(person=world.people["member"]).number
    assert listed.pop("Member Person") == own
    assert len(listed) == 5
    assert set(listed.values()) == {None}


@pytest.mark.parametrize("role", ["coordinator", "manager", "admin"])
def test_api_member_list_shows_numbers_to_coordinators_and_up(world: World, role: str) -> None:
    numbers = dict(world.org.memberships.values_list("person__full_name", "number"))
    assert _listed(world, role) == numbers


def test_member_list_page_shows_numbers_only_to_coordinators_and_up(world: World) -> None:
    url = reverse("people:member_list", args=[world.org.slug])
    staff_number = world.org.memberships.get(person=world.people["staff"]).number
    plain = world.client("member").get(url).content.decode()
    assert "Staff Person" in plain and staff_number not in plain
    coordinator = world.client("coordinator").get(url).content.decode()
    assert "Staff Person" in coordinator and staff_number in coordinator
