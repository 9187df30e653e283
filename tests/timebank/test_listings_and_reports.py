"""Offers and requests (search, filters, 404 for inactive), dashboards and statistics."""

from __future__ import annotations

import pytest

from coproduce.errors import NotFound, PermissionDenied
from coproduce.people import services as people_services
from coproduce.timebank import ledger, selectors, services
from coproduce.timebank.ledger import Leg
from coproduce.timebank.models import (
    AccountKind,
    Category,
    Listing,
    ListingKind,
    ListingStatus,
    Transfer,
    TransferKind,
    Unit,
)
from tests.conftest import World
from tests.timebank.factories import claimed_exchange, member, viewer

pytestmark = pytest.mark.django_db


def _offer(world: World, who: object, title: str, **extra: object) -> Listing:
    return services.listing_create(
        viewer=viewer(who),  # type: ignore[arg-type]
        organisation=world.org,
        kind=extra.pop("kind", ListingKind.OFFER),  # type: ignore[arg-type]
        title=title,
        category=extra.pop("category", Category.GARDENING),  # type: ignore[arg-type]
        **extra,  # type: ignore[arg-type]
    )


def test_search_finds_words_and_prefixes_and_ignores_operators(world: World) -> None:
    ana = member(world, "Ana")
    garden = _offer(world, ana, "Gardening help", description="Weeding and mowing lawns")
    _offer(world, ana, "Lifts to hospital", category=Category.TRANSPORT)
    browse = selectors.listing_browse
    me = viewer(ana)
    assert list(browse(viewer=me, search="mowing")) == [garden]
    assert list(browse(viewer=me, search="garden")) == [garden]
    assert list(browse(viewer=me, search='weeding "OR" NEAR(')) == []
    assert list(browse(viewer=me, search="lawns weeding")) == [garden]
    assert [x.title for x in browse(viewer=me, category=Category.TRANSPORT)] == [
        "Lifts to hospital"
    ]


def test_search_follows_edits(world: World) -> None:
    ana = member(world, "Ana")
    listing = _offer(world, ana, "Gardening help")
    services.listing_update(
        viewer=viewer(ana), listing_id=listing.pk, title="Sewing repairs", category="creative"
    )
    assert list(selectors.listing_browse(viewer=viewer(ana), search="garden")) == []
    assert list(selectors.listing_browse(viewer=viewer(ana), search="sewing")) == [listing]


def test_paused_listings_and_those_of_inactive_members_answer_404(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    paused = _offer(world, ana, "Paused")
    services.listing_status_set(viewer=viewer(ana), listing_id=paused.pk, status="paused")
    ben_offer = _offer(world, ben, "Ben's offer")
    cal_offer = _offer(world, member(world, "Cal"), "Cal's offer")
    people_services.membership_status_set(
        viewer=world.viewer("coordinator"), membership_id=ben.pk, status="left"
    )
    with pytest.raises(NotFound):
        selectors.listing_get(viewer=world.viewer("member"), listing_id=paused.pk)
    with pytest.raises(NotFound):
        selectors.listing_get(viewer=world.viewer("member"), listing_id=ben_offer.pk)
    assert selectors.listing_get(viewer=viewer(ana), listing_id=paused.pk) == paused
    assert list(selectors.listing_browse(viewer=world.viewer("member"))) == [cal_offer]
    found = selectors.listing_browse(viewer=world.viewer("member"), search="offer")
    assert (list(found), found.count()) == ([cal_offer], 1)
    with pytest.raises(NotFound):
        selectors.listing_get(viewer=world.viewer("outsider"), listing_id=ben_offer.pk)


def test_only_the_owner_or_a_coordinator_changes_a_listing(world: World) -> None:
    ana = member(world, "Ana")
    listing = _offer(world, ana, "Gardening help")
    with pytest.raises(PermissionDenied):
        services.listing_status_set(
            viewer=world.viewer("member"), listing_id=listing.pk, status="closed"
        )
    services.listing_status_set(
        viewer=world.viewer("coordinator"), listing_id=listing.pk, status="closed"
    )
    assert Listing.objects.get().status == ListingStatus.CLOSED


def test_the_dashboard_shows_balance_listings_and_exchanges_to_confirm(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    _offer(world, ben, "Ben's offer")
    exchange = claimed_exchange(ana, ben, 30)
    board = selectors.dashboard(viewer=viewer(ben), organisation=world.org)
    assert board.balance == 0
    assert [x.title for x in board.listings] == ["Ben's offer"]
    assert board.to_confirm == [exchange]
    services.exchange_confirm(viewer=viewer(ben), exchange_id=exchange.pk)
    board = selectors.dashboard(viewer=viewer(ben), organisation=world.org)
    assert (board.balance, board.to_confirm, len(board.recent)) == (-30, [], 1)


def test_statistics_are_for_coordinators_and_count_unreversed_exchanges(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    listing = _offer(world, ana, "Gardening help")
    exchange = services.exchange_propose(
        viewer=viewer(ben),
        provider=ana,
        receiver=ben,
        minutes=90,
        description="Garden",
        listing=listing,
    )
    services.exchange_accept(viewer=viewer(ana), exchange_id=exchange.pk)
    services.exchange_claim(viewer=viewer(ana), exchange_id=exchange.pk, minutes=90)
    services.exchange_confirm(viewer=viewer(ben), exchange_id=exchange.pk)
    stats = selectors.statistics(viewer=world.viewer("manager"), organisation=world.org)
    assert (stats.minutes_exchanged, stats.exchanges, stats.active_members) == (90, 1, 2)
    assert stats.by_category == [("Gardening", 90)]
    assert sum(minutes for _label, minutes in stats.by_month) == 90
    for role in ("member", "staff", "commissioner"):
        with pytest.raises(PermissionDenied):
            selectors.statistics(viewer=world.viewer(role), organisation=world.org)
    mine = selectors.own_figures(viewer=viewer(ana), organisation=world.org)
    assert (mine.given, mine.received, mine.exchanges) == (90, 0, 1)


def test_statistics_and_own_figures_count_hours_never_money(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    listing = _offer(world, ana, "Gardening help")
    exchange = services.exchange_propose(
        viewer=viewer(ben),
        provider=ana,
        receiver=ben,
        minutes=90,
        description="Garden",
        listing=listing,
    )
    services.exchange_accept(viewer=viewer(ana), exchange_id=exchange.pk)
    services.exchange_claim(viewer=viewer(ana), exchange_id=exchange.pk, minutes=90)
    services.exchange_confirm(viewer=viewer(ben), exchange_id=exchange.pk)
    # The same ledger carries pence (a pooled budget paying for help): £25 must not read as
    # 2,500 minutes exchanged.
    ledger.transfer_post(
        legs=[
            Leg(ledger.organisation_account(world.org, AccountKind.POT, Unit.PENCE), -2500),
            Leg(ledger.member_account(ben, Unit.PENCE), 2500),
        ],
        kind=TransferKind.ADJUSTMENT,
        reason="Pooled budget",
        operator=world.people["coordinator"],
        books={world.org.pk},
    )
    ledger.transfer_post(
        legs=[
            Leg(ledger.member_account(ben, Unit.PENCE), -2500),
            Leg(ledger.member_account(ana, Unit.PENCE), 2500),
        ],
        kind=TransferKind.EXCHANGE,
        reason="Paid from a pooled budget",
        operator=world.people["coordinator"],
        books={world.org.pk},
        listing=listing,
    )
    manager = world.viewer("manager")
    stats = selectors.statistics(viewer=manager, organisation=world.org)
    assert (stats.minutes_exchanged, stats.exchanges, stats.active_members) == (90, 1, 2)
    assert stats.by_category == [("Gardening", 90)]
    assert stats.by_area == [("Area not known", 90)]
    assert sum(minutes for _label, minutes in stats.by_month) == 90
    mine = selectors.own_figures(viewer=viewer(ana), organisation=world.org)
    assert (mine.given, mine.received, mine.exchanges) == (90, 0, 1)
    listed = selectors.transfer_list(viewer=world.viewer("coordinator"), organisation=world.org)
    assert [t.unit for t in listed] == [Unit.MINUTES]
    assert Transfer.objects.filter(unit=Unit.PENCE).count() == 2
    accounts = selectors.account_list(viewer=world.viewer("coordinator"), organisation=world.org)
    assert {a.unit for a in accounts} == {Unit.MINUTES}
