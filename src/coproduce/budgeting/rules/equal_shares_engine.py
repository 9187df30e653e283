"""One run of the Method of Equal Shares at a fixed share per voter: exact outcomes from
float screening with proven error bounds, and the exact replay that proves how far add1 may
jump (see the package docstring)."""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

from .instance import Prepared

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


@dataclass
class Paid:
    full: int  # supporters who paid the whole price
    partial: int  # supporters who paid all they had left, which was less
    partial_total: Fraction
    empty: int  # supporters who had nothing left


@dataclass
class MesRun:
    """Outcome of one fixed-budget run of MES (money scaled to integers)."""

    per_voter: Fraction
    selected: list[int] = field(default_factory=list)
    price: dict[int, Fraction] = field(default_factory=dict)
    paid: dict[int, Paid] = field(default_factory=dict)
    aborted: bool = False  # stopped early because the outcome already overspent
    state: _Run | None = None


class MesEngine:
    """Static data for MES over distinct ballots (identical ballots merged, with a count)."""

    def __init__(self, prep: Prepared, scale: int, mes_projects: list[int], tuning: Tuning) -> None:
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

    def run(self, per_voter: Fraction, budget_int: int) -> MesRun:
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

    def __init__(self, eng: MesEngine, per_voter: Fraction, budget_int: int) -> None:
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
        self.result = MesRun(per_voter=per_voter, state=self)

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

    def execute(self) -> MesRun:
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
        paid = Paid(
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
