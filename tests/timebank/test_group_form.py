"""A group session's page shows every bad membership number at once, with the other
fields' errors, and posts nothing."""

from __future__ import annotations

import html

from django.urls import reverse

from coproduce.people.models import Membership
from coproduce.timebank.forms import GroupForm
from coproduce.timebank.models import Transfer
from tests.conftest import World
from tests.timebank.factories import member


def _post(world: World, **data: str) -> str:
    fields = {"hours": "1", "direction": "hub_pays", "description": "Knit and natter"}
    response = world.client("staff").post(
        reverse("timebank:record_group", args=[world.org.pk]), {**fields, **data}
    )
    assert response.status_code == 200
    return html.unescape(response.content.decode())


def test_every_unknown_number_is_named_at_once_with_the_hosts_and_the_hours(
    world: World,
) -> None:
    ana = member(world, "Ana")
    page = _post(
        world,
        host="nope 1",
        participants=f"{ana.number}, hol-999\nHOL998, hol999",
        hours="abc",
    )
    assert "No member of Holy Cross Time Bank has the number “NOPE1”." in page
    assert "Each participant can be listed only once: HOL999 is listed more than once." in page
    assert "Like 1:30, 1.5 or 90m." in page
    assert not Transfer.objects.exists()


def test_every_unknown_participant_is_named_in_one_message(world: World) -> None:
    ana = member(world, "Ana")
    page = _post(world, participants=f"hol-999\n{ana.number}, HOL998\nzz 1")
    assert "No member of Holy Cross Time Bank has the numbers “HOL999”, “HOL998” and “ZZ1”." in page
    assert not Transfer.objects.exists()


def test_too_long_numbers_are_all_named(world: World) -> None:
    long_one, long_two = "A" * 21, "B" * 25
    page = _post(world, participants=f"{long_one}, HOL00001, {long_two}")
    assert f"A membership number has at most 20 characters: {long_one}, {long_two}." in page


def test_the_form_finds_the_members_it_was_given_in_order(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    host = Membership.objects.get(organisation=world.org, person=world.people["staff"])
    form = GroupForm(
        data={
            "host": host.number.lower(),
            "participants": f"{ben.number}\n{ana.number}",
            "hours": "1",
            "direction": "hub_pays",
            "description": "Choir",
        },
        viewer=world.viewer("staff"),
        organisation=world.org,
    )
    assert form.is_valid(), form.errors
    assert form.host_membership == host
    assert form.participant_memberships == [ben, ana]
