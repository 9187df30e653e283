"""Network-building measures of a time bank, from who paid whom.

The core takes *aggregated directed pairs* — one ``DirectedPair`` per ordered (payer, payee)
with how many transfers and minutes went that way — so a county's millions of transfers reach
it as a few hundred thousand pairs. The database path aggregates in SQL, e.g.::

    Transfer rows → GROUP BY payer, payee → COUNT(*), SUM(minutes) → DirectedPair

and the CSV path (``coproduce impact network``) aggregates with ``transfers_from_csv``.

A *tie* is an unordered pair {a, b} with at least one transfer either way; it is
*reciprocated* when both directions carry one. Components are those of the undirected tie
graph (networkx); every active person is on at least one tie, because nobody pays themselves.
The E-I index is (E - I)/(E + I) over ties, each counted once: E ties join people of
different groups (areas, or staff and members), I ties people of the same group. With a
roster, the roster is the whole population: a person in the transfers who is not on it is an
error, not a guess. Ratios are exact fractions rounded once, half-up, to 4 places.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import networkx as nx

from coproduce.framework.rows import RowError as RowError
from coproduce.framework.rows import csv_with_header, data_rows

TRANSFER_COLUMNS = ["payer", "payee", "minutes"]
PEOPLE_COLUMNS = ["person", "group"]
# The time bank's hard maximum for one transfer (timebank.models.HARD_MAX_TRANSFER): a row
# above it is a typo, not a transfer.
MAX_ROW_MINUTES = 10**12
_FOUR_PLACES = Decimal("0.0001")


class NetworkError(ValueError):
    """Input the measures refuse: a self-payment, an empty count, a person off the roster."""


@dataclass(frozen=True, slots=True)
class DirectedPair:
    """Every transfer from ``payer`` to ``payee``: how many, and their minutes in total."""

    payer: str
    payee: str
    transfers: int
    minutes: int


@dataclass(frozen=True)
class NetworkMeasures:
    people: int  # the roster's size; without a roster, the distinct people in the transfers
    active: int  # in at least one transfer
    transfers: int
    minutes: int
    ties: int
    reciprocated_ties: int
    give_and_receive_share: Decimal | None  # of active people; None when nobody is active
    isolated: int  # roster people with no transfer; 0 without a roster
    components: int
    largest_component: int
    ei_index: Decimal | None  # None without a roster or without ties
    exchanges_per_active: Decimal | None
    minutes_per_active: Decimal | None

    def as_json(self) -> dict[str, Any]:
        def number(value: Decimal | None) -> float | None:
            return float(value) if value is not None else None

        return {
            "people": self.people,
            "active": self.active,
            "transfers": self.transfers,
            "minutes": self.minutes,
            "ties": self.ties,
            "reciprocated_ties": self.reciprocated_ties,
            "give_and_receive_share": number(self.give_and_receive_share),
            "isolated": self.isolated,
            "components": self.components,
            "largest_component": self.largest_component,
            "ei_index": number(self.ei_index),
            "exchanges_per_active": number(self.exchanges_per_active),
            "minutes_per_active": number(self.minutes_per_active),
        }


def _round(value: Fraction) -> Decimal:
    # 28 significant digits before quantizing: exact enough that half-up only ties on a true
    # half, and no ratio here is large enough to lose the fourth place.
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(_FOUR_PLACES, rounding=ROUND_HALF_UP)


def _ratio(numerator: int, denominator: int) -> Decimal | None:
    return _round(Fraction(numerator, denominator)) if denominator else None


def _add(totals: dict[tuple[str, str], list[int]], payer: str, payee: str, minutes: int) -> None:
    total = totals.get((payer, payee))
    if total is None:
        totals[payer, payee] = [1, minutes]
    else:
        total[0] += 1
        total[1] += minutes


def _pairs(totals: dict[tuple[str, str], list[int]]) -> list[DirectedPair]:
    return [
        DirectedPair(payer=payer, payee=payee, transfers=count, minutes=minutes)
        for (payer, payee), (count, minutes) in totals.items()
    ]


def aggregate(rows: Iterable[tuple[str, str, int]]) -> list[DirectedPair]:
    """Raw ``(payer, payee, minutes)`` transfers → one ``DirectedPair`` per ordered pair."""
    totals: dict[tuple[str, str], list[int]] = {}
    for payer, payee, minutes in rows:
        if payer == payee:
            raise NetworkError(f"a person cannot pay themselves ({payer})")
        if minutes < 1:
            raise NetworkError(f"a transfer must be of at least one minute ({payer} → {payee})")
        _add(totals, payer, payee, minutes)
    return _pairs(totals)


def _tie_groups(ties: set[tuple[str, str]], groups: Mapping[str, str]) -> Decimal | None:
    internal = sum(1 for a, b in ties if groups[a] == groups[b])
    external = len(ties) - internal
    return _ratio(external - internal, external + internal)


def _unplaced(people: Iterable[str], groups: Mapping[str, str]) -> None:
    missing = sorted(person for person in people if person not in groups)
    if missing:
        shown = ", ".join(missing[:10]) + (
            f" and {len(missing) - 10} more" if len(missing) > 10 else ""
        )
        raise NetworkError(
            f"{len(missing)} {'person is' if len(missing) == 1 else 'people are'} in the "
            f"transfers but not on the roster: {shown}"
        )


def _directed(pairs: Iterable[DirectedPair]) -> tuple[set[tuple[str, str]], int, int]:
    directed: set[tuple[str, str]] = set()
    transfers = minutes = 0
    for pair in pairs:
        if pair.payer == pair.payee:
            raise NetworkError(f"a person cannot pay themselves ({pair.payer})")
        if pair.transfers < 1 or pair.minutes < 1:
            raise NetworkError(
                f"a pair needs at least one transfer and one minute ({pair.payer} → {pair.payee})"
            )
        directed.add((pair.payer, pair.payee))
        transfers += pair.transfers
        minutes += pair.minutes
    return directed, transfers, minutes


def _ties(directed: set[tuple[str, str]]) -> set[tuple[str, str]]:
    return {(a, b) if a < b else (b, a) for a, b in directed}


def ei_index(pairs: Iterable[DirectedPair], groups: Mapping[str, str]) -> Decimal | None:
    """The E-I index of the ties under one grouping (e.g. staff and members, when
    ``measures`` was given areas). Every person in ``pairs`` must have a group."""
    directed, _, _ = _directed(pairs)
    ties = _ties(directed)
    _unplaced({person for tie in ties for person in tie}, groups)
    return _tie_groups(ties, groups)


def measures(
    pairs: Iterable[DirectedPair], roster: Mapping[str, str] | None = None
) -> NetworkMeasures:
    """The network measures of aggregated directed pairs (duplicates of one ordered pair are
    added together). ``roster`` maps every person — active or not — to their group."""
    directed, transfers, minutes = _directed(pairs)
    payers = {payer for payer, _ in directed}
    payees = {payee for _, payee in directed}
    active = payers | payees
    ties = _ties(directed)
    # A tie is one directed pair, or two when reciprocated.
    reciprocated = len(directed) - len(ties)

    # networkx's union-find gives the connected components of the tie graph in about half
    # the time of building an nx.Graph for connected_components, whose adjacency would be
    # used for nothing else.
    components = nx.utils.UnionFind()
    for a, b in ties:
        components.union(a, b)
    sizes = [len(component) for component in components.to_sets()]

    if roster is None:
        people, isolated, ei = len(active), 0, None
    else:
        _unplaced(active, roster)
        people = len(roster)
        isolated = people - len(active)
        ei = _tie_groups(ties, roster)
    return NetworkMeasures(
        people=people,
        active=len(active),
        transfers=transfers,
        minutes=minutes,
        ties=len(ties),
        reciprocated_ties=reciprocated,
        give_and_receive_share=_ratio(len(payers & payees), len(active)),
        isolated=isolated,
        components=len(sizes),
        largest_component=max(sizes, default=0),
        ei_index=ei,
        exchanges_per_active=_ratio(transfers, len(active)),
        minutes_per_active=_ratio(minutes, len(active)),
    )


def _quarter(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def new_ties_per_quarter(dated_pairs: Iterable[tuple[date, str, str]]) -> dict[str, int]:
    """``(date, a, b)`` of transfers between a and b (either way) → how many ties were new in
    each calendar quarter, ``{"2026-Q1": n, ...}`` in order, with a zero for every quarter
    between the first and the last. A tie is new in the quarter of its earliest date, so the
    input may hold one date per tie, per direction or per transfer. Dates are the caller's
    local dates: convert aware datetimes before calling."""
    first: dict[tuple[str, str], date] = {}
    for day, a, b in dated_pairs:
        if a == b:
            raise NetworkError(f"a person cannot pay themselves ({a})")
        key = (a, b) if a < b else (b, a)
        seen = first.get(key)
        if seen is None or day < seen:
            first[key] = day
    counts: dict[tuple[int, int], int] = {}
    for day in first.values():
        quarter = _quarter(day)
        counts[quarter] = counts.get(quarter, 0) + 1
    if not counts:
        return {}
    (year, number), last = min(counts), max(counts)
    series: dict[str, int] = {}
    while (year, number) <= last:
        series[f"{year}-Q{number}"] = counts.get((year, number), 0)
        year, number = (year + 1, 1) if number == 4 else (year, number + 1)
    return series


def _rows(
    lines: Iterable[str], columns: list[str]
) -> Iterable[tuple[int, list[str] | None, RowError | None]]:
    """``(row, cells, None)`` for each non-blank row with the right number of cells, or
    ``(row, None, error)``; the header is checked first."""
    opened = csv_with_header(lines)
    if isinstance(opened, RowError):
        yield 1, None, opened
        return
    reader, header = opened
    if header != columns:
        message = f"the header must be exactly {', '.join(columns)}; found {', '.join(header)}"
        yield 1, None, RowError(1, message)
        return
    for found in data_rows(reader, len(columns)):
        if isinstance(found, RowError):
            yield found.row, None, found
        else:
            yield found[0], [cell.strip() for cell in found[1]], None


def roster_from_csv(lines: Iterable[str]) -> tuple[dict[str, str], list[RowError]]:
    """The roster from a CSV of ``person, group`` (everyone, with or without transfers), and
    every bad row."""
    roster: dict[str, str] = {}
    first_row: dict[str, int] = {}
    errors: list[RowError] = []
    for row_number, cells, error in _rows(lines, PEOPLE_COLUMNS):
        if cells is None:
            if error is not None:
                errors.append(error)
            continue
        person, group = cells
        problems = []
        if not person:
            problems.append("the person is empty")
        if not group:
            problems.append("the group is empty")
        if person in first_row:
            problems.append(f"person {person} is listed twice (first on row {first_row[person]})")
        if problems:
            errors.append(RowError(row_number, "; ".join(problems)))
            continue
        roster[person] = group
        first_row[person] = row_number
    return roster, errors


def _minutes(cell: str) -> int | None:
    if not (cell.isascii() and cell.isdigit()):
        return None
    value = int(cell)
    return value if 1 <= value <= MAX_ROW_MINUTES else None


def transfers_from_csv(
    lines: Iterable[str], roster: Mapping[str, str] | None = None
) -> tuple[list[DirectedPair], list[RowError]]:
    """Directed pairs aggregated from a CSV of ``payer, payee, minutes``, and every bad row.
    With a roster, a payer or payee not on it is a bad row."""
    totals: dict[tuple[str, str], list[int]] = {}
    errors: list[RowError] = []
    for row_number, cells, error in _rows(lines, TRANSFER_COLUMNS):
        if cells is None:
            if error is not None:
                errors.append(error)
            continue
        payer, payee, minutes_cell = cells
        problems = []
        if payer and payer == payee:
            problems.append(f"a person cannot pay themselves ({payer})")
        for role, person in (("payer", payer), ("payee", payee)):
            if not person:
                problems.append(f"the {role} is empty")
            elif (
                roster is not None
                and person not in roster
                and not (role == "payee" and payee == payer)
            ):
                problems.append(f"{role} {person} is not on the roster")
        minutes = _minutes(minutes_cell)
        if minutes is None:
            problems.append(
                f"minutes must be a whole number from 1 to {MAX_ROW_MINUTES}, not '{minutes_cell}'"
            )
        if problems or minutes is None:
            errors.append(RowError(row_number, "; ".join(problems)))
            continue
        _add(totals, payer, payee, minutes)
    return _pairs(totals), errors
