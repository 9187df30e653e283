"""Count a budget's ballots with its rule (``rules``) and word the outcome for residents.

Project ids given to the rules are proposal numbers zero-padded to the same width, so the
rules' tie-break (the id that comes first wins) means the earlier proposal wins a tie, and an
exported ``.pb`` file recomputes to the same outcome.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from fractions import Fraction

from coproduce.budgeting import rules
from coproduce.budgeting.models import BallotKind, Budget, ProposalStatus, Rule
from coproduce.budgeting.money import pounds

ID_WIDTH = 8
# Equal Shares' add1 completion raises each voter's budget one unit at a time. Our amounts are
# pence, and a penny at a time takes seconds on a modest round, so a round steps by a pound.
ADD1_STEP_PENCE = 100


def project_id(proposal_pk: int) -> str:
    return f"{proposal_pk:0{ID_WIDTH}d}"


def money(amount: Fraction) -> str:
    """The rules work in pence; residents read pounds."""
    return pounds(round(amount))


@dataclass(frozen=True)
class LineOutcome:
    proposal_id: int
    votes: int
    selected: bool
    explanation: str


@dataclass(frozen=True)
class Outcome:
    ballots: int
    lines: list[LineOutcome]


def run_rule(
    instance: rules.Instance,
    *,
    rule: str,
    threshold_votes: int | Fraction = 0,
    increment: rules.Money = 1,
    formatter: rules.MoneyFormatter = money,
    withdrawn: Collection[str] = (),
) -> rules.Result:
    """Apply one of our rules by name (the names the tally command and the models share).

    ``threshold_votes`` is the score a project needs under every greedy rule (pabulib's
    ``min_project_score_threshold``: votes, or points on cumulative ballots); Equal Shares does
    not use it. ``increment`` is the add1 step of Equal Shares, in the instance's unit. The
    greedy rules pass over ``withdrawn`` projects.
    """
    if rule == Rule.GREEDY:
        return rules.greedy(
            instance, threshold=threshold_votes, withdrawn=withdrawn, money=formatter
        )
    if rule == Rule.GREEDY_NO_SKIP:
        return rules.greedy(
            instance, skip=False, threshold=threshold_votes, withdrawn=withdrawn, money=formatter
        )
    if rule == Rule.GREEDY_THRESHOLD:
        return rules.greedy_threshold(
            instance, threshold_votes, withdrawn=withdrawn, money=formatter
        )
    if rule == Rule.MES:
        return rules.method_of_equal_shares(instance, "add1", money=formatter, increment=increment)
    if rule == Rule.MES_GREEDY:
        return rules.method_of_equal_shares(
            instance, "add1-greedy", money=formatter, increment=increment
        )
    raise ValueError(f"Unknown rule {rule!r}")


def instance_for(
    *,
    budget_pence: int,
    costs: dict[str, int],
    ballots: Iterable[dict[str, int]],
    cumulative: bool,
) -> rules.Instance:
    """Group identical ballots (``{project id: points}``) so the rules see each once."""
    grouped = Counter(tuple(sorted(ballot.items())) for ballot in ballots)
    shapes = list(grouped)
    return rules.Instance(
        budget=budget_pence,
        costs=costs,
        ballots=[[pid for pid, _ in shape] for shape in shapes],
        points=[[pts for _, pts in shape] for shape in shapes] if cumulative else None,
        multiplicities=[grouped[shape] for shape in shapes],
    )


def budget_ballots(budget: Budget) -> list[dict[str, int]]:
    """Every ballot in ``budget`` as ``{project id: points}``, in ballot order, anonymous."""
    from coproduce.budgeting.models import BallotChoice

    by_ballot: dict[int, dict[str, int]] = {
        pk: {} for pk in budget.ballots.order_by("pk").values_list("pk", flat=True)
    }
    choices = BallotChoice.objects.filter(ballot__budget=budget).values_list(
        "ballot_id", "proposal_id", "points"
    )
    for ballot_id, proposal_pk, points in choices:
        by_ballot[ballot_id][project_id(proposal_pk)] = points
    return list(by_ballot.values())


def _readable(reason: str, titles: dict[str, str]) -> str:
    """The rules name projects by id; residents know them by title."""
    for pid, title in titles.items():
        reason = reason.replace(repr(pid), title)
    return reason


def tally_budget(budget: Budget) -> Outcome:
    proposals = list(budget.proposals.filter(status=ProposalStatus.ACCEPTED).order_by("pk"))
    costs = {project_id(p.pk): p.cost_pence for p in proposals}
    ballots = budget_ballots(budget)
    instance = instance_for(
        budget_pence=budget.amount_pence,
        costs=costs,
        ballots=ballots,
        cumulative=budget.ballot_kind == BallotKind.CUMULATIVE,
    )
    result = run_rule(
        instance,
        rule=budget.rule,
        threshold_votes=budget.threshold_votes,
        increment=ADD1_STEP_PENCE,
    )
    titles = {project_id(p.pk): f"“{p.title}”" for p in proposals}
    selected = set(result.selected)
    by_id = {item.project_id: item for item in result.explanation}
    order = [*result.selected, *(pid for pid in costs if pid not in selected)]
    lines = []
    for pid in order:
        item = by_id[pid]
        votes = item.points if item.points is not None else item.votes
        lines.append(
            LineOutcome(
                proposal_id=int(pid),
                votes=votes,
                selected=pid in selected,
                explanation=_readable(item.reason, titles),
            )
        )
    return Outcome(ballots=len(ballots), lines=lines)
