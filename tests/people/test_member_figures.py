"""Coordinators see membership numbers and time-bank balances on the member list and on a
person's page; the time bank provides the balances through ``people.figures``."""

from __future__ import annotations

import re

from django.urls import reverse

from coproduce.framework.amounts import amount_format
from tests.conftest import World
from tests.timebank.factories import give, member


def _cells(html: str, name: str) -> list[str]:
    """The cells of the member list's row for ``name``."""
    row = re.search(rf"<tr><th scope=\"row\"><a [^>]*>{name}</a></th>(.*?)</tr>", html, re.S)
    assert row is not None, name
    return [cell.strip() for cell in re.findall(r"<td>(.*?)</td>", row.group(1), re.S)]


def test_coordinators_see_each_members_balance_on_the_member_list(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    give(world, ana, ben, 90)
    url = reverse("people:member_list", args=[world.org.slug])
    html = world.client("coordinator").get(url).content.decode()
    assert '<th scope="col">Balance</th>' in html
    role, number, status, balance = _cells(html, "Ana")
    assert (role, status, balance) == ("Member", "Active", amount_format(-90))
    assert ana.number in number
    assert _cells(html, "Ben")[3] == amount_format(90)


def test_members_and_staff_see_no_balances_or_numbers_of_others(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    give(world, ana, ben, 90)
    url = reverse("people:member_list", args=[world.org.slug])
    for role in ("member", "staff"):
        html = world.client(role).get(url).content.decode()
        assert "Ana" in html and "Balance" not in html
        assert amount_format(90) not in html and ben.number not in html


def test_a_person_page_shows_a_coordinator_the_number_and_balance_of_each_membership(
    world: World,
) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    give(world, ana, ben, 90)
    url = reverse("people:person_detail", args=[ben.person_id])
    html = world.client("coordinator").get(url).content.decode()
    assert (
        f"Holy Cross Time Bank</a>: Member, Active, membership number {ben.number}, "
        f"balance {amount_format(90)}</li>"
    ) in html


def test_a_person_page_shows_no_balance_to_a_plain_member(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    give(world, ana, ben, 90)
    url = reverse("people:person_detail", args=[ben.person_id])
    html = world.client("member").get(url).content.decode()
    assert "Ben" in html and ben.number not in html and "balance" not in html.lower()
