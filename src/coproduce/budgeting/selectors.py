"""Every read of dividends, pots and rounds, scoped to the viewer.

A round is seen by the active members of the organisation that runs it; anyone else gets 404.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Prefetch, QuerySet

from coproduce.budgeting.models import (
    Ballot,
    Budget,
    Dividend,
    DividendPolicy,
    Phase,
    Proposal,
    ProposalStatus,
    Result,
    ResultLine,
    Round,
)
from coproduce.errors import InvalidInput, NotFound
from coproduce.people import permissions
from coproduce.people.models import Area, MembershipStatus, Organisation, Person
from coproduce.people.numbers import membership_number_normalise
from coproduce.people.permissions import Viewer
from coproduce.timebank.models import Account, AccountKind, Unit


def round_list(*, viewer: Viewer) -> QuerySet[Round]:
    return (
        Round.objects.filter(organisation_id__in=viewer.organisation_ids("budgeting.view"))
        .select_related("organisation")
        .annotate(budget_count=Count("budgets"))
        .order_by("-created_at", "-pk")
    )


def access_round_by_id(
    *,
    viewer: Viewer,
    round_id: int,
    ability: str = "budgeting.view",
    action: str = "see this round",
    for_update: bool = False,
) -> Round:
    """The round, once the viewer holds ``ability`` in its organisation; 404 otherwise.
    ``for_update`` locks the round row (a service's transaction serialises on it)."""
    queryset = Round.objects.select_related("organisation")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    round_ = queryset.filter(pk=round_id).first()
    if round_ is None:
        raise NotFound()
    permissions.check(viewer, ability, round_.organisation_id, action=action)
    return round_


def round_get(*, viewer: Viewer, round_id: int) -> Round:
    return access_round_by_id(viewer=viewer, round_id=round_id)


@dataclass(frozen=True)
class RoundAbilities:
    """What the viewer may do in a round's organisation: the buttons its pages show."""

    propose: bool
    vote: bool
    review: bool
    run: bool
    enter_paper: bool


def round_abilities(*, viewer: Viewer, round_: Round) -> RoundAbilities:
    organisation_id = round_.organisation_id
    return RoundAbilities(
        propose=permissions.may(viewer, "budgeting.propose", organisation_id),
        vote=permissions.may(viewer, "budgeting.vote", organisation_id),
        review=permissions.may(viewer, "budgeting.review", organisation_id),
        run=permissions.may(viewer, "budgeting.run_round", organisation_id),
        enter_paper=permissions.may(viewer, "budgeting.enter_paper_ballot", organisation_id),
    )


def budget_list(*, viewer: Viewer, round_: Round) -> list[Budget]:
    """The round's budgets with their proposals."""
    permissions.check(viewer, "budgeting.view", round_.organisation_id, action="see this round")
    return list(
        round_.budgets.select_related("area", "pot", "members_of")
        .prefetch_related(
            Prefetch(
                "proposals",
                queryset=Proposal.objects.select_related("proposer").order_by("pk"),
            )
        )
        .order_by("pk")
    )


def access_budget_by_id(
    *,
    viewer: Viewer,
    budget_id: int,
    ability: str = "budgeting.view",
    action: str = "see this budget",
) -> Budget:
    """The budget, once the viewer holds ``ability`` in its round's organisation."""
    budget = (
        Budget.objects.select_related("round__organisation", "area", "pot", "members_of")
        .filter(pk=budget_id)
        .first()
    )
    if budget is None:
        raise NotFound()
    permissions.check(viewer, ability, budget.round.organisation_id, action=action)
    return budget


def budget_get(*, viewer: Viewer, budget_id: int) -> Budget:
    return access_budget_by_id(viewer=viewer, budget_id=budget_id)


def _check_budget(viewer: Viewer, budget: Budget) -> None:
    permissions.check(
        viewer, "budgeting.view", budget.round.organisation_id, action="see this budget"
    )


def budget_public_get(*, viewer: Viewer, budget_id: int) -> Budget:
    """For the one-time-code voting page: any viewer, signed in or not (the slip is the
    credential), sees a budget whose vote is open, and nothing else."""
    budget = (
        Budget.objects.select_related("round__organisation", "area")
        .filter(pk=budget_id, round__phase=Phase.VOTING)
        .first()
    )
    if budget is None:
        raise NotFound()
    return budget


def access_proposal_by_id(
    *,
    viewer: Viewer,
    proposal_id: int,
    ability: str = "budgeting.view",
    action: str = "see this proposal",
) -> Proposal:
    """The proposal, once the viewer holds ``ability`` in its round's organisation."""
    proposal = (
        Proposal.objects.select_related("budget__round__organisation", "proposer")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None:
        raise NotFound()
    permissions.check(viewer, ability, proposal.budget.round.organisation_id, action=action)
    return proposal


def proposal_get(*, viewer: Viewer, proposal_id: int) -> Proposal:
    return access_proposal_by_id(viewer=viewer, proposal_id=proposal_id)


def proposals_on_ballot(*, viewer: Viewer, budget: Budget) -> list[Proposal]:
    _check_budget(viewer, budget)
    return list(budget.proposals.filter(status=ProposalStatus.ACCEPTED).order_by("pk"))


def proposals_on_public_ballot(*, viewer: Viewer, budget: Budget) -> list[Proposal]:
    """The open ballot a code voter sees, signed in or not; a closed one is 404."""
    if budget.round.phase != Phase.VOTING:
        raise NotFound()
    return list(budget.proposals.filter(status=ProposalStatus.ACCEPTED).order_by("pk"))


def ballot_choices_for(*, viewer: Viewer, budget: Budget) -> dict[int, int] | None:
    """The viewer's own choices in ``budget`` (proposal id → points), or None if not voted."""
    if viewer.person is None:
        return None
    _check_budget(viewer, budget)
    ballot = (
        Ballot.objects.filter(budget=budget, person=viewer.person)
        .prefetch_related("choices")
        .first()
    )
    if ballot is None:
        return None
    return {choice.proposal_id: choice.points for choice in ballot.choices.all()}


def ballot_count(*, viewer: Viewer, budget: Budget) -> int:
    _check_budget(viewer, budget)
    return Ballot.objects.filter(budget=budget).count()


def result_get(*, viewer: Viewer, budget: Budget) -> Result | None:
    _check_budget(viewer, budget)
    return (
        Result.objects.filter(budget=budget)
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=ResultLine.objects.select_related("proposal").order_by("position"),
            )
        )
        .first()
    )


@dataclass(frozen=True)
class DeliveryRow:
    proposal: Proposal
    spent_pence: int


def delivery_rows(*, viewer: Viewer, budget: Budget) -> list[DeliveryRow]:
    _check_budget(viewer, budget)
    funded = list(
        Proposal.objects.filter(
            pk__in=ResultLine.objects.filter(result__budget=budget, selected=True).values(
                "proposal_id"
            )
        )
        .select_related("delivery_account")
        .order_by("pk")
    )
    return [
        DeliveryRow(proposal=p, spent_pence=p.delivery_account.balance if p.delivery_account else 0)
        for p in funded
    ]


def dividend_policy_list(*, viewer: Viewer) -> QuerySet[DividendPolicy]:
    """Policies of the budget holders where the viewer may approve dividends."""
    return (
        DividendPolicy.objects.filter(
            budget_holder_id__in=viewer.organisation_ids("budgeting.approve_dividend")
        )
        .select_related("budget_holder", "area")
        .prefetch_related("savings_records__dividend")
        .order_by("-period_start", "pk")
    )


def dividend_policy_get(
    *, viewer: Viewer, policy_id: int, for_update: bool = False
) -> DividendPolicy:
    """The policy, once the viewer may approve dividends of its budget holder; ``for_update``
    locks its row."""
    queryset = DividendPolicy.objects.select_related("budget_holder", "area")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    policy = queryset.filter(pk=policy_id).first()
    if policy is None:
        raise NotFound()
    permissions.check(
        viewer,
        "budgeting.approve_dividend",
        policy.budget_holder_id,
        action="record savings for this policy",
    )
    return policy


def dividend_get(*, viewer: Viewer, dividend_id: int) -> Dividend:
    dividend = (
        Dividend.objects.select_related("savings_record__policy__budget_holder")
        .filter(pk=dividend_id)
        .first()
    )
    if dividend is None:
        raise NotFound()
    permissions.check(
        viewer,
        "budgeting.approve_dividend",
        dividend.savings_record.policy.budget_holder_id,
        action="see this dividend",
    )
    return dividend


def pot_list(*, viewer: Viewer, ability: str = "budgeting.view") -> QuerySet[Account]:
    """Community pots in the books of the organisations where the viewer holds ``ability``:
    their balances are public money to those members; a budget may draw only on pots where
    its author may run rounds (``ability="budgeting.run_round"``)."""
    return (
        Account.objects.filter(
            kind=AccountKind.AREA_POT,
            unit=Unit.PENCE,
            organisation_id__in=viewer.organisation_ids(ability),
        )
        .select_related("area", "organisation")
        .order_by("name", "pk")
    )


def access_pot_by_id(
    *, viewer: Viewer, pot_id: int, action: str, for_update: bool = False
) -> Account:
    """A community pot the viewer may spend: they may run rounds in the organisation whose
    books hold it. Another organisation's account is 404; a non-pot is bad input.
    ``for_update`` locks the pot's row."""
    queryset = Account.objects.select_related("organisation", "area")
    if for_update:
        queryset = queryset.select_for_update(of=("self",))
    pot = queryset.filter(pk=pot_id).first()
    if pot is None:
        raise NotFound()
    permissions.check(viewer, "budgeting.run_round", pot.organisation_id, action=action)
    if pot.kind != AccountKind.AREA_POT or pot.unit != Unit.PENCE:
        raise InvalidInput("pot", "Choose a community pot.")
    return pot


def area_for(*, viewer: Viewer, area_id: int, field: str = "area") -> Area:
    """Areas are shared geography: every viewer may name one."""
    found = Area.objects.filter(pk=area_id).first()
    if found is None:
        raise InvalidInput(field, f"There is no area {area_id}.")
    return found


def organisations_where(*, viewer: Viewer, ability: str) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=viewer.organisation_ids(ability)).order_by("name")


def organisation_for(
    *, viewer: Viewer, organisation_id: int, ability: str, action: str
) -> Organisation:
    """The organisation, once the viewer is known to hold ``ability`` there."""
    permissions.check(viewer, ability, organisation_id, action=action)
    return Organisation.objects.get(pk=organisation_id)


def paper_voter(*, viewer: Viewer, budget: Budget, number: str) -> Person:
    """Whose paper ballot this is, by the membership number written on it: an active
    member of the round's organisation. A number, not a list to pick from, because a
    neighbourhood may have thousands of members, and a typed number cannot name someone
    of another organisation."""
    permissions.check(
        viewer,
        "budgeting.enter_paper_ballot",
        budget.round.organisation_id,
        action="enter paper ballots",
    )
    wanted = membership_number_normalise(number)
    person = (
        Person.objects.filter(
            memberships__organisation_id=budget.round.organisation_id,
            memberships__status=MembershipStatus.ACTIVE,
            memberships__number__iexact=wanted,
            erased_at__isnull=True,
        )
        .select_related("area")
        .first()
    )
    if person is None:
        raise InvalidInput(
            "number",
            f"No active member of {budget.round.organisation.name} has the number "
            f"“{wanted}”. Check the number on the ballot.",
        )
    return person


def rejected_proposals(*, viewer: Viewer, budget: Budget) -> list[Proposal]:
    _check_budget(viewer, budget)
    return list(budget.proposals.filter(status=ProposalStatus.REJECTED).order_by("pk"))


def ballot_of(*, viewer: Viewer, budget: Budget) -> Ballot | None:
    if viewer.person is None:
        return None
    _check_budget(viewer, budget)
    return Ballot.objects.filter(budget=budget, person=viewer.person).first()
