"""The Method of Equal Shares with its completions (add1, add1 then greedy, greedy) and
pabulib's comparison step."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace
from fractions import Fraction

from .equal_shares_engine import DEFAULT_TUNING, MesEngine, MesRun, Tuning
from .explanations import mes_result, plural
from .greedy import GreedyTrace, greedy, run_greedy
from .instance import (
    Completion,
    Instance,
    Money,
    MoneyFormatter,
    Result,
    as_money,
    format_money,
    prepare,
)

# The add1 shortcut replays one run exactly to prove how many reruns it may skip. A replay
# costs about as much as this many ordinary reruns, so it "pays off" when it skips more; after
# three replays running that did not, it is tried less and less often (counts, not a clock,
# so the same election always takes the same path).
_REPLAY_COST_IN_RUNS = 4


_SKIP_MAX_WORK = 200_000  # approvals x projects up to which the shortcut is tried at all


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
    prep = prepare(instance, tie_order)
    if completion not in ("add1", "add1-greedy", "greedy", "none"):
        raise ValueError(f"unknown completion {completion!r}")
    inc = as_money(increment, "increment")
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
    run: MesRun | None = None
    first: MesRun | None = None
    steps = 0
    if n > 0:
        engine = MesEngine(prep, scale, mes_projects, tuning)
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

    greedy_trace: GreedyTrace | None = None
    if completion in ("add1-greedy", "greedy"):
        chosen = set(mes_selected)
        remaining = prep.budget - sum(prep.cost[j] for j in mes_selected)
        greedy_trace = run_greedy(prep, [j for j in range(m) if j not in chosen], remaining, True)

    selected = mes_selected + (greedy_trace.selected if greedy_trace else [])
    rule = {
        "add1": "mes-add1",
        "add1-greedy": "mes-add1-greedy",
        "greedy": "mes-greedy",
        "none": "mes",
    }[completion]
    return mes_result(
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
        f" (comparison step: {plural(prefer_mes, 'voter')} had more funded under equal shares, "
        f"{plural(prefer_greedy, 'voter')} under greedy, so the "
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
