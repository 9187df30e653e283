"""A coordinator brokers an exchange between two members on the pages, start to finish."""

from __future__ import annotations

import pytest
from django.urls import reverse

from coproduce.timebank.models import Exchange, ExchangeStatus, Transfer
from tests.conftest import World
from tests.timebank.factories import member

pytestmark = pytest.mark.django_db


def test_a_coordinator_arranges_accepts_records_and_confirms(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    client = world.client("coordinator")
    url = reverse("timebank:exchange_arrange", args=[world.org.pk])
    response = client.post(
        url,
        {
            "provider": ana.number.lower(),
            "receiver": f" {ben.number} ",
            "hours": "1:30",
            "description": "Weekly shop",
        },
    )
    exchange = Exchange.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("timebank:exchange_detail", args=[exchange.pk])
    assert (exchange.provider, exchange.receiver, exchange.minutes) == (ana, ben, 90)
    assert exchange.proposed_by == world.people["coordinator"]

    for action, data in [("accept", {}), ("claim", {"hours": "1:30"}), ("confirm", {})]:
        step = reverse("timebank:exchange_action", args=[exchange.pk, action])
        assert client.post(step, data).status_code == 302, action
    exchange.refresh_from_db()
    assert exchange.status == ExchangeStatus.POSTED
    transfer = Transfer.objects.get(exchange=exchange)
    assert (transfer.amount, transfer.operator) == (90, world.people["coordinator"])


def test_an_unknown_number_is_named_and_nothing_is_arranged(world: World) -> None:
    ana = member(world, "Ana")
    response = world.client("coordinator").post(
        reverse("timebank:exchange_arrange", args=[world.org.pk]),
        {"provider": ana.number, "receiver": "ZZ999", "hours": "1:00", "description": "x"},
    )
    assert response.status_code == 200
    assert "receiver" in response.context["form"].errors
    assert not Exchange.objects.exists()
