"""``coproduce audit instrument|score`` through call_command."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from coproduce.audit.instruments import instrument_default

DATA = Path(__file__).parent / "data"


def _run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("audit", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_instrument_default_json_shape() -> None:
    out, _ = _run("instrument", "default", "--json")
    printed = json.loads(out)
    assert printed == instrument_default().summary()
    assert list(printed) == ["id", "version", "scale", "sections"]
    assert (printed["id"], printed["version"], printed["scale"]) == (
        "default",
        1,
        {"min": 1, "max": 5},
    )
    assert len(printed["sections"]) == 6
    assert set(printed["sections"][0]) == {"code", "title", "items"}
    assert set(printed["sections"][0]["items"][0]) == {"code", "text"}


def test_instrument_file_listing() -> None:
    out, _ = _run("instrument", str(DATA / "small.yaml"))
    assert "Small test instrument (small, version 3)" in out
    assert "  B2  Fourth item, on its own scale" in out
    assert "Where is it? [L]" in out


def test_instrument_file_that_does_not_load() -> None:
    path = DATA / "no_scale.yaml"
    with pytest.raises(CommandError) as caught:
        _run("instrument", str(path), "--json")
    assert str(caught.value) == (
        f"{path}: line 11: item A2 has no scale, and the instrument has no scale for it to inherit"
    )


def test_score_json_exact_shape() -> None:
    out, err = _run(
        "score",
        str(DATA / "round.csv"),
        "--instrument",
        str(DATA / "small.yaml"),
        "--threshold",
        "2",
        "--json",
    )
    assert err == ""
    # The arithmetic is in test_scoring.test_hand_computed_round.
    assert json.loads(out) == {
        "sections": [
            {
                "code": "s1",
                "staff": {"respondents": 2, "score": 3.75},
                "member": {"respondents": 2, "score": 1.5},
                "gap": 2.25,
            },
            {
                "code": "s2",
                "staff": {"respondents": 1, "score": None},
                "member": {"respondents": 2, "score": 2.75},
                "gap": None,
            },
        ],
        "overall": {
            "staff": {"respondents": 2, "score": 3.33},
            "member": {"respondents": 2, "score": 2.29},
            "gap": 1.04,
        },
    }


def test_score_default_threshold_suppresses_and_table() -> None:
    out, _ = _run("score", str(DATA / "round.csv"), "--instrument", str(DATA / "small.yaml"))
    assert out.splitlines()[0] == "Threshold: 5 respondents"
    assert "Section one" in out
    assert "3.75" not in out


def test_score_bad_rows_exit_non_zero_naming_every_row_and_print_no_result(tmp_path: Path) -> None:
    path = DATA / "bad.csv"
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match=r"bad.csv: 8 bad rows; nothing scored\.$"):
        call_command(
            "audit",
            "score",
            str(path),
            "--instrument",
            str(DATA / "small.yaml"),
            "--json",
            stdout=out,
            stderr=err,
        )
    assert out.getvalue() == ""
    lines = err.getvalue().splitlines()
    assert lines[0] == f"{path}: row 3: unknown item code 'A9'"
    assert lines[1] == f"{path}: row 4: answer 6 is off the scale of A1 (1 to 5)"
    assert len(lines) == 8


def test_score_unknown_item_against_default(tmp_path: Path) -> None:
    answers = tmp_path / "a.csv"
    answers.write_text("respondent,group,item,answer\nr,staff,ASSETS1,3\nr,staff,NOPE,3\n")
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("audit", "score", str(answers), "--json", stdout=out, stderr=err)
    assert out.getvalue() == ""
    assert err.getvalue() == f"{answers}: row 3: unknown item code 'NOPE'\n"


@pytest.mark.parametrize("threshold", ["0", "101", "five"])
def test_threshold_must_be_1_to_100(threshold: str) -> None:
    with pytest.raises(CommandError, match="threshold must be"):
        _run("score", str(DATA / "round.csv"), "--threshold", threshold)


def test_unreadable_answers(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match=r"^cannot read "):
        _run("score", str(tmp_path / "missing.csv"), "--json")
