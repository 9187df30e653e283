"""Social return on investment from a value map, as the SROI Guide (Social Value UK / SROI
Network, 2012) computes it.

For each outcome (one row of the value map):

* impact = quantity x financial proxy x (1 - deadweight)(1 - displacement)(1 - attribution);
* year t's value, t = 1..duration, is impact x (1 - drop-off)^(t - 1): drop-off comes off what
  remains, each year after the first, and the outcome is worth nothing after its duration;
* present value = Σ value_t / (1 + r)^t, or Σ value_t / (1 + r)^(t - 1) when year 1 is not
  discounted. The default discounts year 1, as the SROI Network's value-map template does; r is
  the Green Book's 3.5% unless given, one flat rate for every year (the Green Book's lower rates
  after year 30 are not applied).

ratio = PV / investment; net ratio = (PV - investment) / investment. Payback is the time, in
years, for the cumulative discounted value to reach the investment, interpolated linearly
within the year in which it does (the Guide's own rule of thumb, investment / (annual impact /
12) months, ignores drop-off and discounting).

Sensitivity: for each assumption of each outcome, and for the discount rate, the value that on
its own (the others held) brings the ratio to 1:1, or None where no value in range does.

The arithmetic is exact (Fractions of a pound) and rounded once, when shown: money to the
penny, ratios, payback and sensitivity values to 2 places, half-up. The two sensitivity values
that are not linear (drop-off, discount rate) are found by bisection in floating point, exactly
at the ends of their range.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

from coproduce.framework.rows import RowError as RowError
from coproduce.framework.rows import csv_with_header, data_rows

GREEN_BOOK_RATE = Decimal("3.5")  # per cent a year: HM Treasury Green Book, years 0-30
MAX_DURATION_YEARS = 100
# A ceiling for quantities, proxies and the investment (pounds or people): far above any real
# value map, low enough that nothing overflows when it is shown.
MAX_AMOUNT = Decimal(10) ** 12
# Exact arithmetic on 1e-999999 would never finish; no value map needs more places than this.
MAX_DECIMAL_PLACES = 10
CSV_COLUMNS = (
    "stakeholder",
    "outcome",
    "indicator",
    "quantity",
    "financial_proxy",
    "proxy_source",
    "deadweight",
    "displacement",
    "attribution",
    "drop_off",
    "duration",
)
TEXT_FIELDS = ("stakeholder", "outcome", "indicator", "proxy_source")
AMOUNT_FIELDS = ("quantity", "financial_proxy")
PERCENTAGE_FIELDS = ("deadweight", "displacement", "attribution", "drop_off")
_BISECTION_STEPS = 100


def field_problem(field: str, value: object, shown: str | None = None) -> str | None:
    """What is wrong with one field of an outcome, or None; ``shown`` is the value as typed."""
    shown = str(value) if shown is None else shown
    if field in TEXT_FIELDS:
        if not isinstance(value, str) or not value.strip():
            if field == "proxy_source":
                return "proxy_source is empty: every financial proxy needs its source"
            return f"{field} is empty"
        return None
    if field == "duration":
        if (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 1 <= value <= MAX_DURATION_YEARS
        ):
            return (
                f"duration must be a whole number of years from 1 to {MAX_DURATION_YEARS}, "
                f"not {shown}"
            )
        return None
    if not isinstance(value, Decimal) or not value.is_finite():
        return f"{field} must be a number, not '{shown}'"
    if not _few_places(value):
        return f"{field} must have at most {MAX_DECIMAL_PLACES} decimal places, not {shown}"
    if field in PERCENTAGE_FIELDS:
        if not 0 <= value <= 100:
            return f"{field} must be from 0 to 100, not {shown}"
        return None
    if field in AMOUNT_FIELDS:
        if value < 0:
            return f"{field} must be 0 or more, not {shown}"
        if value > MAX_AMOUNT:
            return f"{field} must be at most {MAX_AMOUNT:,}, not {shown}"
        return None
    raise ValueError(f"unknown field {field!r}")


def _few_places(value: Decimal) -> bool:
    exponent = value.as_tuple().exponent
    return isinstance(exponent, int) and exponent >= -MAX_DECIMAL_PLACES


@dataclass(frozen=True)
class Outcome:
    """One row of the value map. Percentages are 0-100; duration is in whole years."""

    stakeholder: str
    outcome: str
    indicator: str
    quantity: Decimal
    financial_proxy: Decimal  # pounds per unit of quantity, per year
    proxy_source: str
    deadweight: Decimal
    displacement: Decimal
    attribution: Decimal
    drop_off: Decimal
    duration: int

    def __post_init__(self) -> None:
        for field in CSV_COLUMNS:
            problem = field_problem(field, getattr(self, field))
            if problem is not None:
                raise ValueError(problem)

    @property
    def kept(self) -> Fraction:
        """The share of quantity x proxy left after deadweight, displacement and attribution."""
        return (
            (1 - _share(self.deadweight))
            * (1 - _share(self.displacement))
            * (1 - _share(self.attribution))
        )

    @property
    def impact(self) -> Fraction:
        """The value in year 1: quantity x proxy, less deadweight, displacement, attribution."""
        return Fraction(self.quantity) * Fraction(self.financial_proxy) * self.kept


def _share(percent: Decimal) -> Fraction:
    return Fraction(percent) / 100


@dataclass(frozen=True)
class OutcomeValue:
    outcome: Outcome
    impact: Fraction
    per_year: tuple[Fraction, ...]  # years 1..duration, before discounting
    present_value: Fraction


@dataclass(frozen=True)
class OutcomeSensitivity:
    """For one outcome, the value of each assumption, the others held, at which the ratio is
    1:1 (PV = investment); None where no value in range gives 1:1. Percentages are 0-100;
    duration is the smallest whole number of years at which the ratio reaches 1:1."""

    quantity: Fraction | None
    financial_proxy: Fraction | None
    deadweight: Fraction | None
    displacement: Fraction | None
    attribution: Fraction | None
    drop_off: Fraction | None
    duration: int | None


@dataclass(frozen=True)
class Sensitivity:
    discount_rate: Fraction | None  # per cent, 0-100
    outcomes: tuple[OutcomeSensitivity, ...]


@dataclass(frozen=True)
class SroiResult:
    outcomes: tuple[OutcomeValue, ...]
    per_year: tuple[Fraction, ...]  # every outcome's value in years 1..longest duration
    present_value: Fraction
    investment: Decimal
    ratio: Fraction
    net_ratio: Fraction
    payback_years: Fraction | None
    discount_rate: Decimal  # per cent
    discount_year_one: bool
    sensitivity: Sensitivity

    @property
    def discounting(self) -> str:
        return discounting_label(self.discount_year_one)

    def as_json(self) -> dict[str, Any]:
        """Money to the penny, ratios, payback and sensitivity to 2 places, half-up."""
        return {
            "present_value": _shown(self.present_value),
            "investment": _shown(Fraction(self.investment)),
            "ratio": _shown(self.ratio),
            "net_ratio": _shown(self.net_ratio),
            "payback_years": _shown_or_none(self.payback_years),
            "per_year": [_shown(value) for value in self.per_year],
            "discount_rate": float(self.discount_rate),
            "discount_year_one": self.discount_year_one,
            "discounting": self.discounting,
            "outcomes": [_outcome_json(row) for row in self.outcomes],
            "sensitivity": {
                "discount_rate": _shown_or_none(self.sensitivity.discount_rate),
                "outcomes": [
                    {
                        "stakeholder": row.outcome.stakeholder,
                        "outcome": row.outcome.outcome,
                        "quantity": _shown_or_none(found.quantity),
                        "financial_proxy": _shown_or_none(found.financial_proxy),
                        "deadweight": _shown_or_none(found.deadweight),
                        "displacement": _shown_or_none(found.displacement),
                        "attribution": _shown_or_none(found.attribution),
                        "drop_off": _shown_or_none(found.drop_off),
                        "duration": found.duration,
                    }
                    for row, found in zip(self.outcomes, self.sensitivity.outcomes, strict=True)
                ],
            },
        }


def discounting_label(discount_year_one: bool) -> str:
    return "year 1 discounted" if discount_year_one else "year 1 not discounted"


def round_half_up(value: Fraction, places: int = 2) -> Decimal:
    """Exactly rounded: no intermediate decimal division to decide a tie."""
    scale = 10**places
    magnitude = (abs(value) * scale * 2 + 1) // 2
    return Decimal(-magnitude if value < 0 else magnitude).scaleb(-places)


def _shown(value: Fraction) -> float:
    return float(round_half_up(value))


def _shown_or_none(value: Fraction | None) -> float | None:
    return None if value is None else _shown(value)


def _outcome_json(row: OutcomeValue) -> dict[str, Any]:
    outcome = row.outcome
    return {
        "stakeholder": outcome.stakeholder,
        "outcome": outcome.outcome,
        "indicator": outcome.indicator,
        "quantity": float(outcome.quantity),
        "financial_proxy": float(outcome.financial_proxy),
        "proxy_source": outcome.proxy_source,
        "deadweight": float(outcome.deadweight),
        "displacement": float(outcome.displacement),
        "attribution": float(outcome.attribution),
        "drop_off": float(outcome.drop_off),
        "duration": outcome.duration,
        "impact": _shown(row.impact),
        "per_year": [_shown(value) for value in row.per_year],
        "present_value": _shown(row.present_value),
    }


def _discount_factors(years: int, rate: Fraction, discount_year_one: bool) -> list[Fraction]:
    """The divisor of each year t = 1..years: (1 + r)^t, or (1 + r)^(t - 1)."""
    factors = []
    factor = 1 + rate if discount_year_one else Fraction(1)
    for _ in range(years):
        factors.append(factor)
        factor *= 1 + rate
    return factors


def _yearly(impact: Fraction, drop_off: Fraction, duration: int) -> list[Fraction]:
    values = []
    value = impact
    for _ in range(duration):
        values.append(value)
        value *= 1 - drop_off
    return values


def _annuity(drop_off: Fraction, duration: int, factors: Sequence[Fraction]) -> Fraction:
    """PV of an impact of 1 in year 1, dropping off each year after the first."""
    return sum(
        (
            value / factor
            for value, factor in zip(
                _yearly(Fraction(1), drop_off, duration), factors, strict=False
            )
        ),
        Fraction(0),
    )


def _payback(
    per_year: Sequence[Fraction], factors: Sequence[Fraction], investment: Fraction
) -> Fraction | None:
    """Years until the cumulative discounted value reaches the investment, interpolating
    linearly within the year it is crossed (as if that year's value came in evenly)."""
    cumulative = Fraction(0)
    for year, (value, factor) in enumerate(zip(per_year, factors, strict=True), start=1):
        discounted = value / factor
        if discounted > 0 and cumulative + discounted >= investment:
            return (year - 1) + (investment - cumulative) / discounted
        cumulative += discounted
    return None


def _bisect(falling: Callable[[float], float], low: float, high: float) -> Fraction:
    """The root of a decreasing function positive at ``low`` and negative at ``high``."""
    for _ in range(_BISECTION_STEPS):
        middle = (low + high) / 2
        if middle in (low, high):
            break
        if falling(middle) > 0:
            low = middle
        else:
            high = middle
    return Fraction((low + high) / 2)


def _linear(need: Fraction, slope: Fraction, current: Fraction) -> Fraction | None:
    """The x for which slope * x = need; when the slope is 0, the current x if it already holds."""
    if slope == 0:
        return current if need == 0 else None
    return need / slope


def _as_percentage(kept: Fraction | None) -> Fraction | None:
    """The percentage p with 1 - p/100 = kept, if it is from 0 to 100."""
    if kept is None or not 0 <= kept <= 1:
        return None
    return (1 - kept) * 100


def _at_least_zero(value: Fraction | None) -> Fraction | None:
    return value if value is not None and value >= 0 else None


def _outcome_sensitivity(
    outcome: Outcome,
    others: Fraction,
    investment: Fraction,
    factors: Sequence[Fraction],
    long_factors: Sequence[Fraction],
) -> OutcomeSensitivity:
    need = investment - others  # the PV this outcome must have for a 1:1 ratio
    quantity = Fraction(outcome.quantity)
    proxy = Fraction(outcome.financial_proxy)
    drop_off = _share(outcome.drop_off)
    annuity = _annuity(drop_off, outcome.duration, factors)
    gross = quantity * proxy * annuity  # PV before deadweight, displacement, attribution
    shares = {
        name: 1 - _share(getattr(outcome, name))
        for name in ("deadweight", "displacement", "attribution")
    }

    def percentage(name: str) -> Fraction | None:
        # The PV is linear in (1 - p) for each of these three.
        rest = gross
        for other, kept in shares.items():
            if other != name:
                rest *= kept
        return _as_percentage(_linear(need, rest, shares[name]))

    return OutcomeSensitivity(
        quantity=_at_least_zero(_linear(need, proxy * outcome.kept * annuity, quantity)),
        financial_proxy=_at_least_zero(_linear(need, quantity * outcome.kept * annuity, proxy)),
        deadweight=percentage("deadweight"),
        displacement=percentage("displacement"),
        attribution=percentage("attribution"),
        drop_off=_drop_off_sensitivity(outcome, need, factors),
        duration=_duration_sensitivity(outcome, need, long_factors),
    )


def _drop_off_sensitivity(
    outcome: Outcome, need: Fraction, factors: Sequence[Fraction]
) -> Fraction | None:
    impact = outcome.impact
    # PV falls as drop-off rises (for an outcome lasting more than a year); try the ends exactly.
    at_none = impact * _annuity(Fraction(0), outcome.duration, factors)
    at_all = impact * _annuity(Fraction(1), outcome.duration, factors)
    if at_none == at_all:
        return Fraction(outcome.drop_off) if need == at_none else None
    if not at_all <= need <= at_none:
        return None
    if need == at_none:
        return Fraction(0)
    if need == at_all:
        return Fraction(100)
    impact_f, need_f = float(impact), float(need)
    factors_f = [float(factor) for factor in factors[: outcome.duration]]

    def surplus(share: float) -> float:
        pv = 0.0
        kept = 1.0
        for factor in factors_f:
            pv += kept / factor
            kept *= 1 - share
        return impact_f * pv - need_f

    return _bisect(surplus, 0.0, 1.0) * 100


def _duration_sensitivity(
    outcome: Outcome, need: Fraction, long_factors: Sequence[Fraction]
) -> int | None:
    """The fewest whole years, up to the ceiling, at which the ratio reaches 1:1."""
    values = _yearly(outcome.impact, _share(outcome.drop_off), MAX_DURATION_YEARS)
    pv = Fraction(0)
    for years, (value, factor) in enumerate(zip(values, long_factors, strict=True), start=1):
        pv += value / factor
        if pv >= need:
            return years
    return None


def _discount_rate_sensitivity(
    per_year: Sequence[Fraction], investment: Fraction, discount_year_one: bool, current: Decimal
) -> Fraction | None:
    def pv_at(rate: Fraction) -> Fraction:
        factors = _discount_factors(len(per_year), rate, discount_year_one)
        return sum((v / f for v, f in zip(per_year, factors, strict=True)), Fraction(0))

    # PV falls as the rate rises; try the ends of 0-100% exactly.
    at_zero, at_hundred = pv_at(Fraction(0)), pv_at(Fraction(1))
    if at_zero == at_hundred:
        return Fraction(current) if investment == at_zero else None
    if not at_hundred <= investment <= at_zero:
        return None
    if investment == at_zero:
        return Fraction(0)
    if investment == at_hundred:
        return Fraction(100)
    values_f = [float(value) for value in per_year]
    investment_f = float(investment)
    first = 1 if discount_year_one else 0

    def surplus(rate: float) -> float:
        return (
            sum(value / (1 + rate) ** (t + first) for t, value in enumerate(values_f))
            - investment_f
        )

    return _bisect(surplus, 0.0, 1.0) * 100


def sroi(
    outcomes: Sequence[Outcome],
    *,
    investment: Decimal,
    discount_rate: Decimal = GREEN_BOOK_RATE,
    discount_year_one: bool = True,
) -> SroiResult:
    """The SROI of a value map. ``investment`` in pounds, more than 0; ``discount_rate`` in
    per cent, 0-100. Payback is None when the value map never pays the investment back."""
    if not investment.is_finite() or not _few_places(investment):
        raise ValueError(
            f"investment must be a number with at most {MAX_DECIMAL_PLACES} decimal places, "
            f"not {investment}"
        )
    if not 0 < investment <= MAX_AMOUNT:
        raise ValueError(
            f"investment must be more than 0 and at most {MAX_AMOUNT:,}, not {investment}"
        )
    if (
        not discount_rate.is_finite()
        or not _few_places(discount_rate)
        or not 0 <= discount_rate <= 100
    ):
        raise ValueError(f"discount rate must be from 0 to 100 (per cent), not {discount_rate}")
    rate = _share(discount_rate)
    invested = Fraction(investment)
    years = max((outcome.duration for outcome in outcomes), default=0)
    factors = _discount_factors(years, rate, discount_year_one)
    rows = []
    per_year = [Fraction(0)] * years
    for outcome in outcomes:
        impact = outcome.impact
        values = _yearly(impact, _share(outcome.drop_off), outcome.duration)
        for index, value in enumerate(values):
            per_year[index] += value
        present = sum((v / f for v, f in zip(values, factors, strict=False)), Fraction(0))
        rows.append(
            OutcomeValue(
                outcome=outcome, impact=impact, per_year=tuple(values), present_value=present
            )
        )
    present_value = sum(
        (value / factor for value, factor in zip(per_year, factors, strict=True)), Fraction(0)
    )
    long_factors = _discount_factors(MAX_DURATION_YEARS, rate, discount_year_one)
    sensitivity = Sensitivity(
        discount_rate=_discount_rate_sensitivity(
            per_year, invested, discount_year_one, discount_rate
        ),
        outcomes=tuple(
            _outcome_sensitivity(
                row.outcome, present_value - row.present_value, invested, factors, long_factors
            )
            for row in rows
        ),
    )
    return SroiResult(
        outcomes=tuple(rows),
        per_year=tuple(per_year),
        present_value=present_value,
        investment=investment,
        ratio=present_value / invested,
        net_ratio=(present_value - invested) / invested,
        payback_years=_payback(per_year, factors, invested),
        discount_rate=discount_rate,
        discount_year_one=discount_year_one,
        sensitivity=sensitivity,
    )


def _parse_number(field: str, text: str) -> tuple[Decimal | None, str | None]:
    """A number as typed, allowing '£' before a proxy and '%' after a percentage."""
    if not text:
        return None, f"{field} is empty"
    bare = text
    if field == "financial_proxy":
        bare = bare.removeprefix("£").strip()
    elif field in PERCENTAGE_FIELDS:
        bare = bare.removesuffix("%").strip()
    try:
        number = Decimal(bare)
    except InvalidOperation:
        return None, f"{field} must be a number, not '{text}'"
    if not number.is_finite():
        return None, f"{field} must be a number, not '{text}'"
    return number, None


def _parse_row(cells: dict[str, str]) -> tuple[Outcome | None, list[str]]:
    problems: list[str] = []
    values: dict[str, Any] = {}
    for field in CSV_COLUMNS:
        text = cells[field]
        if field in TEXT_FIELDS:
            value: object = text
        else:
            number, problem = _parse_number(field, text)
            if problem is not None:
                problems.append(problem)
                continue
            assert number is not None
            value = number
            if field == "duration" and number == number.to_integral_value():
                value = int(number)
        problem = field_problem(field, value, shown=text)
        if problem is not None:
            problems.append(problem)
        values[field] = value
    if problems:
        return None, problems
    return Outcome(**values), []


def value_map_from_csv(text: str) -> tuple[list[Outcome], list[RowError]]:
    """The outcomes of a value map CSV, one row per outcome with the columns ``CSV_COLUMNS``
    (in any order, in any case, others ignored), and every problem, named by row and field."""
    opened = csv_with_header(text)
    if isinstance(opened, RowError):
        return [], [opened]
    reader, header = opened
    names = [name.lower() for name in header]
    errors = [
        RowError(1, f"column {name} appears more than once")
        for name in CSV_COLUMNS
        if names.count(name) > 1
    ]
    errors.extend(
        RowError(1, f"the header has no column {name}") for name in CSV_COLUMNS if name not in names
    )
    if errors:
        return [], errors
    where = {name: names.index(name) for name in CSV_COLUMNS}
    outcomes: list[Outcome] = []
    for found in data_rows(reader, len(names)):
        if isinstance(found, RowError):
            errors.append(found)
            continue
        row_number, row = found
        outcome, problems = _parse_row({name: row[i].strip() for name, i in where.items()})
        errors.extend(RowError(row_number, problem) for problem in problems)
        if outcome is not None:
            outcomes.append(outcome)
    if not outcomes and not errors:
        errors.append(RowError(2, "the value map has no outcomes"))
    return outcomes, errors
