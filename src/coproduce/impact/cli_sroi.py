"""``coproduce impact sroi VALUE_MAP.csv --investment GBP``: the SROI of a value map."""

from __future__ import annotations

import json
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, OutputWrapper

from coproduce.impact.sroi import (
    CSV_COLUMNS,
    GREEN_BOOK_RATE,
    SroiResult,
    round_half_up,
    sroi,
    value_map_from_csv,
)


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sroi",
        help="SROI of a value map CSV: " + ", ".join(CSV_COLUMNS) + ".",
    )
    parser.add_argument("value_map", help="The value map CSV, one row per outcome.")
    parser.add_argument("--investment", required=True, help="The investment, in pounds.")
    parser.add_argument(
        "--discount-rate",
        default=str(GREEN_BOOK_RATE),
        help=f"Per cent a year, 0-100 (default {GREEN_BOOK_RATE}, the Green Book rate).",
    )
    parser.add_argument(
        "--no-discount-year-one",
        dest="discount_year_one",
        action="store_false",
        help="Leave year 1 undiscounted: year t is divided by (1 + r)^(t - 1), not (1 + r)^t.",
    )
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")


def _number(option: str, text: str) -> Decimal:
    try:
        number = Decimal(text.strip().removeprefix("£"))
    except InvalidOperation:
        raise CommandError(f"{option} must be a number, not '{text}'") from None
    if not number.is_finite():
        raise CommandError(f"{option} must be a number, not '{text}'")
    return number


def run(options: dict[str, Any], stdout: OutputWrapper) -> None:
    investment = _number("--investment", str(options["investment"]))
    if investment <= 0:
        raise CommandError(f"--investment must be more than 0, not {options['investment']}")
    rate = _number("--discount-rate", str(options["discount_rate"]))
    if not 0 <= rate <= 100:
        raise CommandError(f"--discount-rate must be from 0 to 100, not {options['discount_rate']}")
    path = Path(str(options["value_map"]))
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"cannot read {path}: {error}") from error
    outcomes, errors = value_map_from_csv(text)
    if errors:
        listed = "\n".join(f"{path}: {problem}" for problem in errors)
        count = "1 problem" if len(errors) == 1 else f"{len(errors)} problems"
        raise CommandError(f"{listed}\n{path}: {count}; no SROI computed.")
    try:
        result = sroi(
            outcomes,
            investment=investment,
            discount_rate=rate,
            discount_year_one=bool(options["discount_year_one"]),
        )
    except ValueError as error:
        raise CommandError(str(error)) from error
    if options["json"]:
        stdout.write(json.dumps(result.as_json(), indent=2, ensure_ascii=False))
    else:
        stdout.write("\n".join(report_lines(result)))


def _pounds(value: Fraction) -> str:
    return f"£{round_half_up(value):,}"


def _two(value: Fraction | None, suffix: str = "") -> str:
    return "—" if value is None else f"{round_half_up(value)}{suffix}"


def _years(count: int) -> str:
    return "1 year" if count == 1 else f"{count} years"


def _table(rows: list[list[str]], numeric_from: int) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(
            cell.rjust(width) if i >= numeric_from else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ).rstrip()
        for row in rows
    ]


def report_lines(result: SroiResult) -> list[str]:
    """The value map, its SROI and the sensitivity, as plain text."""
    setting = f"{result.discounting}, at {result.discount_rate}% a year"
    rows = [
        [
            "Stakeholder",
            "Outcome",
            "Quantity",
            "Proxy",
            "Deadweight",
            "Displacement",
            "Attribution",
            "Drop-off",
            "Years",
            "Impact",
            "Present value",
        ]
    ]
    for row in result.outcomes:
        outcome = row.outcome
        rows.append(
            [
                outcome.stakeholder,
                outcome.outcome,
                str(outcome.quantity),
                _pounds(Fraction(outcome.financial_proxy)),
                f"{outcome.deadweight}%",
                f"{outcome.displacement}%",
                f"{outcome.attribution}%",
                f"{outcome.drop_off}%",
                str(outcome.duration),
                _pounds(row.impact),
                _pounds(row.present_value),
            ]
        )
    lines = [f"Value map ({setting})", *_table(rows, numeric_from=2), ""]
    lines.extend(
        f"{row.outcome.outcome}: indicator {row.outcome.indicator}; "
        f"financial proxy from {row.outcome.proxy_source}"
        for row in result.outcomes
    )
    lines.append("")
    lines.append(
        "Value in each year, before discounting: "
        + "; ".join(
            f"year {year} {_pounds(value)}" for year, value in enumerate(result.per_year, start=1)
        )
    )
    if result.payback_years is None:
        payback = f"not within the value map's {len(result.per_year)} years"
    else:
        payback = (
            f"{round_half_up(result.payback_years)} years "
            f"({round_half_up(result.payback_years * 12, 1)} months)"
        )
    lines.extend(
        [
            f"Present value: {_pounds(result.present_value)}",
            f"Investment: {_pounds(Fraction(result.investment))}",
            f"SROI ratio: £{round_half_up(result.ratio)} : £1",
            f"Net SROI ratio: {round_half_up(result.net_ratio)}",
            f"Payback: {payback}",
            f"Discounting: {setting}",
            "",
            "Sensitivity: the value of one assumption, the others held, that brings the ratio "
            "to 1:1 (— where none in range does)",
            f"  Discount rate: {_two(result.sensitivity.discount_rate, '%')}",
        ]
    )
    for row, found in zip(result.outcomes, result.sensitivity.outcomes, strict=True):
        proxy = "—" if found.financial_proxy is None else _pounds(found.financial_proxy)
        duration = "—" if found.duration is None else _years(found.duration)
        lines.append(
            f"  {row.outcome.stakeholder} / {row.outcome.outcome}: "
            f"quantity {_two(found.quantity)}; financial proxy {proxy}; "
            f"deadweight {_two(found.deadweight, '%')}; "
            f"displacement {_two(found.displacement, '%')}; "
            f"attribution {_two(found.attribution, '%')}; "
            f"drop-off {_two(found.drop_off, '%')}; duration {duration}"
        )
    return lines
