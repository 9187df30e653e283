"""The value of outcomes by budget holder: what each verified outcome is worth, taken down for
optimism bias, and shared between the budget holders that gain from it.

For each line (one outcome indicator's verified quantity over a period):

* gross = quantity x unit value (the unit cost re-based to the report's price year), to the
  penny half-up;
* adjusted = gross x (1 - optimism bias), to the penny half-up, the bias set by the line's
  confidence grade (``OPTIMISM_BIAS``);
* the adjusted value is split between the line's budget holders by its rule: equal shares, or
  the stated per cent of each (adding to exactly 100). Each share is its exact part rounded
  down to the penny; the pennies left over go one each to the shares that lost most in
  rounding, the earlier-listed share first on a tie, so the shares always add up to the line's
  adjusted value. A share is cashable or not as its budget holder's benefit says.

A shared outcome is split, never counted once per budget holder: the budget holders' totals add
up to the table's adjusted total, and each total is cashable plus non-cashable. Each figure is
computed from the whole pence of the figure before it, so a reader can redo the table by hand.

The optimism-bias corrections by confidence grade (0, 5, 10, 15, 25, 40 per cent for grades 1
to 6) follow the confidence-grade approach of HM Treasury / New Economy, "Supporting public
service transformation: cost benefit analysis guidance for local partnerships" (2014). The
percentages were not checked against that PDF when this was written.

No Django here: callers pass plain values and budget-holder labels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from math import floor
from typing import Any

# Per cent taken off a benefit, by confidence grade (1 best, 6 worst).
OPTIMISM_BIAS: dict[int, Decimal] = {
    1: Decimal(0),
    2: Decimal(5),
    3: Decimal(10),
    4: Decimal(15),
    5: Decimal(25),
    6: Decimal(40),
}
EQUAL = "equal"
STATED = "stated"
SPLIT_RULES = (EQUAL, STATED)
# The largest quantity a record's column holds, and the largest unit cost one can be given
# (£1,000,000,000,000): far above any real figure.
MAX_QUANTITY = Decimal(10) ** 10
MAX_UNIT_VALUE_PENCE = 10**14
SHARE_PLACES = 2
SPLIT_NOTE = (
    "Where an outcome benefits more than one budget holder, its value is split between them "
    "by the rule agreed for it (equal shares, or the stated per cent of each) and counted "
    "once: the budget holders' figures add up to the total, never more. Each value is taken "
    "down for optimism bias by its confidence grade before it is split."
)


class ValueInputError(ValueError):
    """A line that cannot be valued; ``field`` names the input at fault."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Benefit:
    """A budget holder that gains from an outcome: ``agency`` is its code, ``label`` its name;
    ``share_percent`` is given under the stated-shares rule only."""

    agency: str
    label: str
    share_percent: Decimal | None = None
    cashable: bool = False


@dataclass(frozen=True)
class ValueLine:
    """One indicator's verified quantity, valued at ``unit_value_pence`` a unit (already
    re-based to the price year of the table). ``unit_cost`` and ``cost_price_year`` say
    where the unit value came from, for the reader."""

    indicator: str
    service: str
    quantity: Decimal
    unit_value_pence: int
    confidence_grade: int
    split_rule: str
    benefits: Sequence[Benefit]
    unit_cost: str = ""
    cost_price_year: str = ""


@dataclass(frozen=True)
class Share:
    agency: str
    label: str
    percent: Decimal
    pence: int
    cashable: bool


@dataclass(frozen=True)
class PricedLine:
    line: ValueLine
    gross_pence: int
    optimism_bias_percent: Decimal
    adjusted_pence: int
    shares: tuple[Share, ...]


@dataclass(frozen=True)
class HolderRow:
    agency: str
    label: str
    cashable_pence: int
    non_cashable_pence: int

    @property
    def total_pence(self) -> int:
        return self.cashable_pence + self.non_cashable_pence


@dataclass(frozen=True)
class ValueTable:
    """Budget holders' rows (largest total first), the priced lines and the totals.
    ``price_year`` and ``suppressed`` (indicators left out because their quantity was under
    the suppression threshold) are filled in by whoever chose the lines."""

    rows: tuple[HolderRow, ...]
    lines: tuple[PricedLine, ...]
    gross_pence: int
    adjusted_pence: int
    cashable_pence: int
    non_cashable_pence: int
    price_year: str | None = None
    suppressed: tuple[str, ...] = ()

    def as_json(self) -> dict[str, Any]:
        return {
            "rows": [
                {
                    "agency": row.agency,
                    "label": row.label,
                    "cashable_pence": row.cashable_pence,
                    "non_cashable_pence": row.non_cashable_pence,
                    "total_pence": row.total_pence,
                }
                for row in self.rows
            ],
            "lines": [
                {
                    "indicator": priced.line.indicator,
                    "service": priced.line.service,
                    "quantity": float(priced.line.quantity),
                    "unit_value_pence": priced.line.unit_value_pence,
                    "unit_cost": priced.line.unit_cost,
                    "cost_price_year": priced.line.cost_price_year,
                    "gross_pence": priced.gross_pence,
                    "optimism_bias_percent": float(priced.optimism_bias_percent),
                    "adjusted_pence": priced.adjusted_pence,
                    "split_rule": priced.line.split_rule,
                    "shares": [
                        {
                            "agency": share.agency,
                            "label": share.label,
                            "percent": float(share.percent),
                            "pence": share.pence,
                            "cashable": share.cashable,
                        }
                        for share in priced.shares
                    ],
                }
                for priced in self.lines
            ],
            "gross_pence": self.gross_pence,
            "adjusted_pence": self.adjusted_pence,
            "cashable_pence": self.cashable_pence,
            "non_cashable_pence": self.non_cashable_pence,
            "price_year": self.price_year,
            "suppressed_indicators": list(self.suppressed),
            "split_note": SPLIT_NOTE,
        }


def check_benefits(split_rule: str, benefits: Sequence[Benefit]) -> None:
    """Raise ValueInputError (field ``split_rule`` or ``benefits``) unless ``benefits`` can be
    split by ``split_rule``: at least one budget holder, none twice, and under stated shares
    each one's per cent (above 0, at most 100, to 2 places) adding up to exactly 100."""
    if split_rule not in SPLIT_RULES:
        raise ValueInputError("split_rule", "Choose how the value is split: equal or stated.")
    if not benefits:
        raise ValueInputError(
            "benefits", "Name at least one budget holder that gains from the outcome."
        )
    seen: set[str] = set()
    for benefit in benefits:
        if benefit.agency in seen:
            raise ValueInputError("benefits", f"{benefit.label} is named twice.")
        seen.add(benefit.agency)
    if split_rule == EQUAL:
        given = next((b for b in benefits if b.share_percent is not None), None)
        if given is not None:
            raise ValueInputError(
                "benefits",
                f"Under equal shares, give no per cent ({given.label} has one): each budget "
                "holder gets the same.",
            )
        return
    total = Decimal(0)
    for benefit in benefits:
        share = benefit.share_percent
        if share is None:
            raise ValueInputError(
                "benefits",
                f"Under stated shares, give each budget holder's per cent ({benefit.label} has "
                "none).",
            )
        if not share.is_finite() or not 0 < share <= 100:
            raise ValueInputError(
                "benefits",
                f"{benefit.label}'s share must be above 0 and at most 100 per cent, not {share}.",
            )
        if share != share.quantize(Decimal("0.01")):
            raise ValueInputError(
                "benefits",
                f"{benefit.label}'s share can have at most {SHARE_PLACES} decimal places, "
                f"not {share}.",
            )
        total += share
    if total != 100:
        raise ValueInputError(
            "benefits",
            f"The stated shares must add up to 100 per cent; they add up to {_plain(total)}.",
        )


def price_line(line: ValueLine) -> PricedLine:
    """One line's gross, adjusted and shared value; ValueInputError naming the field."""
    _check_line(line)
    gross = _half_up(Fraction(line.quantity) * line.unit_value_pence)
    bias = OPTIMISM_BIAS[line.confidence_grade]
    adjusted = _half_up(Fraction(gross) * (100 - Fraction(bias)) / 100)
    weights = _weights(line.split_rule, line.benefits)
    pence = split_pence(adjusted, weights)
    shares = tuple(
        Share(
            agency=benefit.agency,
            label=benefit.label,
            percent=_percent(weight),
            pence=amount,
            cashable=benefit.cashable,
        )
        for benefit, weight, amount in zip(line.benefits, weights, pence, strict=True)
    )
    return PricedLine(
        line=line,
        gross_pence=gross,
        optimism_bias_percent=bias,
        adjusted_pence=adjusted,
        shares=shares,
    )


def split_pence(total: int, weights: Sequence[Fraction]) -> list[int]:
    """``total`` pence split by ``weights`` (non-negative, adding up to 1) into whole pence
    that add up to ``total``: each part rounded down, then the pennies left over one each to
    the parts with the largest remainders, the earlier part first on a tie."""
    if total < 0:
        raise ValueInputError("total", f"Only a value of 0 or more is split, not {total}.")
    if not weights or any(w < 0 for w in weights) or sum(weights, Fraction(0)) != 1:
        raise ValueInputError("weights", "The shares must be 0 or more and add up to 1.")
    exact = [total * weight for weight in weights]
    parts = [floor(amount) for amount in exact]
    left = total - sum(parts)
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in by_remainder[:left]:
        parts[i] += 1
    return parts


def value_by_budget_holder(lines: Sequence[ValueLine]) -> ValueTable:
    """Price every line and total the shares by budget holder, cashable and not."""
    priced = tuple(price_line(line) for line in lines)
    labels: dict[str, str] = {}
    cashable: dict[str, int] = {}
    non_cashable: dict[str, int] = {}
    for line in priced:
        for share in line.shares:
            labels.setdefault(share.agency, share.label)
            cashable.setdefault(share.agency, 0)
            non_cashable.setdefault(share.agency, 0)
            (cashable if share.cashable else non_cashable)[share.agency] += share.pence
    rows = tuple(
        sorted(
            (
                HolderRow(
                    agency=agency,
                    label=labels[agency],
                    cashable_pence=cashable[agency],
                    non_cashable_pence=non_cashable[agency],
                )
                for agency in labels
            ),
            key=lambda row: (-row.total_pence, row.label, row.agency),
        )
    )
    return ValueTable(
        rows=rows,
        lines=priced,
        gross_pence=sum(line.gross_pence for line in priced),
        adjusted_pence=sum(line.adjusted_pence for line in priced),
        cashable_pence=sum(row.cashable_pence for row in rows),
        non_cashable_pence=sum(row.non_cashable_pence for row in rows),
    )


def _check_line(line: ValueLine) -> None:
    quantity = line.quantity
    if not isinstance(quantity, Decimal) or not quantity.is_finite():
        raise ValueInputError("quantity", f"The quantity must be a number, not {quantity!r}.")
    if not 0 <= quantity < MAX_QUANTITY:
        raise ValueInputError(
            "quantity",
            f"The quantity must be 0 or more and below {MAX_QUANTITY:,}, not {quantity}.",
        )
    unit = line.unit_value_pence
    if isinstance(unit, bool) or not isinstance(unit, int):
        raise ValueInputError(
            "unit_value_pence", f"The unit value must be whole pence, not {unit!r}."
        )
    if not 0 <= unit <= MAX_UNIT_VALUE_PENCE:
        raise ValueInputError(
            "unit_value_pence",
            f"The unit value must be 0 or more and at most {MAX_UNIT_VALUE_PENCE:,} pence, "
            f"not {unit}.",
        )
    grade = line.confidence_grade
    if isinstance(grade, bool) or grade not in OPTIMISM_BIAS:
        raise ValueInputError(
            "confidence_grade", f"The confidence grade must be 1 to 6, not {grade!r}."
        )
    check_benefits(line.split_rule, line.benefits)


def _weights(split_rule: str, benefits: Sequence[Benefit]) -> list[Fraction]:
    if split_rule == EQUAL:
        return [Fraction(1, len(benefits))] * len(benefits)
    return [Fraction(b.share_percent) / 100 for b in benefits if b.share_percent is not None]


def _half_up(amount: Fraction) -> int:
    """A non-negative amount of pence to the whole penny, half up."""
    return floor(amount + Fraction(1, 2))


def _percent(weight: Fraction) -> Decimal:
    """A share as per cent to 2 places, half up (33.33 for a third)."""
    hundredths = _half_up(weight * 100 * 100)
    return (Decimal(hundredths) / 100).quantize(Decimal("0.01"))


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")
