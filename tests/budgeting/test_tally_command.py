from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

# A hand-worked example: budget 10; greedy by votes takes a (3 votes, cost 6), skips b (2 votes,
# cost 5: only 4 left) and takes c (1 vote, cost 4). Without skipping, counting stops at b.
# With a threshold of 2 voters c is not eligible. Under Equal Shares each of the 3 voters holds
# 10/3: a's three supporters pay 2 each, then b's two supporters (voters 2 and 3) have 4/3
# each left, not enough for 5, and c's one supporter has 4/3 < 4. Raising every share (add1)
# funds b only once each holds 4.5, when a + b = 11 overspends, so {a} stays; the greedy
# fill then skips b (5 > 4 left) and adds c, which fits the 4 left.
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


def test_tally_mes_prints_the_selected_ids(tmp_path: Path) -> None:
    assert _tally(tmp_path, "--rule", "mes").split() == ["a", "c"]


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
