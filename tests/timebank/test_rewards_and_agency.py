"""Issued credits, time given with the organisation, staff participation, rewards at
partners and their redemption."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from coproduce.errors import Conflict, InvalidInput, PermissionDenied
from coproduce.people import services as people_services
from coproduce.people.models import Membership, Organisation, OrganisationKind, Person
from coproduce.timebank import selectors, services
from coproduce.timebank.models import (
    Account,
    AccountKind,
    AgeGroup,
    Redemption,
    Reward,
    Transfer,
    TransferKind,
)
from coproduce.timebank.services import AgencyDirection
from tests.conftest import World, make_person
from tests.timebank.factories import give, member, membership_of

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
TUESDAY_MORNING = datetime(2026, 3, 3, 10, 0, tzinfo=LONDON)
SATURDAY_EVENING = datetime(2026, 3, 7, 19, 0, tzinfo=LONDON)


def test_an_organisation_awards_credits_from_its_issuing_account(world: World) -> None:
    ana = member(world, "Ana")
    services.credit_award(
        viewer=world.viewer("staff"), membership=ana, minutes=120, reason="Ran the choir"
    )
    issuing = Account.objects.get(organisation=world.org, kind=AccountKind.ISSUING)
    assert issuing.balance == -120
    assert Account.objects.get(membership=ana).balance == 120
    transfer = Transfer.objects.get()
    assert (transfer.kind, transfer.operator, transfer.on_behalf_of) == (
        TransferKind.AWARD,
        world.people["staff"],
        ana.person,
    )
    with pytest.raises(PermissionDenied):
        services.credit_award(
            viewer=world.viewer("member"), membership=ana, minutes=60, reason="Self"
        )


def test_time_given_to_and_by_the_organisation_moves_through_its_agency_account(
    world: World,
) -> None:
    ana = member(world, "Ana")
    staff = world.viewer("staff")
    services.agency_time_record(
        viewer=staff,
        membership=ana,
        minutes=180,
        direction=AgencyDirection.TO_ORGANISATION,
        reason="Welcomed new members at reception",
    )
    services.agency_time_record(
        viewer=staff,
        membership=ana,
        minutes=60,
        direction=AgencyDirection.FROM_ORGANISATION,
        reason="Benefits advice session",
    )
    agency = Account.objects.get(organisation=world.org, kind=AccountKind.AGENCY)
    assert (agency.balance, Account.objects.get(membership=ana).balance) == (-120, 120)


def test_staff_participation_reports_hours_against_the_ten_percent_line(world: World) -> None:
    staff = membership_of(world, "staff")
    Membership.objects.filter(pk=staff.pk).update(contracted_minutes_per_week=37 * 60)
    recorder = world.viewer("coordinator")
    services.agency_time_record(
        viewer=recorder,
        membership=staff,
        minutes=900,
        direction=AgencyDirection.TO_ORGANISATION,
        reason="Allotment group",
    )
    rows = selectors.staff_participation(viewer=recorder, organisation=world.org, weeks=4)
    row = next(r for r in rows if r.membership.pk == staff.pk)
    assert (row.given, row.contracted, row.target, row.met) == (900, 8880, 888, True)
    reversal_target = Transfer.objects.get()
    services.transfer_reverse(viewer=recorder, transfer_id=reversal_target.pk, reason="Wrong")
    rows = selectors.staff_participation(viewer=recorder, organisation=world.org, weeks=4)
    row = next(r for r in rows if r.membership.pk == staff.pk)
    assert (row.given, row.met) == (0, False)
    with pytest.raises(PermissionDenied):
        selectors.staff_participation(viewer=world.viewer("staff"), organisation=world.org)


def _partner(world: World) -> tuple[Organisation, Person]:
    clerk = make_person("Pat Partner", "pat@cinema.example.org")
    cinema = people_services.organisation_create(
        name="Palace Cinema", kind=OrganisationKind.PARTNER, founder=clerk
    )
    return cinema, clerk


def _reward(world: World, **extra: object) -> tuple[Reward, Person]:
    cinema, clerk = _partner(world)
    from coproduce.people.permissions import viewer_for

    reward = services.reward_create(
        viewer=viewer_for(clerk.user),
        partner_id=cinema.pk,
        bank_id=world.org.pk,
        name="Off-peak film",
        credits=120,
        **extra,  # type: ignore[arg-type]
    )
    return reward, clerk


def _code(membership: Membership) -> str:
    """The member asks for a one-time redemption code, as on their rewards page."""
    from coproduce.people.permissions import viewer_for

    _row, code = services.redemption_code_issue(
        viewer=viewer_for(membership.person.user), organisation_id=membership.organisation_id
    )
    return code


def _redeem(
    clerk: Person, reward: Reward, number: str, at: datetime, code: str | None = None
) -> Redemption:
    """The desk redeems for the member with this number, who shows a fresh code unless
    ``code`` is given."""
    from coproduce.people.permissions import viewer_for

    if code is None:
        code = _code(Membership.objects.get(organisation=reward.bank, number=number.upper()))
    return services.reward_redeem(
        viewer=viewer_for(clerk.user),
        reward_id=reward.pk,
        membership_number=number,
        code=code,
        at=at,
    )


def _earned(world: World, membership: Membership, minutes: int) -> None:
    services.credit_award(
        viewer=world.viewer("staff"), membership=membership, minutes=minutes, reason="Thanks"
    )


def test_a_redemption_moves_credits_to_the_partner_account(world: World) -> None:
    ana = member(world, "Ana")
    services.credit_award(viewer=world.viewer("staff"), membership=ana, minutes=240, reason="x")
    reward, clerk = _reward(world)
    redemption = _redeem(clerk, reward, ana.number.lower(), TUESDAY_MORNING)
    assert redemption.membership == ana
    assert redemption.transfer.kind == TransferKind.REDEMPTION
    partner_account = Account.objects.get(kind=AccountKind.PARTNER, counterparty=reward.partner)
    assert partner_account.organisation == world.org
    assert (partner_account.balance, Account.objects.get(membership=ana).balance) == (120, 120)
    from coproduce.people.permissions import viewer_for

    assert list(
        selectors.redemption_list_for_partner(viewer=viewer_for(clerk.user), partner=reward.partner)
    ) == [redemption]


def test_an_unknown_membership_number_is_refused(world: World) -> None:
    reward, clerk = _reward(world)
    with pytest.raises(InvalidInput) as error:
        _redeem(clerk, reward, "NOPE1", TUESDAY_MORNING, code="123456")
    assert error.value.message == "No active member of Holy Cross Time Bank has the number “NOPE1”."
    assert not Transfer.objects.exists()


def test_off_peak_rewards_are_refused_at_peak_times(world: World) -> None:
    ana = member(world, "Ana")
    reward, clerk = _reward(world, off_peak_only=True)
    with pytest.raises(InvalidInput, match="off-peak times only"):
        _redeem(clerk, reward, ana.number, SATURDAY_EVENING)
    assert not Redemption.objects.exists()


def test_age_restrictions_need_a_date_of_birth_and_are_kept(world: World) -> None:
    ana = member(world, "Ana")
    reward, clerk = _reward(world, age_group=AgeGroup.UNDER_16)
    with pytest.raises(InvalidInput, match="Ana's date of birth is not recorded"):
        _redeem(clerk, reward, ana.number, TUESDAY_MORNING)
    Person.objects.filter(pk=ana.person_id).update(date_of_birth=date(1980, 1, 1))
    with pytest.raises(InvalidInput, match=re.escape("This reward is for Under-16s.")):
        _redeem(clerk, reward, ana.number, TUESDAY_MORNING)
    assert not Redemption.objects.exists()


def test_the_monthly_cap_is_kept(world: World) -> None:
    ana = member(world, "Ana")
    _earned(world, ana, 600)
    reward, clerk = _reward(world, monthly_cap=1)
    _redeem(clerk, reward, ana.number, TUESDAY_MORNING)
    with pytest.raises(
        Conflict, match=re.escape("Ana has already had this reward once this month.")
    ):
        _redeem(clerk, reward, ana.number, TUESDAY_MORNING)
    assert Redemption.objects.count() == 1


def test_a_redemption_past_the_balance_is_refused_though_the_bank_allows_overdraft(
    world: World,
) -> None:
    ana = member(world, "Ana")
    reward, clerk = _reward(world)
    Reward.objects.filter(pk=reward.pk).update(credits=601)
    with pytest.raises(InvalidInput) as error:
        _redeem(clerk, reward, ana.number, TUESDAY_MORNING)
    assert error.value.message == (
        "Ana's balance is 0:00 and Off-peak film costs 10:01: a reward is thanks for time "
        "given, so it is spent from hours earned and never takes a balance below 0:00."
    )
    assert not Redemption.objects.exists()


def test_a_member_already_overdrawn_gets_no_reward(world: World) -> None:
    """The repairs issue: a partner redeemed 2 x 2:00 for a member already at \u22123:15."""
    ana = member(world, "Ana")
    give(world, ana, membership_of(world, "staff"), 195)
    reward, clerk = _reward(world)
    assert reward.credits == 120
    for _attempt in range(2):
        with pytest.raises(InvalidInput) as error:
            _redeem(clerk, reward, ana.number, TUESDAY_MORNING)
        assert error.value.message == (
            "Ana's balance is \u22123:15 and Off-peak film costs 2:00: a reward is thanks for "
            "time given, so it is spent from hours earned and never takes a balance below 0:00."
        )
    assert Account.objects.get(membership=ana).balance == -195
    assert not Redemption.objects.exists()
    assert not Transfer.objects.filter(kind=TransferKind.REDEMPTION).exists()


def test_a_reward_may_spend_the_balance_down_to_zero_and_no_further(world: World) -> None:
    ana = member(world, "Ana")
    _earned(world, ana, 240)
    reward, clerk = _reward(world)
    _redeem(clerk, reward, ana.number, TUESDAY_MORNING)
    _redeem(clerk, reward, ana.number, TUESDAY_MORNING)
    assert Account.objects.get(membership=ana).balance == 0
    with pytest.raises(InvalidInput, match=re.escape("Ana's balance is 0:00 and Off-peak film")):
        _redeem(clerk, reward, ana.number, TUESDAY_MORNING)
    assert Redemption.objects.count() == 2


def test_only_the_partners_staff_redeem(world: World) -> None:
    ana = member(world, "Ana")
    reward, _clerk = _reward(world)
    from coproduce.errors import NotFound

    with pytest.raises(NotFound):
        services.reward_redeem(
            viewer=world.viewer("coordinator"),
            reward_id=reward.pk,
            membership_number=ana.number,
            code=_code(ana),
        )
