from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

# A hand-worked example: budget 10; greedy by votes takes a (3 votes, cost 6), skips b (2 votes,
# cost 5: only 4 left) and takes c (1 vote, cost 4). Without skipping, counting stops at b.
# With a threshold of 2 votes c is not eligible. Under Equal Shares each of the 3 voters holds
# 10/3: a's three supporters pay 2 each, then b's two supporters (voters 2 and 3) have 4/3
# each left, not enough for 5, and c's one supporter has 4/3 < 4. Raising every share (add1)
# funds b only once each holds 4.5, when a + b = 11 overspends, so {a} stays: pabulib's
# equalshares/add1 stops there. A greedy fill after it skips b (5 > 4 left) and adds c.
EXAMPLE = """META
key;value
description;hand-worked example
num_projects;3
num_votes;3
budget;10
vote_type;approval
PROJECTS
project_id;cost;name
a;6;Apple trees
b;5;Benches
c;4;Cycle racks
VOTES
voter_id;vote
1;a
2;a,b
3;a,b,c
"""


def _tally(tmp_path: Path, *args: str, text: str = EXAMPLE) -> str:
    path = tmp_path / "example.pb"
    path.write_text(text, encoding="utf-8")
    out = StringIO()
    call_command("budgeting", "tally", str(path), *args, stdout=out)
    return out.getvalue()


def test_tally_greedy_skips_what_does_not_fit(tmp_path: Path) -> None:
    assert _tally(tmp_path, "--rule", "greedy").split() == ["a", "c"]


def test_tally_greedy_no_skip_stops_at_the_first_misfit(tmp_path: Path) -> None:
    assert _tally(tmp_path, "--rule", "greedy-no-skip").split() == ["a"]


def test_tally_greedy_threshold_ignores_projects_below_it(tmp_path: Path) -> None:
    assert _tally(tmp_path, "--rule", "greedy-threshold", "--threshold", "2").split() == ["a"]


def test_tally_mes_is_add1_alone_and_mes_greedy_fills_what_is_left(tmp_path: Path) -> None:
    assert _tally(tmp_path, "--rule", "mes").split() == ["a"]
    assert _tally(tmp_path, "--rule", "equalshares/add1").split() == ["a"]
    assert _tally(tmp_path, "--rule", "equalshares").split() == ["a"]
    assert _tally(tmp_path, "--rule", "mes-greedy").split() == ["a", "c"]


def test_tally_uses_the_rule_the_file_names(tmp_path: Path) -> None:
    for rule, expected in [
        ("greedy", ["a", "c"]),
        ("greedy-no-skip", ["a"]),
        ("equalshares/add1", ["a"]),
    ]:
        text = EXAMPLE.replace("vote_type;approval\n", f"vote_type;approval\nrule;{rule}\n")
        assert _tally(tmp_path, text=text).split() == expected, rule
        payload = json.loads(_tally(tmp_path, "--json", text=text))
        assert payload["rule"] == rule


def test_tally_applies_the_files_threshold_to_every_greedy_rule(tmp_path: Path) -> None:
    text = EXAMPLE.replace(
        "vote_type;approval\n", "vote_type;approval\nrule;greedy\nmin_project_score_threshold;2\n"
    )
    assert _tally(tmp_path, text=text).split() == ["a"]
    assert _tally(tmp_path, "--rule", "greedy-threshold", text=text).split() == ["a"]
    assert _tally(tmp_path, "--threshold", "0", text=text).split() == ["a", "c"]
    # Budget 15: greedy-no-skip funds a and b; c (1 vote) would fit but is under the threshold.
    wider = text.replace("budget;10", "budget;15")
    assert _tally(tmp_path, "--rule", "greedy-no-skip", text=wider).split() == ["a", "b"]
    assert _tally(tmp_path, "--rule", "greedy-no-skip", "--threshold", "0", text=wider).split() == [
        "a",
        "b",
        "c",
    ]


def test_tally_refuses_a_file_that_names_no_rule_or_one_we_do_not_count(tmp_path: Path) -> None:
    with pytest.raises(
        CommandError, match=r"example\.pb: META names no rule: choose one with --rule$"
    ):
        _tally(tmp_path)
    text = EXAMPLE.replace("vote_type;approval\n", "vote_type;approval\nrule;greedy-custom\n")
    with pytest.raises(
        CommandError, match=r"example\.pb: line 8: the file's rule 'greedy-custom' cannot be"
    ):
        _tally(tmp_path, text=text)
    assert _tally(tmp_path, "--rule", "greedy", text=text).split() == ["a", "c"]


def test_tally_greedy_threshold_needs_a_threshold(tmp_path: Path) -> None:
    with pytest.raises(
        CommandError,
        match=r"greedy-threshold needs min_project_score_threshold in META \(or --threshold\)$",
    ):
        _tally(tmp_path, "--rule", "greedy-threshold")


def test_tally_refuses_a_project_listed_twice_on_a_ballot(tmp_path: Path) -> None:
    broken = EXAMPLE.replace("3;a,b,c", "3;a,b,a")
    with pytest.raises(
        CommandError, match=r"example\.pb: line 17: voter '3' lists project 'a' twice$"
    ):
        _tally(tmp_path, "--rule", "mes", text=broken)


def test_tally_writes_amounts_in_the_files_currency(tmp_path: Path) -> None:
    text = EXAMPLE.replace("vote_type;approval\n", "vote_type;approval\ncurrency;PLN\n")
    payload = json.loads(_tally(tmp_path, "--rule", "greedy", "--json", text=text))
    assert payload["spent_text"] == "10 PLN"
    assert payload["explanation"]["b"] == (
        "Not selected: 2 votes, would have cost 5 PLN but only 4 PLN remained"
    )
    bare = json.loads(_tally(tmp_path, "--rule", "greedy", "--json"))
    assert (
        bare["explanation"]["b"] == "Not selected: 2 votes, would have cost 5 but only 4 remained"
    )


def test_tally_json_carries_explanations(tmp_path: Path) -> None:
    payload = json.loads(_tally(tmp_path, "--rule", "greedy", "--json"))
    assert payload["selected"] == ["a", "c"]
    assert payload["spent"] == "10"
    assert set(payload["explanation"]) == {"a", "b", "c"}
    assert payload["explanation"]["b"].startswith("Not selected")


def test_tally_refuses_a_file_without_a_votes_section(tmp_path: Path) -> None:
    broken = EXAMPLE.split("VOTES")[0]
    with pytest.raises(CommandError, match=r"example\.pb: missing VOTES section$"):
        _tally(tmp_path, "--rule", "greedy", text=broken)


def test_tally_refuses_a_vote_for_an_unknown_project(tmp_path: Path) -> None:
    broken = EXAMPLE.replace("3;a,b,c", "3;a,b,z")
    with pytest.raises(CommandError, match=r"example\.pb: line 17: vote for unknown project 'z'$"):
        _tally(tmp_path, "--rule", "greedy", text=broken)


def test_tally_refuses_an_unknown_rule(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="invalid choice: 'best'"):
        _tally(tmp_path, "--rule", "best")


def test_tally_greedy_no_skip_passes_over_a_withdrawn_project(tmp_path: Path) -> None:
    # pabulib marks a project withdrawn after the vote with the cost 999,999,999.
    text = EXAMPLE.replace("b;5;Benches", "b;999999999;Benches").replace(
        "vote_type;approval\n", "vote_type;approval\nrule;greedy-no-skip\n"
    )
    assert _tally(tmp_path, text=text).split() == ["a", "c"]
