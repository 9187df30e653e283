"""The pooled budgets API: the same services and privacy as the pages, money in pence."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from coproduce.coordination.models import PoolShare
from coproduce.timebank.ledger import ledger_differences
from coproduce.timebank.models import Entry, Transfer
from tests.coordination.factories import member
from tests.coordination.factories_pools import budget_holder, pool_of, pooled

pytestmark = pytest.mark.django_db
API = "/api/v1/coordination"


def _post(client: Any, path: str, data: dict[str, Any]) -> Any:
    return client.post(f"{API}{path}", data=json.dumps(data), content_type="application/json")


def _client(membership: Any) -> Client:
    client = Client()
    client.force_login(membership.person.user)
    return client


def test_a_budget_a_pool_a_contribution_a_spend_and_closing(world: Any) -> None:
    client = world.client("coordinator")
    ana = member(world, "Ana Api")
    response = _post(
        client,
        f"/organisations/{world.org.pk}/budgets",
        {"number": ana.number, "amount_pence": 50_000},
    )
    assert response.status_code == 201, response.content
    assert response.json()["remaining_pence"] == 50_000
    response = _post(
        client, f"/organisations/{world.org.pk}/pools", {"name": "Cooking", "purpose": "Together"}
    )
    assert response.status_code == 201
    pool_id = response.json()["id"]
    response = _post(_client(ana), f"/pools/{pool_id}/contributions", {"amount_pence": 20_000})
    assert response.status_code == 201, response.content
    assert response.json()["own_share"]["remaining_pence"] == 20_000
    assert response.json()["you_are"] == "contributor"
    assert response.json()["shares"] == []
    today = timezone.localdate().isoformat()
    response = _post(
        client,
        f"/pools/{pool_id}/spends",
        {"amount_pence": 5_000, "description": "Ingredients", "spent_on": today},
    )
    assert response.status_code == 201
    assert response.json()["amount_pence"] == 5_000
    spends = client.get(f"{API}/pools/{pool_id}/spends").json()
    assert [s["description"] for s in spends["items"]] == ["Ingredients"]
    body = client.get(f"{API}/pools/{pool_id}").json()
    assert [s["name"] for s in body["shares"]] == ["Ana Api"]
    response = _post(client, f"/pools/{pool_id}/close", {})
    assert response.json()["status"] == "closed"
    mine = _client(ana).get(f"{API}/organisations/{world.org.pk}/budgets/mine").json()
    assert mine["remaining_pence"] == 45_000 and mine["allocated_pence"] == 50_000
    holders = client.get(f"{API}/organisations/{world.org.pk}/budgets").json()
    assert holders["count"] == 1 and holders["items"][0]["name"] == "Ana Api"
    assert ledger_differences() == []


def test_a_contribution_above_the_budget_is_a_400_naming_the_field(world: Any) -> None:
    pool = pool_of(world)
    ana = budget_holder(world, pence=1_000)
    before = (Transfer.objects.count(), Entry.objects.count(), PoolShare.objects.count())
    response = _post(_client(ana), f"/pools/{pool.pk}/contributions", {"amount_pence": 1_001})
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid",
        "message": "You have £10.00 left of the personal budget: a contribution of £10.01 is "
        "more than that.",
        "field": "amount_pence",
    }
    for bad in (0, -1, 1.5, "100", 10**20):
        response = _post(_client(ana), f"/pools/{pool.pk}/contributions", {"amount_pence": bad})
        assert response.status_code in (400, 422), bad
    assert (Transfer.objects.count(), Entry.objects.count(), PoolShare.objects.count()) == before


def test_members_never_get_other_members_shares(world: Any) -> None:
    pool, (ana, _ben, _cai) = pooled(world)
    body = _client(ana).get(f"{API}/pools/{pool.pk}").json()
    assert body["shares"] == [] and body["own_share"]["name"] == "Ana Pooler"
    assert body["contributors"] == 3 and body["remaining_pence"] == 60_000
    assert _client(ana).get(f"{API}/organisations/{world.org.pk}/budgets").status_code == 403
    assert world.client("outsider").get(f"{API}/pools/{pool.pk}").status_code == 404
