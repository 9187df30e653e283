"""Why each project was or was not funded, as data and as a sentence a resident can read."""

from __future__ import annotations

from collections.abc import Collection
from fractions import Fraction
from typing import TYPE_CHECKING

from .instance import Money, MoneyFormatter, Payment, Phase, Prepared, ProjectExplanation, Result

if TYPE_CHECKING:
    from .equal_shares_engine import MesRun, Paid
    from .greedy import GreedyTrace


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"


def score_text(prep: Prepared, j: int) -> str:
    if prep.points is not None:
        return plural(prep.points[j], "point")
    return plural(prep.votes[j], "vote")


def greedy_result(
    prep: Prepared,
    rule: str,
    trace: GreedyTrace,
    eligible: set[int],
    threshold_label: str | None,
    money: MoneyFormatter,
    withdrawn: Collection[str] = (),
) -> Result:
    position = {j: k + 1 for k, j in enumerate(trace.selected)}
    explanation = []
    for j, pid in enumerate(prep.ids):
        cost = prep.cost[j]
        score = score_text(prep, j)
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


def _payment_groups(paid: Paid, price: Fraction, scale: int) -> tuple[Payment, ...]:
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
        return f"Funded by {plural(supporters, 'supporter')} paying {money(full.each)} each"
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
    return f"Funded by {plural(supporters, 'supporter')}: {joined}"


def mes_result(
    prep: Prepared,
    rule: str,
    scale: int,
    run: MesRun | None,
    equal_shares_first: set[int],
    steps: int,
    greedy_trace: GreedyTrace | None,
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
        score = score_text(prep, j)
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
                    f"costs {money(Fraction(cost))} but its {plural(votes, 'supporter')} had "
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
