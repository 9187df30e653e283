"""Instruments as data: the shipped default, parse errors naming the line, round trips."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from coproduce.audit.instruments import (
    InstrumentError,
    instrument_default,
    instrument_from_document,
    instrument_load,
    instrument_parse,
    instrument_text,
)

DATA = Path(__file__).parent / "data"

GOOD = """\
id: t
version: 1
title: T
scale: {min: 1, max: 3, labels: [a, b, c]}
sections:
  - code: s1
    title: One
    items:
      - code: A1
        text: First
"""


def _error(text: str) -> InstrumentError:
    with pytest.raises(InstrumentError) as caught:
        instrument_parse(text)
    return caught.value


def test_default_has_six_sections_of_four_or_five_items_and_seven_rungs_in_order() -> None:
    instrument = instrument_default()
    assert (instrument.id, instrument.version) == ("default", 1)
    assert [s.code for s in instrument.sections] == [
        "assets",
        "capabilities",
        "mutuality",
        "peer_support",
        "blurring",
        "facilitating",
    ]
    assert all(4 <= len(section.items) <= 5 for section in instrument.sections)
    assert instrument.ladder is not None
    assert instrument.ladder.question == "Where is this activity on the ladder?"
    assert [r.code for r in instrument.ladder.rungs] == [
        "coercion",
        "educating",
        "informing",
        "consultation",
        "engagement",
        "co-design",
        "co-production",
    ]
    assert "Think Local Act Personal" in instrument.ladder.attribution
    assert [p.label for p in instrument.scale.points] == [
        "Never",
        "Rarely",
        "Sometimes",
        "Often",
        "Always",
    ]
    assert instrument.scale.dont_know == "Don't know"
    assert [(b.min_score, b.label) for b in instrument.bands] == [
        (1, "Not there yet"),
        (2, "Starting out"),
        (3, "On the way"),
        (4, "Going strong"),
    ]
    assert instrument.item("ASSETS1") is not None
    assert instrument.item("ASSETS1").text == "People who use this service help run it."  # type: ignore[union-attr]


def test_bands_lower_bound_inclusive() -> None:
    instrument = instrument_default()
    assert instrument.band_for(Decimal("1.99")) == "Not there yet"
    assert instrument.band_for(Decimal("2.00")) == "Starting out"
    assert instrument.band_for(Decimal("3.99")) == "On the way"
    assert instrument.band_for(Decimal("5")) == "Going strong"
    assert instrument.band_for(None) is None


def test_summary_is_exactly_the_cli_shape() -> None:
    summary = instrument_default().summary()
    assert list(summary) == ["id", "version", "scale", "sections"]
    assert summary["scale"] == {"min": 1, "max": 5}
    assert list(summary["sections"][0]) == ["code", "title", "items"]
    assert summary["sections"][0]["items"][0] == {
        "code": "ASSETS1",
        "text": "People who use this service help run it.",
    }
    assert "LADDER" not in [s["code"] for s in summary["sections"]]


def test_document_and_yaml_round_trip() -> None:
    for instrument in (instrument_default(), instrument_load(DATA / "small.yaml")):
        assert instrument_from_document(instrument.as_document()) == instrument
        assert instrument_parse(instrument_text(instrument)) == instrument


def test_item_inherits_or_carries_its_scale() -> None:
    small = instrument_load(DATA / "small.yaml")
    assert small.item("A1").scale == small.scale  # type: ignore[union-attr]
    b2 = small.item("B2")
    assert b2 is not None
    assert (b2.scale.min, b2.scale.max, b2.scale.points[1].label) == (0, 2, "Partly")
    assert small.section_of("B2").code == "s2"  # type: ignore[union-attr]
    assert small.section_of("L") is None


def test_unparseable_yaml_names_the_line() -> None:
    with pytest.raises(InstrumentError) as caught:
        instrument_load(DATA / "unparseable.yaml")
    assert str(caught.value) == (
        "line 5: found unexpected end of stream (while scanning a quoted scalar at line 3)"
    )
    assert caught.value.line == 5


def test_item_without_a_scale_is_refused_with_its_line() -> None:
    with pytest.raises(InstrumentError) as caught:
        instrument_load(DATA / "no_scale.yaml")
    assert str(caught.value) == (
        "line 11: item A2 has no scale, and the instrument has no scale for it to inherit"
    )
    assert (caught.value.line, caught.value.reason) == (
        11,
        "item A2 has no scale, and the instrument has no scale for it to inherit",
    )


def test_duplicate_item_code_names_the_line() -> None:
    with pytest.raises(InstrumentError, match=r"^line 16: the item code 'A1' is used twice$"):
        instrument_load(DATA / "duplicate.yaml")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("  - code: s1\n", "  - title: x\n"), "line 7: a section has the key 'title' twice"),
        (("  - code: s1\n", "  - cod: s1\n"), "line 6: unknown key 'cod' in a section "),
        (("{min: 1, max: 3", "{min: 3, max: 3"), "line 4: the scale min (3) must be less"),
        (("labels: [a, b, c]", "labels: {1: a, 2: b}"), "line 4: the scale labels must cover"),
        (("title: T\n", "title: T\ncolour: red\n"), "line 4: unknown key 'colour' in the"),
        (("      - code: A1\n", "      - text: x\n"), "line 10: an item has the key 'text' twice"),
    ],
)
def test_structural_problems_name_the_line(change: tuple[str, str], message: str) -> None:
    assert GOOD.count(change[0]) == 1
    assert str(_error(GOOD.replace(*change))).startswith(message)


def test_section_without_a_code_names_its_line() -> None:
    text = GOOD.replace("  - code: s1\n    title: One\n", "  - title: One\n")
    assert str(_error(text)) == "line 6: a section has no 'code'"


def test_duplicate_section_code() -> None:
    text = GOOD + "  - code: s1\n    title: Again\n    items:\n      - {code: A2, text: x}\n"
    assert str(_error(text)) == "line 11: the section code 's1' is used twice"


def test_ladder_rung_twice_and_bands_out_of_order() -> None:
    ladder = (
        "ladder:\n  code: L\n  question: Q?\n  rungs:\n"
        "    - {code: a, label: A}\n    - {code: b, label: a}\n"
    )
    assert str(_error(GOOD + ladder)) == "line 16: the ladder has the rung 'a' twice"
    bands = "bands:\n  - {min_score: 2, label: X}\n  - {min_score: 1.5, label: Y}\n"
    assert str(_error(GOOD + bands)) == (
        "line 13: bands must be in order of rising min_score: 1.5 after 2"
    )


def test_json_is_read_and_its_errors_name_the_line() -> None:
    instrument = instrument_parse(GOOD)
    import json

    text = json.dumps(instrument.as_document(), indent="\t")
    assert instrument_parse(text) == instrument
    broken = text.replace('"title": "T",', '"title": "T",,')
    assert str(_error(broken)).startswith("line 4: Expecting property name")
