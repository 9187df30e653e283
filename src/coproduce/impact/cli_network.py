"""``coproduce impact network --transfers T.csv [--people P.csv] [--json]``: the network
measures of a file of transfers (``payer, payee, minutes``), with an optional roster
(``person, group``: everyone, including people with no transfers)."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from django.core.management.base import CommandError, OutputWrapper

from coproduce.framework.amounts import amount_format
from coproduce.impact.network import (
    RowError,
    measures,
    roster_from_csv,
    transfers_from_csv,
)

SHOWN_ERRORS = 20
_Read = TypeVar("_Read")


def add_parser(subparsers: argparse._SubParsersAction[Any]) -> None:
    parser = subparsers.add_parser(
        "network", help="Network measures from a CSV of payer, payee, minutes."
    )
    parser.add_argument(
        "--transfers", required=True, metavar="FILE", help="CSV of payer, payee, minutes."
    )
    parser.add_argument(
        "--people",
        metavar="FILE",
        help="CSV of person, group: the whole roster, including people with no transfers.",
    )
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")


def _read(path: Path, parse: Callable[[Any], _Read]) -> _Read:
    try:
        # utf-8-sig drops a spreadsheet's byte-order mark; newline="" is what csv expects.
        with path.open(encoding="utf-8-sig", newline="") as lines:
            return parse(lines)
    except (OSError, UnicodeDecodeError) as error:
        raise CommandError(f"cannot read {path}: {error}") from error


def _refuse(problems: list[tuple[Path, RowError]]) -> CommandError:
    lines = [f"{len(problems)} bad {'row' if len(problems) == 1 else 'rows'}; nothing measured."]
    lines.extend(f"{path}: {error}" for path, error in problems[:SHOWN_ERRORS])
    if len(problems) > SHOWN_ERRORS:
        lines.append(f"… and {len(problems) - SHOWN_ERRORS} more")
    return CommandError("\n".join(lines))


def run(options: dict[str, Any], stdout: OutputWrapper) -> None:
    problems: list[tuple[Path, RowError]] = []
    roster = None
    if options.get("people"):
        people_path = Path(str(options["people"]))
        roster, roster_errors = _read(people_path, roster_from_csv)
        problems.extend((people_path, error) for error in roster_errors)
    transfers_path = Path(str(options["transfers"]))
    # A roster with bad rows would make good transfer rows look off the roster: check
    # transfers against it only when it read cleanly.
    checked_against = roster if not problems else None
    pairs, transfer_errors = _read(
        transfers_path, lambda lines: transfers_from_csv(lines, checked_against)
    )
    problems.extend((transfers_path, error) for error in transfer_errors)
    if problems:
        raise _refuse(problems)
    result = measures(pairs, roster)
    printed = result.as_json()
    if options.get("json"):
        stdout.write(json.dumps(printed, indent=2))
        return
    lines = []
    for name, value in printed.items():
        shown = "—" if value is None else str(value)
        if name == "minutes":
            shown += f" ({amount_format(result.minutes)} hours)"
        lines.append(f"{name}: {shown}")
    stdout.write("\n".join(lines))
