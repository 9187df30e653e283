"""The demo's pools: made through the services, the same every time, the ledger whole."""

from __future__ import annotations

import random
from typing import Any

import pytest
from django.db import transaction

from coproduce.coordination.demo_pools import load_pools
from coproduce.coordination.models import Pool, PoolShare, PoolSpend, PoolStatus
from coproduce.timebank.ledger import ledger_differences
from tests.coordination.factories import member

pytestmark = pytest.mark.django_db


def _snapshot() -> list[tuple[str, str, int, list[int]]]:
    return [
        (
            pool.name,
            pool.status,
            pool.spend_account.balance,
            [share.account.balance for share in PoolShare.objects.filter(pool=pool).order_by("pk")],
        )
        for pool in Pool.objects.select_related("spend_account").order_by("name")
    ]


def test_the_demo_pools_are_a_year_of_spending_and_the_same_every_time(world: Any) -> None:
    for n in range(6):
        member(world, f"Demo Holder {n}")
    coordinator = world.viewer("coordinator")
    runs = []
    for _ in range(2):
        with transaction.atomic():
            assert load_pools(random.Random(2012), world.org.pk, coordinator) == 2
            runs.append(_snapshot())
            club = Pool.objects.get(name="Tuesday allotment club")
            spends = PoolSpend.objects.filter(pool=club)
            assert spends.count() > 40
            days = sorted(spends.values_list("spent_on", flat=True))
            assert (days[-1] - days[0]).days > 300
            assert Pool.objects.get(name="Summer trips").status == PoolStatus.CLOSED
            assert ledger_differences() == []
            # Loading again adds nothing.
            assert load_pools(random.Random(2012), world.org.pk, coordinator) == 0
            transaction.set_rollback(True)
    assert runs[0] == runs[1]
    assert runs[0][0][3] == [0, 0]  # the closed pool's shares went back to the budgets
