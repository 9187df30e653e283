"""Participatory-budgeting rounds and their budgets: creating them, moving a round
through its phases, and counting each budget when the vote closes."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from coproduce.budgeting import selectors
from coproduce.budgeting.models import (
    PHASE_ORDER,
    BallotKind,
    Budget,
    Phase,
    Proposal,
    ProposalStatus,
    Result,
    ResultLine,
    Round,
    Rule,
)
from coproduce.budgeting.tally import tally_budget
from coproduce.errors import Conflict, InvalidInput, NotFound
from coproduce.people import permissions
from coproduce.people import selectors as people_selectors
from coproduce.people.history import history_record, model_update, model_validate
from coproduce.people.models import Person
from coproduce.people.permissions import Viewer

from .acting import acting_person


@transaction.atomic
def round_create(
    *, viewer: Viewer, organisation_id: int, title: str, description: str = ""
) -> Round:
    organisation = selectors.organisation_for(
        viewer=viewer, organisation_id=organisation_id, ability="budgeting.run_round",
        action="run a round",
    )  # fmt: skip
    round_ = Round(
        organisation=organisation,
        title=title.strip(),
        description=description.strip(),
        created_by=acting_person(viewer),
    )
    if not round_.title:
        raise InvalidInput("title", "Give the round a title.")
    model_validate(round_)
    round_.save()
    history_record(
        actor=viewer.person, organisation=organisation, action="budgeting.round_created",
        subject=round_,
    )  # fmt: skip
    return round_


@transaction.atomic
def budget_add(
    *,
    viewer: Viewer,
    round_id: int,
    name: str,
    amount_pence: int,
    area_id: int | None = None,
    pot_id: int | None = None,
    ballot_kind: str = BallotKind.APPROVAL_BUDGET,
    rule: str = Rule.MES,
    threshold_votes: int = 0,
    min_projects: int = 1,
    max_projects: int | None = None,
    min_share_percent: int = 0,
    points: int | None = None,
    residents_only: bool = False,
    min_age: int | None = None,
    members_of_id: int | None = None,
) -> Budget:
    """Add a budget (for an area, or city-wide with no area) before voting opens.

    Every id is looked up for this viewer: the round where they may run rounds, a pot in
    the books of an organisation where they may run rounds, voters of an organisation they
    may see. Locks the round row, so the budget cannot land as voting opens."""
    round_ = selectors.access_round_by_id(
        viewer=viewer,
        round_id=round_id,
        ability="budgeting.run_round",
        action="run a round",
        for_update=True,
    )
    if round_.phase not in {Phase.PROPOSALS, Phase.REVIEW}:
        raise Conflict("Budgets can be added only before voting opens.")
    if amount_pence <= 0:
        raise InvalidInput("amount_pence", "Enter the budget: more than £0.")
    if ballot_kind not in BallotKind.values:
        raise InvalidInput("ballot_kind", f"“{ballot_kind}” is not a kind of ballot.")
    if rule not in Rule.values:
        raise InvalidInput("rule", f"“{rule}” is not a voting rule.")
    if min_projects < 0:
        raise InvalidInput("min_projects", "The minimum number of projects cannot be negative.")
    if max_projects is not None and max_projects < max(min_projects, 1):
        raise InvalidInput(
            "max_projects", "The maximum number of projects must be at least the minimum."
        )
    if ballot_kind == BallotKind.APPROVAL_COUNT and max_projects is None:
        raise InvalidInput("max_projects", "Say how many projects each voter may approve.")
    if ballot_kind == BallotKind.CUMULATIVE and not points:
        raise InvalidInput("points", "Say how many points each voter shares out.")
    if not 0 <= min_share_percent <= 100:
        raise InvalidInput("min_share_percent", "Enter a share between 0% and 100%.")
    if residents_only and area_id is None:
        raise InvalidInput("area", "Choose the area whose residents may vote.")
    area = None if area_id is None else selectors.area_for(viewer=viewer, area_id=area_id)
    pot = (
        None
        if pot_id is None
        else selectors.access_pot_by_id(viewer=viewer, pot_id=pot_id, action="pay from its pot")
    )
    members_of = (
        None
        if members_of_id is None
        else people_selectors.organisation_get(viewer=viewer, organisation_id=members_of_id)
    )
    budget = Budget(
        round=round_,
        name=name.strip(),
        area=area,
        pot=pot,
        amount_pence=amount_pence,
        ballot_kind=ballot_kind,
        rule=rule,
        threshold_votes=threshold_votes,
        min_projects=min_projects,
        max_projects=max_projects,
        min_share_percent=min_share_percent,
        points=points if ballot_kind == BallotKind.CUMULATIVE else None,
        residents_only=residents_only,
        min_age=min_age,
        members_of=members_of,
    )
    if not budget.name:
        raise InvalidInput("name", "Give the budget a name.")
    model_validate(budget)
    budget.save()
    history_record(
        actor=viewer.person,
        organisation=round_.organisation,
        action="budgeting.budget_added",
        subject=budget,
        detail={"amount_pence": amount_pence, "rule": rule, "ballot_kind": ballot_kind},
    )
    return budget


def round_locked(round_id: int) -> Round:
    round_ = Round.objects.select_for_update().filter(pk=round_id).first()
    if round_ is None:
        raise NotFound()
    return round_


@transaction.atomic
def round_advance(*, viewer: Viewer, round_id: int) -> Round:
    """Move a round to its next phase. Closing the vote tallies every budget.

    Locks the round, so a ballot cannot land while the vote closes.
    """
    round_ = round_locked(round_id)
    permissions.check(viewer, "budgeting.run_round", round_.organisation_id, action="run a round")
    index = PHASE_ORDER.index(Phase(round_.phase))
    if index == len(PHASE_ORDER) - 1:
        raise Conflict("This round is already in delivery, its last phase.")
    budgets = list(round_.budgets.order_by("pk"))
    if round_.phase == Phase.PROPOSALS and not budgets:
        raise Conflict("Add at least one budget before closing proposals.")
    if round_.phase == Phase.REVIEW:
        waiting = Proposal.objects.filter(
            budget__round=round_, status=ProposalStatus.SUBMITTED
        ).count()
        if waiting:
            raise Conflict(f"Review every proposal before voting opens: {waiting} still waiting.")
        for budget in budgets:
            if not budget.proposals.filter(status=ProposalStatus.ACCEPTED).exists():
                raise Conflict(f"“{budget.name}” has no proposals on its ballot.")
    if round_.phase == Phase.VOTING:
        for budget in budgets:
            budget_tally(budget=budget, actor=acting_person(viewer))
    phase = PHASE_ORDER[index + 1]
    model_update(
        round_,
        data={"phase": phase, "phase_changed_at": timezone.now()},
        actor=viewer.person,
        organisation=round_.organisation,
        action="budgeting.round_advanced",
        detail={"phase": phase},
    )
    return round_


def budget_tally(*, budget: Budget, actor: Person) -> Result:
    outcome = tally_budget(budget)
    Result.objects.filter(budget=budget).delete()
    result = Result.objects.create(
        budget=budget, rule=budget.rule, ballots_counted=outcome.ballots, computed_by=actor
    )
    ResultLine.objects.bulk_create(
        ResultLine(
            result=result,
            proposal_id=line.proposal_id,
            position=position,
            votes=line.votes,
            selected=line.selected,
            explanation=line.explanation,
        )
        for position, line in enumerate(outcome.lines, start=1)
    )
    history_record(
        actor=actor,
        organisation=budget.round.organisation,
        action="budgeting.tallied",
        subject=result,
        detail={"selected": [line.proposal_id for line in outcome.lines if line.selected]},
    )
    return result
