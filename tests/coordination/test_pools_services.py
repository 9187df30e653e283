"""Pooled personal budgets, through the services: allocating a budget, pooling part of it,
spending from the pool pro rata to the shares, closing it; and the ledger kept whole."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coproduce.coordination.models import PoolShare, PoolSpend, PoolStatus
from coproduce.coordination.selectors import pools as selectors
from coproduce.coordination.services import pools
from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.people import services as people_services
from coproduce.people.models import MembershipStatus
from coproduce.people.permissions import viewer_for
from coproduce.timebank import ledger
from coproduce.timebank.ledger import Leg, ledger_differences
from coproduce.timebank.models import (
    Account,
    AccountKind,
    Entry,
    Transfer,
    TransferKind,
    Unit,
)
from tests.coordination.factories import member
from tests.coordination.factories_pools import budget_holder, contribute, pool_of, pooled

pytestmark = pytest.mark.django_db


def _viewer(membership: Any) -> Any:
    return viewer_for(membership.person.user)


def _balance(account: Account | None) -> int:
    assert account is not None
    return Account.objects.get(pk=account.pk).balance


def _written() -> tuple[int, int, int, int, int]:
    return (
        Transfer.objects.count(),
        Entry.objects.count(),
        Account.objects.count(),
        PoolShare.objects.count(),
        PoolSpend.objects.count(),
    )


def test_a_coordinator_allocates_a_personal_budget_in_pence(world: Any) -> None:
    ana = member(world, "Ana")
    transfer = pools.budget_allocate(
        viewer=world.viewer("manager"),
        organisation_id=world.org.pk,
        number=ana.number,
        amount=250_050,
    )
    assert (transfer.kind, transfer.unit, transfer.amount) == ("budget", "pence", 250_050)
    budget = selectors.budget_account_of(ana.pk)
    assert budget is not None and (budget.unit, budget.balance, budget.floor) == (
        "pence",
        250_050,
        0,
    )
    allocated = Account.objects.get(
        organisation=world.org, kind=AccountKind.PERSONAL_BUDGETS, unit=Unit.PENCE
    )
    assert allocated.balance == -250_050
    # The hours account is untouched: money and hours are separate accounts.
    assert ledger.member_account(ana).balance == 0
    assert ledger_differences() == []


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (0, "Enter an amount more than £0.00."),
        (-100, "Enter an amount more than £0.00."),
        (10**20, "A single transfer cannot be more than £1000000.00"),
    ],
)
def test_a_bad_allocation_is_refused_and_writes_nothing(
    world: Any, amount: int, message: str
) -> None:
    ana = member(world)
    before = _written()
    with pytest.raises(InvalidInput, match=message) as error:
        pools.budget_allocate(
            viewer=world.viewer("coordinator"),
            organisation_id=world.org.pk,
            number=ana.number,
            amount=amount,
        )
    assert error.value.field == "amount"
    assert _written() == before


def test_only_coordinators_allocate_and_only_in_their_own_organisation(world: Any) -> None:
    ana = member(world)
    for role in ("member", "staff", "commissioner"):
        with pytest.raises(PermissionDenied):
            pools.budget_allocate(
                viewer=world.viewer(role),
                organisation_id=world.org.pk,
                number=ana.number,
                amount=100,
            )
    with pytest.raises(NotFound):
        pools.budget_allocate(
            viewer=world.viewer("outsider"),
            organisation_id=world.org.pk,
            number=ana.number,
            amount=100,
        )
    with pytest.raises(InvalidInput, match="No member of this organisation has the number"):
        pools.budget_allocate(
            viewer=world.viewer("coordinator"),
            organisation_id=world.org.pk,
            number="NOPE0001",
            amount=100,
        )
    assert not Transfer.objects.filter(kind=TransferKind.BUDGET).exists()


def test_a_contribution_above_the_remaining_budget_is_refused_and_writes_nothing(
    world: Any,
) -> None:
    pool = pool_of(world)
    ana = budget_holder(world, "Ana Holder", pence=5_000)
    before = _written()
    with pytest.raises(InvalidInput) as error:
        pools.pool_contribute(
            viewer=world.viewer("coordinator"),
            pool_id=pool.pk,
            amount=5_001,
            number=ana.number,
            agreed=True,
        )
    assert error.value.field == "amount"
    assert error.value.message == (
        "Ana Holder has £50.00 left of the personal budget: a contribution of £50.01 is more "
        "than that."
    )
    assert _written() == before
    # Her own attempt says "you".
    with pytest.raises(InvalidInput, match=r"^You have £50.00 left of the personal budget"):
        pools.pool_contribute(viewer=_viewer(ana), pool_id=pool.pk, amount=9_999)
    assert _written() == before
    assert _balance(selectors.budget_account_of(ana.pk)) == 5_000


def test_a_budget_holder_pools_part_of_their_own_budget(world: Any) -> None:
    pool = pool_of(world)
    ana = budget_holder(world, pence=10_000)
    transfer = pools.pool_contribute(viewer=_viewer(ana), pool_id=pool.pk, amount=2_550)
    assert (transfer.kind, transfer.unit, transfer.on_behalf_of_id) == ("pool", "pence", None)
    share = PoolShare.objects.get(pool=pool, membership=ana)
    assert (share.account.kind, share.account.balance, share.account.floor) == (
        "pool_share",
        2_550,
        0,
    )
    assert _balance(selectors.budget_account_of(ana.pk)) == 7_450
    # A second contribution adds to the same share.
    pools.pool_contribute(viewer=_viewer(ana), pool_id=pool.pk, amount=450)
    assert PoolShare.objects.filter(pool=pool).count() == 1
    assert _balance(share.account) == 3_000


def test_a_coordinator_contributes_for_someone_only_with_their_agreement(world: Any) -> None:
    pool = pool_of(world)
    ana = budget_holder(world, "Ana Agrees")
    with pytest.raises(InvalidInput, match="Confirm that Ana Agrees has agreed") as error:
        pools.pool_contribute(
            viewer=world.viewer("coordinator"), pool_id=pool.pk, amount=100, number=ana.number
        )
    assert error.value.field == "agreed"
    assert not PoolShare.objects.exists()
    transfer = pools.pool_contribute(
        viewer=world.viewer("coordinator"),
        pool_id=pool.pk,
        amount=100,
        number=ana.number,
        agreed=True,
    )
    assert transfer.on_behalf_of_id == ana.person_id
    assert transfer.operator_id == world.people["coordinator"].pk


def test_a_member_cannot_pool_someone_elses_budget_nor_without_a_budget(world: Any) -> None:
    pool = pool_of(world)
    ana, ben = budget_holder(world), budget_holder(world)
    with pytest.raises(PermissionDenied, match="Only a coordinator can contribute"):
        pools.pool_contribute(viewer=_viewer(ana), pool_id=pool.pk, amount=100, number=ben.number)
    # Without a personal budget the pool is not theirs to see.
    with pytest.raises(PermissionDenied):
        pools.pool_contribute(viewer=world.viewer("member"), pool_id=pool.pk, amount=100)
    with pytest.raises(NotFound):
        pools.pool_contribute(viewer=world.viewer("outsider"), pool_id=pool.pk, amount=100)
    assert not PoolShare.objects.exists()


def test_a_spend_is_drawn_pro_rata_and_never_loses_or_makes_a_penny(world: Any) -> None:
    pool, (ana, ben, cai) = pooled(world)
    spend = pools.pool_spend(
        viewer=world.viewer("coordinator"),
        pool_id=pool.pk,
        amount=10_001,
        description="Seeds and a sessional gardener",
        spent_on=timezone.localdate(),
    )
    assert (spend.transfer.kind, spend.transfer.amount) == ("pool_spend", 10_001)
    shares = {
        s.membership_id: s.account.balance for s in PoolShare.objects.select_related("account")
    }
    # 10001 split 3:2:1 is 5000.5, 3333.67, 1666.83: the two pence left over go to the
    # largest fractions (Cai's, then Ben's).
    assert shares == {ana.pk: 30_000 - 5_000, ben.pk: 20_000 - 3_334, cai.pk: 10_000 - 1_667}
    assert _balance(pool.spend_account) == 10_001
    assert ledger_differences() == []


def test_a_spend_beyond_what_the_pool_holds_is_refused(world: Any) -> None:
    pool, _ = pooled(world)
    before = _written()
    with pytest.raises(InvalidInput, match=r"The pool holds £600.00; a spend of £600.01"):
        pools.pool_spend(
            viewer=world.viewer("coordinator"),
            pool_id=pool.pk,
            amount=60_001,
            description="Too much",
            spent_on=timezone.localdate(),
        )
    with pytest.raises(InvalidInput, match=r"A spend cannot be in the future\."):
        pools.pool_spend(
            viewer=world.viewer("coordinator"),
            pool_id=pool.pk,
            amount=100,
            description="Tomorrow",
            spent_on=timezone.localdate() + timedelta(days=1),
        )
    with pytest.raises(InvalidInput, match=r"Say what the money was spent on\."):
        pools.pool_spend(
            viewer=world.viewer("coordinator"),
            pool_id=pool.pk,
            amount=100,
            description="  ",
            spent_on=timezone.localdate(),
        )
    assert _written() == before


def test_only_coordinators_record_spends(world: Any) -> None:
    pool, (ana, _ben, _cai) = pooled(world)
    with pytest.raises(PermissionDenied):
        pools.pool_spend(
            viewer=_viewer(ana),
            pool_id=pool.pk,
            amount=100,
            description="Tea",
            spent_on=timezone.localdate(),
        )


def test_closing_returns_each_remaining_share_to_its_budget(world: Any) -> None:
    pool, holders = pooled(world)
    pools.pool_spend(
        viewer=world.viewer("coordinator"),
        pool_id=pool.pk,
        amount=6_000,
        description="Tools",
        spent_on=timezone.localdate(),
    )
    closed = pools.pool_close(viewer=world.viewer("coordinator"), pool_id=pool.pk)
    assert closed.status == PoolStatus.CLOSED
    # Each had £1,000; put in 300/200/100; the spend took 30/20/10 of it.
    remaining = [_balance(selectors.budget_account_of(h.pk)) for h in holders]
    assert remaining == [100_000 - 3_000, 100_000 - 2_000, 100_000 - 1_000]
    assert all(s.account.balance == 0 for s in PoolShare.objects.select_related("account"))
    returned = Transfer.objects.filter(kind=TransferKind.POOL).order_by("-pk").first()
    assert returned is not None and returned.amount == 54_000
    assert ledger_differences() == []
    with pytest.raises(Conflict, match=r"This pool is closed; it takes no more contributions\."):
        contribute(world, pool, holders[0], 100)
    with pytest.raises(Conflict, match="already closed"):
        pools.pool_close(viewer=world.viewer("coordinator"), pool_id=pool.pk)


def test_the_ledger_refuses_to_mix_hours_and_money(world: Any) -> None:
    ana = budget_holder(world, pence=1_000)
    budget = selectors.budget_account_of(ana.pk)
    assert budget is not None
    with transaction.atomic():
        hours = ledger.member_account(ana)
    before = _written()
    with pytest.raises(InvalidInput, match=r"A transfer cannot mix units \(minutes and pence\)."):
        ledger.transfer_post(
            legs=[Leg(budget, -60), Leg(hours, 60)],
            kind=TransferKind.POOL,
            reason="Money for hours",
            operator=None,
            books={world.org.pk},
        )
    assert _written() == before
    # Every account a pool touches is in pence.
    pool, _ = pooled(world)
    units = set(
        Account.objects.filter(kind__in=[AccountKind.POOL_SHARE, AccountKind.DELIVERY]).values_list(
            "unit", flat=True
        )
    )
    assert units == {"pence"}
    assert pool.spend_account.unit == "pence"


def test_closing_with_a_paused_contributor_is_refused_and_writes_nothing(world: Any) -> None:
    """The ledger will not pay an inactive member: closing says so and writes nothing."""
    pool, holders = pooled(world)
    people_services.membership_status_set(
        viewer=world.viewer("admin"), membership_id=holders[0].pk, status=MembershipStatus.PAUSED
    )
    before = _written()
    with pytest.raises(InvalidInput, match="is not an active member"):
        pools.pool_close(viewer=world.viewer("coordinator"), pool_id=pool.pk)
    assert _written() == before


@given(amount=st.integers(1, 10**9), balances=st.lists(st.integers(0, 10**9), min_size=1))
def test_a_split_always_adds_up_and_never_takes_more_than_a_share_holds(
    amount: int, balances: list[int]
) -> None:
    holds = dict(enumerate(balances, start=1))
    total = sum(balances)
    if not 0 < amount <= total:
        with pytest.raises(ValueError):
            selectors.spend_split(holds, amount)
        return
    parts = selectors.spend_split(holds, amount)
    assert sum(parts.values()) == amount
    assert all(0 <= parts[k] <= holds[k] for k in holds)
    # Pro rata: no part is more than a penny from its exact share.
    assert all(abs(parts[k] * total - amount * holds[k]) < total for k in holds)


OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("contribute"), st.integers(0, 2), st.integers(-5, 40_000)),
        st.tuples(st.just("spend"), st.just(0), st.integers(-5, 70_000)),
    ),
    max_size=12,
)


def test_any_sequence_of_contributions_and_spends_keeps_the_pool_whole(world: Any) -> None:
    holders = [budget_holder(world, f"Holder {n}", pence=50_000) for n in range(3)]
    coordinator = world.viewer("coordinator")

    @settings(
        max_examples=30,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(OPERATIONS)
    def run(ops: list[tuple[str, int, int]]) -> None:
        with transaction.atomic():
            pool = pool_of(world, name="Property pool")
            contributed = 0
            for what, who, amount in ops:
                before = _written()
                try:
                    with transaction.atomic():
                        if what == "contribute":
                            contribute(world, pool, holders[who], amount)
                            contributed += amount
                        else:
                            pools.pool_spend(
                                viewer=coordinator,
                                pool_id=pool.pk,
                                amount=amount,
                                description="Session",
                                spent_on=timezone.localdate(),
                            )
                except (InvalidInput, Conflict):
                    assert _written() == before
                shares = list(PoolShare.objects.filter(pool=pool).select_related("account"))
                held = sum(share.account.balance for share in shares)
                spent = _balance(pool.spend_account)
                assert held + spent == contributed
                accounts = Account.objects.filter(
                    pk__in=[s.account_id for s in shares] + [pool.spend_account_id]
                ) | Account.objects.filter(membership__in=holders, unit=Unit.PENCE)
                for account in accounts:
                    assert account.balance >= 0
                    assert account.balance == sum(
                        Entry.objects.filter(account=account).values_list("amount", flat=True)
                    )
            assert ledger_differences() == []
            transaction.set_rollback(True)

    run()


def test_a_budget_holder_may_start_a_pool_and_a_member_without_one_may_not(world: Any) -> None:
    ana = budget_holder(world)
    pool = pools.pool_create(
        viewer=_viewer(ana), organisation_id=world.org.pk, name="Walks", purpose="Walking"
    )
    assert pool.spend_account.kind == AccountKind.DELIVERY
    assert (pool.spend_account.unit, pool.spend_account.floor) == ("pence", 0)
    with pytest.raises(Conflict, match="already an open pool called “Walks”"):
        pools.pool_create(
            viewer=world.viewer("coordinator"),
            organisation_id=world.org.pk,
            name="walks",
            purpose="Again",
        )
    with pytest.raises(PermissionDenied, match="people with a personal budget here"):
        pools.pool_create(
            viewer=world.viewer("member"), organisation_id=world.org.pk, name="X", purpose="Y"
        )
    with pytest.raises(InvalidInput, match="Give the pool a name"):
        pools.pool_create(
            viewer=world.viewer("coordinator"),
            organisation_id=world.org.pk,
            name=" ",
            purpose="Y",
        )


def test_the_figures_follow_a_reversed_spend(world: Any) -> None:
    pool, _ = pooled(world)
    spend = pools.pool_spend(
        viewer=world.viewer("coordinator"),
        pool_id=pool.pk,
        amount=600,
        description="Tea",
        spent_on=timezone.localdate(),
    )
    figures = selectors.share_figures(pool)
    assert [s.spent for s in figures] == [300, 200, 100]
    ledger.transfer_reversal_post(
        transfer_id=spend.transfer_id,
        reason="Entered twice",
        operator=world.people["coordinator"],
        books={world.org.pk},
    )
    figures = selectors.share_figures(pool)
    assert [(s.contributed, s.spent, s.remaining) for s in figures] == [
        (30_000, 0, 30_000),
        (20_000, 0, 20_000),
        (10_000, 0, 10_000),
    ]
    assert ledger_differences() == []
