"""The demo's pooled personal budgets: three budget holders (Mo Hassan, the demo member,
among them) pooling for a weekly allotment club with a sessional gardener, with a year of
its spending; and a summer-trips pool two others ran and have closed. Everything goes
through the services, dated across the past year; the same ``rng`` gives the same pools."""

from __future__ import annotations

import random
from datetime import timedelta

from django.utils import timezone

from coproduce.coordination.models import Pool
from coproduce.coordination.services import pools
from coproduce.people.demo import person
from coproduce.people.models import Membership, MembershipStatus, Role
from coproduce.people.permissions import Viewer, viewer_for

# A year's personal budget for each holder, in pence.
BUDGETS = [600_000, 480_000, 520_000, 390_000, 450_000]
# What each of the allotment club's three holders puts in.
CLUB_SHARES = [150_000, 120_000, 100_000]
GARDENER_PER_SESSION = 4_500
CLUB_EXTRAS = [
    ("Seed potatoes, onion sets and compost", 3_850),
    ("Two spades, a fork and gloves", 8_990),
    ("Allotment rent for the year", 6_500),
    ("Seeds for the summer beds", 2_740),
    ("Shed padlock and a water butt", 4_125),
]
TRIPS_SHARES = [30_000, 30_000]
TRIPS = [
    ("Minibus to the coast, and lunch", 18_600),
    ("Tickets to the botanical gardens", 9_400),
    ("Cinema and tea", 6_250),
]


def _holders(rng: random.Random, organisation_id: int) -> list[Membership]:
    members = list(
        Membership.objects.filter(
            organisation_id=organisation_id, status=MembershipStatus.ACTIVE, role=Role.MEMBER
        )
        .exclude(person__user__email="member@example.org")
        .select_related("person")
        .order_by("pk")
    )
    mo = (
        Membership.objects.filter(
            organisation_id=organisation_id,
            person__user__email="member@example.org",
            status=MembershipStatus.ACTIVE,
        )
        .select_related("person")
        .first()
    )
    first = [mo] if mo is not None else []
    wanted = len(BUDGETS) - len(first)
    return first + rng.sample(members, min(wanted, len(members)))


def _backdate(pool: Pool, days: int) -> None:
    Pool.objects.filter(pk=pool.pk).update(created_at=timezone.now() - timedelta(days=days))


def load_pools(rng: random.Random, organisation_id: int, coordinator: Viewer) -> int:
    """Budgets for five holders and their two pools; returns how many pools were made (none
    when the organisation has fewer than five plain members, or already has pools)."""
    if Pool.objects.filter(organisation_id=organisation_id).exists():
        return 0
    holders = _holders(rng, organisation_id)
    if len(holders) < len(BUDGETS):
        return 0
    now = timezone.now()
    today = timezone.localdate()
    for holder, pence in zip(holders, BUDGETS, strict=True):
        pools.budget_allocate(
            viewer=coordinator,
            organisation_id=organisation_id,
            membership_id=holder.pk,
            amount=pence,
            reason="Personal budget (direct payment), this year",
            occurred_at=now - timedelta(days=365),
        )

    club = pools.pool_create(
        viewer=coordinator,
        organisation_id=organisation_id,
        name="Tuesday allotment club",
        purpose="A weekly allotment club on the Holy Cross plots: three of us share a "
        "sessional gardener for three hours every Tuesday, and the tools and seeds.",
    )
    _backdate(club, 362)
    for holder, pence in zip(holders[:3], CLUB_SHARES, strict=True):
        pools.pool_contribute(
            viewer=coordinator,
            pool_id=club.pk,
            amount=pence,
            number=holder.number,
            agreed=True,
            occurred_at=now - timedelta(days=360),
        )
    spends: list[tuple[int, str, int]] = [
        (7 * week, "Sessional gardener, Tuesday session", GARDENER_PER_SESSION)
        for week in range(51, 0, -1)
        if rng.random() > 0.06  # a few weeks rained off
    ]
    for (description, pence), when in zip(
        CLUB_EXTRAS, sorted(rng.sample(range(10, 350), len(CLUB_EXTRAS)), reverse=True), strict=True
    ):
        spends.append((when, description, pence))
    for days_ago, description, pence in sorted(spends, key=lambda spend: -spend[0]):
        pools.pool_spend(
            viewer=coordinator,
            pool_id=club.pk,
            amount=pence,
            description=description,
            spent_on=today - timedelta(days=days_ago),
        )

    trips = pools.pool_create(
        viewer=coordinator,
        organisation_id=organisation_id,
        name="Summer trips",
        purpose="Days out together over the summer holidays.",
    )
    _backdate(trips, 200)
    for holder, pence in zip(holders[3:5], TRIPS_SHARES, strict=True):
        pools.pool_contribute(
            viewer=coordinator,
            pool_id=trips.pk,
            amount=pence,
            number=holder.number,
            agreed=True,
            occurred_at=now - timedelta(days=195),
        )
    for days_ago, (description, pence) in zip((170, 140, 110), TRIPS, strict=True):
        pools.pool_spend(
            viewer=coordinator,
            pool_id=trips.pk,
            amount=pence,
            description=description,
            spent_on=today - timedelta(days=days_ago),
        )
    pools.pool_close(viewer=coordinator, pool_id=trips.pk)
    return 2


def load(*, rng: random.Random, organisation_id: int, coordinator_email: str) -> int:
    """``load_pools`` as the demo's coordinator with this email."""
    found = person(coordinator_email)
    assert found.user is not None
    return load_pools(rng, organisation_id, viewer_for(found.user))
