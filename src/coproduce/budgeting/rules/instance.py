"""What a rule counts and what it returns: an election (:class:`Instance`), the
:class:`Result` with a :class:`ProjectExplanation` per project, and the checked form every
rule starts from (:class:`Prepared`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, TypeAlias

Money: TypeAlias = int | Fraction
MoneyFormatter: TypeAlias = Callable[[Fraction], str]
Phase: TypeAlias = Literal["greedy", "equal_shares", "add1", "completion"]
Completion: TypeAlias = Literal["add1", "add1-greedy", "greedy", "none"]


def format_money(amount: Fraction) -> str:
    """Default currency formatting: ``12000`` → ``"£12,000"``, ``29.126`` → ``"£29.13"``.

    Amounts are in the instance's own unit; non-whole amounts are rounded to the nearest penny
    (halves to even). A caller whose costs are in pence passes its own formatter.
    """
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if amount.denominator == 1:
        return f"{sign}£{amount.numerator:,}"
    pence = round(amount * 100)
    return f"{sign}£{pence // 100:,}.{pence % 100:02d}"


@dataclass(frozen=True)
class Instance:
    """A participatory-budgeting election ready to be counted.

    ``costs`` maps project id to cost (non-negative ``int`` or ``Fraction``); its order is the
    order of :attr:`Result.explanation`. ``ballots`` holds one sequence of approved project ids
    per ballot. ``points`` (cumulative/scoring elections) is aligned with ``ballots``: greedy
    then ranks by total points, while MES treats every listed project as approved.
    ``multiplicities`` lets a caller pass identical ballots once with a count.
    """

    budget: Money
    costs: Mapping[str, Money]
    ballots: Sequence[Sequence[str]]
    points: Sequence[Sequence[int]] | None = None
    multiplicities: Sequence[int] | None = None


@dataclass(frozen=True)
class Payment:
    """A group of supporters' payment towards a project (MES): ``voters`` paid ``total`` between
    them; ``each`` is the per-voter amount when they all paid the same, ``None`` for the group
    that paid all it had left (amounts vary within it)."""

    kind: Literal["full", "partial", "empty"]
    voters: int
    total: Fraction
    each: Fraction | None


@dataclass(frozen=True)
class ProjectExplanation:
    """Why a project was or was not funded, as data plus a resident-readable ``reason``.

    ``votes`` is the number of voters who support the project; ``points`` the total points when
    the ballots carry points. ``phase`` says what selected it: ``"greedy"`` (greedy rules),
    ``"equal_shares"`` (MES with each voter's equal share), ``"add1"`` (MES only once add1
    raised the shares) or ``"completion"`` (the greedy fill after MES). ``position`` is its
    1-based place in ``Result.selected``. ``remaining_before`` is the real budget left when a
    greedy phase looked at the project.

    For MES: ``payments`` splits the supporters into those who paid the full price
    ``max_payment``, those who paid all they had left (less than that) and those who had nothing
    left, with the exact totals (they add up to the cost); ``supporters_left`` is what a rejected
    project's supporters still had between them when equal shares ended, with the shares of the
    add1 round that was kept.
    """

    project_id: str
    cost: Money
    votes: int
    points: int | None
    status: Literal["selected", "rejected"]
    reason: str
    phase: Phase | None = None
    position: int | None = None
    remaining_before: Money | None = None
    payments: tuple[Payment, ...] = ()
    max_payment: Fraction | None = None
    supporters_left: Fraction | None = None


@dataclass(frozen=True)
class Result:
    """Outcome of a rule. ``selected`` is in the order the projects were chosen.

    For MES, ``per_voter_budget`` is each voter's share in the equal-shares round that was kept
    (budget / voters, plus ``add1_steps`` increments) and ``initial_per_voter_budget`` is
    budget / voters.
    """

    rule: str
    budget: Money
    selected: list[str]
    explanation: list[ProjectExplanation]
    spent: Money
    per_voter_budget: Fraction | None = None
    initial_per_voter_budget: Fraction | None = None
    add1_steps: int = 0

    def explain(self, project_id: str) -> ProjectExplanation:
        for item in self.explanation:
            if item.project_id == project_id:
                return item
        raise KeyError(project_id)


def as_money(value: object, what: str) -> Money:
    if isinstance(value, bool) or not isinstance(value, int | Fraction):
        raise TypeError(f"{what} must be an int or a Fraction, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{what} must not be negative")
    if isinstance(value, Fraction) and value.denominator == 1:
        return value.numerator
    return value


@dataclass
class Prepared:
    ids: list[str]
    cost: list[Money]
    budget: Money
    n_voters: int
    votes: list[int]  # supporters per project
    points: list[int] | None
    rank: list[int]  # tie-break priority, lower wins
    ballots: dict[tuple[int, ...], int]  # distinct approval sets -> multiplicity

    def score(self, j: int) -> int:
        return self.points[j] if self.points is not None else self.votes[j]


def prepare(instance: Instance, tie_order: Sequence[str] | None) -> Prepared:
    ids = list(instance.costs)
    index = {pid: j for j, pid in enumerate(ids)}
    cost = [as_money(instance.costs[pid], f"cost of {pid!r}") for pid in ids]
    budget = as_money(instance.budget, "budget")
    m = len(ids)
    if instance.multiplicities is not None and len(instance.multiplicities) != len(
        instance.ballots
    ):
        raise ValueError("multiplicities must have one entry per ballot")
    if instance.points is not None and len(instance.points) != len(instance.ballots):
        raise ValueError("points must have one entry per ballot")
    votes = [0] * m
    points: list[int] | None = [0] * m if instance.points is not None else None
    ballots: dict[tuple[int, ...], int] = {}
    n_voters = 0
    for b, ballot in enumerate(instance.ballots):
        weight = 1 if instance.multiplicities is None else instance.multiplicities[b]
        if weight < 0:
            raise ValueError("multiplicities must not be negative")
        try:
            approved = tuple(sorted(index[pid] for pid in ballot))
        except KeyError as exc:
            raise ValueError(f"ballot {b} supports unknown project {exc.args[0]!r}") from None
        if len(set(approved)) != len(approved):
            raise ValueError(f"ballot {b} lists a project twice")
        n_voters += weight
        ballots[approved] = ballots.get(approved, 0) + weight
        for j in approved:
            votes[j] += weight
        if points is not None and instance.points is not None:
            row = instance.points[b]
            if len(row) != len(ballot):
                raise ValueError(f"ballot {b} has {len(row)} points for {len(ballot)} projects")
            for pid, pts in zip(ballot, row, strict=True):
                points[index[pid]] += weight * pts
    order = sorted(ids) if tie_order is None else list(tie_order)
    if sorted(order) != sorted(ids):
        raise ValueError("tie_order must list every project exactly once")
    position = {pid: r for r, pid in enumerate(order)}
    rank = [position[pid] for pid in ids]
    return Prepared(ids, cost, budget, n_voters, votes, points, rank, ballots)
