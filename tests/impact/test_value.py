"""The value of outcomes by budget holder, by hand: gross, optimism bias, splitting to the
penny, cashable and non-cashable, and the totals counted once."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coproduce.impact.value import (
    OPTIMISM_BIAS,
    SPLIT_NOTE,
    Benefit,
    ValueInputError,
    ValueLine,
    check_benefits,
    price_line,
    split_pence,
    value_by_budget_holder,
)

NHS = Benefit("nhs", "NHS")
CARE = Benefit("la_social_care", "Local authority social care")
POLICE = Benefit("police", "Police")


def _line(**fields: Any) -> ValueLine:
    values: dict[str, Any] = {
        "indicator": "Fewer A&E visits",
        "service": "Day service",
        "quantity": Decimal(10),
        "unit_value_pence": 1000,
        "confidence_grade": 1,
        "split_rule": "equal",
        "benefits": [NHS],
    }
    values.update(fields)
    return ValueLine(**values)


def _stated(benefit: Benefit, percent: str, *, cashable: bool = False) -> Benefit:
    return Benefit(benefit.agency, benefit.label, Decimal(percent), cashable)


# --- optimism bias ---------------------------------------------------------------------


def test_optimism_bias_by_grade() -> None:
    assert dict(OPTIMISM_BIAS) == {
        1: Decimal(0),
        2: Decimal(5),
        3: Decimal(10),
        4: Decimal(15),
        5: Decimal(25),
        6: Decimal(40),
    }


@pytest.mark.parametrize(
    ("grade", "adjusted"),
    [(1, 10000), (2, 9500), (3, 9000), (4, 8500), (5, 7500), (6, 6000)],
)
def test_optimism_bias_takes_its_per_cent_off_the_gross(grade: int, adjusted: int) -> None:
    priced = price_line(_line(quantity=Decimal(1), unit_value_pence=10000, confidence_grade=grade))
    assert priced.gross_pence == 10000
    assert priced.optimism_bias_percent == OPTIMISM_BIAS[grade]
    assert priced.adjusted_pence == adjusted


def test_gross_and_adjusted_round_half_up_each_from_the_penny_before() -> None:
    # 2.5 x 333p = 832.5p -> 833p; 833p x 95% = 791.35p -> 791p
    priced = price_line(_line(quantity=Decimal("2.5"), unit_value_pence=333, confidence_grade=2))
    assert (priced.gross_pence, priced.adjusted_pence) == (833, 791)
    # 1.5 x 1p = 1.5p -> 2p; 2p x 75% = 1.5p -> 2p
    priced = price_line(_line(quantity=Decimal("1.5"), unit_value_pence=1, confidence_grade=5))
    assert (priced.gross_pence, priced.adjusted_pence) == (2, 2)


# --- splitting -------------------------------------------------------------------------


def test_equal_split_places_the_odd_penny_on_the_first_listed() -> None:
    # £100 among three: 3333.33p each; the penny left goes to the first listed
    priced = price_line(_line(benefits=[NHS, CARE, POLICE]))
    assert [(s.agency, s.percent, s.pence) for s in priced.shares] == [
        ("nhs", Decimal("33.33"), 3334),
        ("la_social_care", Decimal("33.33"), 3333),
        ("police", Decimal("33.33"), 3333),
    ]
    # the same holders listed the other way round: the first listed still gets it
    priced = price_line(_line(benefits=[POLICE, CARE, NHS]))
    assert [s.pence for s in priced.shares] == [3334, 3333, 3333]
    assert priced.shares[0].agency == "police"


def test_equal_split_of_two_pennies_among_three() -> None:
    priced = price_line(
        _line(quantity=Decimal(1), unit_value_pence=2, benefits=[NHS, CARE, POLICE])
    )
    assert [s.pence for s in priced.shares] == [1, 1, 0]


def test_stated_split_gives_the_pennies_to_the_largest_remainders() -> None:
    # 3 x 3333p = 9999p, less 10% = 8999.1p -> 8999p.
    # 50%: 4499.5, 30%: 2699.7, 20%: 1799.8 -> 4499 + 2699 + 1799 = 8997, 2p left:
    # one each to the 20% (.8 lost) and the 30% (.7 lost).
    priced = price_line(
        _line(
            quantity=Decimal(3),
            unit_value_pence=3333,
            confidence_grade=3,
            split_rule="stated",
            benefits=[_stated(NHS, "50"), _stated(CARE, "30"), _stated(POLICE, "20")],
        )
    )
    assert (priced.gross_pence, priced.adjusted_pence) == (9999, 8999)
    assert [(s.percent, s.pence) for s in priced.shares] == [
        (Decimal("50.00"), 4499),
        (Decimal("30.00"), 2700),
        (Decimal("20.00"), 1800),
    ]


def test_stated_split_with_hundredths_of_a_per_cent() -> None:
    # 1001p at 33.33 / 66.67: 333.6333 and 667.3667 -> 333 + 667 = 1000, 1p to the 33.33
    priced = price_line(
        _line(
            quantity=Decimal(1),
            unit_value_pence=1001,
            split_rule="stated",
            benefits=[_stated(NHS, "33.33"), _stated(CARE, "66.67")],
        )
    )
    assert [s.pence for s in priced.shares] == [334, 667]


def test_split_pence_ties_go_to_the_earlier_part() -> None:
    assert split_pence(1, [Fraction(1, 2), Fraction(1, 2)]) == [1, 0]
    assert split_pence(5, [Fraction(1, 4)] * 4) == [2, 1, 1, 1]
    assert split_pence(0, [Fraction(1, 3)] * 3) == [0, 0, 0]


def test_split_pence_refuses_weights_not_adding_to_one() -> None:
    with pytest.raises(ValueInputError, match=r"^The shares must be 0 or more and add up to 1\.$"):
        split_pence(10, [Fraction(1, 2), Fraction(1, 3)])
    with pytest.raises(ValueInputError, match=r"^Only a value of 0 or more is split, not -1\.$"):
        split_pence(-1, [Fraction(1)])


@given(
    total=st.integers(min_value=0, max_value=10**12),
    raw=st.lists(st.integers(min_value=1, max_value=10_000), min_size=1, max_size=9),
)
def test_split_pence_always_adds_up_and_is_within_a_penny(total: int, raw: list[int]) -> None:
    weights = [Fraction(r, sum(raw)) for r in raw]
    parts = split_pence(total, weights)
    assert sum(parts) == total
    for part, weight in zip(parts, weights, strict=True):
        assert abs(part - total * weight) < 1


@given(
    quantity=st.decimals(min_value=0, max_value=100_000, places=2),
    unit=st.integers(min_value=0, max_value=10**9),
    grade=st.integers(min_value=1, max_value=6),
    holders=st.integers(min_value=1, max_value=3),
)
def test_shares_always_add_up_to_the_line(
    quantity: Decimal, unit: int, grade: int, holders: int
) -> None:
    priced = price_line(
        _line(
            quantity=quantity,
            unit_value_pence=unit,
            confidence_grade=grade,
            benefits=[NHS, CARE, POLICE][:holders],
        )
    )
    assert sum(s.pence for s in priced.shares) == priced.adjusted_pence
    assert priced.adjusted_pence <= priced.gross_pence


# --- the table by budget holder --------------------------------------------------------


def _two_lines() -> list[ValueLine]:
    return [
        # £120 gross, grade 2 (5%): £114, NHS 60% cashable, social care 40% not
        _line(
            indicator="Fewer A&E visits",
            quantity=Decimal(12),
            unit_value_pence=1000,
            confidence_grade=2,
            split_rule="stated",
            benefits=[_stated(NHS, "60", cashable=True), _stated(CARE, "40")],
        ),
        # £50 gross, grade 4 (15%): £42.50, NHS and police equally, neither cashable
        _line(
            indicator="Fewer crises",
            quantity=Decimal(5),
            unit_value_pence=1000,
            confidence_grade=4,
            benefits=[NHS, POLICE],
        ),
    ]


def test_table_by_budget_holder_cashable_and_not() -> None:
    table = value_by_budget_holder(_two_lines())
    rows = [(r.agency, r.cashable_pence, r.non_cashable_pence, r.total_pence) for r in table.rows]
    # NHS: 6840 cashable from the first line, 2125 not from the second
    assert rows == [
        ("nhs", 6840, 2125, 8965),
        ("la_social_care", 0, 4560, 4560),
        ("police", 0, 2125, 2125),
    ]
    assert table.gross_pence == 12000 + 5000
    assert table.adjusted_pence == 11400 + 4250
    assert table.cashable_pence == 6840
    assert table.non_cashable_pence == 4560 + 2125 + 2125


def test_a_shared_outcome_is_counted_once() -> None:
    lines = _two_lines()
    table = value_by_budget_holder(lines)
    assert sum(r.total_pence for r in table.rows) == table.adjusted_pence
    assert table.cashable_pence + table.non_cashable_pence == table.adjusted_pence
    for priced in table.lines:
        assert sum(s.pence for s in priced.shares) == priced.adjusted_pence
    # the same outcome shared by three rather than owned by one is worth the same in total
    alone = value_by_budget_holder([_line(benefits=[NHS])])
    shared = value_by_budget_holder([_line(benefits=[NHS, CARE, POLICE])])
    assert alone.adjusted_pence == shared.adjusted_pence == 10000
    assert sum(r.total_pence for r in shared.rows) == 10000


def test_table_with_no_lines_is_all_zero() -> None:
    table = value_by_budget_holder([])
    assert table.as_json() == {
        "rows": [],
        "lines": [],
        "gross_pence": 0,
        "adjusted_pence": 0,
        "cashable_pence": 0,
        "non_cashable_pence": 0,
        "price_year": None,
        "suppressed_indicators": [],
        "split_note": SPLIT_NOTE,
    }


def test_as_json() -> None:
    line = _two_lines()[0]
    line = ValueLine(**{**line.__dict__, "unit_cost": "HC1", "cost_price_year": "2020/21"})
    table = value_by_budget_holder([line])
    assert table.as_json() == {
        "rows": [
            {
                "agency": "nhs",
                "label": "NHS",
                "cashable_pence": 6840,
                "non_cashable_pence": 0,
                "total_pence": 6840,
            },
            {
                "agency": "la_social_care",
                "label": "Local authority social care",
                "cashable_pence": 0,
                "non_cashable_pence": 4560,
                "total_pence": 4560,
            },
        ],
        "lines": [
            {
                "indicator": "Fewer A&E visits",
                "service": "Day service",
                "quantity": 12.0,
                "unit_value_pence": 1000,
                "unit_cost": "HC1",
                "cost_price_year": "2020/21",
                "gross_pence": 12000,
                "optimism_bias_percent": 5.0,
                "adjusted_pence": 11400,
                "split_rule": "stated",
                "shares": [
                    {
                        "agency": "nhs",
                        "label": "NHS",
                        "percent": 60.0,
                        "pence": 6840,
                        "cashable": True,
                    },
                    {
                        "agency": "la_social_care",
                        "label": "Local authority social care",
                        "percent": 40.0,
                        "pence": 4560,
                        "cashable": False,
                    },
                ],
            }
        ],
        "gross_pence": 12000,
        "adjusted_pence": 11400,
        "cashable_pence": 6840,
        "non_cashable_pence": 4560,
        "price_year": None,
        "suppressed_indicators": [],
        "split_note": SPLIT_NOTE,
    }
    assert "counted once" in SPLIT_NOTE


# --- bad input names the field ---------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"quantity": Decimal(-1)}, "quantity", "The quantity must be 0 or more and below"),
        ({"quantity": Decimal("NaN")}, "quantity", "The quantity must be a number"),
        ({"quantity": 3}, "quantity", "The quantity must be a number, not 3."),
        ({"unit_value_pence": -1}, "unit_value_pence", "The unit value must be 0 or more"),
        ({"unit_value_pence": True}, "unit_value_pence", "whole pence, not True."),
        ({"unit_value_pence": Decimal("1.5")}, "unit_value_pence", "whole pence"),
        ({"confidence_grade": 7}, "confidence_grade", "must be 1 to 6, not 7."),
        ({"confidence_grade": 0}, "confidence_grade", "must be 1 to 6, not 0."),
        ({"split_rule": "by size"}, "split_rule", "Choose how the value is split: equal or"),
        ({"benefits": []}, "benefits", "Name at least one budget holder that gains"),
        ({"benefits": [NHS, NHS]}, "benefits", "NHS is named twice."),
        (
            {"benefits": [NHS, _stated(CARE, "50")]},
            "benefits",
            "Under equal shares, give no per cent (Local authority social care has one)",
        ),
        (
            {"split_rule": "stated", "benefits": [_stated(NHS, "60"), CARE]},
            "benefits",
            "give each budget holder's per cent (Local authority social care has none)",
        ),
        (
            {"split_rule": "stated", "benefits": [_stated(NHS, "60"), _stated(CARE, "30")]},
            "benefits",
            "The stated shares must add up to 100 per cent; they add up to 90.",
        ),
        (
            {"split_rule": "stated", "benefits": [_stated(NHS, "60"), _stated(CARE, "40.5")]},
            "benefits",
            "they add up to 100.5.",
        ),
        (
            {"split_rule": "stated", "benefits": [_stated(NHS, "100"), _stated(CARE, "0")]},
            "benefits",
            "Local authority social care's share must be above 0 and at most 100 per cent",
        ),
        (
            {"split_rule": "stated", "benefits": [_stated(NHS, "101")]},
            "benefits",
            "NHS's share must be above 0 and at most 100 per cent, not 101.",
        ),
        (
            {"split_rule": "stated", "benefits": [_stated(NHS, "33.333")]},
            "benefits",
            "NHS's share can have at most 2 decimal places, not 33.333.",
        ),
    ],
)
def test_bad_line_names_the_field(fields: dict[str, Any], field: str, message: str) -> None:
    with pytest.raises(ValueInputError) as raised:
        price_line(_line(**fields))
    assert raised.value.field == field
    assert message in raised.value.message
    with pytest.raises(ValueInputError):
        value_by_budget_holder([_line(), _line(**fields)])


def test_check_benefits_accepts_what_splits() -> None:
    check_benefits("equal", [NHS, CARE])
    check_benefits("stated", [_stated(NHS, "99.99"), _stated(CARE, "0.01")])
    check_benefits("stated", [_stated(NHS, "100")])
