"""Network measures (coproduce.impact.network) and ``coproduce impact network``."""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from zoneinfo import ZoneInfo

import networkx as nx
import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from hypothesis import given
from hypothesis import strategies as st

from coproduce.impact.network import (
    DirectedPair,
    NetworkError,
    TieArrays,
    aggregate,
    earliest_per_tie,
    ei_index,
    measures,
    new_ties_per_quarter,
    pair_totals,
    roster_from_csv,
    ties_per_quarter,
    transfers_from_csv,
)

# Seven people in two areas; g is on the roster but never trades.
ROSTER = {
    "a": "north",
    "b": "north",
    "e": "north",
    "c": "south",
    "d": "south",
    "f": "south",
    "g": "south",
}
# Two components, {a, b, c} and {d, e, f}. Ties, each counted once:
#   a-b  both ways (reciprocated)  north-north  I
#   b-c  one way                   north-south  E
#   d-e  one way                   south-north  E
#   f-d  one way                   south-south  I
#   e-f  one way                   north-south  E
# E = 3, I = 2: E-I = (3 - 2) / (3 + 2) = 0.2.
ROWS = [
    ("a", "b", 60),
    ("b", "a", 30),
    ("a", "b", 60),
    ("b", "c", 45),
    ("d", "e", 90),
    ("f", "d", 20),
    ("e", "f", 10),
]
# 7 transfers, 60 + 30 + 60 + 45 + 90 + 20 + 10 = 315 minutes, among 6 active people.
# Paid and were paid: a, b, d, e, f (c was only paid): 5/6 = 0.83333… → 0.8333.
# Per active person: 7/6 = 1.16666… → 1.1667 exchanges, 315/6 = 52.5 minutes.
WITH_ROSTER = {
    "people": 7,
    "active": 6,
    "transfers": 7,
    "minutes": 315,
    "ties": 5,
    "reciprocated_ties": 1,
    "give_and_receive_share": 0.8333,
    "isolated": 1,
    "components": 2,
    "largest_component": 3,
    "ei_index": 0.2,
    "exchanges_per_active": 1.1667,
    "minutes_per_active": 52.5,
}
WITHOUT_ROSTER = {**WITH_ROSTER, "people": 6, "isolated": 0, "ei_index": None}


def _csv(path: Path, header: str, rows: Sequence[tuple[object, ...]]) -> Path:
    path.write_text(
        "\n".join([header, *(",".join(str(cell) for cell in row) for row in rows)]) + "\n",
        encoding="utf-8",
    )
    return path


def _run(*args: str) -> str:
    out = io.StringIO()
    call_command("impact", "network", *args, stdout=out)
    return out.getvalue()


# The core


def test_measures_of_the_worked_example_with_a_roster() -> None:
    result = measures(aggregate(ROWS), ROSTER)
    assert result.as_json() == WITH_ROSTER
    assert list(result.as_json())[:3] == ["people", "active", "transfers"]
    assert result.give_and_receive_share == Decimal("0.8333")
    assert result.ei_index == Decimal("0.2000")


def test_measures_without_a_roster_count_the_people_in_the_transfers() -> None:
    assert measures(aggregate(ROWS)).as_json() == WITHOUT_ROSTER


def test_ei_index_between_staff_and_members() -> None:
    # Staff a and b. a-b staff-staff I; b-c E; d-e, f-d, e-f member-member I.
    # E = 1, I = 4: (1 - 4) / 5 = -0.6.
    staff_or_member = {person: "member" for person in ROSTER} | {"a": "staff", "b": "staff"}
    assert ei_index(aggregate(ROWS), staff_or_member) == Decimal("-0.6000")


def test_ei_index_is_none_without_ties() -> None:
    assert measures([], {"a": "north"}).ei_index is None
    assert ei_index([], {}) is None


def test_aggregate_adds_up_each_ordered_pair() -> None:
    pairs = sorted(aggregate(ROWS), key=lambda pair: (pair.payer, pair.payee))
    assert pairs[:2] == [
        DirectedPair(payer="a", payee="b", transfers=2, minutes=120),  # 60 + 60
        DirectedPair(payer="b", payee="a", transfers=1, minutes=30),
    ]
    assert len(pairs) == 6


def test_aggregate_refuses_a_self_payment() -> None:
    with pytest.raises(NetworkError, match=r"^a person cannot pay themselves \(a\)$"):
        aggregate([("a", "b", 5), ("a", "a", 5)])


def test_measures_refuse_a_pair_paying_itself_or_carrying_nothing() -> None:
    with pytest.raises(NetworkError, match=r"^a person cannot pay themselves \(x\)$"):
        measures([DirectedPair("x", "x", 1, 5)])
    with pytest.raises(NetworkError, match="at least one transfer and one minute"):
        measures([DirectedPair("x", "y", 0, 5)])


def test_measures_refuse_people_off_the_roster() -> None:
    with pytest.raises(
        NetworkError,
        match=r"^2 people are in the transfers but not on the roster: c, f$",
    ):
        measures(aggregate(ROWS), {p: g for p, g in ROSTER.items() if p not in {"c", "f"}})


def test_duplicate_pairs_are_added_together() -> None:
    # The same seven transfers, one DirectedPair each: the same measures as aggregated.
    one_each = [DirectedPair(payer, payee, 1, minutes) for payer, payee, minutes in ROWS]
    assert measures(one_each, ROSTER) == measures(aggregate(ROWS), ROSTER)


def test_nothing_active() -> None:
    assert measures([], {"a": "north", "b": "south"}).as_json() == {
        "people": 2,
        "active": 0,
        "transfers": 0,
        "minutes": 0,
        "ties": 0,
        "reciprocated_ties": 0,
        "give_and_receive_share": None,
        "isolated": 2,
        "components": 0,
        "largest_component": 0,
        "ei_index": None,
        "exchanges_per_active": None,
        "minutes_per_active": None,
    }


def test_ratios_round_half_up() -> None:
    # 16 separate pairs, 32 people; 15 transfers of 1 minute and one of 2: 17 minutes.
    # 17 / 32 = 0.53125 → 0.5313 half-up (half-even would give 0.5312).
    pairs = [DirectedPair(f"p{2 * i}", f"p{2 * i + 1}", 1, 2 if i == 0 else 1) for i in range(16)]
    result = measures(pairs)
    assert (result.active, result.components, result.largest_component) == (32, 16, 2)
    assert result.minutes_per_active == Decimal("0.5313")
    assert result.exchanges_per_active == Decimal("0.5000")  # 16 / 32
    assert result.give_and_receive_share == Decimal("0.0000")  # nobody both pays and is paid


def test_new_ties_per_quarter() -> None:
    dated = [
        (date(2026, 1, 15), "a", "b"),
        (date(2025, 12, 31), "b", "a"),  # the a-b tie began in 2025-Q4, the other way round
        (date(2026, 3, 31), "c", "d"),
        (date(2026, 4, 1), "d", "c"),  # not new: c-d already existed
        (date(2026, 8, 1), "e", "f"),
    ]
    assert new_ties_per_quarter(dated) == {
        "2025-Q4": 1,
        "2026-Q1": 1,
        "2026-Q2": 0,
        "2026-Q3": 1,
    }
    assert list(new_ties_per_quarter(dated)) == ["2025-Q4", "2026-Q1", "2026-Q2", "2026-Q3"]


def test_new_ties_per_quarter_empty_and_self() -> None:
    assert new_ties_per_quarter([]) == {}
    with pytest.raises(NetworkError, match=r"cannot pay themselves \(a\)"):
        new_ties_per_quarter([(date(2026, 1, 1), "a", "a")])


PEOPLE = [f"p{i}" for i in range(8)]
transfer_rows = st.lists(
    st.tuples(st.sampled_from(PEOPLE), st.sampled_from(PEOPLE), st.integers(1, 600)).filter(
        lambda row: row[0] != row[1]
    ),
    max_size=40,
)


@given(rows=transfer_rows, data=st.data())
def test_measures_hold_their_invariants(
    rows: list[tuple[str, str, int]], data: st.DataObject
) -> None:
    roster = {person: data.draw(st.sampled_from(["north", "south"])) for person in PEOPLE}
    result = measures(aggregate(rows), roster)
    assert result.ties >= result.reciprocated_ties
    assert result.components <= result.active
    # Nobody pays themselves, so every component holds at least two people, and a
    # component of n people needs at least n - 1 ties.
    assert 2 * result.components <= result.active
    assert result.ties >= result.active - result.components
    assert result.largest_component <= result.active
    assert result.people == result.active + result.isolated == len(PEOPLE)
    assert result.transfers == len(rows)
    assert result.minutes == sum(minutes for _, _, minutes in rows)
    share = result.give_and_receive_share
    assert share is None if result.active == 0 else share is not None and 0 <= share <= 1
    ei = result.ei_index
    assert ei is None if result.ties == 0 else ei is not None and -1 <= ei <= 1

    shuffled = data.draw(st.permutations(rows))
    assert measures(aggregate(shuffled), roster) == result


@given(rows=transfer_rows, data=st.data())
def test_measures_agree_with_networkx_on_the_tie_graph(
    rows: list[tuple[str, str, int]], data: st.DataObject
) -> None:
    # The arrays and igraph against the definitions, counted the slow way.
    roster = {person: data.draw(st.sampled_from(["north", "south"])) for person in PEOPLE}
    result = measures(aggregate(rows), roster)
    directed = {(payer, payee) for payer, payee, _ in rows}
    graph = nx.Graph()
    graph.add_edges_from(directed)
    components = [len(component) for component in nx.connected_components(graph)]
    payers = {payer for payer, _ in directed}
    payees = {payee for _, payee in directed}
    internal = sum(1 for a, b in graph.edges if roster[a] == roster[b])
    assert result.ties == graph.number_of_edges()
    assert result.reciprocated_ties == len(directed) - graph.number_of_edges()
    assert result.components == len(components)
    assert result.largest_component == max(components, default=0)
    assert result.active == len(payers | payees)
    if result.active:
        share = Fraction(len(payers & payees), len(payers | payees))
        assert abs(Fraction(result.give_and_receive_share or 0) - share) <= Fraction(1, 20000)
    if result.ties:
        ei = Fraction(graph.number_of_edges() - 2 * internal, graph.number_of_edges())
        assert abs(Fraction(result.ei_index or 0) - ei) <= Fraction(1, 20000)


def _numbers(values: list[int]) -> np.ndarray:
    return np.array(values, dtype=np.int64)


def test_tie_arrays_count_each_tie_once_and_refuse_a_self_payment() -> None:
    # 0 → 1 twice and 1 → 0: one reciprocated tie; 2 → 0: another.
    ties = TieArrays.of(_numbers([0, 0, 1, 2]), _numbers([1, 1, 0, 0]))
    assert (ties.tie_low.tolist(), ties.tie_high.tolist(), ties.directed) == ([0, 0], [1, 2], 3)
    assert (ties.payers.tolist(), ties.payees.tolist()) == ([0, 1, 2], [0, 1])
    assert ties.ei_index(_numbers([7, 7, 8])) == Decimal("0.0000")  # 0-1 I, 0-2 E
    with pytest.raises(NetworkError, match=r"^a person cannot pay themselves$"):
        TieArrays.of(_numbers([0, 3]), _numbers([1, 3]))


def test_pair_totals_add_up_each_ordered_pair_in_order() -> None:
    payers, payees, counts, minutes = pair_totals(
        _numbers([2, 0, 2, 0, 1]), _numbers([0, 1, 0, 1, 0]), _numbers([5, 60, 7, 30, 1])
    )
    assert [payers.tolist(), payees.tolist(), counts.tolist(), minutes.tolist()] == [
        [0, 1, 2],
        [1, 0, 0],
        [2, 1, 2],
        [90, 1, 12],
    ]
    empty = pair_totals(_numbers([]), _numbers([]), _numbers([]))
    assert [part.tolist() for part in empty] == [[], [], [], []]


def test_earliest_per_tie_takes_either_direction() -> None:
    first = earliest_per_tie(_numbers([0, 1, 2, 0]), _numbers([1, 0, 0, 2]), _numbers([9, 4, 6, 8]))
    assert sorted(first.tolist()) == [4, 6]  # 0-1 first at 4 (1 → 0), 0-2 at 6
    assert earliest_per_tie(_numbers([]), _numbers([]), _numbers([])).tolist() == []


def _seconds(year: int, month: int, day: int, hour: int, minute: int = 0) -> int:
    return int(datetime(year, month, day, hour, minute, tzinfo=UTC).timestamp())


def test_ties_per_quarter_dates_each_instant_in_the_zone() -> None:
    london = ZoneInfo("Europe/London")
    instants = _numbers(
        [
            _seconds(2025, 12, 31, 23, 30),  # GMT: still 2025-Q4
            _seconds(2026, 3, 31, 23, 30),  # BST: 1 April, Q2
            _seconds(2026, 6, 30, 23, 30),  # BST: 1 July, Q3
            _seconds(2026, 9, 30, 22, 59),  # BST: 23:59 on 30 September, Q3
        ]
    )
    assert ties_per_quarter(instants, london) == {
        "2025-Q4": 1,
        "2026-Q1": 0,
        "2026-Q2": 1,
        "2026-Q3": 2,
    }
    assert ties_per_quarter(instants, UTC) == {
        "2025-Q4": 1,
        "2026-Q1": 1,
        "2026-Q2": 1,
        "2026-Q3": 1,
    }
    assert ties_per_quarter(_numbers([]), london) == {}


def test_ties_per_quarter_dates_an_instant_on_the_day_the_clocks_change() -> None:
    # British Summer Time began at 01:00 UTC on Sunday 31 March 2024: at 00:30 UTC it was
    # 00:30 on the 31st (Q1), at 23:30 UTC already 00:30 on 1 April (Q2).
    london = ZoneInfo("Europe/London")
    instants = _numbers([_seconds(2024, 3, 31, 0, 30), _seconds(2024, 3, 31, 23, 30)])
    assert ties_per_quarter(instants, london) == {"2024-Q1": 1, "2024-Q2": 1}


ZONES = ["Europe/London", "America/Sao_Paulo", "Australia/Lord_Howe", "Asia/Kathmandu", "UTC"]


@given(
    instants=st.lists(st.integers(_seconds(2009, 1, 1, 0), _seconds(2031, 1, 1, 0)), max_size=30),
    zone=st.sampled_from(ZONES),
)
def test_ties_per_quarter_is_new_ties_per_quarter_of_the_local_dates(
    instants: list[int], zone: str
) -> None:
    # São Paulo moved its clocks at midnight until 2019, Lord Howe by half an hour, and
    # Kathmandu is 5:45 ahead: the day-by-day offsets must still date every instant as
    # timezone.localdate would.
    tz = ZoneInfo(zone)
    dated = [
        (datetime.fromtimestamp(t, tz).date(), f"a{n}", f"b{n}") for n, t in enumerate(instants)
    ]
    assert ties_per_quarter(_numbers(instants), tz) == new_ties_per_quarter(dated)


# The CSV readers and the command


def test_command_json_with_a_roster(tmp_path: Path) -> None:
    transfers = _csv(tmp_path / "t.csv", "payer,payee,minutes", ROWS)
    people = _csv(tmp_path / "p.csv", "person,group", list(ROSTER.items()))
    out = _run("--transfers", str(transfers), "--people", str(people), "--json")
    assert json.loads(out) == WITH_ROSTER


def test_command_json_without_a_roster(tmp_path: Path) -> None:
    transfers = _csv(tmp_path / "t.csv", "payer,payee,minutes", ROWS)
    assert json.loads(_run("--transfers", str(transfers), "--json")) == WITHOUT_ROSTER


def test_command_plain_prints_one_line_per_measure(tmp_path: Path) -> None:
    transfers = _csv(tmp_path / "t.csv", "payer,payee,minutes", ROWS)
    lines = _run("--transfers", str(transfers)).splitlines()
    assert len(lines) == len(WITHOUT_ROSTER)
    assert lines[0] == "people: 6"
    assert "minutes: 315 (5:15 hours)" in lines
    assert "ei_index: —" in lines
    assert "give_and_receive_share: 0.8333" in lines


def test_header_may_carry_a_bom_and_spaces_and_blank_rows_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("\ufeff payer , payee,minutes \n\nx,y,5\n y , x ,7\n", encoding="utf-8")
    printed = json.loads(_run("--transfers", str(path), "--json"))
    assert (printed["people"], printed["ties"], printed["reciprocated_ties"]) == (2, 1, 1)
    assert printed["minutes"] == 12


def test_a_self_payment_is_refused_naming_the_row(tmp_path: Path) -> None:
    transfers = _csv(
        tmp_path / "t.csv", "payer,payee,minutes", [("a", "b", 5), ("b", "c", 5), ("p1", "p1", 5)]
    )
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("impact", "network", "--transfers", str(transfers), stdout=out)
    assert str(caught.value) == (
        f"1 bad row; nothing measured.\n{transfers}: row 4: a person cannot pay themselves (p1)"
    )
    assert out.getvalue() == ""


def test_bad_minutes_and_empty_people_are_named(tmp_path: Path) -> None:
    transfers = _csv(
        tmp_path / "t.csv",
        "payer,payee,minutes",
        [("a", "b", 0), ("a", "b", "1.5"), ("a", "b", "-3"), ("", "b", "x"), ("a", "b", "\uff11")],
    )
    with pytest.raises(CommandError) as caught:
        _run("--transfers", str(transfers))
    lines = str(caught.value).splitlines()
    assert lines == [
        "5 bad rows; nothing measured.",
        f"{transfers}: row 2: minutes must be a whole number from 1 to 1000000000000, not '0'",
        f"{transfers}: row 3: minutes must be a whole number from 1 to 1000000000000, not '1.5'",
        f"{transfers}: row 4: minutes must be a whole number from 1 to 1000000000000, not '-3'",
        f"{transfers}: row 5: the payer is empty; "
        "minutes must be a whole number from 1 to 1000000000000, not 'x'",
        f"{transfers}: row 6: minutes must be a whole number from 1 to 1000000000000, not '\uff11'",
    ]


def test_a_wrong_header_is_refused(tmp_path: Path) -> None:
    transfers = _csv(tmp_path / "t.csv", "from,to,minutes", [("a", "b", 5)])
    with pytest.raises(CommandError) as caught:
        _run("--transfers", str(transfers))
    assert str(caught.value).splitlines()[1] == (
        f"{transfers}: row 1: the header must be exactly payer, payee, minutes; "
        "found from, to, minutes"
    )


def test_a_person_off_the_roster_is_refused_naming_the_row(tmp_path: Path) -> None:
    transfers = _csv(tmp_path / "t.csv", "payer,payee,minutes", [*ROWS, ("a", "zed", 5)])
    people = _csv(tmp_path / "p.csv", "person,group", list(ROSTER.items()))
    with pytest.raises(CommandError) as caught:
        _run("--transfers", str(transfers), "--people", str(people), "--json")
    assert str(caught.value) == (
        f"1 bad row; nothing measured.\n{transfers}: row 9: payee zed is not on the roster"
    )


def test_a_person_twice_on_the_roster_is_refused(tmp_path: Path) -> None:
    transfers = _csv(tmp_path / "t.csv", "payer,payee,minutes", [("a", "zed", 5)])
    people = _csv(tmp_path / "p.csv", "person,group", [("a", "north"), ("b", ""), ("a", "south")])
    with pytest.raises(CommandError) as caught:
        _run("--transfers", str(transfers), "--people", str(people))
    # The roster did not read cleanly, so zed is not reported as off it.
    assert str(caught.value) == (
        "2 bad rows; nothing measured.\n"
        f"{people}: row 3: the group is empty\n"
        f"{people}: row 4: person a is listed twice (first on row 2)"
    )


def test_only_the_first_twenty_bad_rows_are_listed(tmp_path: Path) -> None:
    transfers = _csv(tmp_path / "t.csv", "payer,payee,minutes", [("a", "a", 1)] * 25)
    with pytest.raises(CommandError) as caught:
        _run("--transfers", str(transfers))
    lines = str(caught.value).splitlines()
    assert lines[0] == "25 bad rows; nothing measured."
    assert lines[1] == f"{transfers}: row 2: a person cannot pay themselves (a)"
    assert lines[20] == f"{transfers}: row 21: a person cannot pay themselves (a)"
    assert lines[21:] == ["… and 5 more"]


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"^cannot read .*missing\.csv: "):
        _run("--transfers", str(tmp_path / "missing.csv"))


def test_readers_report_an_empty_file_and_a_short_row() -> None:
    pairs, errors = transfers_from_csv([])
    assert pairs == []
    assert [str(error) for error in errors] == ["row 1: the file is empty: expected a header row"]
    pairs, errors = transfers_from_csv(["payer,payee,minutes", "a,b"])
    assert pairs == []
    assert [str(error) for error in errors] == ["row 2: expected 3 columns, found 2"]
    roster, errors = roster_from_csv([])
    assert roster == {}
    assert [str(error) for error in errors] == ["row 1: the file is empty: expected a header row"]
