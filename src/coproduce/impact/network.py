"""Network-building measures of a time bank, from who paid whom.

The core takes *aggregated directed pairs* — one ``DirectedPair`` per ordered (payer, payee)
with how many transfers and minutes went that way — and the CSV path (``coproduce impact
network``) aggregates with ``transfers_from_csv``. A county's ledger reaches the measures as
numpy arrays instead (``TieArrays``, from ``impact.selectors.network``): two million
transfers are two million ordered pairs when nearly every one is between strangers, too many
to hold as Python objects in the time a report has.

A *tie* is an unordered pair {a, b} with at least one transfer either way; it is
*reciprocated* when both directions carry one. Components are those of the undirected tie
graph (igraph); every active person is on at least one tie, because nobody pays themselves.
The E-I index is (E - I)/(E + I) over ties, each counted once: E ties join people of
different groups (areas, or staff and members), I ties people of the same group. With a
roster, the roster is the whole population: a person in the transfers who is not on it is an
error, not a guess. Ratios are exact fractions rounded once, half-up, to 4 places.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import igraph
import numpy as np
import numpy.typing as npt

from coproduce.framework.rows import RowError as RowError
from coproduce.framework.rows import csv_with_header, data_rows

TRANSFER_COLUMNS = ["payer", "payee", "minutes"]
PEOPLE_COLUMNS = ["person", "group"]
# The time bank's hard maximum for one transfer (timebank.models.HARD_MAX_TRANSFER): a row
# above it is a typo, not a transfer.
MAX_ROW_MINUTES = 10**12
_FOUR_PLACES = Decimal("0.0001")
_DAY = 24 * 3600
_EPOCH = date(1970, 1, 1)
# A pair of person numbers is one int64, payer * size + payee.
_MAX_NUMBERS = 2**31
Numbers = npt.NDArray[np.int64]


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


def _starts(ordered: Numbers) -> Numbers:
    """Where each run of equal values begins in an ascending array."""
    new = np.ones(ordered.size, dtype=bool)
    np.not_equal(ordered[1:], ordered[:-1], out=new[1:])
    return np.flatnonzero(new)


def distinct(values: Numbers) -> Numbers:
    """The distinct values, ascending. (numpy 2's ``np.unique`` without an inverse hashes:
    seconds on two million int64s, where this sort takes milliseconds.)"""
    ordered = np.sort(values)
    return ordered[_starts(ordered)]


def _pair_size(payer: Numbers, payee: Numbers) -> int:
    """How many person numbers the pairs use, so that ``a * size + b`` is one pair."""
    size = int(max(payer.max(), payee.max())) + 1 if payer.size else 1
    if size > _MAX_NUMBERS:
        raise ValueError(f"at most {_MAX_NUMBERS} people, not {size}")
    return size


def earliest_per_tie(payer: Numbers, payee: Numbers, times: Numbers) -> Numbers:
    """The smallest of ``times`` among each tie's transfers (one per payer, payee), a value
    per tie in no particular order."""
    size = _pair_size(payer, payee)
    ties = np.minimum(payer, payee) * size + np.maximum(payer, payee)
    order = np.argsort(ties)
    ties = ties[order]
    return np.minimum.reduceat(times[order], _starts(ties)) if ties.size else ties


def pair_totals(
    payer: Numbers, payee: Numbers, minutes: Numbers
) -> tuple[Numbers, Numbers, Numbers, Numbers]:
    """Transfers → one element per ordered (payer, payee), in order of payer then payee: the
    payer, the payee, how many transfers and their minutes (int64: a pair's minutes stay
    under 2**63)."""
    size = _pair_size(payer, payee)
    keys = payer * size + payee
    order = np.argsort(keys)
    keys = keys[order]
    starts = _starts(keys)
    counts = np.diff(np.append(starts, keys.size))
    totals = np.add.reduceat(minutes[order], starts) if keys.size else keys
    payers, payees = np.divmod(keys[starts], size)
    return payers, payees, counts, totals


@dataclass(frozen=True)
class TieArrays:
    """A network's ordered pairs as arrays of person numbers (0, 1, …; what each number
    stands for is the caller's): the distinct payers and payees, each tie once as its lower
    and higher number, and how many distinct ordered pairs there are."""

    payers: Numbers
    payees: Numbers
    tie_low: Numbers
    tie_high: Numbers
    directed: int

    @classmethod
    def of(cls, payer: Numbers, payee: Numbers) -> TieArrays:
        """From a payer and a payee per transfer, or per pair (a pair repeated is one pair).
        Nobody pays themselves: the caller has refused that, naming the person."""
        if payer.shape != payee.shape:
            raise ValueError("a payer and a payee for each transfer")
        if np.any(payer == payee):
            raise NetworkError("a person cannot pay themselves")
        size = _pair_size(payer, payee)
        # An ordered pair as one int64, payer first: the sorted keys are sorted by payer.
        directed = distinct(payer * size + payee)
        payer, payee = np.divmod(directed, size)
        ties = distinct(np.minimum(payer, payee) * size + np.maximum(payer, payee))
        low, high = np.divmod(ties, size)
        return cls(
            payers=payer[_starts(payer)],
            payees=distinct(payee),
            tie_low=low,
            tie_high=high,
            directed=int(directed.size),
        )

    def ei_index(self, groups: Numbers) -> Decimal | None:
        """The E-I index of the ties when person number ``n`` is in group ``groups[n]`` (any
        integer standing for a group)."""
        internal = int(np.count_nonzero(groups[self.tie_low] == groups[self.tie_high]))
        external = int(self.tie_low.size) - internal
        return _ratio(external - internal, external + internal)

    def _component_sizes(self, active: Numbers) -> list[int]:
        vertex = np.full(int(active[-1]) + 1 if active.size else 0, -1, dtype=np.int64)
        vertex[active] = np.arange(active.size)
        # python-igraph's wheels read an edge list pair by pair (the limited C API): pairs of
        # Python ints go in faster than the rows of a numpy array.
        graph = igraph.Graph(
            n=int(active.size),
            edges=zip(vertex[self.tie_low].tolist(), vertex[self.tie_high].tolist(), strict=True),
        )
        sizes: list[int] = graph.connected_components().sizes()
        return sizes

    def measures(
        self,
        *,
        transfers: int,
        minutes: int,
        people: int | None = None,
        groups: Numbers | None = None,
    ) -> NetworkMeasures:
        """``people``: the roster's size (everyone, active or not), or None for no roster;
        ``groups``: each person number's group, for the E-I index, with a roster."""
        active = distinct(np.concatenate([self.payers, self.payees]))
        both = int(np.intersect1d(self.payers, self.payees, assume_unique=True).size)
        sizes = self._component_sizes(active)
        count = int(active.size)
        if people is None:
            people, isolated, ei = count, 0, None
        else:
            isolated = people - count
            ei = self.ei_index(groups) if groups is not None else None
        return NetworkMeasures(
            people=people,
            active=count,
            transfers=transfers,
            minutes=minutes,
            ties=int(self.tie_low.size),
            # A tie is one directed pair, or two when reciprocated.
            reciprocated_ties=self.directed - int(self.tie_low.size),
            give_and_receive_share=_ratio(both, count),
            isolated=isolated,
            components=len(sizes),
            largest_component=max(sizes, default=0),
            ei_index=ei,
            exchanges_per_active=_ratio(transfers, count),
            minutes_per_active=_ratio(minutes, count),
        )


def _numbered(
    directed: set[tuple[str, str]], groups: Mapping[str, str] | None
) -> tuple[TieArrays, Numbers | None]:
    """The pairs as ``TieArrays``, and with ``groups`` each person number's group as a
    number. Every person in the pairs must have a group."""
    people = sorted({person for pair in directed for person in pair})
    if groups is not None:
        _unplaced(people, groups)
    number = {person: n for n, person in enumerate(people)}
    pairs = list(directed)
    payer = np.fromiter((number[a] for a, _ in pairs), dtype=np.int64, count=len(pairs))
    payee = np.fromiter((number[b] for _, b in pairs), dtype=np.int64, count=len(pairs))
    if groups is None:
        return TieArrays.of(payer, payee), None
    codes: dict[str, int] = {}
    group_numbers = np.fromiter(
        (codes.setdefault(groups[person], len(codes)) for person in people),
        dtype=np.int64,
        count=len(people),
    )
    return TieArrays.of(payer, payee), group_numbers


def ei_index(pairs: Iterable[DirectedPair], groups: Mapping[str, str]) -> Decimal | None:
    """The E-I index of the ties under one grouping (e.g. staff and members, when
    ``measures`` was given areas). Every person in ``pairs`` must have a group."""
    directed, _, _ = _directed(pairs)
    ties, group_numbers = _numbered(directed, groups)
    assert group_numbers is not None
    return ties.ei_index(group_numbers)


def measures(
    pairs: Iterable[DirectedPair], roster: Mapping[str, str] | None = None
) -> NetworkMeasures:
    """The network measures of aggregated directed pairs (duplicates of one ordered pair are
    added together). ``roster`` maps every person — active or not — to their group."""
    directed, transfers, minutes = _directed(pairs)
    ties, group_numbers = _numbered(directed, roster)
    return ties.measures(
        transfers=transfers,
        minutes=minutes,
        people=None if roster is None else len(roster),
        groups=group_numbers,
    )


def _quarter(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def _quarter_series(counts: Mapping[tuple[int, int], int]) -> dict[str, int]:
    """``{(year, quarter): n}`` → ``{"2026-Q1": n, ...}`` in order, with a zero for every
    quarter between the first and the last."""
    if not counts:
        return {}
    (year, number), last = min(counts), max(counts)
    series: dict[str, int] = {}
    while (year, number) <= last:
        series[f"{year}-Q{number}"] = counts.get((year, number), 0)
        year, number = (year + 1, 1) if number == 4 else (year, number + 1)
    return series


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
    return _quarter_series(counts)


def _offset(instant: int, zone: tzinfo) -> int:
    offset = datetime.fromtimestamp(instant, zone).utcoffset()
    return int(offset.total_seconds()) if offset is not None else 0


def _local_days(instants: Numbers, zone: tzinfo) -> Numbers:
    """Each instant's date in ``zone`` (``timezone.localdate``), as days since 1 January 1970.
    The zone's offset from UTC is looked up once for each UTC day from the first instant's to
    the last's, and instant by instant on a day whose clocks change (its offset at 00:00:00
    and at 23:59:59 differ): no zone changes its clocks twice in one day."""
    first_day = int(instants.min()) // _DAY
    day = instants // _DAY - first_day
    offsets = np.empty(int(day.max()) + 1, dtype=np.int64)
    changing: list[int] = []
    for n in range(offsets.size):
        midnight = (first_day + n) * _DAY
        offsets[n] = _offset(midnight, zone)
        if _offset(midnight + _DAY - 1, zone) != offsets[n]:
            changing.append(n)
    local = instants + offsets[day]
    if changing:
        on_changing_day = np.zeros(offsets.size, dtype=bool)
        on_changing_day[changing] = True
        rows = np.flatnonzero(on_changing_day[day])
        local[rows] = [instant + _offset(instant, zone) for instant in instants[rows].tolist()]
    return local // _DAY


def ties_per_quarter(first_instants: Numbers, zone: tzinfo) -> dict[str, int]:
    """``new_ties_per_quarter`` from each new tie's first transfer as whole seconds since
    1970 (UTC), one per tie, dated in ``zone``."""
    if not first_instants.size:
        return {}
    days = _local_days(first_instants, zone)
    first_day = int(days.min())
    counts: dict[tuple[int, int], int] = {}
    # Counted by day, in numpy; the few thousand days are dated one by one.
    for n, count in enumerate(np.bincount(days - first_day).tolist()):
        if count:
            quarter = _quarter(_EPOCH + timedelta(days=first_day + n))
            counts[quarter] = counts.get(quarter, 0) + count
    return _quarter_series(counts)


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
