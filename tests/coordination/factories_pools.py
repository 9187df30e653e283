"""Pooled personal budget test data, built through the services."""

from __future__ import annotations

from typing import Any

from coproduce.coordination.models import Pool
from coproduce.coordination.services import pools
from coproduce.people.models import Membership
from tests.coordination.factories import member


def budget_holder(world: Any, name: str | None = None, pence: int = 100_000) -> Membership:
    """A new member of world.org with a personal budget of ``pence`` (£1,000 by default)."""
    membership = member(world, name)
    pools.budget_allocate(
        viewer=world.viewer("coordinator"),
        organisation_id=world.org.pk,
        membership_id=membership.pk,
        amount=pence,
    )
    return membership


_counter = {"n": 0}


def pool_of(world: Any, name: str | None = None) -> Pool:
    _counter["n"] += 1
    return pools.pool_create(
        viewer=world.viewer("coordinator"),
        organisation_id=world.org.pk,
        name=name or f"Allotment club {_counter['n']}",
        purpose="A weekly allotment club with a sessional gardener.",
    )


def contribute(world: Any, pool: Pool, holder: Membership, pence: int) -> None:
    """A coordinator records the holder's contribution, with their agreement."""
    pools.pool_contribute(
        viewer=world.viewer("coordinator"),
        pool_id=pool.pk,
        amount=pence,
        number=holder.number,
        agreed=True,
    )


def pooled(world: Any) -> tuple[Pool, list[Membership]]:
    """A pool with three contributors: £300, £200 and £100."""
    pool = pool_of(world)
    holders = [budget_holder(world, name) for name in ("Ana Pooler", "Ben Pooler", "Cai Pooler")]
    for holder, pence in zip(holders, (30_000, 20_000, 10_000), strict=True):
        contribute(world, pool, holder, pence)
    return pool, holders
