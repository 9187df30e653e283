"""Proposals: residents' ideas for a budget, and staff review of their cost and
feasibility."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from coproduce.budgeting import selectors
from coproduce.budgeting.models import Phase, Proposal, ProposalStatus
from coproduce.budgeting.money import pounds
from coproduce.errors import Conflict, InvalidInput, NotFound
from coproduce.people import permissions
from coproduce.people.history import history_record, model_update, model_validate
from coproduce.people.permissions import Viewer

from .acting import acting_person


@transaction.atomic
def proposal_submit(
    *, viewer: Viewer, budget_id: int, title: str, description: str, cost_pence: int
) -> Proposal:
    budget = selectors.access_budget_by_id(
        viewer=viewer, budget_id=budget_id, ability="budgeting.propose",
        action="propose a project",
    )  # fmt: skip
    round_ = budget.round
    if round_.phase != Phase.PROPOSALS:
        raise Conflict(f"Proposals are closed: this round is in the {round_.phase} phase.")
    if not title.strip():
        raise InvalidInput("title", "Give your idea a title.")
    if not description.strip():
        raise InvalidInput("description", "Describe your idea.")
    if cost_pence <= 0:
        raise InvalidInput("cost_pence", "Enter what your idea would cost: more than £0.")
    if cost_pence > budget.amount_pence:
        raise InvalidInput(
            "cost_pence",
            f"That costs more than the whole budget of {pounds(budget.amount_pence)}.",
        )
    proposal = Proposal(
        budget=budget,
        title=title.strip(),
        description=description.strip(),
        cost_pence=cost_pence,
        proposer=acting_person(viewer),
    )
    model_validate(proposal)
    proposal.save()
    history_record(
        actor=viewer.person,
        organisation=round_.organisation,
        action="budgeting.proposal_submitted",
        subject=proposal,
    )
    return proposal


@transaction.atomic
def proposal_review(
    *,
    viewer: Viewer,
    proposal_id: int,
    accept: bool,
    reason: str = "",
    cost_pence: int | None = None,
) -> Proposal:
    """Staff check feasibility and cost. A rejection's reason is shown publicly."""
    proposal = (
        Proposal.objects.select_for_update(of=("self",))
        .select_related("budget__round")
        .filter(pk=proposal_id)
        .first()
    )
    if proposal is None:
        raise NotFound()
    round_ = proposal.budget.round
    permissions.check(viewer, "budgeting.review", round_.organisation_id, action="review proposals")
    if round_.phase not in {Phase.PROPOSALS, Phase.REVIEW}:
        raise Conflict("Proposals can be reviewed only before voting opens.")
    if not accept and not reason.strip():
        raise InvalidInput("reason", "Give the public reason this idea cannot go on the ballot.")
    if cost_pence is not None:
        if cost_pence <= 0:
            raise InvalidInput("cost_pence", "Enter the checked cost: more than £0.")
        if accept and cost_pence > proposal.budget.amount_pence:
            raise InvalidInput(
                "cost_pence",
                f"That costs more than the whole budget of {pounds(proposal.budget.amount_pence)}.",
            )
    checked_cost = proposal.cost_pence if cost_pence is None else cost_pence
    model_update(
        proposal,
        data={
            "cost_pence": checked_cost,
            "status": ProposalStatus.ACCEPTED if accept else ProposalStatus.REJECTED,
            "rejection_reason": "" if accept else reason.strip(),
            "reviewed_by": acting_person(viewer),
            "reviewed_at": timezone.now(),
        },
        actor=viewer.person,
        organisation=round_.organisation,
        action="budgeting.proposal_accepted" if accept else "budgeting.proposal_rejected",
        detail={"cost_pence": checked_cost},
    )
    return proposal
