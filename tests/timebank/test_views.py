"""The pages and the API: thin layers over the services, with the right messages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from coproduce.timebank import ledger, services
from coproduce.timebank.models import Exchange, ExchangeStatus, Listing, Transfer
from tests.conftest import World
from tests.timebank.factories import give, member, membership_of, viewer

pytestmark = pytest.mark.django_db


def _client(membership: Any) -> Client:
    client = Client()
    client.force_login(membership.person.user)
    return client


def _offer(world: World, owner: Any, title: str = "Gardening help") -> Listing:
    return services.listing_create(
        viewer=viewer(owner),
        organisation=world.org,
        kind="offer",
        title=title,
        category="gardening",
    )


def test_the_dashboard_shows_the_members_balance(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    give(world, ana, ben, 90)
    response = _client(ana).get(reverse("timebank:dashboard", args=[world.org.pk]))
    assert response.status_code == 200
    assert '<span class="figure-value" data-testid="balance">\u22121:30</span>' in (
        response.content.decode()
    )


def test_proposing_an_exchange_from_an_offer(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    listing = _offer(world, ana)
    response = _client(ben).post(
        reverse("timebank:exchange_propose", args=[listing.pk]),
        {"hours": "1:30", "description": "Please help with my hedge"},
    )
    exchange = Exchange.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("timebank:exchange_detail", args=[exchange.pk])
    assert (exchange.provider, exchange.receiver, exchange.minutes) == (ana, ben, 90)
    assert exchange.listing == listing


def test_zero_hours_on_the_page_show_the_services_message(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    listing = _offer(world, ana)
    response = _client(ben).post(
        reverse("timebank:exchange_propose", args=[listing.pk]),
        {"hours": "0", "description": "x"},
    )
    assert response.status_code == 200
    assert "The hours must be more than zero." in response.content.decode()
    assert not Exchange.objects.exists()


def test_confirming_on_the_page_posts_the_transfer(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    from tests.timebank.factories import claimed_exchange

    exchange = claimed_exchange(ana, ben, 45)
    url = reverse("timebank:exchange_action", args=[exchange.pk, "confirm"])
    assert "Confirm and post the hours" in _client(ben).get(url).content.decode()
    response = _client(ben).post(url, {})
    assert response.status_code == 302
    exchange.refresh_from_db()
    assert exchange.status == ExchangeStatus.POSTED
    assert Transfer.objects.get().amount == 45


def test_the_claimer_confirming_on_the_page_gets_403_with_the_reason(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    from tests.timebank.factories import claimed_exchange

    exchange = claimed_exchange(ana, ben, 45)
    response = _client(ana).post(
        reverse("timebank:exchange_action", args=[exchange.pk, "confirm"]), {}
    )
    assert response.status_code == 403
    assert "Only Ben, the other party to this exchange" in response.content.decode()
    assert not Transfer.objects.exists()


def test_the_statement_is_a_csv_with_a_running_balance(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    give(world, ana, ben, 90)
    give(world, ben, ana, 30)
    response = _client(ana).get(reverse("timebank:statement", args=[world.org.pk]))
    assert response["Content-Type"].startswith("text/csv")
    lines = b"".join(response.streaming_content).decode().strip().splitlines()  # type: ignore[arg-type]
    assert lines[0] == "date,transfer,kind,description,hours,balance"
    assert lines[1].endswith(",-1:30,-1:30")
    assert lines[2].endswith(",0:30,-1:00")


def test_browsing_listings_takes_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    ana = member(world, "Ana")
    for n in range(30):
        _offer(world, ana, f"Offer number {n}")
    client = _client(ana)
    url = reverse("timebank:listing_browse", args=[world.org.pk])
    with django_assert_max_num_queries(12):
        response = client.get(url, {"q": "offer"})
    assert response.status_code == 200
    assert "30 found" in response.content.decode()


def test_the_transfer_list_takes_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    for _ in range(30):
        give(world, ana, ben, 5)
    client = world.client("coordinator")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("timebank:transfer_list", args=[world.org.pk]))
    assert response.status_code == 200


def test_statistics_page_draws_charts_with_tables(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    from tests.timebank.factories import claimed_exchange

    exchange = claimed_exchange(ana, ben, 60)
    services.exchange_confirm(viewer=viewer(ben), exchange_id=exchange.pk)
    response = world.client("manager").get(reverse("timebank:statistics", args=[world.org.pk]))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Hours exchanged by month" in body
    assert "<svg" in body and '<th scope="row">' in body
    assert "Staff participation" in body


def test_recording_a_group_session_on_the_page(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    response = world.client("staff").post(
        reverse("timebank:record_group", args=[world.org.pk]),
        {
            "participants": f"{ana.number}, {ben.number}",
            "hours": "1",
            "direction": "hub_pays",
            "description": "Knit and natter",
        },
    )
    assert response.status_code == 302
    transfer = Transfer.objects.get()
    assert sorted(transfer.entries.values_list("amount", flat=True)) == [-120, 60, 60]


def test_reversing_on_the_page_asks_first_then_reverses(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    give(world, ana, ben, 60)
    transfer = Transfer.objects.get()
    client = world.client("coordinator")
    url = reverse("timebank:transfer_reverse", args=[transfer.pk])
    assert "Are you sure" in client.get(url).content.decode()
    assert client.post(url, {"reason": "Keyed twice"}).status_code == 302
    assert Transfer.objects.filter(reverses=transfer).exists()


def test_a_party_to_a_transfer_sees_it_but_may_not_reverse_it_on_the_page(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    give(world, ana, ben, 60)
    transfer = Transfer.objects.get()
    response = _client(ana).get(reverse("timebank:transfer_reverse", args=[transfer.pk]))
    assert response.status_code == 403
    assert (
        "You need to be a coordinator or above of this organisation to reverse transfers."
        in response.content.decode()
    )
    assert not Transfer.objects.filter(reverses=transfer).exists()


def test_api_transfer_past_the_limit_answers_400_in_the_error_format(world: World) -> None:
    ana = member(world, "Ana")
    staff = membership_of(world, "staff")
    from_account = ledger.member_account(ana).pk
    to_account = ledger.member_account(staff).pk
    response = _client(ana).post(
        "/api/v1/timebank/transfers",
        {"from_account": from_account, "to_account": to_account, "minutes": 601, "reason": "x"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN="x",
    )
    assert response.status_code == 400
    assert response.json() == {
        "error": {
            "code": "invalid",
            "message": "Ana's balance would fall below \u221210:00, the limit set by "
            "Holy Cross Time Bank.",
            "field": "amount",
        }
    }
    assert not Transfer.objects.exists()


def test_the_dashboard_and_queue_take_a_fixed_number_of_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    from tests.timebank.factories import claimed_exchange

    ana = member(world, "Ana")
    others = [member(world, name) for name in ("Ben", "Cai", "Dee", "Eve", "Fay")]
    for other in others:
        claimed_exchange(other, ana, 30)
        _offer(world, ana, f"Offer to {other.person.display_name}")
    client, coordinator = _client(ana), world.client("coordinator")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("timebank:dashboard", args=[world.org.pk]))
    assert response.status_code == 200
    assert response.content.decode().count("Help with the garden") == 5
    with django_assert_max_num_queries(12):
        response = coordinator.get(reverse("timebank:queue", args=[world.org.pk]))
    assert response.content.decode().count("Help with the garden") == 5
