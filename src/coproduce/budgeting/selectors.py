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
from coproduce.people.models import MembershipStatus, Organisation, Person
from coproduce.people.permissions import Viewer
from coproduce.timebank.models import Account, AccountKind, Unit


def round_list(*, viewer: Viewer) -> QuerySet[Round]:
    return (
        Round.objects.filter(organisation_id__in=viewer.organisation_ids("budgeting.view"))
        .select_related("organisation")
        .annotate(budget_count=Count("budgets"))
        .order_by("-created_at", "-pk")
    )


def round_get(*, viewer: Viewer, round_id: int) -> Round:
    round_ = Round.objects.select_related("organisation").filter(pk=round_id).first()
    if round_ is None:
        raise NotFound()
    permissions.check(viewer, "budgeting.view", round_.organisation_id, action="see this round")
    return round_


def budget_list(*, round_: Round) -> list[Budget]:
    """The round's budgets with their proposals; the caller has fetched ``round_`` with
    ``round_get``."""
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


def budget_get(*, viewer: Viewer, budget_id: int) -> Budget:
    budget = (
        Budget.objects.select_related("round__organisation", "area", "pot", "members_of")
        .filter(pk=budget_id)
        .first()
    )
    if budget is None:
        raise NotFound()
    permissions.check(
        viewer, "budgeting.view", budget.round.organisation_id, action="see this budget"
    )
    return budget


def budget_public_get(*, budget_id: int) -> Budget:
    """For the one-time-code voting page: only a budget whose vote is open is shown."""
    budget = (
        Budget.objects.select_related("round__organisation", "area")
        .filter(pk=budget_id, round__phase=Phase.VOTING)
        .first()
    )
    if budget is None:
        raise NotFound()
    return budget


def proposal_get(*, viewer: Viewer, proposal_id: int) -> Proposal:
    proposal = (
        Proposal.objects.select_related("budget__round__organisation", "proposer")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None:
        raise NotFound()
    permissions.check(
        viewer,
        "budgeting.view",
        proposal.budget.round.organisation_id,
        action="see this proposal",
    )
    return proposal


def proposals_on_ballot(*, budget: Budget) -> list[Proposal]:
    return list(budget.proposals.filter(status=ProposalStatus.ACCEPTED).order_by("pk"))


def ballot_choices_for(*, viewer: Viewer, budget: Budget) -> dict[int, int] | None:
    """The viewer's own choices in ``budget`` (proposal id → points), or None if not voted."""
    if viewer.person is None:
        return None
    ballot = (
        Ballot.objects.filter(budget=budget, person=viewer.person)
        .prefetch_related("choices")
        .first()
    )
    if ballot is None:
        return None
    return {choice.proposal_id: choice.points for choice in ballot.choices.all()}


def ballot_count(*, budget: Budget) -> int:
    return Ballot.objects.filter(budget=budget).count()


def result_get(*, budget: Budget) -> Result | None:
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


def delivery_rows(*, budget: Budget) -> list[DeliveryRow]:
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


def dividend_policy_get(*, viewer: Viewer, policy_id: int) -> DividendPolicy:
    policy = (
        DividendPolicy.objects.select_related("budget_holder", "area").filter(pk=policy_id).first()
    )
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


def pot_list() -> QuerySet[Account]:
    """Community pots are public money: their balances are shown to every signed-in person."""
    return (
        Account.objects.filter(kind=AccountKind.AREA_POT, unit=Unit.PENCE)
        .select_related("area", "organisation")
        .order_by("name", "pk")
    )


def organisations_where(*, viewer: Viewer, ability: str) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=viewer.organisation_ids(ability)).order_by("name")


def organisation_for(
    *, viewer: Viewer, organisation_id: int, ability: str, action: str
) -> Organisation:
    """The organisation, once the viewer is known to hold ``ability`` there."""
    permissions.check(viewer, ability, organisation_id, action=action)
    return Organisation.objects.get(pk=organisation_id)


def paper_voter(*, budget: Budget, number: str) -> Person:
    """Whose paper ballot this is, by the membership number written on it: an active
    member of the round's organisation. A number, not a list to pick from, because a
    neighbourhood may have thousands of members, and a typed number cannot name someone
    of another organisation."""
    wanted = number.strip().upper()
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


def rejected_proposals(*, budget: Budget) -> list[Proposal]:
    return list(budget.proposals.filter(status=ProposalStatus.REJECTED).order_by("pk"))


def ballot_of(*, viewer: Viewer, budget: Budget) -> Ballot | None:
    if viewer.person is None:
        return None
    return Ballot.objects.filter(budget=budget, person=viewer.person).first()
