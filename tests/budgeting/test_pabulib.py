"""Tests for coproduce.budgeting.pabulib: parsing, writing and every malformed-input error."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from coproduce.budgeting.pabulib import (
    Ballot,
    Election,
    PabulibError,
    Project,
    dump,
    dumps,
    format_number,
    load,
    loads,
    parse_number,
)
from coproduce.budgeting.rules import greedy, method_of_equal_shares

DATA = Path(__file__).parent / "data"
WARSAW = DATA / "poland_warszawa_2023_bemowo_example.pb"

SMALL = """META
key;value
description;Example election
num_projects;3
num_votes;4
budget;100000
vote_type;approval
PROJECTS
project_id;name;cost
1;Project 1;5000
2;Project 2;10000
3;Project 3;85000
VOTES
voter_id;vote
1;1,2
2;1
3;3
4;1,2,3
"""


# --------------------------------------------------------------------------------------------
# A pabulib file in the layout of the Polish (Warsaw) files
# --------------------------------------------------------------------------------------------


def test_warsaw_layout_file_parses() -> None:
    election = load(WARSAW)
    assert election.meta["country"] == "Poland"
    assert election.meta["unit"] == "Warszawa"
    assert election.meta["rule"] == "greedy"
    assert election.meta["min_length"] == "1"
    assert election.meta["max_length"] == "10"
    assert election.budget == 1_500_000
    assert election.vote_type == "approval"
    assert len(election.projects) == int(election.meta["num_projects"]) == 8
    assert len(election.votes) == int(election.meta["num_votes"]) == 30
    bikes = election.projects["2"]
    assert bikes.name == "Rowerowy Bemowo; nowe stojaki i naprawialnia"  # quoted ';'
    assert bikes.cost == 450_000
    assert bikes.extra["category"] == "public transit and roads"
    assert election.projects["1"].name == "Park kieszonkowy przy ul. Powstańców Śląskich"
    first = election.votes[0]
    assert first == Ballot(
        "1000", ("1", "3", "4"), None, {"age": "34", "sex": "F", "voting_method": "internet"}
    )
    assert election.project_columns == (
        "project_id",
        "cost",
        "votes",
        "name",
        "category",
        "target",
        "selected",
    )


def test_warsaw_layout_tally_and_greedy_match_the_file() -> None:
    election = load(WARSAW)
    # The file's own "votes" and "selected" columns (rule: greedy) agree with our count.
    assert election.tally() == {pid: int(p.extra["votes"]) for pid, p in election.projects.items()}
    assert election.tally() == {
        "1": 11,
        "2": 8,
        "3": 8,
        "4": 10,
        "5": 7,
        "6": 5,
        "7": 7,
        "8": 7,
    }
    result = greedy(election.to_instance())
    # 1 (11 votes, 600k), 4 (10, 250k), 2 (8, 450k): 1.3M; 3 (8 votes, 300k) does not fit in
    # 200k; 5 (7 votes, 200k) fits exactly. "2" beats "3" on the tie at 8 votes.
    assert result.selected == ["1", "4", "2", "5"]
    assert set(result.selected) == {
        pid for pid, p in election.projects.items() if p.extra["selected"] == "1"
    }
    assert result.spent == 1_500_000


def test_warsaw_layout_mes() -> None:
    result = method_of_equal_shares(load(WARSAW).to_instance())
    assert result.selected == ["1", "5", "8", "6", "4"]
    assert result.add1_steps == 14096
    assert result.per_voter_budget == 64096


def test_warsaw_layout_tally_matches_pabutools_parser() -> None:
    pytest.importorskip("pabutools", reason="pabutools (test oracle) is not installed")
    from pabutools.election import parse_pabulib

    instance, profile = parse_pabulib(str(WARSAW))
    ours = load(WARSAW)
    assert {p.name: profile.approval_score(p) for p in instance} == ours.tally()
    assert {p.name: p.cost for p in instance} == {k: p.cost for k, p in ours.projects.items()}
    assert instance.budget_limit == ours.budget


def test_canonical_text_round_trips_byte_for_byte() -> None:
    text = WARSAW.read_text(encoding="utf-8")
    assert dumps(loads(text)) == text
    assert dumps(loads(SMALL)) == SMALL


def test_bom_and_crlf(tmp_path: Path) -> None:
    text = WARSAW.read_text(encoding="utf-8")
    crlf = "\ufeff" + text.replace("\n", "\r\n")
    assert loads(crlf) == loads(text)
    path = tmp_path / "bom.pb"
    path.write_bytes(crlf.encode("utf-8"))  # BOM + CRLF on disk, as some exports are
    assert load(path) == loads(text)
    dump(load(path), tmp_path / "out.pb")
    assert (tmp_path / "out.pb").read_text(encoding="utf-8") == text


def test_quoted_semicolons_and_quotes_in_meta() -> None:
    text = SMALL.replace(
        "description;Example election", 'description;"Budget; 2024 ""final"" round"'
    )
    election = loads(text)
    assert election.meta["description"] == 'Budget; 2024 "final" round'
    assert dumps(election) == text


def test_cumulative_ballots_with_points() -> None:
    text = """META
key;value
budget;30
vote_type;cumulative
max_sum_points;5
PROJECTS
project_id;cost
a;20
b;10
c;10
VOTES
voter_id;vote;points
v1;a,b;3,2
v2;b;5
v3;c,a;4,1
v4;;
"""
    election = loads(text)
    assert election.votes[0].points == (3, 2)
    assert election.votes[3] == Ballot("v4", (), (), {})
    assert election.points_tally() == {"a": 4, "b": 7, "c": 4}
    assert election.tally() == {"a": 2, "b": 2, "c": 1}
    instance = election.to_instance()
    assert instance.points is not None
    # By points: b (7), then a and c tie at 4 -> "a" first: b + a = 30.
    assert greedy(instance).selected == ["b", "a"]
    assert dumps(election) == text


def test_decimal_costs_and_thousands_separators() -> None:
    text = SMALL.replace("1;Project 1;5000", "1;Project 1;5000.50").replace(
        "budget;100000", "budget;1,000,000"
    )
    election = loads(text)
    assert election.projects["1"].cost == Fraction(10001, 2)
    assert election.budget == 1_000_000
    again = loads(dumps(election))
    assert again == election
    assert "1;Project 1;5000.5\n" in dumps(election)


def test_parse_and_format_numbers() -> None:
    assert parse_number("42") == 42
    assert parse_number(" 1,234,567.25 ") == Fraction(123456725, 100)
    assert parse_number("10.0") == 10
    assert format_number(Fraction(123456725, 100)) == "1234567.25"
    assert format_number(Fraction(1, 8)) == "0.125"
    assert format_number(7) == "7"
    with pytest.raises(ValueError, match="no finite decimal form"):
        format_number(Fraction(1, 3))
    with pytest.raises(PabulibError, match=r"^the value is ambiguous: '12,5'"):
        parse_number("12,5")
    with pytest.raises(PabulibError, match=r"^the value is not a number: '-5'$"):
        parse_number("-5")


@st.composite
def elections(draw: st.DrawFn) -> Election:
    text = st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=12
    ).map(str.strip)
    ident = st.from_regex(r"[A-Za-z0-9_-]{1,6}", fullmatch=True)
    meta_keys = st.from_regex(r"[a-z_]{1,10}", fullmatch=True).filter(
        lambda k: k not in ("budget", "vote_type", "meta", "projects", "votes", "key")
    )
    meta = {"budget": str(draw(st.integers(0, 10**9))), "vote_type": "approval"}
    meta |= draw(st.dictionaries(meta_keys, text, max_size=4))
    pids = draw(st.lists(ident, min_size=1, max_size=6, unique=True))
    extra_cols = draw(st.lists(st.sampled_from(["category", "target", "votes"]), unique=True))
    projects = {
        pid: Project(
            pid,
            draw(
                st.one_of(
                    st.integers(0, 10**7),
                    st.integers(1, 10**6).map(lambda x: Fraction(x, 100)),
                ).map(
                    lambda c: c.numerator if isinstance(c, Fraction) and c.denominator == 1 else c
                )
            ),
            draw(text),
            {col: draw(text) for col in extra_cols},
        )
        for pid in pids
    }
    voters = draw(st.lists(ident, max_size=6, unique=True))
    votes = [
        Ballot(
            vid,
            tuple(draw(st.lists(st.sampled_from(pids), unique=True, max_size=len(pids)))),
            None,
            {"age": draw(text)},
        )
        for vid in voters
    ]
    return Election(meta, projects, votes)


@settings(max_examples=150, deadline=None)
@given(elections())
def test_round_trip(election: Election) -> None:
    text = dumps(election)
    parsed = loads(text)
    assert parsed.meta == election.meta
    assert parsed.projects == election.projects
    assert parsed.votes == election.votes
    assert dumps(parsed) == text


# --------------------------------------------------------------------------------------------
# Malformed files: every error names the line and says what is wrong
# --------------------------------------------------------------------------------------------


def _error(text: str) -> str:
    with pytest.raises(PabulibError) as caught:
        loads(text)
    return str(caught.value)


def test_missing_sections() -> None:
    assert _error(SMALL.replace("META\n", "")) == (
        "line 1: expected a META, PROJECTS or VOTES section first"
    )
    without_projects = SMALL[: SMALL.index("PROJECTS")] + SMALL[SMALL.index("VOTES") :]
    assert _error(without_projects) == "missing PROJECTS section"
    assert _error(SMALL[: SMALL.index("VOTES")]) == "missing VOTES section"
    assert _error(SMALL + "META\n") == "line 19: second META section"


def test_missing_budget() -> None:
    assert _error(SMALL.replace("budget;100000\n", "")) == "line 1: META has no budget"


def test_bad_budget() -> None:
    assert _error(SMALL.replace("budget;100000", "budget;lots")) == (
        "line 6: the budget is not a number: 'lots'"
    )
    assert _error(SMALL.replace("budget;100000", "budget;100000,50")) == (
        "line 6: the budget is ambiguous: '100000,50' (use '.' for decimals and no thousands "
        "separators)"
    )


def test_missing_or_unknown_vote_type() -> None:
    assert _error(SMALL.replace("vote_type;approval\n", "")) == "line 1: META has no vote_type"
    assert _error(SMALL.replace("vote_type;approval", "vote_type;quadratic")) == (
        "line 7: unknown vote_type 'quadratic' (expected one of approval, choose-1, cumulative, "
        "scoring, ordinal)"
    )


def test_unknown_project_in_vote() -> None:
    assert _error(SMALL.replace("4;1,2,3", "4;1,2,p9")) == (
        "line 18: vote for unknown project 'p9'"
    )


def test_project_listed_twice_in_a_vote() -> None:
    assert _error(SMALL.replace("4;1,2,3", "4;1,2,1")) == (
        "line 18: voter '4' lists project '1' twice"
    )


def test_duplicate_project_id() -> None:
    assert _error(SMALL.replace("3;Project 3;85000", "2;Project 3;85000")) == (
        "line 12: duplicate project id '2'"
    )


def test_non_numeric_cost() -> None:
    assert _error(SMALL.replace("3;Project 3;85000", "3;Project 3;abc")) == (
        "line 12: the cost of project '3' is not a number: 'abc'"
    )
    assert _error(SMALL.replace("3;Project 3;85000", "3;Project 3;85000,50")) == (
        "line 12: the cost of project '3' is ambiguous: '85000,50' (use '.' for decimals and no "
        "thousands separators)"
    )


def test_points_length_mismatch() -> None:
    text = (
        SMALL.replace("vote_type;approval", "vote_type;cumulative")
        .replace("voter_id;vote", "voter_id;vote;points")
        .replace("1;1,2\n", "1;1,2;3,2\n")
        .replace("2;1\n", "2;1;5\n")
        .replace("3;3\n", "3;3;5\n")
        .replace("4;1,2,3\n", "4;1,2,3;1,4\n")
    )
    assert _error(text) == "line 18: voter '4' lists 3 projects but 2 points values"
    assert _error(text.replace("4;1,2,3;1,4", "4;1,2,3;1,x,2")) == (
        "line 18: voter '4' has non-integer points 'x'"
    )
    assert _error(text.replace("voter_id;vote;points", "voter_id;vote")) == (
        "line 14: cumulative ballots need a 'points' column"
    )


def test_duplicate_voter_id() -> None:
    assert _error(SMALL.replace("3;3\n", "2;3\n")) == "line 17: duplicate voter id '2'"


def test_wrong_number_of_fields() -> None:
    assert _error(SMALL.replace("2;1\n", "2;1;extra\n")) == (
        "line 16: VOTES line has 3 fields but the header has 2"
    )
    assert _error(SMALL.replace("description;Example election", "description;a;b")) == (
        "line 3: META lines need 2 fields (key;value), found 3; quote values that contain ';'"
    )


def test_bad_headers() -> None:
    assert _error(SMALL.replace("project_id;name;cost", "id;name;cost")) == (
        "line 9: PROJECTS header has no 'project_id' column"
    )
    assert _error(SMALL.replace("voter_id;vote", "voter_id;ballot")) == (
        "line 14: VOTES header has no 'vote' column"
    )
    assert _error(SMALL.replace("num_projects;3", "description;again")) == (
        "line 4: duplicate META key 'description'"
    )


def test_error_carries_line_and_message() -> None:
    with pytest.raises(PabulibError) as caught:
        loads(SMALL.replace("4;1,2,3", "4;1,2,p9"))
    assert caught.value.line == 18
    assert caught.value.message == "vote for unknown project 'p9'"
    assert isinstance(caught.value, ValueError)
