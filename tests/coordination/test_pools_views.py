"""Pooled personal budget pages: the list, the pool as each reader sees it, contributing
(with amounts parsed strictly), a spend with its confirmation, closing with its
confirmation, and recording a budget."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coproduce.coordination.models import PoolShare, PoolSpend, PoolStatus
from coproduce.coordination.selectors import pools as selectors
from coproduce.timebank.ledger import ledger_differences
from coproduce.timebank.models import Account, Entry, Transfer
from tests.coordination.factories import member
from tests.coordination.factories_pools import budget_holder, contribute, pool_of, pooled

pytestmark = pytest.mark.django_db


def _client(membership: Any) -> Client:
    client = Client()
    client.force_login(membership.person.user)
    return client


def _written() -> tuple[int, int, int, int]:
    return (
        Transfer.objects.count(),
        Entry.objects.count(),
        PoolShare.objects.count(),
        PoolSpend.objects.count(),
    )


def _budget_left(membership: Any) -> int:
    account = selectors.budget_account_of(membership.pk)
    assert account is not None
    return Account.objects.get(pk=account.pk).balance


def test_a_coordinator_sees_every_share_by_name_with_a_chart(world: Any) -> None:
    pool, _ = pooled(world)
    page = world.client("coordinator").get(reverse("coordination:pool_detail", args=[pool.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    for name in ("Ana Pooler", "Ben Pooler", "Cai Pooler"):
        assert name in html
    assert "What remains of each share in" in html
    assert "Show the figures as a table" in html
    assert "£600" in html  # left in the shares
    assert "in proportion to what each still holds" in html


def test_a_contributor_sees_the_spending_and_their_own_share_not_the_others(world: Any) -> None:
    pool, (ana, _ben, _cai) = pooled(world)
    from coproduce.coordination.services import pools

    pools.pool_spend(
        viewer=world.viewer("coordinator"),
        pool_id=pool.pk,
        amount=6_000,
        description="Sessional gardener, March",
        spent_on=timezone.localdate(),
    )
    html = _client(ana).get(reverse("coordination:pool_detail", args=[pool.pk])).content.decode()
    assert "Your share" in html
    assert "Sessional gardener, March" in html
    assert "From your share" in html and "£30" in html  # her half of the £60 spend
    assert "Ben Pooler" not in html and "Cai Pooler" not in html
    assert "only coordinators see everyone's shares" in html
    # Someone with a budget but no share sees the open pool's totals, not the names.
    dee = budget_holder(world, "Dee Holder")
    html = _client(dee).get(reverse("coordination:pool_detail", args=[pool.pk])).content.decode()
    assert "Ana Pooler" not in html and "Your share" not in html
    assert "Contribute" in html


def test_another_organisation_gets_not_found(world: Any) -> None:
    pool, _ = pooled(world)
    for name in ("pool_detail", "pool_contribute", "pool_spend", "pool_close"):
        response = world.client("outsider").get(reverse(f"coordination:{name}", args=[pool.pk]))
        assert response.status_code == 404


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "Enter an amount more than £0.00."),
        ("0", "Enter an amount more than £0.00."),
        ("0.00", "Enter an amount more than £0.00."),
        ("12.345", "Enter pounds and pence with at most two decimal places, like 12.50."),
        ("1e5", "Enter an amount in pounds and pence, like 12.50."),
        ("twelve", "Enter an amount in pounds and pence, like 12.50."),
        ("99999999999999999999", "Enter an amount of £1,000,000.00 or less."),
        ("", "Enter the amount, like 12.50."),
    ],
)
def test_a_bad_amount_gets_a_clear_message_and_writes_nothing(
    world: Any, typed: str, message: str
) -> None:
    pool = pool_of(world)
    ana = budget_holder(world)
    before = _written()
    response = _client(ana).post(
        reverse("coordination:pool_contribute", args=[pool.pk]), {"amount": typed}
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert _written() == before


def test_a_contribution_above_the_budget_is_refused_on_the_page(world: Any) -> None:
    pool = pool_of(world)
    ana = budget_holder(world, pence=2_000)
    before = _written()
    response = _client(ana).post(
        reverse("coordination:pool_contribute", args=[pool.pk]), {"amount": "20.01"}
    )
    assert (
        "You have £20.00 left of the personal budget: a contribution of £20.01 is more than that."
        in response.content.decode()
    )
    assert _written() == before
    response = _client(ana).post(
        reverse("coordination:pool_contribute", args=[pool.pk]), {"amount": "£12.50"}
    )
    assert response.status_code == 302
    assert _budget_left(ana) == 750


def test_a_coordinator_contributes_for_someone_who_agreed(world: Any) -> None:
    pool = pool_of(world)
    ana = budget_holder(world, "Ana Agrees")
    url = reverse("coordination:pool_contribute", args=[pool.pk])
    client = world.client("coordinator")
    response = client.post(url, {"number": ana.number.lower(), "amount": "10"})
    assert "Confirm that Ana Agrees has agreed" in response.content.decode()
    assert not PoolShare.objects.exists()
    response = client.post(url, {"number": ana.number, "amount": "10", "agreed": "on"})
    assert response.status_code == 302
    assert _budget_left(ana) == 100_000 - 1_000


def test_a_spend_is_confirmed_with_each_shares_part_before_it_is_recorded(world: Any) -> None:
    pool, holders = pooled(world)
    url = reverse("coordination:pool_spend", args=[pool.pk])
    client = world.client("coordinator")
    today = timezone.localdate().isoformat()
    data = {"amount": "100.01", "description": "Seeds", "spent_on": today}
    before = _written()
    preview = client.post(url, data)
    html = preview.content.decode()
    assert preview.status_code == 200
    assert "Confirm the spend" in html
    assert "£50" in html and "£33.34" in html and "£16.67" in html
    assert 'name="confirmed" value="yes"' in html and 'value="100.01"' in html
    assert _written() == before
    done = client.post(url, {**data, "confirmed": "yes"})
    assert done.status_code == 302
    assert PoolSpend.objects.get().transfer.amount == 10_001
    too_much = client.post(url, {**data, "amount": "1000"})
    assert "The pool holds £499.99; a spend of £1000.00 is more than that." in (
        too_much.content.decode()
    )
    assert ledger_differences() == []
    assert holders


def test_closing_asks_first_then_returns_each_share(world: Any) -> None:
    pool, (ana, ben, cai) = pooled(world)
    url = reverse("coordination:pool_close", args=[pool.pk])
    client = world.client("coordinator")
    page = client.get(url)
    html = page.content.decode()
    assert "Closing cannot be undone" in html and "£600 in all" in html
    client.post(url, {})  # no confirmation: nothing happens
    pool.refresh_from_db()
    assert pool.status == PoolStatus.OPEN
    assert client.post(url, {"confirmed": "yes"}).status_code == 302
    pool.refresh_from_db()
    assert pool.status == PoolStatus.CLOSED
    assert [_budget_left(m) for m in (ana, ben, cai)] == [100_000] * 3
    # Closed: the pages that change it answer a conflict.
    assert client.get(url).status_code == 409
    assert client.get(reverse("coordination:pool_spend", args=[pool.pk])).status_code == 409


def test_a_coordinator_records_a_budget_by_membership_number(world: Any) -> None:
    ana = member(world, "Ana Budget")
    url = reverse("coordination:budget_allocate", args=[world.org.pk])
    client = world.client("coordinator")
    bad = client.post(url, {"number": "XYZ99999", "amount": "10"})
    assert "No member of this organisation has the number “XYZ99999”." in bad.content.decode()
    assert client.post(url, {"number": ana.number, "amount": "1,250.50"}).status_code == 302
    assert _budget_left(ana) == 125_050
    listing = client.get(reverse("coordination:budget_list", args=[world.org.pk]))
    assert "Ana Budget" in listing.content.decode() and "£1,250.50" in listing.content.decode()
    # Ana sees her own budget only; a member without one is told so.
    own = _client(ana).get(reverse("coordination:budget_list", args=[world.org.pk]))
    assert "Your personal budget" in own.content.decode()
    assert "Budget holders" not in own.content.decode()
    none = world.client("member").get(reverse("coordination:budget_list", args=[world.org.pk]))
    assert "No personal budget is recorded for you here." in none.content.decode()


def test_the_lists_run_a_fixed_number_of_queries(world: Any) -> None:
    pool_list = reverse("coordination:pool_list", args=[world.org.pk])
    budgets = reverse("coordination:budget_list", args=[world.org.pk])
    client = world.client("coordinator")
    pooled(world)
    client.get(pool_list)

    def count(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    first = (count(pool_list), count(budgets))
    pooled(world)
    contribute(world, pool_of(world), budget_holder(world), 100)
    assert (count(pool_list), count(budgets)) == first
