"""Budget-allocation rules for participatory budgeting: greedy and the Method of Equal Shares.

Pure Python + numpy, no Django. Every rule takes an :class:`Instance` (projects with costs, a
budget and one ballot per voter) and returns a :class:`Result`: the selected projects in the
order they were chosen, plus a :class:`ProjectExplanation` for *every* project, as data (exact
amounts) and as a sentence a resident can read.

The rules follow pabutools (the reference implementation used by pabulib.org and
equalshares.net) so that outcomes can be checked against it exactly:

``greedy(instance)``
    pabutools ``greedy_utilitarian_welfare(..., sat_class=Cost_Sat)``: projects in decreasing
    order of votes (total approvals; total points for cumulative/scoring ballots), each added
    if it still fits. Zero-cost projects always fit. (pabutools ranks them last, we rank them by
    votes; the selected *set* is the same because a free project fits wherever it is ranked.)
``greedy(instance, skip=False)``
    "greedy-no-skip": same order, stops at the first project that does not fit. pabutools has
    no such rule.
``greedy(instance, threshold=t)`` / ``greedy_threshold(instance, t)``
    pabulib's ``min_project_score_threshold``, which pabulib applies to every greedy variant:
    only projects whose score (votes; points on cumulative/scoring ballots) is at least ``t``
    are considered.
``method_of_equal_shares(instance)``
    pabulib's ``equalshares/add1``: MES with cost utilities and the "add1" completion alone, as
    pabutools ``exhaustion_by_budget_increase(..., rule=method_of_equal_shares,
    rule_params={"sat_class": Cost_Sat}, budget_step=<number of voters>)``.
``method_of_equal_shares(instance, "add1-greedy")``
    the same followed by ``greedy_utilitarian_welfare(..., sat_class=Cost_Sat,
    initial_budget_allocation=...)`` for the money add1 leaves (equalshares.net's "Add1U").
``method_of_equal_shares(instance, "none")``
    pabulib's ``equalshares``: pabutools ``method_of_equal_shares(..., sat_class=Cost_Sat)``.

Tie-breaking (pabutools' default ``lexico_tie_breaking``): whenever two projects are tied --
equal vote totals in greedy, exactly equal affordability (rho) in MES -- the one whose project
id comes first in Python string order wins (so ``"p10" < "p9"``). Pass ``tie_order`` to use
another priority order (e.g. a published lottery draw).

Arithmetic is exact. Costs and the budget are ``int`` or ``Fraction``; MES prices, payments and
budgets are ``Fraction``; outcomes match pabutools (which uses gmpy2 rationals) exactly.

MES is fast without giving that up (it matters: 100,000 ballots, dozens of add1 reruns):

* identical ballots are merged and counted once;
* a voter's exact remaining budget is a function of which funded projects they support --
  ``per_voter - sum(price[s])``, or 0 once they have paid out everything -- so it is never
  stored; exact sums over any set of voters are one integer matrix product over the funded
  projects, with all prices kept over one common denominator;
* each round works on float budgets whose absolute error is tracked, so every float price
  comes with a rigorous bound; only projects whose bounds overlap the best are priced exactly,
  and the winner (ties included) is always decided by exact rational comparison;
* prices only rise as budgets fall, so a project is re-priced only when its previous (lower
  bound) price could still win the round -- the same lazy evaluation pabutools uses;
* on small elections, where every voter's share is large and add1 can need tens of thousands
  of reruns (one per unit of currency), an exact replay of each run proves how far the share
  can rise with the same outcome, and the reruns in between are skipped (same result). When
  to try it depends only on the election (its size and what the replays gained), never on a
  clock, so the same file always takes the same path.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Literal, TypeAlias

import numpy as np
import numpy.typing as npt

Money: TypeAlias = int | Fraction
MoneyFormatter: TypeAlias = Callable[[Fraction], str]
Phase: TypeAlias = Literal["greedy", "equal_shares", "add1", "completion"]
Completion: TypeAlias = Literal["add1", "add1-greedy", "greedy", "none"]

IntArray: TypeAlias = npt.NDArray[np.int64]
FloatArray: TypeAlias = npt.NDArray[np.float64]

_EPS = float(np.finfo(np.float64).eps)


@dataclass(frozen=True)
class Tuning:
    """Settings that only trade speed, never exactness (the tests turn them to force the rare
    exact fall-back paths and check that outcomes do not move).

    ``screen_slack`` (>= 1) widens the float error bounds, so more projects are priced exactly;
    ``window_slack`` (>= 0) scales the first window of voters whose budgets are checked exactly
    when pricing (too small a window is widened until the price is proven); ``newton_steps``
    caps the float water-filling before it falls back to sorting; ``add1_skipping=False`` turns
    off the add1 shortcut (same outcome, one rerun per step, as pabutools does).
    """

    screen_slack: float = 1.0
    window_slack: float = 1.0
    newton_steps: int = 64
    add1_skipping: bool = True


DEFAULT_TUNING = Tuning()
# The add1 shortcut replays one run exactly to prove how many reruns it may skip. A replay
# costs about as much as this many ordinary reruns, so it "pays off" when it skips more; after
# three replays running that did not, it is tried less and less often (counts, not a clock,
# so the same election always takes the same path).
_REPLAY_COST_IN_RUNS = 4
_SKIP_MAX_WORK = 200_000  # approvals x projects up to which the shortcut is tried at all


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


# --------------------------------------------------------------------------------------------
# Preparation shared by every rule
# --------------------------------------------------------------------------------------------


def _as_money(value: object, what: str) -> Money:
    if isinstance(value, bool) or not isinstance(value, int | Fraction):
        raise TypeError(f"{what} must be an int or a Fraction, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"{what} must not be negative")
    if isinstance(value, Fraction) and value.denominator == 1:
        return value.numerator
    return value


@dataclass
class _Prepared:
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


def _prepare(instance: Instance, tie_order: Sequence[str] | None) -> _Prepared:
    ids = list(instance.costs)
    index = {pid: j for j, pid in enumerate(ids)}
    cost = [_as_money(instance.costs[pid], f"cost of {pid!r}") for pid in ids]
    budget = _as_money(instance.budget, "budget")
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
    return _Prepared(ids, cost, budget, n_voters, votes, points, rank, ballots)


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def _score_text(prep: _Prepared, j: int) -> str:
    if prep.points is not None:
        return _plural(prep.points[j], "point")
    return _plural(prep.votes[j], "vote")


# --------------------------------------------------------------------------------------------
# Greedy
# --------------------------------------------------------------------------------------------


@dataclass
class _GreedyTrace:
    selected: list[int] = field(default_factory=list)
    remaining_before: dict[int, Money] = field(default_factory=dict)
    stopped_at: int | None = None
    remaining: Money = 0


def _greedy_order(prep: _Prepared, candidates: Sequence[int]) -> list[int]:
    return sorted(candidates, key=lambda j: (-prep.score(j), prep.rank[j]))


def _run_greedy(
    prep: _Prepared, candidates: Sequence[int], remaining: Money, skip: bool
) -> _GreedyTrace:
    trace = _GreedyTrace()
    for j in _greedy_order(prep, candidates):
        trace.remaining_before[j] = remaining
        if prep.cost[j] <= remaining:
            trace.selected.append(j)
            remaining -= prep.cost[j]
        elif not skip:
            trace.stopped_at = j
            break
    trace.remaining = remaining
    return trace


def greedy(
    instance: Instance,
    skip: bool = True,
    *,
    threshold: int | Fraction = 0,
    withdrawn: Collection[str] = (),
    money: MoneyFormatter = format_money,
    tie_order: Sequence[str] | None = None,
) -> Result:
    """Greedy by score. ``skip=True``: add each project that still fits ("greedy", pabutools'
    ``greedy_utilitarian_welfare`` with ``Cost_Sat``). ``skip=False``: stop at the first project
    that does not fit ("greedy-no-skip"). ``withdrawn`` projects are passed over, whatever they
    cost (pabulib marks one withdrawn after the vote with the cost 999,999,999).

    ``threshold`` is pabulib's ``min_project_score_threshold``: a project whose score -- its
    votes, or its points on cumulative/scoring ballots -- is below it is not eligible and is
    passed over (it never stops greedy-no-skip). An ``int`` is a score; a ``Fraction`` ``s``
    (``0 <= s <= 1``) asks for a score of at least ``s`` times the number of voters (exact
    comparison, so ``Fraction(1, 10)`` with 1,001 voters needs 101).
    """
    prep = _prepare(instance, tie_order)
    needed, label = _threshold(prep, threshold)
    out = set(withdrawn)
    if not out <= set(prep.ids):
        raise ValueError(f"withdrawn project {sorted(out - set(prep.ids))[0]!r} is not listed")
    eligible = {j for j, pid in enumerate(prep.ids) if prep.score(j) >= needed and pid not in out}
    trace = _run_greedy(prep, sorted(eligible), prep.budget, skip)
    rule = "greedy" if skip else "greedy-no-skip"
    return _greedy_result(prep, rule, trace, eligible, label, money, out)


def greedy_threshold(
    instance: Instance,
    threshold: int | Fraction,
    *,
    withdrawn: Collection[str] = (),
    money: MoneyFormatter = format_money,
    tie_order: Sequence[str] | None = None,
) -> Result:
    """pabulib's ``greedy-threshold``: :func:`greedy` (with skipping) over the projects whose
    score reaches ``threshold`` (see :func:`greedy`)."""
    result = greedy(
        instance, threshold=threshold, withdrawn=withdrawn, money=money, tie_order=tie_order
    )
    return Result(
        rule="greedy-threshold",
        budget=result.budget,
        selected=result.selected,
        explanation=result.explanation,
        spent=result.spent,
    )


def _threshold(prep: _Prepared, threshold: int | Fraction) -> tuple[Money, str]:
    if isinstance(threshold, bool) or not isinstance(threshold, int | Fraction):
        raise TypeError("threshold must be an int (a score) or a Fraction (share of voters)")
    noun = "point" if prep.points is not None else "vote"
    if isinstance(threshold, Fraction):
        if not 0 <= threshold <= 1:
            raise ValueError("a share threshold must be between 0 and 1")
        needed = math.ceil(threshold * prep.n_voters)
        return needed, f"{float(threshold) * 100:g}% of voters ({_plural(needed, noun)})"
    if threshold < 0:
        raise ValueError("threshold must not be negative")
    return int(threshold), _plural(int(threshold), noun)


def _greedy_result(
    prep: _Prepared,
    rule: str,
    trace: _GreedyTrace,
    eligible: set[int],
    threshold_label: str | None,
    money: MoneyFormatter,
    withdrawn: Collection[str] = (),
) -> Result:
    position = {j: k + 1 for k, j in enumerate(trace.selected)}
    explanation = []
    for j, pid in enumerate(prep.ids):
        cost = prep.cost[j]
        score = _score_text(prep, j)
        before = trace.remaining_before.get(j)
        if j in position:
            assert before is not None
            reason = (
                f"Selected: {score}, cost {money(Fraction(cost))} fitted in the remaining "
                f"{money(Fraction(before))}"
            )
        elif pid in withdrawn:
            reason = f"Not eligible: withdrawn ({score})"
        elif j not in eligible:
            reason = f"Not eligible: {score}, below the threshold of {threshold_label}"
        elif before is not None:
            reason = (
                f"Not selected: {score}, would have cost {money(Fraction(cost))} but only "
                f"{money(Fraction(before))} remained"
            )
        else:
            assert trace.stopped_at is not None
            stop = trace.stopped_at
            stop_before = trace.remaining_before[stop]
            reason = (
                f"Not selected: {score}; counting stopped at {prep.ids[stop]!r}, the first "
                f"project that did not fit ({money(Fraction(prep.cost[stop]))} needed, "
                f"{money(Fraction(stop_before))} remained)"
            )
        explanation.append(
            ProjectExplanation(
                project_id=pid,
                cost=cost,
                votes=prep.votes[j],
                points=None if prep.points is None else prep.points[j],
                status="selected" if j in position else "rejected",
                reason=reason,
                phase="greedy" if j in position else None,
                position=position.get(j),
                remaining_before=before,
            )
        )
    spent = prep.budget - trace.remaining
    return Result(
        rule=rule,
        budget=prep.budget,
        selected=[prep.ids[j] for j in trace.selected],
        explanation=explanation,
        spent=spent,
    )


# --------------------------------------------------------------------------------------------
# Method of Equal Shares
# --------------------------------------------------------------------------------------------


@dataclass
class _Paid:
    full: int  # supporters who paid the whole price
    partial: int  # supporters who paid all they had left, which was less
    partial_total: Fraction
    empty: int  # supporters who had nothing left


@dataclass
class _MesRun:
    """Outcome of one fixed-budget run of MES (money scaled to integers)."""

    per_voter: Fraction
    selected: list[int] = field(default_factory=list)
    price: dict[int, Fraction] = field(default_factory=dict)
    paid: dict[int, _Paid] = field(default_factory=dict)
    aborted: bool = False  # stopped early because the outcome already overspent
    state: _Run | None = None


class _MesEngine:
    """Static data for MES over distinct ballots (identical ballots merged, with a count)."""

    def __init__(
        self, prep: _Prepared, scale: int, mes_projects: list[int], tuning: Tuning
    ) -> None:
        self.tuning = tuning
        self.m = m = len(prep.ids)
        self.cost_int = [int(prep.cost[j] * scale) for j in range(m)]
        self.rank = prep.rank
        self.mes_projects = mes_projects
        keys = list(prep.ballots)
        d = len(keys)
        self.mult = np.array([prep.ballots[k] for k in keys], dtype=np.int64)
        self.A = np.zeros((d, m), dtype=np.bool_)
        rows = np.repeat(np.arange(d), [len(k) for k in keys])
        cols = np.fromiter((j for k in keys for j in k), dtype=np.int64, count=len(rows))
        self.A[rows, cols] = True
        self.supporters = [np.flatnonzero(self.A[:, j]) for j in range(m)]
        self.approvals = len(rows)
        self.weights = [self.mult[sp] for sp in self.supporters]
        self.weights_f = [w.astype(np.float64) for w in self.weights]
        self.total_w = [int(w.sum()) for w in self.weights]

    def run(self, per_voter: Fraction, budget_int: int) -> _MesRun:
        return _Run(self, per_voter, budget_int).execute()

    def stable_radius(self, per_voter: Fraction, expected: list[int]) -> Fraction | None:
        """How far every voter's share can rise above ``per_voter`` while MES still funds
        exactly ``expected``, in that order: the outcome is the same for every share in
        ``[per_voter, per_voter + radius)`` (``None``: no limit was found).

        Replays the run exactly, every project priced every round, with every amount kept as
        ``a + b·d`` for a rise ``d`` of the share. While every comparison the run makes keeps
        its result, all amounts stay affine in ``d``; the radius is the nearest ``d`` at which
        one of them could flip. Budgets exactly at a price are treated conservatively (radius 0).
        Costs grow with the number of approvals times rounds: meant for small elections, where
        add1 may otherwise rerun MES tens of thousands of times.
        """
        d = len(self.mult)
        mult = self.mult.tolist()
        supporters = [sp.tolist() for sp in self.supporters]
        alpha: list[Fraction] = [per_voter] * d  # budget at d = 0
        beta: list[Fraction] = [Fraction(1)] * d  # its rate of change with d
        zero = [False] * d
        radius: Fraction | None = None

        def keep(x0: Fraction, x1: Fraction, y0: Fraction, y1: Fraction) -> None:
            # x0 + x1·d stays >= y0 + y1·d (already true at d = 0) until they cross.
            nonlocal radius
            if x1 < y1:
                r = (x0 - y0) / (y1 - x1)
                radius = r if radius is None else min(radius, r)

        zero_f = Fraction(0)
        alive = list(self.mes_projects)
        selected: list[int] = []
        while alive:
            priced: dict[int, tuple[Fraction, Fraction, Fraction, Fraction, set[int]]] = {}
            for q in list(alive):
                cost = Fraction(self.cost_int[q])
                groups: dict[tuple[Fraction, Fraction], int] = {}
                members: dict[tuple[Fraction, Fraction], list[int]] = {}
                total_w = 0
                for i in supporters[q]:
                    total_w += mult[i]
                    if zero[i]:
                        continue
                    key = (alpha[i], beta[i])
                    groups[key] = groups.get(key, 0) + mult[i]
                    members.setdefault(key, []).append(i)
                avail0 = sum((a * w for (a, _), w in groups.items()), zero_f)
                avail1 = sum((b * w for (_, b), w in groups.items()), zero_f)
                if avail0 < cost:
                    keep(cost, zero_f, avail0, avail1)  # stays unaffordable
                    alive.remove(q)
                    continue
                keep(avail0, avail1, cost, zero_f)  # stays affordable
                ordered = sorted(groups.items())
                poor_sum0, poor_sum1, poor_w, k = zero_f, zero_f, total_w - sum(groups.values()), 0
                while True:
                    rich_w = total_w - poor_w
                    t0 = (cost - poor_sum0) / rich_w
                    if k < len(ordered) and ordered[k][0][0] < t0:
                        (a, b), w = ordered[k]
                        poor_sum0 += a * w
                        poor_sum1 += b * w
                        poor_w += w
                        k += 1
                        continue
                    break
                t1 = -poor_sum1 / rich_w
                poor: set[int] = set()
                for idx, ((a, b), _) in enumerate(ordered):
                    if idx < k:
                        keep(t0, t1, a, b)  # still pays less than the price
                        poor.update(members[(a, b)])
                    else:
                        keep(a, b, t0, t1)  # still affords the price
                priced[q] = (t0 / cost, t1 / cost, t0, t1, poor)
            if not priced:
                break
            s = min(priced, key=lambda q: (priced[q][0], self.rank[q]))
            rho0, rho1, t0, t1, poor = priced[s]
            for q, (q0, q1, _, _, _) in priced.items():
                if q != s:
                    keep(q0, q1, rho0, rho1)  # q still loses to s
            for i in supporters[s]:
                if zero[i]:
                    continue
                if i in poor:
                    zero[i] = True
                else:
                    alpha[i] -= t0
                    beta[i] -= t1
            selected.append(s)
            alive.remove(s)
        if selected != expected:  # pragma: no cover - the replay is the same algorithm
            return Fraction(0)
        return radius


@dataclass
class _Estimate:
    p: int
    t: float  # float price
    margin: float  # |t - exact price| <= margin
    lo: float  # bounds on rho = price / cost
    hi: float


class _Run:
    """One run of MES with cost utilities.

    Each distinct ballot keeps a float budget ``bf`` and a flag ``zero`` (it has paid out
    everything). The exact budget of a non-zero ballot is ``per_voter - sum(price[s])`` over the
    funded projects ``s`` it supports, so an exact sum over any set of ballots costs one
    integer matrix product and one Fraction operation per funded project; Fractions per ballot
    are never stored. Float budgets err by at most ``delta`` (absolute), which bounds every
    float price; only projects whose bounds overlap the best are priced exactly.
    Prices only rise as budgets fall, so -- like pabutools -- a project is re-priced only when
    its last (lower-bound) estimate could still beat the best of the round.
    """

    def __init__(self, eng: _MesEngine, per_voter: Fraction, budget_int: int) -> None:
        self.eng = eng
        self.b0 = per_voter
        self.b0_f = float(per_voter)
        self.budget_int = budget_int
        d = len(eng.mult)
        self.bf = np.full(d, self.b0_f, dtype=np.float64)
        self.zero = np.zeros(d, dtype=np.bool_)
        self.funded: list[int] = []
        self.price: dict[int, Fraction] = {}
        # Exact arithmetic over one common denominator: per_voter = b0_num / den and
        # price[s] = price_num[i] / den, so sums are integer dot products (no gcd per term).
        self.den = per_voter.denominator
        self.b0_num = per_voter.numerator
        self.price_num: list[int] = []
        self.result = _MesRun(per_voter=per_voter, state=self)

    @property
    def delta(self) -> float:
        # Each funding subtracts a correctly rounded price: two roundings of at most eps·b0.
        return (2 * len(self.funded) + 4) * 2 * _EPS * self.b0_f

    # -- exact arithmetic on demand ----------------------------------------------------------

    def _funded_idx(self) -> IntArray:
        return np.array(self.funded, dtype=np.int64)

    def _add_price(self, s: int, t: Fraction) -> None:
        new_den = math.lcm(self.den, t.denominator)
        factor = new_den // self.den
        if factor != 1:
            self.b0_num *= factor
            self.price_num = [x * factor for x in self.price_num]
            self.den = new_den
        self.price_num.append(t.numerator * (new_den // t.denominator))
        self.funded.append(s)
        self.price[s] = t

    def exact_sum(self, ballots: IntArray) -> Fraction:
        """Exact total remaining budget of the voters of the given distinct ballots."""
        nz = ballots[~self.zero[ballots]]
        if len(nz) == 0:
            return Fraction(0)
        w = self.eng.mult[nz]
        total = self.b0_num * int(w.sum())
        if self.funded:
            coef = w @ self.eng.A[np.ix_(nz, self._funded_idx())].astype(np.int64)
            total -= sum(x * c for x, c in zip(self.price_num, coef.tolist(), strict=True))
        return Fraction(total, self.den)

    def exact_budgets(self, ballots: IntArray) -> tuple[list[Fraction], IntArray]:
        """Exact budgets of the given ballots: the distinct values and, per ballot, its index."""
        sig = np.concatenate(
            (self.zero[ballots, None], self.eng.A[np.ix_(ballots, self._funded_idx())]), axis=1
        )
        uniq, inverse = np.unique(sig, axis=0, return_inverse=True)
        values = []
        for row in uniq.tolist():
            if row[0]:
                values.append(Fraction(0))
            else:
                paid = sum(x for x, on in zip(self.price_num, row[1:], strict=True) if on)
                values.append(Fraction(self.b0_num - paid, self.den))
        return values, inverse.ravel()

    def exact_groups(self, ballots: IntArray) -> list[tuple[Fraction, int]]:
        """(exact budget, voters) for the given ballots, merged by budget, ascending."""
        if len(ballots) == 0:
            return []
        values, inverse = self.exact_budgets(ballots)
        weight = np.bincount(inverse, weights=self.eng.mult[ballots].astype(np.float64))
        merged: dict[Fraction, int] = {}
        for value, w in zip(values, weight.tolist(), strict=True):
            merged[value] = merged.get(value, 0) + round(w)
        return sorted(merged.items())

    # -- pricing -------------------------------------------------------------------------------

    def estimate(self, p: int) -> _Estimate | None:
        """Float price of ``p`` with an error bound, or None if its supporters cannot afford it."""
        eng = self.eng
        sp = eng.supporters[p]
        w = eng.weights_f[p]
        b = self.bf[sp]
        wb = w * b
        cost = eng.cost_int[p]
        cost_f = float(cost)
        total_w = float(eng.total_w[p])
        avail = float(wb.sum())
        n_terms = len(sp) + 8
        tol = 4.0 * n_terms * _EPS * avail + total_w * self.delta + 4.0 * _EPS * cost_f
        tol *= eng.tuning.screen_slack
        if avail < cost_f - tol:
            return None
        if avail <= cost_f + tol and self.exact_sum(sp) < cost:
            return None
        # Newton on the concave piecewise-linear f(x) = sum(w·min(b, x)) from below: each step
        # prices the project as if the voters with b <= x were the ones paying less.
        x = cost_f / total_w
        poor_count = -1
        for _ in range(eng.tuning.newton_steps):
            poor = b <= x
            count = int(poor.sum())
            if count == poor_count:
                break
            poor_count = count
            rich_w = total_w - float(w[poor].sum())
            if rich_w <= 0.5:
                x = float(b.max())
                break
            x = (cost_f - float(wb[poor].sum())) / rich_w
        else:
            order = np.argsort(b)
            x = _water_level(cost_f, b[order], w[order])
        margin = 2.0 * total_w * self.delta + 4.0 * n_terms * _EPS * (cost_f + avail) + 4 * _EPS * x
        margin *= eng.tuning.screen_slack
        return _Estimate(p, x, margin, (x - margin) / cost_f, (x + margin) / cost_f)

    def exact_price(self, est: _Estimate) -> Fraction:
        eng = self.eng
        p = est.p
        sp = eng.supporters[p]
        b = self.bf[sp]
        cost = eng.cost_int[p]
        total_w = eng.total_w[p]
        width = (est.margin + self.delta) * eng.tuning.window_slack
        while True:
            lo_cut, hi_cut = est.t - width, est.t + width
            surely_poor = b < lo_cut
            window = (b >= lo_cut) & (b <= hi_cut)
            poor_sum = self.exact_sum(sp[surely_poor])
            poor_w = int(eng.weights[p][surely_poor].sum())
            groups = self.exact_groups(sp[window])
            # Price as a function of how many voters pay less is unimodal with its peak at the
            # true split, so from the surely-poor set keep adding the next-poorest group while
            # it cannot pay the current price.
            t: Fraction | None = None
            k = 0
            while poor_w < total_w:
                t = (cost - poor_sum) / Fraction(total_w - poor_w)
                if k < len(groups) and groups[k][0] < t:
                    poor_sum += groups[k][0] * groups[k][1]
                    poor_w += groups[k][1]
                    k += 1
                    t = None
                    continue
                break
            # Proven if the surely-poor really pay less than t and, when the whole window pays
            # less, the surely-rich really can pay t.
            if t is not None and t >= lo_cut and (k < len(groups) or t <= hi_cut):
                return t
            if width == math.inf:
                raise AssertionError("MES price computation failed")  # pragma: no cover
            width = width * 1024 if 0 < width * 1024 < self.b0_f else math.inf

    # -- the run ---------------------------------------------------------------------------------

    def execute(self) -> _MesRun:
        eng = self.eng
        res = self.result
        spent = 0
        # (lower bound on rho, tie rank, project): funded and unaffordable projects leave it.
        heap: list[tuple[float, int, int]] = [(0.0, eng.rank[p], p) for p in eng.mes_projects]
        heapq.heapify(heap)
        while heap:
            best_hi = math.inf
            fresh: list[_Estimate] = []
            while heap and heap[0][0] <= best_hi:
                _, _, p = heapq.heappop(heap)
                est = self.estimate(p)
                if est is None:
                    continue  # budgets only fall: it will never be affordable again
                fresh.append(est)
                best_hi = min(best_hi, est.hi)
            if not fresh:
                break
            winner: tuple[Fraction, int, Fraction] | None = None
            for est in fresh:
                if est.lo > best_hi:
                    continue
                t = self.exact_price(est)
                rho = t / eng.cost_int[est.p]
                if (
                    winner is None
                    or rho < winner[0]
                    or (rho == winner[0] and eng.rank[est.p] < eng.rank[winner[1]])
                ):
                    winner = (rho, est.p, t)
            assert winner is not None
            _, s, t = winner
            for est in fresh:
                if est.p != s:
                    heapq.heappush(heap, (est.lo, eng.rank[est.p], est.p))
            self.fund(s, t)
            spent += eng.cost_int[s]
            if spent > self.budget_int:
                # Already overspends the real budget: the add1 loop will discard this outcome.
                res.aborted = True
                break
        return res

    def fund(self, s: int, t: Fraction) -> None:
        eng = self.eng
        sp = eng.supporters[s]
        w = eng.weights[s]
        b = self.bf[sp]
        t_f = float(t)
        tol = 2 * self.delta + 4 * _EPS * t_f
        poor = b < t_f - tol
        unsure = np.flatnonzero(~poor & (b <= t_f + tol))
        if len(unsure):
            # Decide exactly for ballots whose float budget is too close to the price.
            values, inverse = self.exact_budgets(sp[unsure])
            poor[unsure] = np.array([v < t for v in values], dtype=np.bool_)[inverse]
        was_zero = self.zero[sp]
        full = int(w[~poor].sum())
        # Payments add up to the cost, so the partial payers paid what the full payers did not.
        paid = _Paid(
            full=full,
            partial=int(w[poor & ~was_zero].sum()),
            partial_total=eng.cost_int[s] - full * t,
            empty=int(w[was_zero].sum()),
        )
        rich = sp[~poor]
        self.bf[rich] = np.maximum(self.bf[rich] - t_f, 0.0)
        self.bf[sp[poor]] = 0.0
        self.zero[sp[poor]] = True
        self._add_price(s, t)
        self.result.selected.append(s)
        self.result.price[s] = t
        self.result.paid[s] = paid


def _water_level(cost: float, b: FloatArray, w: FloatArray) -> float:
    """Float price over budgets sorted ascending (fallback when Newton does not settle)."""
    before_w = np.concatenate(([0.0], np.cumsum(w)[:-1]))
    before_s = np.concatenate(([0.0], np.cumsum(w * b)[:-1]))
    rich = float(w.sum()) - before_w
    with np.errstate(divide="ignore", invalid="ignore"):
        g = np.where(rich > 0.5, (cost - before_s) / rich, -np.inf)
    return float(g.max())


def _scale_for(values: Sequence[Money]) -> int:
    scale = 1
    for v in values:
        if isinstance(v, Fraction):
            scale = math.lcm(scale, v.denominator)
    return scale


def method_of_equal_shares(
    instance: Instance,
    completion: Completion = "add1",
    *,
    money: MoneyFormatter = format_money,
    tie_order: Sequence[str] | None = None,
    increment: Money = 1,
    max_add1_steps: int | None = None,
    tuning: Tuning = DEFAULT_TUNING,
) -> Result:
    """The Method of Equal Shares (Peters & Skowron) with cost utilities.

    Every voter gets an equal share ``budget / voters`` of a virtual budget. Repeatedly, among
    projects whose supporters can still afford them, fund the one needing the smallest
    ``rho = t / cost``, where ``t`` is the per-supporter price that splits the cost as equally
    as possible (``sum(min(budget_i, t)) == cost``); supporters who have less than ``t`` pay
    everything they have. Ties: see the module docstring.

    ``completion``:

    * ``"add1"`` (default; pabulib's ``equalshares/add1``): while the outcome is not exhaustive
      -- some project not chosen, whoever supports it, still fits in what the real budget has
      left -- rerun MES with every voter's share raised by ``increment`` (1 currency unit: the
      virtual total rises by the number of voters each step). Stop at the first exhaustive
      outcome and keep it, or at the first that would overspend the real budget and keep the
      one before; shares never rise past ``budget / voters + budget`` (pabutools'
      ``exhaustion_by_budget_increase`` with ``budget_step`` = voters x ``increment`` and its
      default bound). Nothing is added after it.
    * ``"add1-greedy"``: the same, then the money still left goes greedily by votes to the
      projects that fit (equalshares.net's "Add1U"; pabulib has no name for it).
    * ``"greedy"``: plain MES, then the greedy fill.
    * ``"none"``: plain MES (pabulib's ``equalshares``).

    The number of add1 reruns is about how far each voter's share must rise, in units of
    ``increment``: with costs in pence pass ``increment=100`` to step by a pound.
    ``max_add1_steps`` (default: unlimited, as pabutools) raises ``RuntimeError`` beyond it.
    """
    prep = _prepare(instance, tie_order)
    if completion not in ("add1", "add1-greedy", "greedy", "none"):
        raise ValueError(f"unknown completion {completion!r}")
    inc = _as_money(increment, "increment")
    if inc == 0 and completion.startswith("add1"):
        raise ValueError("increment must be positive")
    m = len(prep.ids)
    scale = _scale_for([*prep.cost, prep.budget, inc])
    budget_int = int(prep.budget * scale)
    inc_int = int(inc * scale)
    n = prep.n_voters

    # With cost utilities a zero-cost project gives nobody any utility, so (as in pabutools)
    # MES never funds it; the greedy completion does, since it always fits.
    mes_projects = [j for j in range(m) if prep.cost[j] > 0 and prep.votes[j] > 0]
    initial = Fraction(budget_int, n) if n > 0 else Fraction(0)
    run: _MesRun | None = None
    first: _MesRun | None = None
    steps = 0
    if n > 0:
        engine = _MesEngine(prep, scale, mes_projects, tuning)
        first = run = engine.run(initial, budget_int)
        last_step = budget_int // inc_int if inc_int else 0
        # Skipping reruns whose outcome is provably unchanged pays off on small elections,
        # where shares are large and add1 can need tens of thousands of reruns, and whenever
        # MES already funds everything it can (the outcome may then never change again).
        small = engine.approvals * max(len(mes_projects), 1) <= _SKIP_MAX_WORK
        misses = wait = 0
        while completion.startswith("add1") and steps < last_step:
            left = budget_int - sum(engine.cost_int[j] for j in run.selected)
            chosen = set(run.selected)
            if all(j in chosen or engine.cost_int[j] > left for j in range(m)):
                break  # exhaustive
            jump = 1
            saturated = len(chosen) == len(mes_projects)
            if tuning.add1_skipping and (small or saturated) and wait == 0:
                radius = engine.stable_radius(run.per_voter, run.selected)
                # None: no limit found, the outcome stays the same up to the bound.
                jump = last_step - steps
                if radius is not None:
                    jump = max(1, math.ceil(radius / inc_int))
                misses = 0 if jump > _REPLAY_COST_IN_RUNS else misses + 1
                # After three replays running that did not pay, wait 2, 4, 8, ... reruns
                # before the next one (capped), so a long stretch of small steps costs little.
                wait = min(2 ** (misses - 2), 1024) if misses >= 3 else 0
            elif wait:
                wait -= 1
            jump = min(jump, last_step - steps)
            if max_add1_steps is not None and steps + jump > max_add1_steps:
                raise RuntimeError(f"add1 did not settle within {max_add1_steps} steps")
            candidate = engine.run(run.per_voter + jump * inc_int, budget_int)
            if candidate.aborted:
                # It would overspend the real budget: keep the previous step's outcome, which
                # is this one's; rerun it only for that step's exact payments.
                if jump > 1:
                    run = engine.run(run.per_voter + (jump - 1) * inc_int, budget_int)
                    steps += jump - 1
                break
            run = candidate
            steps += jump
    mes_selected = run.selected if run is not None else []
    equal_shares_first = set(first.selected) if first is not None else set()

    greedy_trace: _GreedyTrace | None = None
    if completion in ("add1-greedy", "greedy"):
        chosen = set(mes_selected)
        remaining = prep.budget - sum(prep.cost[j] for j in mes_selected)
        greedy_trace = _run_greedy(prep, [j for j in range(m) if j not in chosen], remaining, True)

    selected = mes_selected + (greedy_trace.selected if greedy_trace else [])
    rule = {
        "add1": "mes-add1",
        "add1-greedy": "mes-add1-greedy",
        "greedy": "mes-greedy",
        "none": "mes",
    }[completion]
    return _mes_result(
        prep, rule, scale, run, equal_shares_first, steps, greedy_trace, selected, initial, money
    )


def compare_with_greedy(
    instance: Instance,
    mes: Result,
    *,
    money: MoneyFormatter = format_money,
    tie_order: Sequence[str] | None = None,
) -> Result:
    """pabulib's "comparison step" (rules ``equalshares-comparison`` and
    ``equalshares/add1-comparison``, as pabulib's checker computes it): count the voters who
    have more approved projects funded under ``mes`` and those who have more under greedy by
    votes (with skipping); if more voters prefer greedy, greedy's outcome replaces it.
    """
    plain = Instance(
        instance.budget, instance.costs, instance.ballots, None, instance.multiplicities
    )
    other = greedy(plain, money=money, tie_order=tie_order)
    mes_set, greedy_set = set(mes.selected), set(other.selected)
    prefer_mes = prefer_greedy = 0
    for b, ballot in enumerate(instance.ballots):
        weight = 1 if instance.multiplicities is None else instance.multiplicities[b]
        under_mes = sum(pid in mes_set for pid in ballot)
        under_greedy = sum(pid in greedy_set for pid in ballot)
        if under_mes > under_greedy:
            prefer_mes += weight
        elif under_greedy > under_mes:
            prefer_greedy += weight
    chosen = other if prefer_greedy > prefer_mes else mes
    note = (
        f" (comparison step: {_plural(prefer_mes, 'voter')} had more funded under equal shares, "
        f"{_plural(prefer_greedy, 'voter')} under greedy, so the "
        f"{'greedy' if chosen is other else 'equal shares'} outcome stands)"
    )
    return Result(
        rule=f"{mes.rule}-comparison",
        budget=chosen.budget,
        selected=chosen.selected,
        explanation=[replace(e, reason=e.reason + note) for e in chosen.explanation],
        spent=chosen.spent,
        per_voter_budget=mes.per_voter_budget,
        initial_per_voter_budget=mes.initial_per_voter_budget,
        add1_steps=mes.add1_steps,
    )


def _payment_groups(paid: _Paid, price: Fraction, scale: int) -> tuple[Payment, ...]:
    groups = []
    if paid.full:
        each = price / scale
        groups.append(Payment("full", paid.full, each * paid.full, each))
    if paid.partial:
        groups.append(Payment("partial", paid.partial, paid.partial_total / scale, None))
    if paid.empty:
        groups.append(Payment("empty", paid.empty, Fraction(0), Fraction(0)))
    return tuple(groups)


def _payment_text(groups: tuple[Payment, ...], money: MoneyFormatter) -> str:
    by_kind = {g.kind: g for g in groups}
    supporters = sum(g.voters for g in groups)
    full, partial, empty = by_kind.get("full"), by_kind.get("partial"), by_kind.get("empty")
    if full and not partial and not empty:
        assert full.each is not None
        return f"Funded by {_plural(supporters, 'supporter')} paying {money(full.each)} each"
    parts = []
    if full:
        assert full.each is not None
        each = " each" if full.voters > 1 else ""
        parts.append(f"{full.voters:,} paying {money(full.each)}{each}")
    if partial:
        between = " between them" if partial.voters > 1 else ""
        parts.append(
            f"{partial.voters:,} paying all they had left ({money(partial.total)}{between})"
        )
    if empty:
        parts.append(f"{empty.voters:,} with nothing left")
    joined = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"Funded by {_plural(supporters, 'supporter')}: {joined}"


def _mes_result(
    prep: _Prepared,
    rule: str,
    scale: int,
    run: _MesRun | None,
    equal_shares_first: set[int],
    steps: int,
    greedy_trace: _GreedyTrace | None,
    selected: list[int],
    initial: Fraction,
    money: MoneyFormatter,
) -> Result:
    position = {j: k + 1 for k, j in enumerate(selected)}
    per_voter = run.per_voter / scale if run is not None else initial / scale
    raised = ""
    if steps > 0:
        raised = (
            f" (after raising each voter's share from {money(initial / scale)} to "
            f"{money(per_voter)})"
        )
    explanation = []
    mes_set = set(run.selected) if run is not None else set()
    mes_candidates = {j for j in range(len(prep.ids)) if prep.cost[j] > 0 and prep.votes[j] > 0}
    greedy_set = set(greedy_trace.selected) if greedy_trace else set()
    for j, pid in enumerate(prep.ids):
        cost = prep.cost[j]
        votes = prep.votes[j]
        score = _score_text(prep, j)
        phase: Phase | None = None
        payments: tuple[Payment, ...] = ()
        max_payment: Fraction | None = None
        left: Fraction | None = None
        before: Money | None = None
        if greedy_trace is not None:
            before = greedy_trace.remaining_before.get(j)
        if j in mes_set:
            assert run is not None
            phase = "equal_shares" if steps == 0 or j in equal_shares_first else "add1"
            payments = _payment_groups(run.paid[j], run.price[j], scale)
            max_payment = run.price[j] / scale
            reason = _payment_text(payments, money)
            if phase == "add1":
                reason += raised
        else:
            if run is not None and run.state is not None and j in mes_candidates:
                left = run.state.exact_sum(run.state.eng.supporters[j]) / scale
                between = " between them" if votes > 1 else ""
                mes_text = (
                    f"costs {money(Fraction(cost))} but its {_plural(votes, 'supporter')} had "
                    f"only {money(left)} left{between}{raised}"
                )
            elif votes == 0:
                mes_text = "had no votes"
            elif cost == 0 and greedy_trace is not None:
                mes_text = "is free, so it was left to the completion step"
            elif cost == 0:
                mes_text = "is free, and equal shares funds only what costs something"
            else:
                mes_text = "was not considered: there were no voters"
            if j in greedy_set:
                phase = "completion"
                assert before is not None
                reason = (
                    f"Selected in the completion step: {score}, cost "
                    f"{money(Fraction(cost))} fitted in the remaining {money(Fraction(before))}"
                    f" (under equal shares it {mes_text})"
                )
            elif before is not None:
                reason = (
                    f"Not selected: under equal shares it {mes_text}; in the completion step "
                    f"it would have cost {money(Fraction(cost))} but only "
                    f"{money(Fraction(before))} remained"
                )
            else:
                reason = f"Not selected: under equal shares it {mes_text}"
        explanation.append(
            ProjectExplanation(
                project_id=pid,
                cost=cost,
                votes=votes,
                points=None if prep.points is None else prep.points[j],
                status="selected" if j in position else "rejected",
                reason=reason,
                phase=phase,
                position=position.get(j),
                remaining_before=before,
                payments=payments,
                max_payment=max_payment,
                supporters_left=left,
            )
        )
    spent = sum((prep.cost[j] for j in selected), 0)
    return Result(
        rule=rule,
        budget=prep.budget,
        selected=[prep.ids[j] for j in selected],
        explanation=explanation,
        spent=spent,
        per_voter_budget=per_voter,
        initial_per_voter_budget=initial / scale,
        add1_steps=max(steps, 0),
    )
