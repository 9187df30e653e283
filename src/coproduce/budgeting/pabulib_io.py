"""Between our rounds and pabulib ``.pb`` files: a budget exported anonymised, so anyone can
recount it, and the counting of any ``.pb`` file with our rules.

What in a file changes its outcome, as pabulib reads it (https://pabulib.org/format and
pabulib's own checker):

* ``budget``; the projects' ``cost``; the ballots (``vote``, and ``points`` for
  ``cumulative``/``scoring`` ballots, where a project's score is its points; otherwise its
  score is its votes);
* ``rule``: ``greedy``, ``greedy-no-skip``, ``greedy-threshold``, ``equalshares`` (MES alone),
  ``equalshares/add1`` (MES with add1 and nothing after it), and the ``-comparison``
  variants of the last two (then a comparison with greedy, :func:`rules.compare_with_greedy`);
* ``min_project_score_threshold``: the score a project needs under *every* greedy rule
  (greedy-no-skip included); Equal Shares does not use it;
* a project whose cost is 999,999,999 was withdrawn after the vote: the greedy rules pass over
  it (greedy-no-skip does not stop there);
* ``add1_increment`` (our own exports) or ``cost_unit`` ``pence``/``cents``: costs in
  hundredths, so add1 raises each share by one currency unit, 100 of them.

``min_length``, ``max_length``, ``min_sum_cost``, ``max_sum_cost``, ``min_points``,
``max_points``, ``min_sum_points`` and ``max_sum_points`` are rules a ballot had to obey when
it was cast; they do not change how it is counted (pabutools keeps them as "legal"
constraints only). ``currency`` and ``cost_unit`` change how amounts are written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from coproduce.budgeting import pabulib, rules
from coproduce.budgeting.models import BallotKind, Budget, ProposalStatus, ResultLine, Rule
from coproduce.budgeting.tally import ADD1_STEP_PENCE, budget_ballots, project_id, run_rule

# Our rule -> pabulib's name for it. pabulib has no name for add1 followed by greedy.
RULE_NAMES = {
    Rule.GREEDY: "greedy",
    Rule.GREEDY_NO_SKIP: "greedy-no-skip",
    Rule.GREEDY_THRESHOLD: "greedy-threshold",
    Rule.MES: "equalshares/add1",
    Rule.MES_GREEDY: "unknown",
}
GREEDY_RULES = ("greedy", "greedy-no-skip", "greedy-threshold")
# Every rule `tally` counts: pabulib's names, then ours that pabulib has no name for.
TALLY_RULES = (
    *GREEDY_RULES,
    "equalshares",
    "equalshares/add1",
    "equalshares-comparison",
    "equalshares/add1-comparison",
    Rule.MES.value,
    Rule.MES_GREEDY.value,
)
SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}
HUNDREDTHS = ("pence", "cents", "cent", "grosze")


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
    supporters = dict.fromkeys((project_id(p.pk) for p in proposals), 0)
    scores = dict.fromkeys(supporters, 0)
    for vote in votes:
        for pid, points in zip(
            vote.approvals, vote.points or [1] * len(vote.approvals), strict=True
        ):
            supporters[pid] += 1
            scores[pid] += points
    rule = RULE_NAMES[Rule(budget.rule)]
    threshold = budget.threshold_votes if budget.rule in GREEDY_RULES else 0
    if rule == "greedy" and threshold:
        rule = "greedy-threshold"  # pabulib's name for greedy with a threshold
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
        "rule": rule,
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
    if threshold or rule == "greedy-threshold":
        meta["min_project_score_threshold"] = str(threshold)
    if budget.rule == Rule.MES_GREEDY:
        meta["comment"] = (
            "#1: Counted by the Method of Equal Shares (add1, steps of 100 pence), then greedy "
            "by votes for what was left; recount with `coproduce budgeting tally --rule "
            "mes-greedy`."
        )
    projects = {}
    for p in proposals:
        pid = project_id(p.pk)
        extra = {"votes": str(supporters[pid])}
        if cumulative:
            extra["score"] = str(scores[pid])
        extra["selected"] = "1" if p.pk in selected else "0"
        projects[pid] = pabulib.Project(id=pid, cost=p.cost_pence, name=p.title, extra=extra)
    return pabulib.dumps(pabulib.Election(meta=meta, projects=projects, votes=votes))


@dataclass(frozen=True)
class Tally:
    """A file counted: ``rule`` is the name of the rule used (pabulib's, or ours where pabulib
    has none), ``money`` writes an amount of the file's cost unit in its currency."""

    rule: str
    result: rules.Result
    money: Callable[[Fraction], str]


def money_for(election: pabulib.Election) -> Callable[[Fraction], str]:
    """How the file's amounts are written: in its ``currency`` (``"£12,000"``, ``"€12,000"``,
    ``"12,000 PLN"``; a bare number when it names none), ``cost_unit`` pence or cents read as
    hundredths of it."""
    code = election.meta.get("currency", "").strip().upper()
    per_unit = 100 if election.meta.get("cost_unit", "").strip().lower() in HUNDREDTHS else 1

    def written(amount: Fraction) -> str:
        value = Fraction(amount) / per_unit
        sign = "-" if value < 0 else ""
        value = abs(value)
        if value.denominator == 1:
            digits = f"{value.numerator:,}"
        else:
            cents = round(value * 100)
            digits = f"{cents // 100:,}.{cents % 100:02d}"
        if code in SYMBOLS:
            return f"{sign}{SYMBOLS[code]}{digits}"
        return f"{sign}{digits} {code}" if code else f"{sign}{digits}"

    return written


def add1_increment(election: pabulib.Election) -> Fraction | int:
    """The add1 step, in the file's cost unit: one currency unit (100 when costs are in
    hundredths), or our exports' own ``add1_increment``."""
    raw = election.meta.get("add1_increment", "").strip()
    if raw:
        line = election.meta_lines.get("add1_increment")
        step = pabulib.parse_number(raw, "add1_increment", line)
        if step <= 0:
            raise pabulib.PabulibError("add1_increment must be positive", line)
        return step
    return 100 if election.meta.get("cost_unit", "").strip().lower() in HUNDREDTHS else 1


def tally_election(
    election: pabulib.Election,
    *,
    rule: str | None = None,
    threshold: int | Fraction | None = None,
) -> Tally:
    """Count an election with ``rule`` (default: the rule its META names) and ``threshold``
    (default: its ``min_project_score_threshold``, for the greedy rules)."""
    line = election.meta_lines.get("rule")
    if rule is None:
        rule = election.rule
        if rule is None:
            raise pabulib.PabulibError("META names no rule: choose one with --rule")
        if rule not in TALLY_RULES:
            raise pabulib.PabulibError(
                f"the file's rule {rule!r} cannot be recounted (we count "
                f"{', '.join(TALLY_RULES)}): choose one with --rule",
                line,
            )
    elif rule not in TALLY_RULES:
        raise ValueError(f"Unknown rule {rule!r}")
    if threshold is None:
        threshold = election.score_threshold
        if rule == "greedy-threshold" and "min_project_score_threshold" not in election.meta:
            raise pabulib.PabulibError(
                "greedy-threshold needs min_project_score_threshold in META (or --threshold)"
            )
    instance = election.to_instance()
    money = money_for(election)
    step = add1_increment(election)
    if rule in GREEDY_RULES:
        result = run_rule(
            instance,
            rule=rule,
            threshold_votes=threshold,
            formatter=money,
            withdrawn=election.withdrawn,
        )
    elif rule in (Rule.MES, Rule.MES_GREEDY):
        result = run_rule(instance, rule=rule, increment=step, formatter=money)
    else:
        completion: rules.Completion = "add1" if rule.startswith("equalshares/add1") else "none"
        result = rules.method_of_equal_shares(instance, completion, money=money, increment=step)
        if rule.endswith("-comparison"):
            result = rules.compare_with_greedy(instance, result, money=money)
    return Tally(rule=rule, result=result, money=money)


def round_rule(text: str) -> str:
    """The rule a round imported from this file counts with: the file's own where we have it
    (Equal Shares otherwise, and for a file that does not parse: the import refuses it)."""
    try:
        named = pabulib.loads(text).rule
    except pabulib.PabulibError:
        return Rule.MES
    ours = {name: rule for rule, name in RULE_NAMES.items() if name != "unknown"}
    return ours.get(named or "", Rule.MES)


def tally_text(
    text: str, *, rule: str | None = None, threshold: int | Fraction | None = None
) -> Tally:
    """Count a pabulib file's text, see :func:`tally_election`."""
    return tally_election(pabulib.loads(text), rule=rule, threshold=threshold)
