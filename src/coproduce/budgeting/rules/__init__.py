"""Budget-allocation rules for participatory budgeting: greedy and the Method of Equal Shares.

This index names the public rules and types; ``instance`` holds what a rule counts and
returns, ``greedy`` and ``equal_shares`` the rules (``equal_shares_engine`` one run of MES),
``explanations`` the sentences each project gets.

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

from .equal_shares import compare_with_greedy, method_of_equal_shares
from .equal_shares_engine import DEFAULT_TUNING, Tuning
from .greedy import greedy, greedy_threshold
from .instance import (
    Completion,
    Instance,
    Money,
    MoneyFormatter,
    Payment,
    Phase,
    ProjectExplanation,
    Result,
    format_money,
)

__all__ = [
    "DEFAULT_TUNING",
    "Completion",
    "Instance",
    "Money",
    "MoneyFormatter",
    "Payment",
    "Phase",
    "ProjectExplanation",
    "Result",
    "Tuning",
    "compare_with_greedy",
    "format_money",
    "greedy",
    "greedy_threshold",
    "method_of_equal_shares",
]
