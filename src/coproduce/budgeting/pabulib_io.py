"""Between our rounds and pabulib ``.pb`` files: a budget exported anonymised, so anyone can
recount it, and the counting of any ``.pb`` file with our rules."""

from __future__ import annotations

from fractions import Fraction

from coproduce.budgeting import pabulib, rules
from coproduce.budgeting.models import BallotKind, Budget, ProposalStatus, ResultLine
from coproduce.budgeting.tally import ADD1_STEP_PENCE, budget_ballots, project_id, run_rule

RULE_NAMES = {
    "greedy": "greedy",
    "greedy-no-skip": "greedy-no-skip",
    "greedy-threshold": "greedy-threshold",
    "mes": "equalshares/add1",
}


def export_budget(budget: Budget) -> str:
    """The budget's accepted projects and every ballot, with no names, ages or areas. Voters
    are numbered after sorting the ballots, so the file does not give away who voted when."""
    proposals = list(budget.proposals.filter(status=ProposalStatus.ACCEPTED).order_by("pk"))
    selected = set(
        ResultLine.objects.filter(result__budget=budget, selected=True).values_list(
            "proposal_id", flat=True
        )
    )
    cumulative = budget.ballot_kind == BallotKind.CUMULATIVE
    ballots = sorted(
        (tuple(sorted(ballot.items())) for ballot in budget_ballots(budget)),
        key=lambda shape: (len(shape), shape),
    )
    votes = [
        pabulib.Ballot(
            voter_id=str(number),
            approvals=tuple(pid for pid, _ in shape),
            points=tuple(points for _, points in shape) if cumulative else None,
        )
        for number, shape in enumerate(ballots, start=1)
    ]
    counts = dict.fromkeys((project_id(p.pk) for p in proposals), 0)
    for vote in votes:
        for pid, points in zip(
            vote.approvals, vote.points or [1] * len(vote.approvals), strict=True
        ):
            counts[pid] += points
    meta = {
        "description": f"{budget.round.title}: {budget.name}",
        "country": "United Kingdom",
        "unit": budget.name,
        "instance": budget.round.title,
        "num_projects": str(len(proposals)),
        "num_votes": str(len(votes)),
        "budget": str(budget.amount_pence),
        "currency": "GBP",
        "cost_unit": "pence",
        "vote_type": "cumulative" if cumulative else "approval",
        "rule": RULE_NAMES[budget.rule],
        "add1_increment": str(ADD1_STEP_PENCE),
        "min_length": str(budget.min_projects),
    }
    if budget.max_projects is not None:
        meta["max_length"] = str(budget.max_projects)
    if budget.ballot_kind == BallotKind.APPROVAL_BUDGET:
        meta["max_sum_cost"] = str(budget.amount_pence)
    if budget.min_share_percent:
        meta["min_sum_cost"] = str(-(-budget.amount_pence * budget.min_share_percent // 100))
    if cumulative and budget.points is not None:
        meta["max_sum_points"] = str(budget.points)
    projects = {
        project_id(p.pk): pabulib.Project(
            id=project_id(p.pk),
            cost=p.cost_pence,
            name=p.title,
            extra={
                "votes": str(counts[project_id(p.pk)]),
                "selected": "1" if p.pk in selected else "0",
            },
        )
        for p in proposals
    }
    return pabulib.dumps(pabulib.Election(meta=meta, projects=projects, votes=votes))


def tally_text(text: str, *, rule: str, threshold: int | Fraction = 0) -> rules.Result:
    """Count a pabulib file with one of our rules, in the file's own units (Equal Shares
    raises each voter's share by one unit a step, as pabutools does)."""
    election = pabulib.loads(text)
    instance = election.to_instance()
    if rule == "greedy-threshold":
        return rules.greedy_threshold(instance, threshold)
    return run_rule(instance, rule=rule, formatter=rules.format_money)
