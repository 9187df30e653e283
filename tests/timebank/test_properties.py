"""Hypothesis: whatever sequence of transfers, reversals and group sessions is tried, every
bank's entries sum to zero, every cached balance equals its entries and no balance leaves
its limits. Refused operations write nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coproduce.errors import Conflict, InvalidInput
from coproduce.people.models import Membership
from coproduce.timebank import ledger, services
from coproduce.timebank.ledger import Leg
from coproduce.timebank.models import Account, AccountKind, Entry, Transfer, TransferKind
from tests.conftest import World
from tests.timebank.factories import join, member

pytestmark = pytest.mark.django_db

transfer_op = st.tuples(
    st.just("transfer"), st.integers(0, 3), st.integers(0, 3), st.integers(1, 200)
)
cross_op = st.tuples(st.just("cross"), st.integers(0, 3), st.integers(0, 1), st.integers(1, 200))
reverse_op = st.tuples(st.just("reverse"), st.integers(0, 20), st.just(0), st.just(0))
group_op = st.tuples(
    st.just("group"), st.integers(0, 3), st.sampled_from([0, 1]), st.integers(1, 120)
)
operations = st.lists(st.one_of(transfer_op, cross_op, reverse_op, group_op), max_size=25)


def _assert_ledger_whole() -> None:
    per_bank = Entry.objects.values("account__organisation_id").annotate(total=Sum("amount"))
    assert all(row["total"] == 0 for row in per_bank)
    per_transfer = Entry.objects.values("transfer_id").annotate(total=Sum("amount"))
    assert all(row["total"] == 0 for row in per_transfer)
    sums = dict(
        Entry.objects.values("account_id")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "total")
    )
    for account in Account.objects.all():
        assert account.balance == (sums.get(account.pk) or 0)
        assert account.floor is None or account.balance >= account.floor
        assert account.ceiling is None or account.balance <= account.ceiling


def test_random_ledger_operations_keep_every_invariant(world: World) -> None:
    coordinator = world.viewer("coordinator")
    ledger.limits_set_for_organisation(
        viewer=coordinator, organisation=world.org, floor=-240, ceiling=300, reason="Tight"
    )
    locals_ = [member(world, name) for name in ("Ana", "Ben", "Cai", "Dee")]
    outsider = world.outsider
    assert outsider is not None
    remote = [
        join(world.other_org, f"Remote {n}", f"remote{n}@tb.example.org", outsider)
        for n in range(2)
    ]
    other_admin = world.viewer("outsider")
    agreement = services.agreement_propose(
        viewer=world.viewer("admin"), organisation=world.org, other=world.other_org
    )
    services.agreement_sign(viewer=other_admin, agreement_id=agreement.pk)
    with transaction.atomic():
        local_accounts = [ledger.member_account(m) for m in locals_]
        remote_accounts = [ledger.member_account(m) for m in remote]
    clearing_here = Account.objects.get(
        organisation=world.org, kind=AccountKind.CLEARING, counterparty=world.other_org
    )
    clearing_there = Account.objects.get(
        organisation=world.other_org, kind=AccountKind.CLEARING, counterparty=world.org
    )

    def attempt(op: tuple[str, int, int, int], posted: list[Transfer]) -> None:
        name, a, b, amount = op
        if name == "transfer":
            legs = [Leg(local_accounts[a], -amount), Leg(local_accounts[b], amount)]
            posted.append(
                ledger.transfer_post(
                    legs=legs,
                    kind=TransferKind.EXCHANGE,
                    reason="p",
                    operator=None,
                    books={world.org.pk},
                )
            )
        elif name == "cross":
            legs = [
                Leg(local_accounts[a], -amount),
                Leg(clearing_here, amount),
                Leg(clearing_there, -amount),
                Leg(remote_accounts[b], amount),
            ]
            posted.append(
                ledger.transfer_post(
                    legs=legs,
                    kind=TransferKind.CROSS_BANK,
                    reason="p",
                    operator=None,
                    books={world.org.pk, world.other_org.pk},
                )
            )
        elif name == "reverse" and posted:
            original = posted[a % len(posted)]
            posted.append(
                services.transfer_reverse(
                    viewer=coordinator, transfer_id=original.pk, reason="undo"
                )
            )
        elif name == "group":
            host: Membership | None = locals_[a] if b else None
            participants = [m for m in locals_ if m != host][: 1 + a]
            services.group_exchange_record(
                viewer=coordinator,
                organisation=world.org,
                host=host,
                participants=participants,
                minutes_each=amount,
                direction="hub_pays",
                description="Group session",
            )

    @settings(
        max_examples=40,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(operations)
    def run(ops: list[tuple[str, int, int, int]]) -> None:
        with transaction.atomic():
            posted: list[Transfer] = []
            for op in ops:
                before = (Transfer.objects.count(), Entry.objects.count())
                try:
                    with transaction.atomic():
                        attempt(op, posted)
                except (InvalidInput, Conflict):
                    assert (Transfer.objects.count(), Entry.objects.count()) == before
                _assert_ledger_whole()
            transaction.set_rollback(True)

    run()


def test_a_group_session_with_one_bad_leg_posts_nothing(world: World) -> None:
    ana, ben, cai = (member(world, name) for name in ("Ana", "Ben", "Cai"))
    coordinator = world.viewer("coordinator")
    ledger.limits_set_for_account(
        viewer=coordinator,
        account_id=ledger.member_account(cai).pk,
        floor=-600,
        ceiling=30,
        reason="Test",
    )
    kwargs: dict[str, Any] = {
        "viewer": coordinator,
        "organisation": world.org,
        "participants": [ana, ben, cai],
        "minutes_each": 60,
        "direction": "hub_pays",
        "description": "Gardening club",
    }
    with pytest.raises(InvalidInput) as error:
        services.group_exchange_record(**kwargs)
    assert error.value.message == (
        "Cai's balance would rise above 0:30, the limit set by Holy Cross Time Bank."
    )
    assert not Transfer.objects.exists()
    assert not Entry.objects.exists()
