"""Importing a pabulib election as a counted round."""

from __future__ import annotations

from fractions import Fraction

from django.db import transaction
from django.utils import timezone

from coproduce.budgeting import pabulib, selectors
from coproduce.budgeting.models import (
    Ballot,
    BallotChannel,
    BallotChoice,
    BallotKind,
    Phase,
    Proposal,
    ProposalStatus,
    Round,
    Rule,
)
from coproduce.errors import InvalidInput
from coproduce.people.history import history_record
from coproduce.people.permissions import Viewer

from .acting import acting_person
from .rounds import budget_add, budget_tally, round_create


def _whole_pence(value: object, *, per_unit: int, what: str) -> int:
    amount = Fraction(str(value)) * per_unit
    if amount.denominator != 1 or amount <= 0:
        raise InvalidInput("file", f"{what} must be a positive whole number of pence.")
    return int(amount)


@transaction.atomic
def election_import(
    *,
    viewer: Viewer,
    organisation_id: int,
    text: str,
    title: str = "",
    rule: str = Rule.MES,
) -> Round:
    """Load a pabulib election as a counted round in its results phase.

    Costs are read as pence when the file says ``cost_unit;pence`` (our own exports), otherwise
    as whole currency units. Nothing is written unless the whole file is good.
    """
    organisation = selectors.organisation_for(
        viewer=viewer,
        organisation_id=organisation_id,
        ability="budgeting.run_round",
        action="import a round",
    )
    if rule not in Rule.values:
        raise InvalidInput("rule", f"“{rule}” is not a voting rule.")
    try:
        election = pabulib.loads(text)
    except pabulib.PabulibError as error:
        raise InvalidInput("file", str(error)) from error
    if election.vote_type not in {"approval", "cumulative"}:
        raise InvalidInput(
            "file", f"Ballots of type “{election.vote_type}” cannot be imported as a round."
        )
    if not election.projects:
        raise InvalidInput("file", "The file lists no projects.")
    per_unit = 1 if election.meta.get("cost_unit") == "pence" else 100
    amount = _whole_pence(election.budget, per_unit=per_unit, what="The budget")
    costs = {
        pid: _whole_pence(project.cost, per_unit=per_unit, what=f"The cost of project {pid}")
        for pid, project in election.projects.items()
    }
    cumulative = election.vote_type == "cumulative"
    for vote in election.votes:
        if any(points < 0 for points in vote.points or ()):
            raise InvalidInput("file", f"Voter {vote.voter_id} gives negative points.")
    points_each = None
    if cumulative:
        points_each = int(election.meta.get("max_sum_points") or 0) or max(
            (sum(b.points or ()) for b in election.votes), default=1
        )
    max_length = election.meta.get("max_length", "")
    round_ = round_create(
        viewer=viewer,
        organisation_id=organisation.pk,
        title=title.strip() or election.meta.get("description", "")[:200] or "Imported election",
        description=f"Imported from a pabulib file ({len(election.votes)} ballots).",
    )
    budget = budget_add(
        viewer=viewer,
        round_id=round_.pk,
        name=(election.meta.get("unit") or election.meta.get("subunit") or "Budget")[:200],
        amount_pence=amount,
        ballot_kind=BallotKind.CUMULATIVE if cumulative else BallotKind.APPROVAL_BUDGET,
        rule=rule,
        threshold_votes=election.score_threshold,
        min_projects=0,
        max_projects=int(max_length) if max_length.isdigit() and int(max_length) > 0 else None,
        points=points_each,
    )
    actor = acting_person(viewer)
    now = timezone.now()
    # Proposals are created in the file's id order, so "the earlier proposal wins a tie" is
    # the same order pabutools breaks ties in.
    proposals: dict[str, Proposal] = {}
    for pid in sorted(election.projects):
        project = election.projects[pid]
        proposals[pid] = Proposal.objects.create(
            budget=budget,
            title=(project.name or f"Project {pid}")[:200],
            description=project.extra.get("description") or f"Project {pid} in the file.",
            cost_pence=costs[pid],
            proposer=actor,
            status=ProposalStatus.ACCEPTED,
            reviewed_by=actor,
            reviewed_at=now,
        )
    ballots = Ballot.objects.bulk_create(
        Ballot(budget=budget, channel=BallotChannel.IMPORTED) for _ in election.votes
    )
    BallotChoice.objects.bulk_create(
        BallotChoice(ballot=ballot, proposal=proposals[pid], points=points)
        for ballot, vote in zip(ballots, election.votes, strict=True)
        for pid, points in zip(
            vote.approvals, vote.points or [1] * len(vote.approvals), strict=True
        )
        if points > 0
    )
    round_.phase = Phase.RESULTS
    round_.phase_changed_at = now
    round_.save(update_fields=["phase", "phase_changed_at"])
    budget_tally(budget=budget, actor=actor)
    history_record(
        actor=actor,
        organisation=organisation,
        action="budgeting.election_imported",
        subject=round_,
        detail={"ballots": len(ballots), "projects": len(proposals)},
    )
    return round_
