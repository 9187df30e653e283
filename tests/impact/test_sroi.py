"""SROI arithmetic against hand-worked value maps, the value-map CSV, ``coproduce impact sroi``."""

from __future__ import annotations

import io
import json
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.impact.sroi import (
    CSV_COLUMNS,
    Outcome,
    SroiResult,
    round_half_up,
    sroi,
    value_map_from_csv,
)

HEADER = ",".join(CSV_COLUMNS)


def _outcome(
    *,
    quantity: str = "10",
    proxy: str = "100",
    deadweight: str = "0",
    displacement: str = "0",
    attribution: str = "0",
    drop_off: str = "0",
    duration: int = 1,
    name: str = "Less isolated",
) -> Outcome:
    return Outcome(
        stakeholder="Members",
        outcome=name,
        indicator="Loneliness score down by 3 or more",
        quantity=Decimal(quantity),
        financial_proxy=Decimal(proxy),
        proxy_source="HACT Social Value Bank",
        deadweight=Decimal(deadweight),
        displacement=Decimal(displacement),
        attribution=Decimal(attribution),
        drop_off=Decimal(drop_off),
        duration=duration,
    )


def _case_one() -> Outcome:
    return _outcome(deadweight="20", attribution="25")


def _case_two() -> Outcome:
    # impact = 20 x 50 x (1 - 0.10) = 900; years: 900, 900 x 0.9 = 810, 810 x 0.9 = 729
    return _outcome(quantity="20", proxy="50", deadweight="10", drop_off="10", duration=3)


def _sroi(
    outcomes: list[Outcome],
    investment: str,
    *,
    discount_rate: Decimal = Decimal("3.5"),
    discount_year_one: bool = True,
) -> SroiResult:
    return sroi(
        outcomes,
        investment=Decimal(investment),
        discount_rate=discount_rate,
        discount_year_one=discount_year_one,
    )


# The arithmetic, worked by hand


def test_single_outcome_one_year_discounted() -> None:
    result = _sroi([_case_one()], "300")
    # impact = 10 x 100 x (1 - 0.20) x (1 - 0) x (1 - 0.25) = 600
    assert result.outcomes[0].impact == 600
    assert result.per_year == (600,)
    # PV = 600 / 1.035 = 579.7101…
    assert result.present_value == Fraction(600) / Fraction("1.035")
    assert result.as_json()["present_value"] == 579.71
    # ratio = 579.71 / 300 = 1.9324; net = 0.9324
    assert (result.as_json()["ratio"], result.as_json()["net_ratio"]) == (1.93, 0.93)
    # payback: 300 of the year's 579.71 → 300 / 579.71 = 0.5175 years
    assert result.payback_years == Fraction("0.5175")


def test_single_outcome_one_year_not_discounted() -> None:
    result = _sroi([_case_one()], "300", discount_year_one=False)
    # year 1 divided by 1.035^0 = 1: PV = 600, ratio = 2, net = 1, payback 300 / 600 = 0.5
    assert result.present_value == 600
    assert (result.ratio, result.net_ratio, result.payback_years) == (2, 1, Fraction(1, 2))


def test_multi_year_drop_off_discounting_year_one() -> None:
    result = _sroi([_case_two()], "1000")
    assert result.per_year == (900, 810, 729)
    assert result.outcomes[0].per_year == (900, 810, 729)
    # PV = 900/1.035 + 810/1.035² + 729/1.035³
    #    = 869.5652 + 810/1.071225 + 729/1.108717875 = 869.5652 + 756.1437 + 657.5162
    #    = 2283.2251
    assert result.as_json()["present_value"] == 2283.23
    assert result.as_json()["outcomes"][0]["present_value"] == 2283.23
    # ratio = 2283.2251 / 1000 = 2.28; net 1.28
    assert (result.as_json()["ratio"], result.as_json()["net_ratio"]) == (2.28, 1.28)
    # payback: year 1 brings 869.5652, 130.4348 short; year 2 brings 756.1437:
    # 1 + 130.4348 / 756.1437 = 1 + (1035 - 900) x 1.035 / 810 = 1.1725 years
    assert result.payback_years == Fraction("1.1725")


def test_multi_year_drop_off_not_discounting_year_one() -> None:
    result = _sroi([_case_two()], "1000", discount_year_one=False)
    # PV = 900 + 810/1.035 + 729/1.035² = 900 + 782.6087 + 680.5293 = 2363.1380
    assert (
        result.present_value
        == 900 + Fraction(810) / Fraction("1.035") + Fraction(729) / Fraction("1.035") ** 2
    )
    assert result.as_json()["present_value"] == 2363.14
    assert (result.as_json()["ratio"], result.as_json()["net_ratio"]) == (2.36, 1.36)
    # payback: year 1 brings 900; then 100 of year 2's 782.6087: 1 + 103.5/810 = 1.1278
    assert result.as_json()["payback_years"] == 1.13


def test_discount_rate_is_configurable() -> None:
    result = _sroi([_case_two()], "1000", discount_rate=Decimal("10"))
    # PV = 900/1.1 + 810/1.21 + 729/1.331 = 818.1818 + 669.4215 + 547.7085 = 2035.3118
    assert result.as_json()["present_value"] == 2035.31
    assert result.as_json()["discount_rate"] == 10.0


def test_per_year_adds_outcomes_of_different_durations() -> None:
    result = _sroi(
        [_case_two(), _outcome(quantity="1", proxy="100", name="Fitter")],
        "1000",
        discount_rate=Decimal(0),
    )
    # year 1: 900 + 100; years 2 and 3: only the three-year outcome
    assert result.per_year == (1000, 810, 729)
    # at 0%, PV = 1000 + 810 + 729 = 2539
    assert result.present_value == 2539
    assert [row.present_value for row in result.outcomes] == [2439, 100]


def test_payback_is_none_when_never_reached() -> None:
    # PV = 579.71 < 600
    assert _sroi([_case_one()], "600").payback_years is None


def test_rounding_is_half_up_and_exact() -> None:
    assert round_half_up(Fraction("5.175")) == Decimal("5.18")
    assert round_half_up(Fraction("-5.175")) == Decimal("-5.18")
    # ties go up, away from zero (banker's rounding would give 0.12 and -0.12)
    assert round_half_up(Fraction("0.125")) == Decimal("0.13")
    assert round_half_up(Fraction("-0.125")) == Decimal("-0.13")
    assert round_half_up(Fraction(1, 3)) == Decimal("0.33")
    assert round_half_up(Fraction("0.125"), 1) == Decimal("0.1")


def test_investment_and_rate_are_range_checked() -> None:
    with pytest.raises(ValueError, match="investment must be more than 0"):
        _sroi([_case_one()], "0")
    with pytest.raises(ValueError, match="discount rate must be from 0 to 100"):
        _sroi([_case_one()], "300", discount_rate=Decimal("100.5"))


def test_outcome_refuses_bad_values() -> None:
    with pytest.raises(ValueError, match=r"^attribution must be from 0 to 100, not 101$"):
        _outcome(attribution="101")
    with pytest.raises(ValueError, match=r"^quantity must be 0 or more, not -1$"):
        _outcome(quantity="-1")


# Sensitivity: the value of each assumption at which the ratio is 1:1


def test_sensitivity_single_outcome() -> None:
    found = _sroi([_case_one()], "300")
    outcome = found.sensitivity.outcomes[0]
    # PV = 10 x 100 x 0.8 x (1 - a) / 1.035 = 300 → 1 - a = 300 x 1.035 / 800 = 0.388125
    # → a = 61.1875%
    assert outcome.attribution == Fraction("61.1875")
    # q x 100 x 0.8 x 0.75 / 1.035 = 300 → q = 310.5 / 60 = 5.175 (shown 5.18, half-up)
    assert outcome.quantity == Fraction("5.175")
    # 10 x p x 0.6 / 1.035 = 300 → p = 310.5 / 6 = 51.75
    assert outcome.financial_proxy == Fraction("51.75")
    # 1000 x (1 - d) x 0.75 = 310.5 → 1 - d = 0.414 → d = 58.6%
    assert outcome.deadweight == Fraction("58.6")
    # 1000 x 0.8 x (1 - s) x 0.75 = 310.5 → 1 - s = 0.5175 → s = 48.25%
    assert outcome.displacement == Fraction("48.25")
    # a one-year outcome has nothing for drop-off to act on
    assert outcome.drop_off is None
    # one year is already above 1:1
    assert outcome.duration == 1
    # 600 / (1 + r) = 300 → r = 100%, the top of the range, found exactly
    assert found.sensitivity.discount_rate == 100
    shown = found.as_json()["sensitivity"]["outcomes"][0]
    assert (shown["quantity"], shown["attribution"], shown["drop_off"]) == (5.18, 61.19, None)


def test_sensitivity_single_outcome_not_discounting_year_one() -> None:
    found = _sroi([_case_one()], "300", discount_year_one=False)
    # 1000 x 0.8 x (1 - a) = 300 → a = 62.5%
    assert found.sensitivity.outcomes[0].attribution == Fraction("62.5")
    # a one-year outcome with year 1 undiscounted does not depend on the rate
    assert found.sensitivity.discount_rate is None


def test_sensitivity_drop_off_by_bisection() -> None:
    def drop_off(investment: str) -> Fraction | None:
        result = _sroi([_case_two()], investment, discount_rate=Decimal(0))
        return result.sensitivity.outcomes[0].drop_off

    # at 0%: 900 x (1 + k + k²) = 1575 → k² + k - 0.75 = 0 → k = 0.5 → drop-off 50%
    found = drop_off("1575")
    assert found is not None and abs(found - 50) < Fraction(1, 10**9)
    # no drop-off: 900 x 3 = 2700; total drop-off: only year 1, 900; both ends exact
    assert drop_off("2700") == 0
    assert drop_off("900") == 100
    # above 2700 or below 900 no drop-off gives 1:1
    assert drop_off("2701") is None
    assert drop_off("899") is None


def test_sensitivity_discount_rate_by_bisection() -> None:
    flat = _outcome(quantity="1", proxy="1000", duration=2)
    # 1000/(1 + r) + 1000/(1 + r)² = 1440 at r = 0.25: 800 + 640
    found = _sroi([flat], "1440").sensitivity.discount_rate
    assert found is not None and abs(found - 25) < Fraction(1, 10**9)
    # 1000 + 1000/(1 + r) = 1800 at r = 0.25
    found = _sroi([flat], "1800", discount_year_one=False).sensitivity.discount_rate
    assert found is not None and abs(found - 25) < Fraction(1, 10**9)
    # at 0% the PV is 2000: more than that is never reached
    assert _sroi([flat], "2001").sensitivity.discount_rate is None


def test_sensitivity_duration() -> None:
    def duration(investment: str) -> int | None:
        result = _sroi([_case_two()], investment, discount_rate=Decimal(0))
        return result.sensitivity.outcomes[0].duration

    # cumulative at 0%: 900, 1710, 2439, 2439 + 656.1 = 3095.1
    assert duration("1710") == 2
    assert duration("2000") == 3
    # longer than the value map's own three years
    assert duration("3000") == 4
    # total drop-off: 900 whatever the duration
    result = _sroi([_outcome(proxy="90", drop_off="100", duration=2)], "1000")
    assert result.sensitivity.outcomes[0].duration is None


def test_sensitivity_when_the_other_outcomes_already_pay_back() -> None:
    big = _case_one()  # 600 a year, year 1 not discounted below
    small = _outcome(quantity="1", proxy="100", name="Fitter")  # 100
    result = _sroi([big, small], "500", discount_year_one=False)
    found_small = result.sensitivity.outcomes[1]
    # need from the small outcome = 500 - 600 = -100: no quantity, proxy or deadweight in range
    assert (found_small.quantity, found_small.financial_proxy, found_small.deadweight) == (
        None,
        None,
        None,
    )
    found_big = result.sensitivity.outcomes[0]
    # need from the big outcome = 500 - 100 = 400: q x 60 = 400 → q = 6.67
    assert found_big.quantity == Fraction(400, 60)
    # 10 x 100 x (1 - d) x 0.75 = 400 → 1 - d = 0.5333 → d = 46.67%
    assert result.as_json()["sensitivity"]["outcomes"][0]["deadweight"] == 46.67


def test_sensitivity_of_an_outcome_worth_nothing() -> None:
    result = _sroi([_outcome(quantity="0")], "100")
    found = result.sensitivity.outcomes[0]
    # PV = 0 whatever deadweight is; quantity 100 / (100 / 1.035) = 1.035
    assert found.deadweight is None
    assert found.quantity == Fraction("1.035")


def test_sensitivity_of_an_assumption_that_cannot_move_a_ratio_already_one_to_one() -> None:
    nothing = _outcome(quantity="0", deadweight="30", name="Fitter")
    # 600 undiscounted against 600: 1:1 whatever the empty outcome's deadweight is, so its own
    # value stands
    result = _sroi([_case_one(), nothing], "600", discount_year_one=False)
    assert result.ratio == 1
    assert result.sensitivity.outcomes[1].deadweight == 30


# Properties


_percent = st.integers(min_value=0, max_value=100).map(Decimal)
_outcomes = st.builds(
    _outcome,
    quantity=st.integers(min_value=0, max_value=50).map(str),
    proxy=st.integers(min_value=0, max_value=2000).map(str),
    deadweight=_percent.map(str),
    displacement=_percent.map(str),
    attribution=_percent.map(str),
    drop_off=_percent.map(str),
    duration=st.integers(min_value=1, max_value=6),
)
_maps = st.lists(_outcomes, min_size=1, max_size=3)
_investments = st.integers(min_value=1, max_value=50_000).map(str)


def _decimal(value: Fraction) -> Decimal:
    # to the 10 places an outcome may have
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("1e-10"))


def _changed(outcome: Outcome, **values: object) -> Outcome:
    fields = {name: getattr(outcome, name) for name in CSV_COLUMNS}
    fields.update(values)
    return Outcome(**fields)


@settings(max_examples=60, deadline=None)
@given(outcomes=_maps, investment=_investments, year_one=st.booleans())
def test_every_sensitivity_value_found_gives_one_to_one(
    outcomes: list[Outcome], investment: str, year_one: bool
) -> None:
    result = _sroi(outcomes, investment, discount_year_one=year_one)
    target = Fraction(investment)

    def close(changed: list[Outcome], rate: Decimal = Decimal("3.5")) -> bool:
        pv = _sroi(
            changed, investment, discount_rate=rate, discount_year_one=year_one
        ).present_value
        # within what rounding the value found to 10 places can move the PV
        return abs(pv - target) <= target * Fraction(1, 10**8) + Fraction(1, 10**4)

    found_rate = result.sensitivity.discount_rate
    if found_rate is not None:
        assert close(outcomes, _decimal(found_rate))
    for index, found in enumerate(result.sensitivity.outcomes):
        for name in ("quantity", "financial_proxy", *CSV_COLUMNS[6:10]):
            value = getattr(found, name)
            if value is not None:
                changed = list(outcomes)
                changed[index] = _changed(outcomes[index], **{name: _decimal(value)})
                assert close(changed), name
            elif name in CSV_COLUMNS[6:10]:
                # none found: the ratio is on the same side of 1:1 at both ends of 0-100%
                ends = []
                for end in (Decimal(0), Decimal(100)):
                    changed = list(outcomes)
                    changed[index] = _changed(outcomes[index], **{name: end})
                    ends.append(_sroi(changed, investment, discount_year_one=year_one).ratio)
                assert (ends[0] > 1 and ends[1] > 1) or (ends[0] < 1 and ends[1] < 1), name
        if found.duration is not None:
            changed = list(outcomes)
            changed[index] = _changed(outcomes[index], duration=found.duration)
            assert _sroi(changed, investment, discount_year_one=year_one).ratio >= 1
            if found.duration > 1:
                changed[index] = _changed(outcomes[index], duration=found.duration - 1)
                assert _sroi(changed, investment, discount_year_one=year_one).ratio < 1


@settings(max_examples=60, deadline=None)
@given(outcomes=_maps, investment=_investments)
def test_not_discounting_year_one_scales_pv_by_one_plus_r(
    outcomes: list[Outcome], investment: str
) -> None:
    discounted = _sroi(outcomes, investment)
    undiscounted = _sroi(outcomes, investment, discount_year_one=False)
    assert undiscounted.present_value == discounted.present_value * Fraction("1.035")
    assert discounted.net_ratio == discounted.ratio - 1
    assert sum(row.present_value for row in discounted.outcomes) == discounted.present_value


# The value-map CSV


def _row(**overrides: str) -> str:
    cells = {
        "stakeholder": "Members",
        "outcome": "Less isolated",
        "indicator": "Loneliness score down",
        "quantity": "10",
        "financial_proxy": "100",
        "proxy_source": "HACT Social Value Bank",
        "deadweight": "20",
        "displacement": "0",
        "attribution": "25",
        "drop_off": "0",
        "duration": "1",
    }
    cells.update(overrides)
    return ",".join(cells[name] for name in CSV_COLUMNS)


def test_csv_reads_a_value_map_with_bom_extra_column_and_symbols() -> None:
    text = (
        "\ufeff"
        + "notes,"
        + HEADER
        + "\n"
        + "seen in March,"
        + _row(financial_proxy="£100", deadweight="20%")
    )
    outcomes, errors = value_map_from_csv(text + "\n\n")
    assert errors == []
    assert outcomes == [
        Outcome(
            stakeholder="Members",
            outcome="Less isolated",
            indicator="Loneliness score down",
            quantity=Decimal(10),
            financial_proxy=Decimal(100),
            proxy_source="HACT Social Value Bank",
            deadweight=Decimal(20),
            displacement=Decimal(0),
            attribution=Decimal(25),
            drop_off=Decimal(0),
            duration=1,
        )
    ]


def test_csv_refuses_bad_fields_naming_row_and_field() -> None:
    text = "\n".join(
        [
            HEADER,
            _row(deadweight="120"),
            _row(quantity="-2"),
            _row(proxy_source=" "),
            _row(duration="2.5", drop_off="abc"),
            _row(duration="0"),
            _row(attribution=""),
            "Members,Fitter",
        ]
    )
    outcomes, errors = value_map_from_csv(text)
    assert outcomes == []
    assert [str(error) for error in errors] == [
        "row 2: deadweight must be from 0 to 100, not 120",
        "row 3: quantity must be 0 or more, not -2",
        "row 4: proxy_source is empty: every financial proxy needs its source",
        "row 5: drop_off must be a number, not 'abc'",
        "row 5: duration must be a whole number of years from 1 to 100, not 2.5",
        "row 6: duration must be a whole number of years from 1 to 100, not 0",
        "row 7: attribution is empty",
        "row 8: expected 11 columns, found 2",
    ]


def test_csv_refuses_too_many_decimal_places() -> None:
    # exact arithmetic on 1e-999999 would not finish; the row is refused instead
    _, errors = value_map_from_csv(HEADER + "\n" + _row(drop_off="1e-999999"))
    assert [str(error) for error in errors] == [
        "row 2: drop_off must have at most 10 decimal places, not 1e-999999"
    ]


def test_csv_names_a_missing_column() -> None:
    header = HEADER.replace(",drop_off", "")
    _, errors = value_map_from_csv(header + "\n")
    assert [str(error) for error in errors] == ["row 1: the header has no column drop_off"]


def test_csv_with_no_outcomes() -> None:
    assert [str(e) for e in value_map_from_csv(HEADER + "\n")[1]] == [
        "row 2: the value map has no outcomes"
    ]
    assert [str(e) for e in value_map_from_csv("")[1]] == [
        "row 1: the file is empty: expected a header row"
    ]


# The command


def _write(tmp_path: Path, *rows: str) -> str:
    path = tmp_path / "value_map.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return str(path)


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("impact", "sroi", *args, stdout=out)
    return out.getvalue()


def test_command_json(tmp_path: Path) -> None:
    printed = json.loads(_run(_write(tmp_path, _row()), "--investment", "300", "--json"))
    assert {key: printed[key] for key in list(printed)[:10]} == {
        "present_value": 579.71,
        "investment": 300.0,
        "ratio": 1.93,
        "net_ratio": 0.93,
        "payback_years": 0.52,
        "per_year": [600.0],
        "discount_rate": 3.5,
        "discount_year_one": True,
        "discounting": "year 1 discounted",
        "outcomes": printed["outcomes"],
    }
    assert printed["outcomes"][0]["impact"] == 600.0
    assert printed["sensitivity"]["discount_rate"] == 100.0
    assert printed["sensitivity"]["outcomes"][0]["attribution"] == 61.19


def test_command_json_not_discounting_year_one_at_another_rate(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        _row(
            quantity="20",
            financial_proxy="50",
            deadweight="10",
            attribution="0",
            drop_off="10",
            duration="3",
        ),
    )
    printed = json.loads(
        _run(
            path, "--investment", "1000", "--discount-rate", "0", "--no-discount-year-one", "--json"
        )
    )
    # 900 + 810 + 729 = 2439, undiscounted at 0%
    assert (printed["present_value"], printed["per_year"]) == (2439.0, [900.0, 810.0, 729.0])
    assert (printed["ratio"], printed["discount_year_one"]) == (2.44, False)


def test_command_plain_report(tmp_path: Path) -> None:
    out = _run(_write(tmp_path, _row()), "--investment", "£300")
    lines = out.splitlines()
    assert "Present value: £579.71" in lines
    assert "SROI ratio: £1.93 : £1" in lines
    assert "Net SROI ratio: 0.93" in lines
    assert "Payback: 0.52 years (6.2 months)" in lines
    assert "Discounting: year 1 discounted, at 3.5% a year" in lines
    assert "  Discount rate: 100.00%" in lines
    assert any("attribution 61.19%" in line for line in lines)
    out = _run(_write(tmp_path, _row()), "--investment", "300", "--no-discount-year-one")
    assert "Discounting: year 1 not discounted, at 3.5% a year" in out.splitlines()


def test_command_lists_every_bad_row_and_prints_nothing(tmp_path: Path) -> None:
    path = _write(tmp_path, _row(deadweight="120"), _row(proxy_source=""))
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("impact", "sroi", path, "--investment", "300", stdout=out)
    assert str(caught.value) == (
        f"{path}: row 2: deadweight must be from 0 to 100, not 120\n"
        f"{path}: row 3: proxy_source is empty: every financial proxy needs its source\n"
        f"{path}: 2 problems; no SROI computed."
    )
    assert out.getvalue() == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--investment", "0"], "--investment must be more than 0, not 0"),
        (["--investment", "-5"], "--investment must be more than 0, not -5"),
        (["--investment", "lots"], "--investment must be a number, not 'lots'"),
        (
            ["--investment", "300", "--discount-rate", "101"],
            "--discount-rate must be from 0 to 100, not 101",
        ),
    ],
)
def test_command_refuses_bad_options(tmp_path: Path, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=f"^{re.escape(message)}$"):
        _run(_write(tmp_path, _row()), *args)


def test_command_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"^cannot read .*nothing\.csv"):
        _run(str(tmp_path / "nothing.csv"), "--investment", "300")
