"""Greedy by votes (or points): with and without skipping, and with pabulib's score
threshold."""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from .explanations import greedy_result, plural
from .instance import Instance, Money, MoneyFormatter, Prepared, Result, format_money, prepare


@dataclass
class GreedyTrace:
    selected: list[int] = field(default_factory=list)
    remaining_before: dict[int, Money] = field(default_factory=dict)
    stopped_at: int | None = None
    remaining: Money = 0


def _greedy_order(prep: Prepared, candidates: Sequence[int]) -> list[int]:
    return sorted(candidates, key=lambda j: (-prep.score(j), prep.rank[j]))


def run_greedy(
    prep: Prepared, candidates: Sequence[int], remaining: Money, skip: bool
) -> GreedyTrace:
    trace = GreedyTrace()
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
    prep = prepare(instance, tie_order)
    needed, label = _threshold(prep, threshold)
    out = set(withdrawn)
    if not out <= set(prep.ids):
        raise ValueError(f"withdrawn project {sorted(out - set(prep.ids))[0]!r} is not listed")
    eligible = {j for j, pid in enumerate(prep.ids) if prep.score(j) >= needed and pid not in out}
    trace = run_greedy(prep, sorted(eligible), prep.budget, skip)
    rule = "greedy" if skip else "greedy-no-skip"
    return greedy_result(prep, rule, trace, eligible, label, money, out)


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


def _threshold(prep: Prepared, threshold: int | Fraction) -> tuple[Money, str]:
    if isinstance(threshold, bool) or not isinstance(threshold, int | Fraction):
        raise TypeError("threshold must be an int (a score) or a Fraction (share of voters)")
    noun = "point" if prep.points is not None else "vote"
    if isinstance(threshold, Fraction):
        if not 0 <= threshold <= 1:
            raise ValueError("a share threshold must be between 0 and 1")
        needed = math.ceil(threshold * prep.n_voters)
        return needed, f"{float(threshold) * 100:g}% of voters ({plural(needed, noun)})"
    if threshold < 0:
        raise ValueError("threshold must not be negative")
    return int(threshold), plural(int(threshold), noun)
