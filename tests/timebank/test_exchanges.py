"""Exchanges from proposal to posting, the bad-input rules, disputes, reminders and
exchanges between banks."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.people import services as people_services
from coproduce.timebank import services
from coproduce.timebank.models import (
    Account,
    AccountKind,
    Exchange,
    ExchangeStatus,
    Transfer,
    TransferKind,
)
from coproduce.timebank.services import Resolution
from tests.conftest import World
from tests.timebank.factories import claimed_exchange, join, member, viewer

pytestmark = pytest.mark.django_db


def _balance(membership: object) -> int:
    return Account.objects.get(membership=membership).balance


def test_an_exchange_goes_from_proposal_to_one_posted_transfer(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    exchange = services.exchange_propose(
        viewer=viewer(ben), provider=ana, receiver=ben, minutes=90, description="Ironing"
    )
    assert exchange.status == ExchangeStatus.PROPOSED
    services.exchange_accept(viewer=viewer(ana), exchange_id=exchange.pk)
    services.exchange_claim(viewer=viewer(ana), exchange_id=exchange.pk, minutes=75)
    services.exchange_confirm(viewer=viewer(ben), exchange_id=exchange.pk)
    exchange.refresh_from_db()
    assert exchange.status == ExchangeStatus.POSTED
    assert exchange.confirmed_by == ben.person
    transfer = Transfer.objects.get()
    assert (transfer.exchange, transfer.kind, transfer.amount) == (
        exchange,
        TransferKind.EXCHANGE,
        75,
    )
    assert transfer.operator == ben.person
    assert (_balance(ana), _balance(ben)) == (75, -75)


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        (0, "The hours must be more than zero."),
        (-60, "The hours must be more than zero."),
        (24 * 60 + 1, "One exchange cannot be more than 24 hours."),
    ],
)
def test_bad_hours_are_refused(world: World, minutes: int, message: str) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    with pytest.raises(InvalidInput) as error:
        services.exchange_propose(
            viewer=viewer(ben), provider=ana, receiver=ben, minutes=minutes, description="x"
        )
    assert (error.value.field, error.value.message) == ("minutes", message)
    assert not Exchange.objects.exists()


def test_claiming_more_than_a_day_is_refused(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    exchange = services.exchange_propose(
        viewer=viewer(ben), provider=ana, receiver=ben, minutes=60, description="x"
    )
    services.exchange_accept(viewer=viewer(ana), exchange_id=exchange.pk)
    with pytest.raises(InvalidInput, match=re.escape("One exchange cannot be more than 24 hours.")):
        services.exchange_claim(viewer=viewer(ana), exchange_id=exchange.pk, minutes=1441)
    exchange.refresh_from_db()
    assert exchange.status == ExchangeStatus.ACCEPTED


def test_an_exchange_with_oneself_is_refused(world: World) -> None:
    ana = member(world, "Ana")
    with pytest.raises(InvalidInput, match=re.escape("You cannot exchange time with yourself.")):
        services.exchange_propose(
            viewer=viewer(ana), provider=ana, receiver=ana, minutes=60, description="x"
        )


def test_an_exchange_with_an_inactive_member_is_refused(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    people_services.membership_status_set(
        viewer=world.viewer("coordinator"), membership_id=ana.pk, status="paused"
    )
    ana.refresh_from_db()
    with pytest.raises(InvalidInput) as error:
        services.exchange_propose(
            viewer=viewer(ben), provider=ana, receiver=ben, minutes=60, description="x"
        )
    assert error.value.message == "Ana is not an active member of Holy Cross Time Bank."


def test_a_member_who_leaves_before_confirmation_blocks_the_posting(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    exchange = claimed_exchange(ana, ben)
    people_services.membership_status_set(
        viewer=world.viewer("coordinator"), membership_id=ana.pk, status="left"
    )
    with pytest.raises(InvalidInput, match="Ana is not an active member"):
        services.exchange_confirm(viewer=viewer(ben), exchange_id=exchange.pk)
    exchange.refresh_from_db()
    assert exchange.status == ExchangeStatus.CLAIMED
    assert not Transfer.objects.exists()


def test_the_claimer_cannot_confirm_their_own_claim(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    exchange = claimed_exchange(ana, ben)
    with pytest.raises(PermissionDenied) as error:
        services.exchange_confirm(viewer=viewer(ana), exchange_id=exchange.pk)
    assert error.value.message == (
        "Only Ben, the other party to this exchange, or a coordinator can confirm it."
    )
    assert not Transfer.objects.exists()


def test_someone_outside_the_exchange_cannot_confirm_it(world: World) -> None:
    ana, ben, cai = member(world, "Ana"), member(world, "Ben"), member(world, "Cai")
    exchange = claimed_exchange(ana, ben)
    with pytest.raises(PermissionDenied, match="coordinator"):
        services.exchange_confirm(viewer=viewer(cai), exchange_id=exchange.pk)
    with pytest.raises(NotFound):
        services.exchange_confirm(viewer=world.viewer("outsider"), exchange_id=exchange.pk)
    assert not Transfer.objects.exists()


def test_a_coordinator_can_confirm(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    exchange = claimed_exchange(ana, ben, 45)
    services.exchange_confirm(viewer=world.viewer("coordinator"), exchange_id=exchange.pk)
    assert Transfer.objects.get().operator == world.people["coordinator"]
    assert _balance(ana) == 45


def test_a_coordinator_brokers_an_exchange_between_two_members_from_start_to_finish(
    world: World,
) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    coordinator = world.viewer("coordinator")
    exchange = services.exchange_propose(
        viewer=coordinator, provider=ana, receiver=ben, minutes=60, description="Shopping"
    )
    assert services.exchange_actions_for(viewer=coordinator, exchange=exchange) == [
        "accept",
        "decline",
        "cancel",
    ]
    services.exchange_accept(viewer=coordinator, exchange_id=exchange.pk)
    exchange = services.exchange_claim(viewer=coordinator, exchange_id=exchange.pk, minutes=75)
    assert exchange.claimed_by == world.people["coordinator"]
    assert "confirm" in services.exchange_actions_for(viewer=coordinator, exchange=exchange)
    services.exchange_confirm(viewer=coordinator, exchange_id=exchange.pk)
    transfer = Transfer.objects.get()
    assert (transfer.kind, transfer.amount) == (TransferKind.EXCHANGE, 75)
    assert transfer.operator == world.people["coordinator"]
    assert (_balance(ana), _balance(ben)) == (75, -75)


def test_the_proposer_cannot_accept_their_own_proposal(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    exchange = services.exchange_propose(
        viewer=viewer(ben), provider=ana, receiver=ben, minutes=60, description="x"
    )
    with pytest.raises(PermissionDenied, match=re.escape("Ana needs to accept this exchange.")):
        services.exchange_accept(viewer=viewer(ben), exchange_id=exchange.pk)


def test_decline_and_cancel_close_the_exchange_without_a_transfer(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    first = services.exchange_propose(
        viewer=viewer(ben), provider=ana, receiver=ben, minutes=60, description="x"
    )
    services.exchange_decline(viewer=viewer(ana), exchange_id=first.pk, reason="Away")
    second = services.exchange_propose(
        viewer=viewer(ben), provider=ana, receiver=ben, minutes=60, description="y"
    )
    services.exchange_cancel(viewer=viewer(ben), exchange_id=second.pk, reason="Sorted")
    assert set(Exchange.objects.values_list("status", flat=True)) == {
        ExchangeStatus.DECLINED,
        ExchangeStatus.CANCELLED,
    }
    with pytest.raises(Conflict, match=re.escape("This exchange is declined.")):
        services.exchange_accept(viewer=viewer(ana), exchange_id=first.pk)
    assert not Transfer.objects.exists()


@pytest.mark.parametrize(
    ("outcome", "minutes", "posted"),
    [(Resolution.POST, None, 60), (Resolution.ADJUST, 30, 30), (Resolution.CANCEL, None, 0)],
)
def test_a_coordinator_resolves_a_dispute(
    world: World, outcome: str, minutes: int | None, posted: int
) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    exchange = claimed_exchange(ana, ben, 60)
    services.exchange_dispute(viewer=viewer(ben), exchange_id=exchange.pk, reason="Only 30m")
    with pytest.raises(PermissionDenied):
        services.exchange_resolve(
            viewer=viewer(ben), exchange_id=exchange.pk, outcome=outcome, note="x"
        )
    services.exchange_resolve(
        viewer=world.viewer("coordinator"),
        exchange_id=exchange.pk,
        outcome=outcome,
        minutes=minutes,
        note="Talked to both",
    )
    exchange.refresh_from_db()
    assert exchange.resolution == "Talked to both"
    if posted:
        assert exchange.status == ExchangeStatus.POSTED
        assert Transfer.objects.get().amount == posted
    else:
        assert exchange.status == ExchangeStatus.CANCELLED
        assert not Transfer.objects.exists()


def test_reminders_go_to_the_other_party_once_every_three_days(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    exchange = claimed_exchange(ana, ben)
    Exchange.objects.filter(pk=exchange.pk).update(claimed_at=timezone.now() - timedelta(days=4))
    assert services.exchange_reminders_send() == 1
    assert mail.outbox[0].to == ["ben@tb.example.org"]
    assert "Please confirm" in mail.outbox[0].subject
    assert services.exchange_reminders_send() == 0
    later = timezone.now() + timedelta(days=4)
    assert services.exchange_reminders_send(now=later) == 1


def _two_banks(world: World, *, signed: bool) -> tuple[object, object]:
    ana = member(world, "Ana")
    assert world.outsider is not None
    zoe = join(world.other_org, "Zoe North", "zoe@tb.example.org", world.outsider, "Zoe")
    if signed:
        agreement = services.agreement_propose(
            viewer=world.viewer("admin"), organisation=world.org, other=world.other_org
        )
        services.agreement_sign(viewer=world.viewer("outsider"), agreement_id=agreement.pk)
    return ana, zoe


def test_a_cross_bank_exchange_without_an_agreement_is_refused(world: World) -> None:
    ana, zoe = _two_banks(world, signed=False)
    with pytest.raises(InvalidInput) as error:
        services.exchange_propose(
            viewer=viewer(ana),  # type: ignore[arg-type]
            provider=zoe,  # type: ignore[arg-type]
            receiver=ana,  # type: ignore[arg-type]
            minutes=60,
            description="Bike repair",
        )
    assert error.value.message == (
        "Holy Cross Time Bank and Northgate Time Bank have no agreement to exchange time, "
        "so time cannot move between them."
    )
    assert not Exchange.objects.exists()


def test_a_cross_bank_exchange_posts_through_each_banks_clearing_account(world: World) -> None:
    ana, zoe = _two_banks(world, signed=True)
    exchange = services.exchange_propose(
        viewer=viewer(ana),  # type: ignore[arg-type]
        provider=zoe,  # type: ignore[arg-type]
        receiver=ana,  # type: ignore[arg-type]
        minutes=60,
        description="Bike repair",
    )
    services.exchange_accept(viewer=viewer(zoe), exchange_id=exchange.pk)  # type: ignore[arg-type]
    services.exchange_claim(viewer=viewer(zoe), exchange_id=exchange.pk, minutes=60)  # type: ignore[arg-type]
    services.exchange_confirm(viewer=viewer(ana), exchange_id=exchange.pk)  # type: ignore[arg-type]
    transfer = Transfer.objects.get()
    assert transfer.kind == TransferKind.CROSS_BANK
    here = Account.objects.get(
        organisation=world.org, kind=AccountKind.CLEARING, counterparty=world.other_org
    )
    there = Account.objects.get(
        organisation=world.other_org, kind=AccountKind.CLEARING, counterparty=world.org
    )
    assert (_balance(ana), here.balance, there.balance, _balance(zoe)) == (-60, 60, -60, 60)


def test_only_the_other_bank_signs_an_agreement(world: World) -> None:
    agreement = services.agreement_propose(
        viewer=world.viewer("admin"), organisation=world.org, other=world.other_org
    )
    with pytest.raises(NotFound):
        services.agreement_sign(viewer=world.viewer("admin"), agreement_id=agreement.pk)
    with pytest.raises(PermissionDenied):
        services.agreement_propose(
            viewer=world.viewer("coordinator"), organisation=world.org, other=world.other_org
        )
    with pytest.raises(Conflict, match="already an agreement"):
        services.agreement_propose(
            viewer=world.viewer("outsider"), organisation=world.other_org, other=world.org
        )
