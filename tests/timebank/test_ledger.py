"""The ledger core: one posting service, limits, reversals, verification."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.framework.amounts import amount_format, hours_parse
from coproduce.people import services as people_services
from coproduce.timebank import ledger, services
from coproduce.timebank.ledger import Leg, ledger_differences
from coproduce.timebank.models import (
    Account,
    AccountKind,
    Entry,
    LimitChange,
    Transfer,
    TransferKind,
    Unit,
)
from tests.conftest import World
from tests.timebank.factories import account, give, member

pytestmark = pytest.mark.django_db


def test_amounts_are_shown_as_hours_and_minutes_with_a_true_minus_sign() -> None:
    assert amount_format(-600) == "\u221210:00"
    assert amount_format(95) == "1:35"
    assert amount_format(-1050, Unit.PENCE) == "\u2212£10.50"
    assert hours_parse("1:30") == 90
    assert hours_parse("1.5") == 90
    assert hours_parse("45m") == 45
    with pytest.raises(InvalidInput, match="Enter hours like 1:30"):
        hours_parse("an hour")


def test_every_money_formatter_writes_the_one_true_minus_sign() -> None:
    """The structure issue: four money formatters with different minus signs (``-£5``,
    ``£-5.00``, ``\u2212£5.00``). They all write through ``amount_format`` now."""
    from coproduce.budgeting.money import pounds
    from coproduce.budgeting.templatetags.budgeting import pounds as budgeting_filter
    from coproduce.framework.charts import _format as chart_figure
    from coproduce.web.templatetags.web_text import pounds as web_filter

    assert amount_format(-123456, Unit.PENCE, grouped=True) == "\u2212£1,234.56"
    assert amount_format(50000, Unit.PENCE, grouped=True) == "£500"
    assert pounds(-500) == "\u2212£5"
    assert budgeting_filter(-1250) == "\u2212£12.50"
    assert web_filter(-350) == "\u2212£3.50"
    assert chart_figure(-5.0, "£") == "\u2212£5"
    assert chart_figure(-1.5, "hours") == "\u22121.5 h"
    assert chart_figure(-3, "votes") == "\u22123 votes"


def test_transfer_post_moves_balances_and_entries_sum_to_zero(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    transfer = ledger.transfer_post(
        legs=[Leg(account(ana), -90), Leg(account(ben), 90)],
        kind=TransferKind.EXCHANGE,
        reason="Shopping",
        operator=world.people["coordinator"],
        books={world.org.pk},
        on_behalf_of=ana.person,
    )
    assert Account.objects.get(membership=ana).balance == -90
    assert Account.objects.get(membership=ben).balance == 90
    assert sorted(transfer.entries.values_list("amount", flat=True)) == [-90, 90]
    assert transfer.amount == 90
    assert transfer.operator == world.people["coordinator"]
    assert transfer.on_behalf_of == ana.person
    assert transfer.reason == "Shopping"
    assert ledger_differences() == []


def test_transfer_post_refuses_past_the_floor_naming_the_bank(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    give(world, ana, ben, 600)
    with pytest.raises(InvalidInput) as error:
        give(world, ana, ben, 1)
    assert error.value.message == (
        "Ana's balance would fall below \u221210:00, the limit set by Holy Cross Time Bank."
    )
    assert Account.objects.get(membership=ana).balance == -600
    assert Transfer.objects.count() == 1


def test_transfer_post_refuses_past_the_ceiling(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    ledger.limits_set_for_organisation(
        viewer=world.viewer("coordinator"),
        organisation=world.org,
        floor=-600,
        ceiling=120,
        reason="Keep balances moving",
    )
    give(world, ana, ben, 120)
    with pytest.raises(InvalidInput) as error:
        give(world, ana, ben, 1)
    assert error.value.message == (
        "Ben's balance would rise above 2:00, the limit set by Holy Cross Time Bank."
    )
    assert Account.objects.get(membership=ben).balance == 120


def test_transfer_to_oneself_is_refused(world: World) -> None:
    ana = member(world, "Ana")
    with pytest.raises(InvalidInput, match=re.escape("You cannot transfer time to yourself.")):
        services.transfer_record(
            viewer=world.viewer("coordinator"),
            from_account_id=account(ana).pk,
            to_account_id=account(ana).pk,
            amount=60,
            reason="Oops",
        )
    with pytest.raises(InvalidInput, match=re.escape("You cannot transfer time to yourself.")):
        ledger.transfer_post(
            legs=[Leg(account(ana), -60), Leg(account(ana), 60)],
            kind=TransferKind.ADJUSTMENT,
            reason="Oops",
            operator=None,
            books={world.org.pk},
        )
    assert not Transfer.objects.exists()


@pytest.mark.parametrize("amount", [0, -30])
def test_zero_or_negative_amounts_are_refused(world: World, amount: int) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    with pytest.raises(InvalidInput, match=re.escape("The hours must be more than zero.")):
        give(world, ana, ben, amount)
    assert not Entry.objects.exists()


def test_transfer_to_an_inactive_member_is_refused(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    ben_account = account(ben)
    people_services.membership_status_set(
        viewer=world.viewer("coordinator"), membership_id=ben.pk, status="paused"
    )
    with pytest.raises(InvalidInput) as error:
        services.transfer_record(
            viewer=world.viewer("coordinator"),
            from_account_id=account(ana).pk,
            to_account_id=ben_account.pk,
            amount=60,
            reason="Lift",
        )
    assert error.value.message == "Ben is not an active member of Holy Cross Time Bank."
    assert not Transfer.objects.exists()


def test_entries_that_do_not_sum_to_zero_are_refused(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    with pytest.raises(InvalidInput, match="must sum to zero in each bank's books"):
        ledger.transfer_post(
            legs=[Leg(account(ana), -60), Leg(account(ben), 50)],
            kind=TransferKind.ADJUSTMENT,
            reason="Wrong",
            operator=None,
            books={world.org.pk},
        )
    assert not Transfer.objects.exists()


def test_a_transfer_never_mixes_units(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    pence = ledger.member_account(ben, Unit.PENCE)
    with pytest.raises(InvalidInput, match="cannot mix units"):
        ledger.transfer_post(
            legs=[Leg(account(ana), -60), Leg(pence, 60)],
            kind=TransferKind.ADJUSTMENT,
            reason="Wrong",
            operator=None,
            books={world.org.pk},
        )


def test_pence_accounts_post_through_the_same_service(world: World) -> None:
    ana = member(world, "Ana")
    pot = ledger.organisation_account(world.org, AccountKind.POT, Unit.PENCE)
    ana_pence = ledger.member_account(ana, Unit.PENCE)
    ledger.transfer_post(
        legs=[Leg(pot, -2500), Leg(ana_pence, 2500)],
        kind=TransferKind.ADJUSTMENT,
        reason="Community dividend",
        operator=world.people["manager"],
        books={world.org.pk},
    )
    # Money is never overdrawn: the floor is zero, not the bank's hour limit.
    with pytest.raises(InvalidInput) as error:
        ledger.transfer_post(
            legs=[Leg(ana_pence, -2501), Leg(pot, 2501)],
            kind=TransferKind.ADJUSTMENT,
            reason="Too much",
            operator=None,
            books={world.org.pk},
        )
    assert error.value.message == (
        "Ana's balance would fall below £0.00, the limit set by Holy Cross Time Bank."
    )
    assert Account.objects.get(pk=ana_pence.pk).balance == 2500
    assert Transfer.objects.get().unit == Unit.PENCE


def test_area_pot_is_one_per_bank_and_area_and_never_goes_below_zero(world: World) -> None:
    riverside = people_services.area_create(name="Riverside")
    pot = ledger.area_pot_account(world.org, riverside)
    assert ledger.area_pot_account(world.org, riverside).pk == pot.pk
    assert (pot.kind, pot.unit, pot.area_id, pot.floor) == (
        AccountKind.AREA_POT,
        Unit.PENCE,
        riverside.pk,
        0,
    )
    assert pot.name == "Riverside community pot (Holy Cross Time Bank)"
    holder = ledger.organisation_account(world.org, AccountKind.DIVIDEND, Unit.PENCE)
    project = ledger.delivery_account_open(organisation=world.org, name="Benches")
    ledger.transfer_post(
        legs=[Leg(holder, -1000), Leg(pot, 1000)],
        kind=TransferKind.DIVIDEND,
        reason="Dividend",
        operator=world.people["manager"],
        books={world.org.pk},
    )
    with pytest.raises(InvalidInput) as error:
        ledger.transfer_post(
            legs=[Leg(pot, -1001), Leg(project, 1001)],
            kind=TransferKind.SPEND,
            reason="Benches",
            operator=world.people["manager"],
            books={world.org.pk},
        )
    assert error.value.message == (
        "Riverside community pot (Holy Cross Time Bank)'s balance would fall below £0.00, "
        "the limit set by Holy Cross Time Bank."
    )
    assert Account.objects.get(pk=pot.pk).balance == 1000
    assert Account.objects.get(pk=holder.pk).balance == -1000
    assert ledger_differences() == []
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(
            organisation=world.org, kind=AccountKind.AGENCY, area=riverside, name="No"
        )


def test_reversal_restores_both_balances_and_points_at_the_original(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    give(world, ana, ben, 90)
    original = Transfer.objects.get()
    reversal = services.transfer_reverse(
        viewer=world.viewer("coordinator"), transfer_id=original.pk, reason="Keyed twice"
    )
    assert reversal.reverses == original
    assert reversal.kind == TransferKind.REVERSAL
    assert reversal.operator == world.people["coordinator"]
    assert Account.objects.get(membership=ana).balance == 0
    assert Account.objects.get(membership=ben).balance == 0
    assert Entry.objects.count() == 4
    assert ledger_differences() == []


def test_reversing_twice_is_refused(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    give(world, ana, ben, 90)
    original = Transfer.objects.get()
    coordinator = world.viewer("coordinator")
    services.transfer_reverse(viewer=coordinator, transfer_id=original.pk, reason="Mistake")
    with pytest.raises(Conflict, match=re.escape("This transfer has already been reversed.")):
        services.transfer_reverse(viewer=coordinator, transfer_id=original.pk, reason="Again")
    assert Transfer.objects.count() == 2


def test_a_reversal_cannot_be_reversed(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    give(world, ana, ben, 90)
    coordinator = world.viewer("coordinator")
    reversal = services.transfer_reverse(
        viewer=coordinator, transfer_id=Transfer.objects.get().pk, reason="Mistake"
    )
    with pytest.raises(InvalidInput) as error:
        services.transfer_reverse(viewer=coordinator, transfer_id=reversal.pk, reason="Undo")
    assert error.value.message == "A reversal cannot be reversed. Post a new transfer instead."
    assert Transfer.objects.count() == 2


def test_only_coordinators_reverse_and_other_banks_get_404(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    give(world, ana, ben, 30)
    transfer_id = Transfer.objects.get().pk
    with pytest.raises(PermissionDenied):
        services.transfer_reverse(
            viewer=world.viewer("staff"), transfer_id=transfer_id, reason="No"
        )
    with pytest.raises(NotFound):
        services.transfer_reverse(
            viewer=world.viewer("outsider"), transfer_id=transfer_id, reason="No"
        )
    assert Transfer.objects.count() == 1


def test_a_member_gives_time_from_their_own_account_only(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    from tests.timebank.factories import viewer

    transfer = services.transfer_record(
        viewer=viewer(ana),
        from_account_id=account(ana).pk,
        to_account_id=account(ben).pk,
        amount=30,
        reason="Thanks for the lift",
    )
    assert transfer.kind == TransferKind.EXCHANGE
    assert transfer.on_behalf_of == ana.person
    with pytest.raises(PermissionDenied):
        services.transfer_record(
            viewer=viewer(ana),
            from_account_id=account(ben).pk,
            to_account_id=account(ana).pk,
            amount=30,
            reason="Give it back",
        )


def test_organisation_limits_apply_to_followers_and_keep_a_history(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    account(ana)
    ledger.limits_set_for_organisation(
        viewer=world.viewer("coordinator"),
        organisation=world.org,
        floor=-120,
        ceiling=None,
        reason="New members start small",
    )
    assert Account.objects.get(membership=ana).floor == -120
    assert account(ben).floor == -120
    change = LimitChange.objects.get()
    assert (change.previous_floor, change.floor) == (-600, -120)
    assert change.changed_by == world.people["coordinator"]
    with pytest.raises(InvalidInput, match="below \u22122:00"):
        give(world, ana, ben, 121)


def test_a_members_money_account_is_never_overdrawn_and_ignores_hour_limits(
    world: World,
) -> None:
    """The bank's limits are in hours: a pence account once took the minute floor (-600,
    i.e. £6 of overdraft) and followed every change of the bank's hour limits."""
    ana = member(world, "Ana")
    with transaction.atomic():
        money = ledger.member_account(ana, Unit.PENCE)
    assert (money.floor, money.ceiling, money.own_limits) == (0, None, True)
    ledger.limits_set_for_organisation(
        viewer=world.viewer("coordinator"),
        organisation=world.org,
        floor=-120,
        ceiling=600,
        reason="New members start small",
    )
    money.refresh_from_db()
    assert (money.floor, money.ceiling) == (0, None)
    assert account(ana).floor == -120
    with pytest.raises(InvalidInput, match="which are in hours"):
        ledger.limits_set_for_account(
            viewer=world.viewer("coordinator"),
            account_id=money.pk,
            floor=None,
            ceiling=None,
            reason="Back to the bank's",
            follow_organisation=True,
        )


def test_organisation_limits_refused_when_a_balance_is_already_outside(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    give(world, ana, ben, 300)
    with pytest.raises(Conflict) as error:
        ledger.limits_set_for_organisation(
            viewer=world.viewer("coordinator"),
            organisation=world.org,
            floor=-120,
            ceiling=None,
            reason="Tighter",
        )
    assert error.value.message.startswith(
        "1 account is already outside these limits (for example Ana at \u22125:00)."
    )
    assert Account.objects.get(membership=ana).floor == -600
    assert not LimitChange.objects.exists()


def test_account_limits_override_the_organisation_and_can_return(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    coordinator = world.viewer("coordinator")
    ledger.limits_set_for_account(
        viewer=coordinator, account_id=account(ana).pk, floor=-1200, ceiling=None, reason="Carer"
    )
    ledger.limits_set_for_organisation(
        viewer=coordinator, organisation=world.org, floor=-60, ceiling=None, reason="Tighter"
    )
    give(world, ana, ben, 900)
    assert Account.objects.get(membership=ana).balance == -900
    with pytest.raises(Conflict):
        ledger.limits_set_for_account(
            viewer=coordinator,
            account_id=account(ana).pk,
            floor=None,
            ceiling=None,
            reason="Back to normal",
            follow_organisation=True,
        )
    assert LimitChange.objects.filter(account__membership=ana).count() == 1


def test_setting_limits_needs_a_coordinator(world: World) -> None:
    with pytest.raises(PermissionDenied):
        ledger.limits_set_for_organisation(
            viewer=world.viewer("staff"),
            organisation=world.org,
            floor=-60,
            ceiling=None,
            reason="x",
        )


def test_the_database_check_keeps_a_balance_above_its_floor(world: World) -> None:
    ana = member(world, "Ana")
    pk = account(ana).pk
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=pk).update(balance=-601)


def test_ledger_verify_passes_on_a_whole_ledger_and_fails_on_a_difference(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    give(world, ana, ben, 45)
    out = io.StringIO()
    call_command("ledger", "verify", stdout=out)
    assert "The ledger balances" in out.getvalue()
    ben_account = Account.objects.get(membership=ben)
    # Simulates a bad restore: a cached balance that no longer matches its entries.
    Account.objects.filter(pk=ben_account.pk).update(balance=50)
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("ledger", "verify", stdout=out)
    assert error.value.returncode == 1
    assert f"account {ben_account.pk}: expected 45, found 50" in out.getvalue()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL trigger")
def test_postgres_trigger_rejects_an_unbalanced_transfer_at_commit() -> None:
    from tests.conftest import build_world

    world = build_world()
    ana, ben = member(world, "Ana"), member(world, "Ben")
    with transaction.atomic():
        ana_account, ben_account = account(ana), account(ben)
    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        transfer = Transfer.objects.create(
            organisation=world.org, kind=TransferKind.ADJUSTMENT, amount=60, reason="Raw"
        )
        Entry.objects.create(transfer=transfer, account=ana_account, amount=-60)
        Entry.objects.create(transfer=transfer, account=ben_account, amount=50)
    assert not Transfer.objects.exists()
    give(world, ana, ben, 60)
    with pytest.raises(IntegrityError, match="never changed"), transaction.atomic():
        Entry.objects.filter(account=ben_account).update(amount=61)


# --- the door's books, who may key what, and how large a transfer may be ------------------


def test_transfer_post_refuses_a_leg_outside_the_callers_books(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    with pytest.raises(NotFound, match=re.escape("One of the accounts does not exist.")):
        ledger.transfer_post(
            legs=[Leg(account(ana), -60), Leg(account(ben), 60)],
            kind=TransferKind.ADJUSTMENT,
            reason="Someone else's books",
            operator=None,
            books={world.other_org.pk},
        )
    assert not Transfer.objects.exists()
    assert Account.objects.get(membership=ana).balance == 0


def _signed_agreement(world: World) -> None:
    agreement = services.agreement_propose(
        viewer=world.viewer("admin"), organisation=world.org, other=world.other_org
    )
    services.agreement_sign(viewer=world.viewer("outsider"), agreement_id=agreement.pk)


def test_a_coordinator_cannot_take_time_from_another_banks_clearing_account(
    world: World,
) -> None:
    _signed_agreement(world)
    ana = member(world, "Ana")
    clearing = Account.objects.get(
        organisation=world.org, kind=AccountKind.CLEARING, counterparty=world.other_org
    )
    with pytest.raises(InvalidInput) as error:
        services.transfer_record(
            viewer=world.viewer("coordinator"),
            from_account_id=clearing.pk,
            to_account_id=account(ana).pk,
            amount=60,
            reason="Help yourself",
        )
    assert error.value.field == "from_account"
    assert error.value.message == (
        "Time can be moved only from a member's account or the bank's own agency account or "
        f"community pot, not “{clearing.name}”."
    )
    assert not Transfer.objects.exists()


def test_a_coordinator_cannot_move_time_into_or_out_of_a_partners_account(
    world: World,
) -> None:
    ana = member(world, "Ana")
    with transaction.atomic():
        partner = ledger.counterparty_account(world.org, AccountKind.PARTNER, world.other_org)
    for source, target, field, verb in (
        (partner, account(ana), "from_account", "from"),
        (account(ana), partner, "to_account", "to"),
    ):
        with pytest.raises(InvalidInput) as error:
            services.transfer_record(
                viewer=world.viewer("coordinator"),
                from_account_id=source.pk,
                to_account_id=target.pk,
                amount=60,
                reason="Un-redeem",
            )
        assert error.value.field == field
        assert error.value.message.startswith(f"Time can be moved only {verb} a member's")
    assert not Transfer.objects.exists()


def test_a_coordinator_may_move_time_from_the_banks_own_account_as_an_adjustment(
    world: World,
) -> None:
    ana = member(world, "Ana")
    with transaction.atomic():
        agency = ledger.organisation_account(world.org, AccountKind.AGENCY)
    transfer = services.transfer_record(
        viewer=world.viewer("coordinator"),
        from_account_id=agency.pk,
        to_account_id=account(ana).pk,
        amount=120,
        reason="Thanks for the open day",
    )
    assert transfer.kind == TransferKind.ADJUSTMENT
    assert Account.objects.get(pk=agency.pk).balance == -120


def test_a_member_to_member_transfer_keyed_by_a_coordinator_counts_as_an_exchange(
    world: World,
) -> None:
    from coproduce.people.permissions import viewer_for
    from coproduce.timebank import selectors

    ana, ben = member(world, "Ana"), member(world, "Ben")
    give(world, ana, ben, 90)
    transfer = Transfer.objects.get()
    assert transfer.kind == TransferKind.EXCHANGE
    assert transfer.operator == world.people["coordinator"]
    assert transfer.on_behalf_of == ana.person
    stats = selectors.statistics(viewer=world.viewer("manager"), organisation=world.org)
    assert (stats.minutes_exchanged, stats.exchanges, stats.active_members) == (90, 1, 2)
    ben_viewer = viewer_for(ben.person.user)
    assert selectors.own_figures(viewer=ben_viewer, organisation=world.org).given == 90


def test_a_2_to_the_62_minute_transfer_is_refused_naming_the_amount(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    ledger.limits_set_for_organisation(
        viewer=world.viewer("coordinator"),
        organisation=world.org,
        floor=None,
        ceiling=None,
        reason="No limits",
    )
    for _ in range(2):
        with pytest.raises(InvalidInput) as error:
            give(world, ana, ben, 2**62)
        assert error.value.field == "amount"
        assert error.value.message == (
            "A single transfer cannot be more than 1000:00, the limit set by Holy Cross Time Bank."
        )
    assert not Transfer.objects.exists()
    assert Account.objects.get(membership=ben).balance == 0
    assert ledger_differences() == []


def test_the_api_refuses_a_2_to_the_62_minute_transfer_naming_the_field(world: World) -> None:
    from django.test import Client

    ana, ben = member(world, "Ana"), member(world, "Ben")
    client = Client()
    client.force_login(world.people["coordinator"].user)
    response = client.post(
        "/api/v1/timebank/transfers",
        {
            "from_account": account(ana).pk,
            "to_account": account(ben).pk,
            "minutes": 2**62,
            "reason": "Typo",
        },
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "minutes"
    assert not Transfer.objects.exists()


@given(amount=st.integers(min_value=1_000 * 60 + 1, max_value=2**80))
@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_any_transfer_over_the_maximum_is_refused_and_writes_nothing(
    world: World, amount: int
) -> None:
    with transaction.atomic():
        agency = ledger.organisation_account(world.org, AccountKind.AGENCY)
        pot = ledger.organisation_account(world.org, AccountKind.POT)
    with pytest.raises(InvalidInput) as error:
        ledger.transfer_post(
            legs=[Leg(agency, -amount), Leg(pot, amount)],
            kind=TransferKind.ADJUSTMENT,
            reason="Too much",
            operator=None,
            books={world.org.pk},
        )
    assert error.value.field == "amount"
    assert not Transfer.objects.exists()
    assert Account.objects.get(pk=pot.pk).balance == 0


def test_a_bank_sets_its_own_maximum_and_a_reversal_is_never_held_to_it(world: World) -> None:
    ana = member(world, "Ana")
    manager = world.viewer("manager")
    with transaction.atomic():
        agency = ledger.organisation_account(world.org, AccountKind.AGENCY)
    ledger.max_transfer_set(
        viewer=manager,
        organisation_id=world.org.pk,
        unit=Unit.MINUTES,
        maximum=2_000 * 60,
        reason="The summer festival",
    )
    big = services.transfer_record(
        viewer=world.viewer("coordinator"),
        from_account_id=agency.pk,
        to_account_id=account(ana).pk,
        amount=1_500 * 60,
        reason="Festival volunteers",
    )
    ledger.max_transfer_set(
        viewer=manager, organisation_id=world.org.pk, unit=Unit.MINUTES, maximum=60, reason="Back"
    )
    with pytest.raises(InvalidInput, match=re.escape("cannot be more than 1:00, the limit")):
        give(world, ana, member(world, "Ben"), 61)
    services.transfer_reverse(viewer=world.viewer("coordinator"), transfer_id=big.pk, reason="x")
    assert Account.objects.get(pk=agency.pk).balance == 0
    with pytest.raises(InvalidInput) as error:
        ledger.max_transfer_set(
            viewer=manager,
            organisation_id=world.org.pk,
            unit=Unit.PENCE,
            maximum=2**62,
            reason="Typo",
        )
    assert error.value.field == "maximum"
    assert error.value.message == (
        "The largest single transfer must be more than zero and at most £10000000000.00."
    )


def test_a_reward_cannot_cost_more_than_one_transfer_may_carry(world: World) -> None:
    partner = people_services.organisation_create(
        name="Lido", kind="partner", founder=world.people["manager"]
    )
    with pytest.raises(InvalidInput) as error:
        services.reward_create(
            viewer=world.viewer("manager"),
            partner_id=partner.pk,
            bank_id=world.org.pk,
            name="Swim",
            credits=2**62,
        )
    assert error.value.field == "credits"
    assert error.value.message == (
        "A reward cannot cost more than 1000:00, the largest single transfer "
        "Holy Cross Time Bank allows."
    )


# --- what the database itself refuses, on both backends -----------------------------------


@pytest.mark.parametrize("table", ["timebank_entry", "timebank_transfer"])
@pytest.mark.parametrize("statement", ["UPDATE {table} SET id = id", "DELETE FROM {table}"])
def test_entries_and_transfers_are_append_only_in_the_database(
    world: World, table: str, statement: str
) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    give(world, ana, ben, 30)
    with (
        pytest.raises(IntegrityError, match="never changed or deleted"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement.format(table=table))
    assert Entry.objects.count() == 2
    assert Transfer.objects.count() == 1


def test_a_balance_pushed_past_64_bits_is_refused_by_the_database(world: World) -> None:
    from django.db import DataError

    ana = member(world, "Ana")
    pk = account(ana).pk
    with connection.cursor() as cursor:
        cursor.execute("UPDATE timebank_account SET floor = NULL WHERE id = %s", [pk])
    # SQLite turns the overflowing sum into a float, which the CHECK refuses; PostgreSQL's
    # bigint refuses it itself.
    with (
        pytest.raises((IntegrityError, DataError)),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "UPDATE timebank_account SET balance = balance + %s + %s WHERE id = %s",
            [2**62, 2**62, pk],
        )
    assert Account.objects.get(pk=pk).balance == 0


def test_ledger_verify_reports_an_overflowing_sum_instead_of_crashing(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    a, b = account(ana), account(ben)
    # A bad restore: two entries of 2^62 minutes, whose sum SQLite's SUM cannot hold, and
    # cached balances that do not match them.
    with connection.cursor() as cursor:
        for _ in range(2):
            transfer = Transfer.objects.create(
                organisation=world.org, kind=TransferKind.ADJUSTMENT, amount=2**62, reason="Raw"
            )
            cursor.execute(
                "INSERT INTO timebank_entry (transfer_id, account_id, amount) VALUES "
                "(%s, %s, %s), (%s, %s, %s)",
                [transfer.pk, b.pk, 2**62, transfer.pk, a.pk, -(2**62)],
            )
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("ledger", "verify", stdout=out)
    assert error.value.returncode == 1
    assert out.getvalue().splitlines() == [
        f"account {a.pk}: expected {-(2**63)}, found 0",
        f"account {b.pk}: expected {2**63}, found 0",
    ]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="only SQLite stores a float there")
def test_ledger_verify_reports_a_balance_that_is_not_a_whole_number(world: World) -> None:
    ana, ben = member(world, "Ana"), member(world, "Ben")
    give(world, ana, ben, 45)
    pk = account(ben).pk
    with connection.cursor() as cursor:
        # What the old code let through: an overflow that SQLite stored as a float.
        cursor.execute("PRAGMA ignore_check_constraints = ON")
        try:
            cursor.execute("UPDATE timebank_account SET balance = 9.3e18 WHERE id = %s", [pk])
        finally:
            cursor.execute("PRAGMA ignore_check_constraints = OFF")
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("ledger", "verify", stdout=out)
    assert error.value.returncode == 1
    assert out.getvalue().splitlines() == [f"account {pk}: balance 9.3e+18 is not a whole number"]


@pytest.mark.django_db(transaction=True)
def test_a_flush_empties_the_ledger_and_leaves_it_append_only() -> None:
    from tests.conftest import build_world

    world = build_world()
    ana, ben = member(world, "Ana"), member(world, "Ben")
    give(world, ana, ben, 30)
    call_command("flush", interactive=False, verbosity=0)
    assert not Entry.objects.exists() and not Transfer.objects.exists()
    world = build_world()
    ana, ben = member(world, "Ana"), member(world, "Ben")
    give(world, ana, ben, 30)
    with (
        pytest.raises(IntegrityError, match="never changed or deleted"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM timebank_entry")
    assert Entry.objects.count() == 2
