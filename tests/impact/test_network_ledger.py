"""The network measures read from the time bank's ledger (coproduce.impact.selectors.network),
with every transfer posted through the time bank's own services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from coproduce.errors import InvalidInput, NotFound, PermissionDenied
from coproduce.impact.network import DirectedPair, ei_index, measures
from coproduce.impact.selectors.network import ledger_network, ledger_pairs, ledger_roster
from coproduce.people import services as people_services
from coproduce.people.models import Area, Membership
from coproduce.people.permissions import viewer_for
from coproduce.timebank import services
from coproduce.timebank.models import GroupDirection, Transfer
from tests.conftest import World
from tests.timebank.factories import membership_of


def _at(month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def _exchange(
    world: World, provider: Membership, receiver: Membership, minutes: int, at: datetime
) -> Transfer:
    """A coordinator arranges, records and confirms an exchange: the receiver pays."""
    coordinator = world.viewer("coordinator")
    exchange = services.exchange_propose(
        viewer=coordinator,
        provider=provider,
        receiver=receiver,
        minutes=minutes,
        description="Help in the garden",
    )
    services.exchange_accept(viewer=coordinator, exchange_id=exchange.pk)
    services.exchange_claim(viewer=coordinator, exchange_id=exchange.pk, minutes=minutes, at=at)
    services.exchange_confirm(viewer=coordinator, exchange_id=exchange.pk, at=at)
    return Transfer.objects.get(exchange=exchange)


def _person(world: World, name: str, area: Area | None) -> Membership:
    person = people_services.person_create_for(
        viewer=world.viewer("coordinator"), organisation=world.org, full_name=name, area=area
    )
    return Membership.objects.get(person=person, organisation=world.org)


@dataclass
class Ledger:
    ana: Membership
    ben: Membership
    cy: Membership
    dee: Membership
    staff: Membership
    group_at: datetime

    def id(self, name: str) -> str:
        membership: Membership = getattr(self, name)
        return str(membership.person_id)


@pytest.fixture
def ledger(world: World) -> Ledger:
    """Ana and Ben (Riverside), Cy (Hilltop), Dee (no area) and the staff member (no area):

    ================================  =================  ======  ==============
    posted                            payer → payee      min     local date
    ================================  =================  ======  ==============
    Ana helps Ben                     Ben → Ana          60      10 Feb (Q1)
    Ben helps Ana                     Ana → Ben          30      5 Mar (Q1)
    Dee helps Cy, then reversed       (left out)         120     1 Apr
    Cy helps Ana                      Ana → Cy           45      20 May (Q2)
    staff helps Dee, 23:30 UTC        Dee → staff        90      1 Jul (Q3, BST)
    group: Ana and Ben give host Cy   Ana → Cy, Ben → Cy 20 each 15 Aug (Q3)
    group hosted by the organisation  (no member host)   30 each 1 Sep
    credits awarded to Ana            (no payer)         60      now
    ================================  =================  ======  ==============
    """
    coordinator = world.viewer("coordinator")
    riverside = people_services.area_create(name="Riverside")
    hilltop = people_services.area_create(name="Hilltop")
    ana = _person(world, "Ana Silva", riverside)
    ben = _person(world, "Ben Okoro", riverside)
    cy = _person(world, "Cy Evans", hilltop)
    dee = _person(world, "Dee Patel", None)
    staff = membership_of(world, "staff")
    _exchange(world, ana, ben, 60, _at(2, 10))
    _exchange(world, ben, ana, 30, _at(3, 5))
    reversed_one = _exchange(world, dee, cy, 120, _at(4, 1))
    services.transfer_reverse(viewer=coordinator, transfer_id=reversed_one.pk, reason="Twice")
    _exchange(world, cy, ana, 45, _at(5, 20))
    _exchange(world, staff, dee, 90, _at(6, 30, 23, 30))
    group_at = _at(8, 15, 10)
    services.group_exchange_record(
        viewer=coordinator,
        organisation=world.org,
        participants=[ana, ben],
        minutes_each=20,
        direction=GroupDirection.HUB_EARNS,
        description="Soup lunch",
        host=cy,
        occurred_at=group_at,
    )
    services.group_exchange_record(
        viewer=coordinator,
        organisation=world.org,
        participants=[dee, membership_of(world, "member")],
        minutes_each=30,
        direction=GroupDirection.HUB_PAYS,
        description="Litter pick",
        occurred_at=_at(9, 1),
    )
    services.credit_award(viewer=coordinator, membership=ana, minutes=60, reason="Ran a stall")
    return Ledger(ana=ana, ben=ben, cy=cy, dee=dee, staff=staff, group_at=group_at)


def _by_pair(pairs: list[DirectedPair]) -> dict[tuple[str, str], tuple[int, int]]:
    return {(pair.payer, pair.payee): (pair.transfers, pair.minutes) for pair in pairs}


def test_ledger_pairs_aggregates_exchanges_and_group_legs_in_two_queries(
    world: World, ledger: Ledger
) -> None:
    with CaptureQueriesContext(connection) as queries:
        pairs = ledger_pairs(organisation_ids=[world.org.pk])
    assert len(queries.captured_queries) == 2  # the legs, the member accounts' people
    name = ledger.id
    # Ana → Cy: the 45-minute exchange and her 20 minutes of the group session. The reversed
    # Cy → Dee, the organisation's session and the award make no pair.
    assert _by_pair(pairs) == {
        (name("ben"), name("ana")): (1, 60),
        (name("ana"), name("ben")): (1, 30),
        (name("ana"), name("cy")): (2, 45 + 20),
        (name("ben"), name("cy")): (1, 20),
        (name("dee"), name("staff")): (1, 90),
    }


def test_ledger_pairs_keeps_to_the_window_start_included_end_excluded(
    world: World, ledger: Ledger
) -> None:
    pairs = ledger_pairs(organisation_ids=[world.org.pk], start=_at(3, 5), end=ledger.group_at)
    name = ledger.id
    # In [5 Mar 12:00, 15 Aug 10:00): Ana → Ben at the very start, Ana → Cy, Dee → staff;
    # Ben → Ana (February) is before it and the group session is at its end, so outside.
    assert _by_pair(pairs) == {
        (name("ana"), name("ben")): (1, 30),
        (name("ana"), name("cy")): (1, 45),
        (name("dee"), name("staff")): (1, 90),
    }


def test_ledger_network_measures_the_bank(world: World, ledger: Ledger) -> None:
    coordinator = world.viewer("coordinator")
    with CaptureQueriesContext(connection) as queries:
        result = ledger_network(viewer=coordinator, organisation_id=world.org.pk)
    assert len(queries.captured_queries) == 2  # the memberships, the legs
    assert result == {
        # Admin, member, staff, coordinator and manager from the world, Ana, Ben, Cy and Dee;
        # not the commissioner.
        "people": 9,
        "active": 5,  # Ana, Ben, Cy, Dee, staff
        "transfers": 6,
        "minutes": 60 + 30 + 65 + 20 + 90,  # 265
        # Ana-Ben (both ways), Ana-Cy, Ben-Cy, Dee-staff.
        "ties": 4,
        "reciprocated_ties": 1,
        # Paid and were paid: Ana, Ben of 5 active = 0.4.
        "give_and_receive_share": 0.4,
        "isolated": 9 - 5,
        # {Ana, Ben, Cy} and {Dee, staff}: the reversed Cy → Dee would have joined them.
        "components": 2,
        "largest_component": 3,
        # By area: Ana-Ben Riverside I, Ana-Cy and Ben-Cy Riverside-Hilltop E, Dee-staff
        # both "no area" I: (2 - 2) / 4 = 0.
        "ei_index": 0.0,
        "exchanges_per_active": 6 / 5,  # 1.2
        "minutes_per_active": 265 / 5,  # 53
        # Staff and members: only Dee-staff is E: (1 - 3) / 4 = -0.5.
        "ei_index_staff_members": -0.5,
        # Ana-Ben 10 Feb, Ana-Cy 20 May, Dee-staff 1 July in London (30 June in UTC), Ben-Cy
        # 15 Aug.
        "new_ties_per_quarter": {"2026-Q1": 1, "2026-Q2": 1, "2026-Q3": 2},
    }


def test_ledger_network_in_a_window_counts_as_new_only_ties_first_made_in_it(
    world: World, ledger: Ledger
) -> None:
    result = ledger_network(
        viewer=world.viewer("manager"),
        organisation_id=world.org.pk,
        start=_at(3, 1),
        end=ledger.group_at,
    )
    # Ana → Ben (5 Mar), Ana → Cy, Dee → staff: three ties, none reciprocated in the window.
    assert (result["transfers"], result["ties"], result["reciprocated_ties"]) == (3, 3, 0)
    # Ana-Ben was first made on 10 February, before the window: only Ana-Cy (Q2) and
    # Dee-staff (Q3) are new in it.
    assert result["new_ties_per_quarter"] == {"2026-Q2": 1, "2026-Q3": 1}
    with pytest.raises(
        InvalidInput, match=r"^The end of the period must be after its start\.$"
    ) as refused:
        ledger_network(
            viewer=world.viewer("manager"),
            organisation_id=world.org.pk,
            start=_at(3, 1),
            end=_at(3, 1),
        )
    assert refused.value.field == "end"


def test_a_tie_first_made_a_microsecond_before_the_window_is_not_new_in_it(
    world: World, ledger: Ledger
) -> None:
    cy_helps_ana = _at(5, 20)  # Ana → Cy, 45 minutes; the group session adds Ana → Cy later
    just_after = ledger_network(
        viewer=world.viewer("manager"),
        organisation_id=world.org.pk,
        start=cy_helps_ana + timedelta(microseconds=1),
    )
    # In the window: Dee → staff, and the session's Ana → Cy and Ben → Cy. Ana-Cy was made
    # on 20 May, a microsecond before it.
    assert (just_after["transfers"], just_after["ties"]) == (3, 3)
    assert just_after["new_ties_per_quarter"] == {"2026-Q3": 2}  # Dee-staff, Ben-Cy
    at_it = ledger_network(
        viewer=world.viewer("manager"), organisation_id=world.org.pk, start=cy_helps_ana
    )
    assert at_it["new_ties_per_quarter"] == {"2026-Q2": 1, "2026-Q3": 2}


@pytest.mark.parametrize(
    "window", [(None, None), (_at(3, 5), _at(8, 15, 10)), (_at(5, 20), None)], ids=str
)
def test_ledger_network_is_the_measures_of_ledger_pairs_and_the_roster(
    world: World, ledger: Ledger, window: tuple[datetime | None, datetime | None]
) -> None:
    start, end = window
    banks = [world.org.pk]
    pairs = ledger_pairs(organisation_ids=banks, start=start, end=end)
    by_area = ledger_roster(organisation_ids=banks, start=start, end=end)
    by_role = ledger_roster(organisation_ids=banks, by="role", start=start, end=end)
    result = ledger_network(
        viewer=world.viewer("manager"), organisation_id=world.org.pk, start=start, end=end
    )
    expected: dict[str, Any] = measures(pairs, by_area).as_json()
    staff_members = ei_index(pairs, by_role)
    expected["ei_index_staff_members"] = float(staff_members) if staff_members is not None else None
    assert {key: result[key] for key in expected} == expected


def test_ledger_network_of_a_bank_with_no_transfers(world: World) -> None:
    result = ledger_network(viewer=world.viewer("admin"), organisation_id=world.org.pk)
    # Everyone in the world's bank but the commissioner, and nobody active.
    assert {key: result[key] for key in ("people", "active", "ties", "isolated")} == {
        "people": 5,
        "active": 0,
        "ties": 0,
        "isolated": 5,
    }
    assert (result["components"], result["ei_index"], result["new_ties_per_quarter"]) == (
        0,
        None,
        {},
    )
    assert ledger_pairs(organisation_ids=[world.org.pk]) == []


def test_ledger_roster_keeps_those_who_left_with_ties_and_leaves_out_commissioners(
    world: World, ledger: Ledger
) -> None:
    coordinator = world.viewer("coordinator")
    member = membership_of(world, "member")
    for leaving in (ledger.dee, member):
        people_services.membership_status_set(
            viewer=coordinator, membership_id=leaving.pk, status="left"
        )
    by_area = ledger_roster(organisation_ids=[world.org.pk])
    by_role = ledger_roster(organisation_ids=[world.org.pk], by="role")
    everyone = {
        str(membership_of(world, role).person_id): role
        for role in ("admin", "staff", "coordinator", "manager")
    }
    name = ledger.id
    # Dee left but made a tie with the staff member, so stays; the world's member left with
    # none (a session with the organisation is no tie), so goes.
    assert by_area == {
        **dict.fromkeys(everyone, "no area"),
        name("ana"): "Riverside",
        name("ben"): "Riverside",
        name("cy"): "Hilltop",
        name("dee"): "no area",
    }
    assert by_role == {
        **dict.fromkeys(everyone, "staff"),
        **dict.fromkeys([name("ana"), name("ben"), name("cy"), name("dee")], "member"),
    }


def test_ledger_pairs_counts_an_exchange_across_an_agreement_only_with_both_banks(
    world: World,
) -> None:
    agreement = services.agreement_propose(
        viewer=world.viewer("admin"), organisation=world.org, other=world.other_org
    )
    services.agreement_sign(viewer=world.viewer("outsider"), agreement_id=agreement.pk)
    member = membership_of(world, "member")
    assert world.outsider is not None
    outsider = Membership.objects.get(person=world.outsider, organisation=world.other_org)
    _exchange(world, member, outsider, 40, _at(4, 2))

    assert ledger_pairs(organisation_ids=[world.org.pk]) == []
    # The outsider received the time and paid; the clearing legs between the banks are no
    # one's.
    assert ledger_pairs(organisation_ids=[world.org.pk, world.other_org.pk]) == [
        DirectedPair(
            payer=str(world.outsider.pk), payee=str(member.person_id), transfers=1, minutes=40
        )
    ]


def test_ledger_network_is_for_figure_readers_of_the_bank(world: World, ledger: Ledger) -> None:
    figures: dict[str, Any] = ledger_network(
        viewer=world.viewer("commissioner"), organisation_id=world.org.pk
    )
    assert figures["ties"] == 4
    with pytest.raises(
        PermissionDenied,
        match=r"^You need to be a commissioner or a coordinator or above of this organisation "
        r"to see the network measures\.$",
    ):
        ledger_network(viewer=world.viewer("member"), organisation_id=world.org.pk)
    with pytest.raises(NotFound):
        ledger_network(viewer=world.viewer("outsider"), organisation_id=world.org.pk)
    with pytest.raises(NotFound):
        ledger_network(viewer=viewer_for(None), organisation_id=world.org.pk)
