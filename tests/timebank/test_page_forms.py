"""The time bank's pages bind a form, call one service and show its errors; what an exchange
page offers comes from ``exchange_actions_for``, the rules the services enforce."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from coproduce.errors import Conflict, PermissionDenied
from coproduce.people.models import Person
from coproduce.people.permissions import Viewer, viewer_for
from coproduce.timebank import services
from coproduce.timebank.models import Agreement, Exchange, ExchangeStatus, Listing
from tests.conftest import World
from tests.timebank.factories import claimed_exchange, member, viewer

pytestmark = pytest.mark.django_db


def _client(membership: Any) -> Client:
    client = Client()
    client.force_login(membership.person.user)
    return client


def _offer(world: World, owner: Any) -> Listing:
    return services.listing_create(
        viewer=viewer(owner),
        organisation=world.org,
        kind="offer",
        title="Gardening help",
        category="gardening",
    )


# --- one service per POST -----------------------------------------------------------------------


def test_editing_a_closed_listing_back_to_active_changes_nothing(world: World) -> None:
    """The fields and the status are one transaction: a refused status change leaves the
    title as it was (it used to be saved, then the status refused)."""
    ana = member(world, "Ana")
    listing = _offer(world, ana)
    services.listing_status_set(viewer=viewer(ana), listing_id=listing.pk, status="closed")
    client = _client(ana)
    response = client.post(
        reverse("timebank:listing_edit", args=[listing.pk]),
        {"title": "Hedge trimming", "category": "gardening", "status": "active"},
    )
    assert response.status_code == 200
    assert "This has been closed. Post a new one instead." in response.content.decode()
    listing.refresh_from_db()
    assert (listing.title, listing.status) == ("Gardening help", "closed")


def test_listing_edit_refused_status_rolls_back_the_fields(world: World) -> None:
    ana = member(world, "Ana")
    listing = _offer(world, ana)
    services.listing_status_set(viewer=viewer(ana), listing_id=listing.pk, status="closed")
    with pytest.raises(Conflict, match=r"This has been closed\. Post a new one instead\."):
        services.listing_edit(
            viewer=viewer(ana),
            listing_id=listing.pk,
            title="Hedge trimming",
            category="gardening",
            status="active",
        )
    listing.refresh_from_db()
    assert listing.title == "Gardening help"


def test_editing_a_listing_saves_fields_and_status_together(world: World) -> None:
    ana = member(world, "Ana")
    listing = _offer(world, ana)
    client = _client(ana)
    response = client.post(
        reverse("timebank:listing_edit", args=[listing.pk]),
        {"title": "Hedge trimming", "category": "gardening", "status": "paused"},
    )
    assert response.status_code == 302
    listing.refresh_from_db()
    assert (listing.title, listing.status) == ("Hedge trimming", "paused")


def test_an_empty_post_to_offer_help_shows_the_required_fields(world: World) -> None:
    ana = member(world, "Ana")
    client = _client(ana)
    response = client.post(reverse("timebank:listing_create", args=[world.org.pk]), {})
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["title"] == ["This field is required."]
    assert errors["category"] == ["This field is required."]
    assert not Listing.objects.exists()


# --- the sign button ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sign", "message"),
    [
        ("abc", "Sign: Enter a whole number."),
        ("", "Sign: This field is required."),
        ("0", "Sign: Ensure this value is greater than or equal to 1."),
        (str(2**64), "Sign: Ensure this value is less than or equal to 9223372036854775807."),
    ],
)
def test_a_bad_agreement_to_sign_is_a_400_naming_the_field(
    world: World, sign: str, message: str
) -> None:
    response = world.client("coordinator").post(
        reverse("timebank:agreements", args=[world.org.pk]), {"sign": sign}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Agreement.objects.filter(signed_at__isnull=False).exists()


def test_signing_an_agreement_on_the_page(world: World) -> None:
    agreement = services.agreement_propose(
        viewer=world.viewer("outsider"), organisation=world.other_org, other=world.org
    )
    response = world.client("admin").post(
        reverse("timebank:agreements", args=[world.org.pk]), {"sign": str(agreement.pk)}
    )
    assert response.status_code == 302
    agreement.refresh_from_db()
    assert agreement.signed_at is not None


# --- what the exchange page offers --------------------------------------------------------------


class _Rollback(Exception):
    pass


CALLS: dict[str, Callable[[Viewer, int], Any]] = {
    "accept": lambda v, pk: services.exchange_accept(viewer=v, exchange_id=pk),
    "decline": lambda v, pk: services.exchange_decline(viewer=v, exchange_id=pk),
    "cancel": lambda v, pk: services.exchange_cancel(viewer=v, exchange_id=pk),
    "claim": lambda v, pk: services.exchange_claim(viewer=v, exchange_id=pk, minutes=30),
    "confirm": lambda v, pk: services.exchange_confirm(viewer=v, exchange_id=pk),
    "dispute": lambda v, pk: services.exchange_dispute(viewer=v, exchange_id=pk, reason="No"),
    "resolve": lambda v, pk: services.exchange_resolve(
        viewer=v, exchange_id=pk, outcome="cancel", note="Settled"
    ),
}


def _service_allows(action: str, who: Viewer, exchange_id: int) -> bool:
    """Whether the service does it (then undone)."""
    try:
        with transaction.atomic():
            CALLS[action](who, exchange_id)
            raise _Rollback
    except _Rollback:
        return True
    except (PermissionDenied, Conflict):
        return False


def _exchanges(world: World) -> dict[str, Exchange]:
    """One exchange in each live state, Ben giving Ana time, proposed by Ana; claimed by
    Ben."""
    ana, ben = member(world, "Ana"), member(world, "Ben")
    found = {}
    for status in ("proposed", "accepted", "claimed", "disputed"):
        exchange = services.exchange_propose(
            viewer=viewer(ana), provider=ben, receiver=ana, minutes=30, description=status
        )
        if status != "proposed":
            services.exchange_accept(viewer=viewer(ben), exchange_id=exchange.pk)
        if status in {"claimed", "disputed"}:
            services.exchange_claim(viewer=viewer(ben), exchange_id=exchange.pk, minutes=30)
        if status == "disputed":
            services.exchange_dispute(viewer=viewer(ana), exchange_id=exchange.pk, reason="No")
        found[status] = Exchange.objects.select_related("provider__person", "receiver__person").get(
            pk=exchange.pk
        )
    return found


def test_the_actions_offered_are_exactly_those_the_services_allow(world: World) -> None:
    exchanges = _exchanges(world)
    ana, ben = member_viewer(world, "Ana"), member_viewer(world, "Ben")
    viewers = {"Ana": ana, "Ben": ben, "coordinator": world.viewer("coordinator")}
    for status, exchange in exchanges.items():
        for name, who in viewers.items():
            offered = services.exchange_actions_for(viewer=who, exchange=exchange)
            allowed = [a for a in services.EXCHANGE_ACTIONS if _service_allows(a, who, exchange.pk)]
            assert offered == allowed, (status, name)


def member_viewer(world: World, name: str) -> Viewer:
    return viewer_for(Person.objects.get(preferred_name=name).user)


def test_the_actions_for_each_state(world: World) -> None:
    exchanges = _exchanges(world)
    ana, ben = member_viewer(world, "Ana"), member_viewer(world, "Ben")
    coordinator = world.viewer("coordinator")

    def actions(status: str, who: Viewer) -> list[str]:
        return services.exchange_actions_for(viewer=who, exchange=exchanges[status])

    assert actions("proposed", ana) == ["cancel"]
    assert actions("proposed", ben) == ["accept", "decline", "cancel"]
    assert actions("proposed", coordinator) == ["accept", "decline", "cancel"]
    assert actions("accepted", ana) == ["cancel", "claim"]
    # a coordinator brokering the exchange records the hours for the two people
    assert actions("accepted", coordinator) == ["cancel", "claim"]
    assert actions("claimed", ben) == []
    assert actions("claimed", ana) == ["confirm", "dispute"]
    assert actions("claimed", coordinator) == ["confirm", "dispute"]
    assert actions("disputed", ana) == []
    assert actions("disputed", coordinator) == ["resolve"]
    assert actions("proposed", world.viewer("outsider")) == []


def test_the_exchange_page_shows_the_buttons_of_exchange_actions_for(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    exchange = claimed_exchange(ben, ana, 30)
    client = _client(ana)
    response = client.get(reverse("timebank:exchange_detail", args=[exchange.pk]))
    assert response.context["actions"] == [
        ("confirm", "Confirm the hours"),
        ("dispute", "Dispute the hours"),
    ]
    assert response.context["may_resolve"] is False
    client.force_login(ben.person.user)
    response = client.get(reverse("timebank:exchange_detail", args=[exchange.pk]))
    assert response.context["actions"] == []
    services.exchange_dispute(viewer=viewer(ana), exchange_id=exchange.pk, reason="No")
    response = world.client("coordinator").get(
        reverse("timebank:exchange_detail", args=[exchange.pk])
    )
    assert response.context["actions"] == []
    assert response.context["may_resolve"] is True
    assert Exchange.objects.get(pk=exchange.pk).status == ExchangeStatus.DISPUTED


def test_a_member_cannot_open_the_resolve_page(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    exchange = claimed_exchange(ben, ana, 30)
    services.exchange_dispute(viewer=viewer(ana), exchange_id=exchange.pk, reason="No")
    client = _client(ana)
    response = client.get(reverse("timebank:exchange_resolve", args=[exchange.pk]))
    assert response.status_code == 403
    assert "You cannot do that" in response.content.decode()
