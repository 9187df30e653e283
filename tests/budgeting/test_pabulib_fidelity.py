"""Counting a pabulib file gives its published outcome: the rule, threshold and currency come
from its META, and pabutools (the reference) agrees on real-shaped files.

The files in ``data/`` are hand-written in pabulib's layout (not real data); each one's
``selected`` column is the outcome pabulib's rule gives.
"""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from coproduce.budgeting import pabulib, pabulib_io
from coproduce.budgeting.rules import greedy, method_of_equal_shares

DATA = Path(__file__).parent / "data"
FILES = sorted(DATA.glob("*.pb"))
ASSEN = DATA / "netherlands_assen_2024_example.pb"
CUMULATIVE = DATA / "poland_przykladowo_2024_cumulative_example.pb"


def _published(path: Path) -> list[str]:
    election = pabulib.load(path)
    return [pid for pid, p in election.projects.items() if p.extra["selected"] == "1"]


def _command(path: Path, *args: str) -> str:
    out = StringIO()
    call_command("budgeting", "tally", str(path), *args, stdout=out)
    return out.getvalue()


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_tally_with_the_files_own_rule_gives_the_published_outcome(path: Path) -> None:
    counted = pabulib_io.tally_text(path.read_text(encoding="utf-8"))
    assert counted.rule == pabulib.load(path).rule
    assert sorted(counted.result.selected) == sorted(_published(path))
    assert sorted(_command(path).split()) == sorted(_published(path))


def test_equalshares_add1_is_add1_alone_as_pabutools_exhaustion_by_budget_increase() -> None:
    pytest.importorskip("pabutools", reason="pabutools (test oracle) is not installed")
    from pabutools.election import Cost_Sat, parse_pabulib
    from pabutools.rules import exhaustion_by_budget_increase
    from pabutools.rules import method_of_equal_shares as pabutools_mes

    instance, profile = parse_pabulib(str(ASSEN))
    reference = exhaustion_by_budget_increase(
        instance, profile, pabutools_mes, {"sat_class": Cost_Sat}, budget_step=len(profile)
    )
    counted = pabulib_io.tally_text(ASSEN.read_text(encoding="utf-8"))
    assert counted.result.selected == [p.name for p in reference]
    assert counted.result.selected == ["2", "8", "1", "11"]
    # A greedy step after add1 would fund RuBox (10,000 of the 12,666 left), which the
    # published outcome does not; it stays available as its own rule.
    completed = pabulib_io.tally_text(ASSEN.read_text(encoding="utf-8"), rule="mes-greedy")
    assert completed.result.selected == ["2", "8", "1", "11", "5"]
    assert completed.rule == "mes-greedy"


def test_amounts_are_written_in_the_files_currency() -> None:
    payload = json.loads(_command(ASSEN, "--json"))
    assert payload["rule"] == "equalshares/add1"
    assert payload["spent"] == "68000"
    assert payload["spent_text"] == "€68,000"
    text = " ".join(payload["explanation"].values())
    assert "£" not in text
    assert payload["explanation"]["5"] == (
        "Not selected: under equal shares it costs €10,000 but its 6 supporters had only "
        "€8,709.10 left between them (after raising each voter's share from €1,837.02 to "
        "€3,940.02)"
    )
    polish = json.loads(_command(CUMULATIVE, "--json"))
    assert polish["spent_text"] == "390,000 PLN"
    assert polish["explanation"]["5"] == (
        "Not eligible: 33 points, below the threshold of 34 points"
    )
    assert "£" not in " ".join(polish["explanation"].values())


def test_cumulative_threshold_counts_points_as_pabulib_does() -> None:
    pytest.importorskip("pabutools", reason="pabutools (test oracle) is not installed")
    from pabutools.election import parse_pabulib

    instance, profile = parse_pabulib(str(CUMULATIVE))
    election = pabulib.load(CUMULATIVE)
    threshold = int(election.meta["min_project_score_threshold"])
    # pabutools reads the same points; pabulib's greedy ranks by them and passes over the
    # projects scoring under the threshold.
    scores = {p.name: sum(ballot.get(p, 0) for ballot in profile) for p in instance}
    assert scores == election.points_tally()
    left = instance.budget_limit
    expected = []
    for project in sorted(instance, key=lambda p: (-scores[p.name], p.name)):
        if scores[project.name] >= threshold and project.cost <= left:
            expected.append(project.name)
            left -= project.cost
    counted = pabulib_io.tally_text(CUMULATIVE.read_text(encoding="utf-8"))
    assert counted.result.selected == expected
    # Project 5 (20,000) would fit in the 23,333 left, but has 33 points: not eligible. Counted
    # by supporters instead (8 of 40 voters), no project reaches 34, and nothing would be funded.
    assert "5" not in expected
    assert greedy(election.to_instance()).selected == [*expected, "5"]
    supporters = election.tally()
    assert max(supporters.values()) < threshold


def test_meta_threshold_applies_to_greedy_no_skip_too() -> None:
    # Scores a 9, b 6, c 2: greedy-no-skip funds a and b (fits), then c would fit too, but
    # with min_project_score_threshold 3 it is not eligible.
    text = (
        "META\nkey;value\nbudget;100\nvote_type;cumulative\nrule;greedy-no-skip\n"
        "min_project_score_threshold;3\ncurrency;EUR\n"
        "PROJECTS\nproject_id;cost\na;40\nb;40\nc;10\n"
        "VOTES\nvoter_id;vote;points\n1;a,b;5,1\n2;a,b,c;4,5,2\n"
    )
    counted = pabulib_io.tally_text(text)
    assert counted.result.selected == ["a", "b"]
    assert counted.result.explain("c").reason == (
        "Not eligible: 2 points, below the threshold of 3 points"
    )
    # --threshold replaces the file's own.
    assert pabulib_io.tally_text(text, threshold=0).result.selected == ["a", "b", "c"]
    # Equal Shares does not use the threshold.
    mes = pabulib_io.tally_text(text, rule="equalshares/add1").result
    assert mes.selected == method_of_equal_shares(pabulib.loads(text).to_instance()).selected


def test_comparison_step_switches_to_greedy_when_more_voters_prefer_it() -> None:
    # pabulib's checker's own example. Each voter holds 2/3: MES funds a (1/2 from each of its
    # two supporters), but b's one supporter cannot pay 1. Greedy funds a and b. Voter 3 has
    # more funded under greedy, voters 1 and 2 the same under both: greedy's outcome stands.
    text = (
        "META\nkey;value\nbudget;2\nvote_type;approval\nrule;equalshares-comparison\n"
        "PROJECTS\nproject_id;cost\na;1\nb;1\nc;1\n"
        "VOTES\nvoter_id;vote\nv1;a\nv2;a\nv3;b\n"
    )
    counted = pabulib_io.tally_text(text)
    assert counted.result.selected == ["a", "b"]
    assert counted.result.rule == "mes-comparison"
    assert counted.result.explain("a").reason.endswith(
        "(comparison step: 0 voters had more funded under equal shares, 1 voter under "
        "greedy, so the greedy outcome stands)"
    )
