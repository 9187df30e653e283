from __future__ import annotations

from datetime import date

import pytest

from coproduce.budgeting import selectors, services
from coproduce.budgeting.models import (
    Ballot,
    BallotChoice,
    BallotKind,
    Dividend,
    DividendStatus,
    Phase,
    ProposalStatus,
    Result,
    Round,
    Rule,
    SavingsTransfer,
)
from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.people import services as people_services
from coproduce.people.models import HistoryEntry, Person
from coproduce.people.permissions import viewer_for
from coproduce.timebank import ledger as timebank
from coproduce.timebank.ledger import ledger_differences
from coproduce.timebank.models import Account, AccountKind, Entry, Transfer, TransferKind, Unit
from tests.budgeting.factories import (
    area,
    election,
    join,
    policy_with_savings,
    resident,
)
from tests.conftest import World, make_person

# --- dividends and the money ledger -------------------------------------------------------


def test_savings_record_makes_a_dividend_of_the_agreed_share_rounded_down(world: World) -> None:
    record_id, dividend_id = policy_with_savings(world, area(), savings_pence=1_000_005, share=20)
    dividend = Dividend.objects.get(pk=dividend_id)
    assert dividend.savings_record_id == record_id
    assert dividend.amount_pence == 200_001
    assert dividend.status == DividendStatus.PROPOSED
    assert not Transfer.objects.filter(unit=Unit.PENCE).exists()


def test_dividend_approval_credits_the_area_pot_from_the_budget_holder(world: World) -> None:
    riverside = area()
    record_id, dividend_id = policy_with_savings(world, riverside)
    services.dividend_approve(viewer=world.viewer("manager"), dividend_id=dividend_id)
    pot = Account.objects.get(kind=AccountKind.AREA_POT, area=riverside, organisation=world.org)
    holder = Account.objects.get(kind=AccountKind.DIVIDEND, organisation=world.org)
    assert (pot.unit, holder.unit) == (Unit.PENCE, Unit.PENCE)
    assert pot.balance == 200_000
    assert holder.balance == -200_000
    transfer = Transfer.objects.get()
    assert (transfer.kind, transfer.unit, transfer.amount) == (
        TransferKind.DIVIDEND,
        Unit.PENCE,
        200_000,
    )
    assert transfer.savings_transfer.savings_record_id == record_id
    assert sorted(transfer.entries.values_list("amount", flat=True)) == [-200_000, 200_000]
    assert Dividend.objects.get(pk=dividend_id).status == DividendStatus.CREDITED
    assert ledger_differences() == []


def test_dividend_cannot_be_credited_twice(world: World) -> None:
    _, dividend_id = policy_with_savings(world, area())
    services.dividend_approve(viewer=world.viewer("manager"), dividend_id=dividend_id)
    with pytest.raises(Conflict, match="already been approved and credited"):
        services.dividend_approve(viewer=world.viewer("manager"), dividend_id=dividend_id)
    assert Transfer.objects.count() == 1
    assert SavingsTransfer.objects.count() == 1


def test_only_a_manager_of_the_budget_holder_approves_a_dividend(world: World) -> None:
    _, dividend_id = policy_with_savings(world, area())
    with pytest.raises(PermissionDenied, match="You need to be a manager or above"):
        services.dividend_approve(viewer=world.viewer("staff"), dividend_id=dividend_id)
    with pytest.raises(NotFound):
        services.dividend_approve(viewer=world.viewer("outsider"), dividend_id=dividend_id)
    assert not Transfer.objects.exists()


def test_savings_need_evidence_and_a_positive_amount(world: World) -> None:
    policy_with_savings(world, area())
    policy = world.org.dividend_policies.get()
    manager = world.viewer("manager")
    with pytest.raises(InvalidInput) as error:
        services.savings_record_enter(
            viewer=manager,
            policy_id=policy.pk,
            amount_pence=500,
            period_start=date(2025, 10, 1),
            period_end=date(2025, 12, 31),
            evidence="  ",
        )
    assert (error.value.field, error.value.message) == (
        "evidence",
        "Describe the evidence that the savings are cashable.",
    )
    with pytest.raises(InvalidInput, match=r"Enter the cashable savings: more than £0\."):
        services.savings_record_enter(
            viewer=manager,
            policy_id=policy.pk,
            amount_pence=0,
            period_start=date(2025, 10, 1),
            period_end=date(2025, 12, 31),
            evidence="Finance ledger",
        )


def test_savings_for_an_overlapping_period_are_refused(world: World) -> None:
    policy_with_savings(world, area())
    policy = world.org.dividend_policies.get()
    with pytest.raises(Conflict) as error:
        services.savings_record_enter(
            viewer=world.viewer("manager"),
            policy_id=policy.pk,
            amount_pence=500,
            period_start=date(2025, 9, 1),
            period_end=date(2025, 12, 31),
            evidence="Finance ledger",
        )
    assert error.value.message == (
        "Savings for 01 April 2025 to 30 September 2025 are already recorded; "
        "a period can be counted only once."
    )
    assert policy.savings_records.count() == 1


def test_savings_outside_the_policy_period_are_refused(world: World) -> None:
    policy_with_savings(world, area())
    policy = world.org.dividend_policies.get()
    with pytest.raises(InvalidInput, match="within the policy's period, 01 April 2025 to 31"):
        services.savings_record_enter(
            viewer=world.viewer("manager"),
            policy_id=policy.pk,
            amount_pence=500,
            period_start=date(2026, 3, 1),
            period_end=date(2026, 4, 30),
            evidence="Finance ledger",
        )


def test_policy_share_must_be_between_1_and_100(world: World) -> None:
    with pytest.raises(InvalidInput, match=r"Enter a share between 1% and 100%."):
        services.dividend_policy_create(
            viewer=world.viewer("manager"),
            budget_holder_id=world.org.pk,
            service="Day service",
            area_id=area().pk,
            share_percent=120,
            period_start=date(2025, 4, 1),
            period_end=date(2026, 3, 31),
        )


def _delivery_election(world: World) -> tuple[int, int, int]:
    """A round funded from the Riverside pot (two savings records credited), tallied and in
    delivery; returns (funded proposal id, first record id, second record id)."""
    riverside = area()
    first_record, first_dividend = policy_with_savings(world, riverside, savings_pence=100_000)
    manager = world.viewer("manager")
    policy = world.org.dividend_policies.get()
    second = services.savings_record_enter(
        viewer=manager,
        policy_id=policy.pk,
        amount_pence=500_000,
        period_start=date(2025, 10, 1),
        period_end=date(2026, 3, 31),
        evidence="Finance ledger, second half",
    )
    services.dividend_approve(viewer=manager, dividend_id=first_dividend)
    services.dividend_approve(viewer=manager, dividend_id=second.dividend.pk)
    pot = Account.objects.get(kind=AccountKind.AREA_POT, area=riverside)
    e = election(world, costs=(50_000,), amount_pence=100_000, pot_id=pot.pk, rule=Rule.GREEDY)
    services.ballot_cast(
        viewer=world.viewer("member"), budget_id=e.budget.pk, choices={e.proposals[0].pk: 1}
    )
    services.round_advance(viewer=manager, round_id=e.round.pk)
    services.round_advance(viewer=manager, round_id=e.round.pk)
    return e.proposals[0].pk, first_record, second.pk


def test_delivery_spend_draws_the_pot_oldest_savings_first(world: World) -> None:
    proposal_id, first, second = _delivery_election(world)
    transfers = services.delivery_spend(
        viewer=world.viewer("manager"), proposal_id=proposal_id, amount_pence=30_000, memo="Seeds"
    )
    # The first savings record put £200 into the pot (20% of £1,000); £300 draws all of it
    # and £100 from the second.
    assert [
        (t.savings_transfer.savings_record_id, t.entries.get(amount__gt=0).amount)
        for t in transfers
    ] == [
        (first, 20_000),
        (second, 10_000),
    ]
    assert all(t.kind == TransferKind.SPEND and t.unit == Unit.PENCE for t in transfers)
    assert all(t.savings_transfer.proposal_id == proposal_id for t in transfers)
    pot = Account.objects.get(kind=AccountKind.AREA_POT)
    assert pot.balance == 120_000 - 30_000
    spend = Account.objects.get(kind=AccountKind.DELIVERY)
    assert (spend.balance, spend.proposal.pk) == (30_000, proposal_id)
    assert ledger_differences() == []


def test_delivery_spend_beyond_the_project_cost_is_refused(world: World) -> None:
    proposal_id, _, _ = _delivery_election(world)
    with pytest.raises(InvalidInput) as error:
        services.delivery_spend(
            viewer=world.viewer("manager"),
            proposal_id=proposal_id,
            amount_pence=50_001,
            memo="Too much",
        )
    assert error.value.message == (
        "That would take spending to £500.01, over the project's cost of £500."
    )
    assert not Transfer.objects.filter(kind=TransferKind.SPEND).exists()


def test_ledger_refuses_a_pot_below_zero(world: World) -> None:
    record_id, dividend_id = policy_with_savings(world, area(), savings_pence=1_000)
    services.dividend_approve(viewer=world.viewer("manager"), dividend_id=dividend_id)
    pot = Account.objects.get(kind=AccountKind.AREA_POT)
    holder = Account.objects.get(kind=AccountKind.DIVIDEND)
    assert pot.floor == 0
    with pytest.raises(InvalidInput) as error:
        timebank.transfer_post(
            kind=TransferKind.SPEND,
            reason="Overdraw",
            operator=world.people["manager"],
            books={pot.organisation_id},
            legs=[timebank.Leg(pot, -500), timebank.Leg(holder, 500)],
        )
    assert error.value.message == (
        "Riverside community pot (Holy Cross Time Bank)'s balance would fall below £0.00, "
        "the limit set by Holy Cross Time Bank."
    )
    assert Entry.objects.count() == 2
    assert Account.objects.get(pk=pot.pk).balance == 200
    assert record_id


# --- rounds, proposals and review ---------------------------------------------------------


def test_round_phases_run_in_order_and_stop_at_delivery(world: World) -> None:
    e = election(world, open_voting=False)
    manager = world.viewer("manager")
    phases = [services.round_advance(viewer=manager, round_id=e.round.pk).phase for _ in range(4)]
    assert phases == [Phase.REVIEW, Phase.VOTING, Phase.RESULTS, Phase.DELIVERY]
    with pytest.raises(Conflict, match="already in delivery, its last phase"):
        services.round_advance(viewer=manager, round_id=e.round.pk)


def test_only_managers_advance_a_round(world: World) -> None:
    e = election(world, open_voting=False)
    with pytest.raises(PermissionDenied, match="You need to be a manager or above"):
        services.round_advance(viewer=world.viewer("staff"), round_id=e.round.pk)
    assert Round.objects.get(pk=e.round.pk).phase == Phase.PROPOSALS


def test_voting_cannot_open_while_proposals_wait_for_review(world: World) -> None:
    e = election(world, open_voting=False)
    services.proposal_submit(
        viewer=world.viewer("member"),
        budget_id=e.budget.pk,
        title="Late idea",
        description="Benches",
        cost_pence=1_000,
    )
    manager = world.viewer("manager")
    services.round_advance(viewer=manager, round_id=e.round.pk)
    with pytest.raises(Conflict) as error:
        services.round_advance(viewer=manager, round_id=e.round.pk)
    assert error.value.message == "Review every proposal before voting opens: 1 still waiting."
    assert Round.objects.get(pk=e.round.pk).phase == Phase.REVIEW


def test_rejection_needs_a_public_reason(world: World) -> None:
    e = election(world, open_voting=False)
    proposal = services.proposal_submit(
        viewer=world.viewer("member"),
        budget_id=e.budget.pk,
        title="A swimming pool",
        description="Olympic size",
        cost_pence=90_000,
    )
    with pytest.raises(InvalidInput) as error:
        services.proposal_review(
            viewer=world.viewer("staff"), proposal_id=proposal.pk, accept=False
        )
    assert error.value.field == "reason"
    services.proposal_review(
        viewer=world.viewer("staff"),
        proposal_id=proposal.pk,
        accept=False,
        reason="The land belongs to the railway.",
    )
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED
    assert proposal.rejection_reason == "The land belongs to the railway."


def test_members_cannot_review_proposals(world: World) -> None:
    e = election(world, open_voting=False)
    with pytest.raises(PermissionDenied, match="You need to be a staff or above"):
        services.proposal_review(
            viewer=world.viewer("member"), proposal_id=e.proposals[0].pk, accept=True
        )


def test_proposal_costing_more_than_the_budget_is_refused(world: World) -> None:
    e = election(world, open_voting=False)
    with pytest.raises(InvalidInput) as error:
        services.proposal_submit(
            viewer=world.viewer("member"),
            budget_id=e.budget.pk,
            title="Too big",
            description="A bridge",
            cost_pence=100_001,
        )
    assert error.value.message == "That costs more than the whole budget of £1,000."


def test_proposals_are_closed_after_the_proposal_phase(world: World) -> None:
    e = election(world)
    with pytest.raises(Conflict, match=r"Proposals are closed: this round is in the voting phase."):
        services.proposal_submit(
            viewer=world.viewer("member"),
            budget_id=e.budget.pk,
            title="Late",
            description="Late idea",
            cost_pence=100,
        )


# --- ballots ------------------------------------------------------------------------------


def test_member_casts_an_approval_ballot_within_the_limit(world: World) -> None:
    e = election(world)
    a, b, _ = e.proposals
    ballot = services.ballot_cast(
        viewer=world.viewer("member"), budget_id=e.budget.pk, choices={a.pk: 1, b.pk: 1}
    )
    assert set(ballot.choices.values_list("proposal_id", flat=True)) == {a.pk, b.pk}
    assert ballot.person == world.people["member"]


def test_ballot_over_the_budget_limit_is_refused_and_nothing_counted(world: World) -> None:
    e = election(world)
    a, b, c = e.proposals
    with pytest.raises(InvalidInput) as error:
        services.ballot_cast(
            viewer=world.viewer("member"),
            budget_id=e.budget.pk,
            choices={a.pk: 1, b.pk: 1, c.pk: 1},
        )
    assert error.value.message == "Your choices cost £1,200, over the budget of £1,000."
    assert not Ballot.objects.exists()
    assert not BallotChoice.objects.exists()


def test_ballot_under_the_minimum_number_of_projects_is_refused(world: World) -> None:
    e = election(world, min_projects=2)
    with pytest.raises(InvalidInput, match=r"^Choose at least 2 projects\.$"):
        services.ballot_cast(
            viewer=world.viewer("member"), budget_id=e.budget.pk, choices={e.proposals[0].pk: 1}
        )
    assert not Ballot.objects.exists()


def test_ballot_under_the_minimum_share_of_the_budget_is_refused(world: World) -> None:
    e = election(world, min_share_percent=50)
    with pytest.raises(InvalidInput) as error:
        services.ballot_cast(
            viewer=world.viewer("member"), budget_id=e.budget.pk, choices={e.proposals[1].pk: 1}
        )
    assert error.value.message == (
        "Your choices must spend at least 50% of the budget (£500); they spend £300."
    )
    assert not Ballot.objects.exists()


def test_approval_count_ballot_over_the_maximum_is_refused(world: World) -> None:
    e = election(world, ballot_kind=BallotKind.APPROVAL_COUNT, max_projects=2)
    with pytest.raises(InvalidInput, match=r"^Choose at most 2 projects; you chose 3\.$"):
        services.ballot_cast(
            viewer=world.viewer("member"),
            budget_id=e.budget.pk,
            choices={p.pk: 1 for p in e.proposals},
        )
    assert not Ballot.objects.exists()


def test_cumulative_ballot_may_not_give_more_points_than_it_has(world: World) -> None:
    e = election(world, ballot_kind=BallotKind.CUMULATIVE, points=10)
    a, b, _ = e.proposals
    with pytest.raises(InvalidInput, match=r"^You gave 11 points; you have 10 to share out\.$"):
        services.ballot_cast(
            viewer=world.viewer("member"), budget_id=e.budget.pk, choices={a.pk: 6, b.pk: 5}
        )
    ballot = services.ballot_cast(
        viewer=world.viewer("member"), budget_id=e.budget.pk, choices={a.pk: 6, b.pk: 4}
    )
    assert dict(ballot.choices.values_list("proposal_id", "points")) == {a.pk: 6, b.pk: 4}


def test_vote_for_a_project_not_on_the_ballot_is_refused(world: World) -> None:
    e = election(world)
    with pytest.raises(InvalidInput, match=r"^Project 999999 is not on this ballot\.$"):
        services.ballot_cast(
            viewer=world.viewer("member"), budget_id=e.budget.pk, choices={999_999: 1}
        )


def test_second_ballot_is_refused_but_the_first_can_be_changed(world: World) -> None:
    e = election(world)
    a, b, _ = e.proposals
    member = world.viewer("member")
    services.ballot_cast(viewer=member, budget_id=e.budget.pk, choices={a.pk: 1})
    with pytest.raises(Conflict) as error:
        services.ballot_cast(viewer=member, budget_id=e.budget.pk, choices={b.pk: 1})
    assert (
        error.value.message == "You have already voted in this budget; change your ballot instead."
    )
    services.ballot_change(viewer=member, budget_id=e.budget.pk, choices={b.pk: 1})
    ballot = Ballot.objects.get()
    assert list(ballot.choices.values_list("proposal_id", flat=True)) == [b.pk]


def test_vote_outside_the_voting_phase_is_refused(world: World) -> None:
    e = election(world, open_voting=False)
    with pytest.raises(Conflict) as error:
        services.ballot_cast(
            viewer=world.viewer("member"), budget_id=e.budget.pk, choices={e.proposals[0].pk: 1}
        )
    assert error.value.message == "Voting is not open: this round is in the proposals phase."
    assert not Ballot.objects.exists()


def test_ballot_cannot_be_changed_after_voting_closes(world: World) -> None:
    e = election(world)
    member = world.viewer("member")
    services.ballot_cast(viewer=member, budget_id=e.budget.pk, choices={e.proposals[0].pk: 1})
    services.round_advance(viewer=world.viewer("manager"), round_id=e.round.pk)
    with pytest.raises(Conflict, match=r"Voting is not open: this round is in the results phase."):
        services.ballot_change(viewer=member, budget_id=e.budget.pk, choices={e.proposals[1].pk: 1})


def test_only_residents_of_the_area_may_vote(world: World) -> None:
    riverside, northgate = area("Riverside"), area("Northgate")
    e = election(world, area_id=riverside.pk, residents_only=True)
    neighbour = resident(world, "Nia Northgate", "nia@example.org", northgate)
    local = resident(world, "Rosa Riverside", "rosa@example.org", riverside)
    with pytest.raises(PermissionDenied) as error:
        services.ballot_cast(
            viewer=viewer_for(neighbour.user),
            budget_id=e.budget.pk,
            choices={e.proposals[0].pk: 1},
        )
    assert error.value.message == "Only residents of Riverside may vote in “Riverside”."
    services.ballot_cast(
        viewer=viewer_for(local.user), budget_id=e.budget.pk, choices={e.proposals[0].pk: 1}
    )
    assert list(Ballot.objects.values_list("person_id", flat=True)) == [local.pk]


def test_voters_under_the_minimum_age_are_refused(world: World) -> None:
    e = election(world, min_age=16)
    member = world.people["member"]
    with pytest.raises(PermissionDenied, match="add your date of birth to your profile"):
        services.ballot_cast(
            viewer=world.viewer("member"), budget_id=e.budget.pk, choices={e.proposals[0].pk: 1}
        )
    # No people service sets an online member's date of birth yet; set it directly.
    Person.objects.filter(pk=member.pk).update(date_of_birth=date.today().replace(year=2015))
    too_young = r"^You must be 16 or over to vote in “Riverside”\.$"
    with pytest.raises(PermissionDenied, match=too_young):
        services.ballot_cast(
            viewer=world.viewer("member"), budget_id=e.budget.pk, choices={e.proposals[0].pk: 1}
        )
    Person.objects.filter(pk=member.pk).update(date_of_birth=date(1990, 1, 1))
    services.ballot_cast(
        viewer=world.viewer("member"), budget_id=e.budget.pk, choices={e.proposals[0].pk: 1}
    )
    assert Ballot.objects.count() == 1


def test_only_members_of_the_named_organisation_may_vote(world: World) -> None:
    e = election(world, members_of_id=world.other_org.pk)
    with pytest.raises(PermissionDenied, match="Only members of Northgate Time Bank may vote"):
        services.ballot_cast(
            viewer=world.viewer("member"), budget_id=e.budget.pk, choices={e.proposals[0].pk: 1}
        )
    join(world.other_org, world.people["member"], world.outsider)  # type: ignore[arg-type]
    services.ballot_cast(
        viewer=world.viewer("member"), budget_id=e.budget.pk, choices={e.proposals[0].pk: 1}
    )
    assert Ballot.objects.count() == 1


def test_commissioners_cannot_vote(world: World) -> None:
    e = election(world)
    with pytest.raises(PermissionDenied, match="You need to be a member or above"):
        services.ballot_cast(
            viewer=world.viewer("commissioner"),
            budget_id=e.budget.pk,
            choices={e.proposals[0].pk: 1},
        )


def _number(world: World, person: Person) -> str:
    return world.org.memberships.get(person=person).number


def test_staff_enter_a_paper_ballot_for_a_person_without_a_login(world: World) -> None:
    e = election(world)
    elsie = people_services.person_create_for(
        viewer=world.viewer("coordinator"),
        organisation=world.org,
        full_name="Elsie Paper",
        date_of_birth=date(1950, 5, 1),
    )
    ballot = services.paper_ballot_enter(
        viewer=world.viewer("staff"),
        budget_id=e.budget.pk,
        number=_number(world, elsie),
        choices={e.proposals[2].pk: 1},
    )
    assert (ballot.person, ballot.channel, ballot.entered_by) == (
        elsie,
        "paper",
        world.people["staff"],
    )
    with pytest.raises(Conflict, match=r"^Elsie Paper has already voted in this budget\.$"):
        services.paper_ballot_enter(
            viewer=world.viewer("staff"),
            budget_id=e.budget.pk,
            number=_number(world, elsie),
            choices={e.proposals[1].pk: 1},
        )
    assert Ballot.objects.count() == 1


def test_members_cannot_enter_paper_ballots(world: World) -> None:
    e = election(world)
    with pytest.raises(PermissionDenied):
        services.paper_ballot_enter(
            viewer=world.viewer("member"),
            budget_id=e.budget.pk,
            number=_number(world, world.people["staff"]),
            choices={e.proposals[0].pk: 1},
        )


def test_one_time_code_votes_once_and_is_stored_hashed(world: World) -> None:
    e = election(world)
    codes = services.voting_codes_create(
        viewer=world.viewer("staff"), budget_id=e.budget.pk, count=3
    )
    assert len(set(codes)) == 3
    stored = list(e.budget.codes.values_list("code_hash", flat=True))
    assert all(code.replace("-", "") not in "".join(stored) for code in codes)
    services.code_ballot_cast(
        budget_id=e.budget.pk, code=codes[0].lower(), choices={e.proposals[0].pk: 1}
    )
    with pytest.raises(Conflict, match=r"^This code has already been used\.$"):
        services.code_ballot_cast(
            budget_id=e.budget.pk, code=codes[0], choices={e.proposals[1].pk: 1}
        )
    with pytest.raises(InvalidInput) as error:
        services.code_ballot_cast(
            budget_id=e.budget.pk, code="NOPE-NOPE", choices={e.proposals[1].pk: 1}
        )
    assert error.value.field == "code"
    assert Ballot.objects.count() == 1


def test_a_code_for_one_budget_does_not_work_in_another(world: World) -> None:
    first = election(world)
    second = services.budget_add(
        viewer=world.viewer("manager"),
        round_id=services.round_create(
            viewer=world.viewer("manager"), organisation_id=world.org.pk, title="Other"
        ).pk,
        name="Other",
        amount_pence=1_000,
    )
    code = services.voting_codes_create(viewer=world.viewer("staff"), budget_id=second.pk, count=1)[
        0
    ]
    with pytest.raises(InvalidInput, match="not valid for this budget"):
        services.code_ballot_cast(
            budget_id=first.budget.pk, code=code, choices={first.proposals[0].pk: 1}
        )


# --- tallying -----------------------------------------------------------------------------


def test_closing_the_vote_stores_results_with_explanations(world: World) -> None:
    e = election(world, rule=Rule.GREEDY)
    a, b, c = e.proposals  # £400, £300, £500 of £1,000
    voters = [
        world.viewer("member"),
        world.viewer("staff"),
        world.viewer("coordinator"),
    ]
    ballots = [{a.pk: 1, b.pk: 1}, {c.pk: 1}, {c.pk: 1, b.pk: 1}]
    for voter, choices in zip(voters, ballots, strict=True):
        services.ballot_cast(viewer=voter, budget_id=e.budget.pk, choices=choices)
    services.round_advance(viewer=world.viewer("manager"), round_id=e.round.pk)
    result = Result.objects.get(budget=e.budget)
    lines = {line.proposal_id: line for line in result.lines.all()}
    assert result.ballots_counted == 3
    assert {pk for pk, line in lines.items() if line.selected} == {b.pk, c.pk}
    assert (lines[b.pk].votes, lines[c.pk].votes, lines[a.pk].votes) == (2, 2, 1)
    assert all(line.explanation for line in lines.values())


def test_one_ballot_per_person_is_backed_by_the_database(world: World) -> None:
    from django.db import IntegrityError, transaction

    e = election(world)
    services.ballot_cast(
        viewer=world.viewer("member"), budget_id=e.budget.pk, choices={e.proposals[0].pk: 1}
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        Ballot.objects.create(budget=e.budget, person=world.people["member"], channel="online")


def test_outsider_cannot_see_or_vote_in_a_round(world: World) -> None:
    e = election(world)
    with pytest.raises(NotFound):
        selectors.round_get(viewer=world.viewer("outsider"), round_id=e.round.pk)
    with pytest.raises(NotFound):
        services.ballot_cast(
            viewer=world.viewer("outsider"),
            budget_id=e.budget.pk,
            choices={e.proposals[0].pk: 1},
        )


def test_new_member_can_vote_once_joined(world: World) -> None:
    e = election(world)
    person = make_person("Jo Joiner", "jo@example.org")
    join(world.org, person, world.people["admin"])
    services.ballot_cast(
        viewer=viewer_for(person.user), budget_id=e.budget.pk, choices={e.proposals[0].pk: 1}
    )
    assert Ballot.objects.filter(person=person).exists()


def test_a_paper_voter_can_change_their_ballot_online(world: World) -> None:
    e = election(world)
    a, b, _ = e.proposals
    services.paper_ballot_enter(
        viewer=world.viewer("staff"),
        budget_id=e.budget.pk,
        number=_number(world, world.people["member"]),
        choices={a.pk: 1},
    )
    services.ballot_change(viewer=world.viewer("member"), budget_id=e.budget.pk, choices={b.pk: 1})
    ballot = Ballot.objects.get()
    assert (ballot.channel, list(ballot.choices.values_list("proposal_id", flat=True))) == (
        "paper",
        [b.pk],
    )


def test_ballot_save_casts_a_first_ballot_then_changes_it(world: World) -> None:
    e = election(world)
    a, b, _ = e.proposals
    member = world.viewer("member")
    first, cast = services.ballot_save(viewer=member, budget_id=e.budget.pk, choices={a.pk: 1})
    assert cast is True
    assert list(first.choices.values_list("proposal_id", flat=True)) == [a.pk]
    again, cast = services.ballot_save(viewer=member, budget_id=e.budget.pk, choices={b.pk: 1})
    assert cast is False
    assert again.pk == first.pk
    ballot = Ballot.objects.get()
    assert (ballot.person, ballot.channel) == (world.people["member"], "online")
    assert list(ballot.choices.values_list("proposal_id", flat=True)) == [b.pk]
    actions = HistoryEntry.objects.filter(action__startswith="budgeting.ballot_")
    assert sorted(actions.values_list("action", flat=True)) == [
        "budgeting.ballot_cast",
        "budgeting.ballot_changed",
    ]


def test_ballot_save_refused_change_keeps_the_ballot_as_it_was(world: World) -> None:
    e = election(world)
    a, b, c = e.proposals
    member = world.viewer("member")
    services.ballot_save(viewer=member, budget_id=e.budget.pk, choices={a.pk: 1})
    with pytest.raises(InvalidInput) as error:
        services.ballot_save(
            viewer=member, budget_id=e.budget.pk, choices={a.pk: 1, b.pk: 1, c.pk: 1}
        )
    assert error.value.message == "Your choices cost £1,200, over the budget of £1,000."
    assert list(BallotChoice.objects.values_list("proposal_id", flat=True)) == [a.pk]
    assert not HistoryEntry.objects.filter(action="budgeting.ballot_changed").exists()


def test_ballot_save_refused_first_ballot_writes_nothing(world: World) -> None:
    e = election(world)
    with pytest.raises(InvalidInput, match=r"^Project 999999 is not on this ballot\.$"):
        services.ballot_save(
            viewer=world.viewer("member"), budget_id=e.budget.pk, choices={999_999: 1}
        )
    assert not Ballot.objects.exists()
    assert not HistoryEntry.objects.filter(action="budgeting.ballot_cast").exists()


def test_ballot_save_changes_a_paper_ballot_rather_than_casting_a_second(world: World) -> None:
    e = election(world)
    a, b, _ = e.proposals
    services.paper_ballot_enter(
        viewer=world.viewer("staff"),
        budget_id=e.budget.pk,
        number=_number(world, world.people["member"]),
        choices={a.pk: 1},
    )
    _, cast = services.ballot_save(
        viewer=world.viewer("member"), budget_id=e.budget.pk, choices={b.pk: 1}
    )
    assert cast is False
    ballot = Ballot.objects.get()
    assert (ballot.channel, list(ballot.choices.values_list("proposal_id", flat=True))) == (
        "paper",
        [b.pk],
    )


def test_ballot_save_refuses_an_ineligible_member_and_a_closed_vote(world: World) -> None:
    e = election(world, area_id=area("Riverside").pk, residents_only=True)
    member = world.viewer("member")
    with pytest.raises(PermissionDenied) as refused:
        services.ballot_save(viewer=member, budget_id=e.budget.pk, choices={e.proposals[0].pk: 1})
    assert refused.value.message == "Only residents of Riverside may vote in “Riverside”."
    closed = election(world, open_voting=False)
    with pytest.raises(Conflict) as error:
        services.ballot_save(
            viewer=member, budget_id=closed.budget.pk, choices={closed.proposals[0].pk: 1}
        )
    assert error.value.message == "Voting is not open: this round is in the proposals phase."
    with pytest.raises(NotFound):
        services.ballot_save(
            viewer=world.viewer("outsider"),
            budget_id=closed.budget.pk,
            choices={closed.proposals[0].pk: 1},
        )
    assert not Ballot.objects.exists()


@pytest.mark.parametrize(
    ("rule", "threshold", "funded"),
    [
        # £400 (3 votes), £300 (2 votes), £500 (1 vote) with £1,000 to spend.
        (Rule.GREEDY, 0, {0, 1}),
        (Rule.GREEDY_NO_SKIP, 0, {0, 1}),
        (Rule.GREEDY_THRESHOLD, 3, {0}),
        (Rule.MES, 0, {0, 1}),
    ],
)
def test_each_rule_counts_a_budget(
    world: World, rule: str, threshold: int, funded: set[int]
) -> None:
    e = election(world, rule=rule, threshold_votes=threshold)
    a, b, c = e.proposals
    ballots = {
        "member": {a.pk: 1, b.pk: 1},
        "staff": {a.pk: 1, b.pk: 1},
        "coordinator": {a.pk: 1, c.pk: 1},
    }
    for role, choices in ballots.items():
        services.ballot_cast(viewer=world.viewer(role), budget_id=e.budget.pk, choices=choices)
    services.round_advance(viewer=world.viewer("manager"), round_id=e.round.pk)
    result = Result.objects.get(budget=e.budget)
    selected = set(result.lines.filter(selected=True).values_list("proposal_id", flat=True))
    assert selected == {e.proposals[i].pk for i in funded}
    assert result.rule == rule
    if rule == Rule.GREEDY_THRESHOLD:
        line = result.lines.get(proposal=b)
        assert line.explanation == "Not eligible: 2 votes, below the threshold of 3 votes"


def test_greedy_no_skip_stops_where_greedy_skips(world: World) -> None:
    e = election(
        world,
        costs=(60_000, 50_000, 30_000),
        rule=Rule.GREEDY_NO_SKIP,
        ballot_kind=BallotKind.APPROVAL_COUNT,
        max_projects=3,
    )
    a, b, c = e.proposals
    for role, choices in {
        "member": {a.pk: 1, b.pk: 1},
        "staff": {a.pk: 1, b.pk: 1, c.pk: 1},
        "coordinator": {a.pk: 1},
    }.items():
        services.ballot_cast(viewer=world.viewer(role), budget_id=e.budget.pk, choices=choices)
    services.round_advance(viewer=world.viewer("manager"), round_id=e.round.pk)
    result = Result.objects.get(budget=e.budget)
    assert list(result.lines.filter(selected=True).values_list("proposal_id", flat=True)) == [a.pk]
    assert (
        "“Idea 2”, the first project that did not fit" in result.lines.get(proposal=c).explanation
    )


# --- tenancy: another organisation's pot --------------------------------------------------


def _funded_pot(world: World) -> Account:
    """world.org's Riverside pot holding £2,000 of an approved dividend."""
    riverside = area()
    _, dividend_id = policy_with_savings(world, riverside)
    services.dividend_approve(viewer=world.viewer("manager"), dividend_id=dividend_id)
    return Account.objects.get(kind=AccountKind.AREA_POT, area=riverside, organisation=world.org)


def _foreign_round(world: World) -> Round:
    """A round in other_org, run by its admin (the outsider), who has no role in world.org."""
    return services.round_create(
        viewer=world.viewer("outsider"), organisation_id=world.other_org.pk, title="Northgate"
    )


def test_budget_add_with_another_organisations_pot_is_not_found(world: World) -> None:
    pot = _funded_pot(world)
    round_ = _foreign_round(world)
    with pytest.raises(NotFound):
        services.budget_add(
            viewer=world.viewer("outsider"),
            round_id=round_.pk,
            name="Raid",
            amount_pence=5_000,
            pot_id=pot.pk,
        )
    assert not round_.budgets.exists()
    assert Account.objects.get(pk=pot.pk).balance == 200_000


def test_budget_add_with_a_pot_where_the_viewer_cannot_run_rounds_is_refused(
    world: World,
) -> None:
    pot = _funded_pot(world)
    round_ = services.round_create(
        viewer=world.viewer("manager"), organisation_id=world.org.pk, title="Spring"
    )
    join(world.other_org, world.people["manager"], world.outsider)  # type: ignore[arg-type]
    # A plain member of other_org cannot draw on its pots, even from a round they may run.
    other_pot = services.pot_account(area(), world.other_org)
    with pytest.raises(PermissionDenied, match="manager or above of this organisation"):
        services.budget_add(
            viewer=world.viewer("manager"),
            round_id=round_.pk,
            name="Spring",
            amount_pence=5_000,
            pot_id=other_pot.pk,
        )
    budget = services.budget_add(
        viewer=world.viewer("manager"),
        round_id=round_.pk,
        name="Spring",
        amount_pence=5_000,
        pot_id=pot.pk,
    )
    assert budget.pot == pot


def test_budget_add_with_an_account_that_is_not_a_pot_is_refused(world: World) -> None:
    round_ = services.round_create(
        viewer=world.viewer("manager"), organisation_id=world.org.pk, title="Spring"
    )
    agency = timebank.organisation_account(world.org, AccountKind.AGENCY)
    with pytest.raises(InvalidInput, match=r"^Choose a community pot\.$"):
        services.budget_add(
            viewer=world.viewer("manager"),
            round_id=round_.pk,
            name="Spring",
            amount_pence=5_000,
            pot_id=agency.pk,
        )


def test_budget_add_in_another_organisations_round_is_not_found(world: World) -> None:
    round_ = _foreign_round(world)
    with pytest.raises(NotFound):
        services.budget_add(
            viewer=world.viewer("manager"), round_id=round_.pk, name="X", amount_pence=5_000
        )
    assert not round_.budgets.exists()


def test_budget_add_for_voters_of_a_private_organisation_is_not_found(world: World) -> None:
    hidden = people_services.organisation_create(
        name="Hidden Group", kind="community_group", is_public=False
    )
    round_ = services.round_create(
        viewer=world.viewer("manager"), organisation_id=world.org.pk, title="Spring"
    )
    with pytest.raises(NotFound):
        services.budget_add(
            viewer=world.viewer("manager"),
            round_id=round_.pk,
            name="Spring",
            amount_pence=5_000,
            members_of_id=hidden.pk,
        )


def _foreign_delivery(world: World, pot: Account) -> int:
    """A funded project in other_org's round whose budget names world.org's pot, as rows
    written before the pot's owner was checked could; returns the proposal id."""
    outsider = world.viewer("outsider")
    round_ = _foreign_round(world)
    budget = services.budget_add(
        viewer=outsider, round_id=round_.pk, name="Northgate", amount_pence=10_000,
        rule=Rule.GREEDY,
    )  # fmt: skip
    proposal = services.proposal_submit(
        viewer=outsider, budget_id=budget.pk, title="Benches", description="Two",
        cost_pence=5_000,
    )  # fmt: skip
    services.proposal_review(viewer=outsider, proposal_id=proposal.pk, accept=True)
    services.round_advance(viewer=outsider, round_id=round_.pk)
    services.round_advance(viewer=outsider, round_id=round_.pk)
    services.ballot_cast(viewer=outsider, budget_id=budget.pk, choices={proposal.pk: 1})
    services.round_advance(viewer=outsider, round_id=round_.pk)
    services.round_advance(viewer=outsider, round_id=round_.pk)
    type(budget).objects.filter(pk=budget.pk).update(pot=pot)
    return proposal.pk


def test_delivery_spend_from_another_organisations_pot_is_not_found(world: World) -> None:
    pot = _funded_pot(world)
    proposal_id = _foreign_delivery(world, pot)
    with pytest.raises(NotFound):
        services.delivery_spend(
            viewer=world.viewer("outsider"),
            proposal_id=proposal_id,
            amount_pence=5_000,
            memo="Benches",
        )
    assert Account.objects.get(pk=pot.pk).balance == 200_000
    assert not Transfer.objects.filter(kind=TransferKind.SPEND).exists()
    assert not Account.objects.filter(kind=AccountKind.DELIVERY).exists()
