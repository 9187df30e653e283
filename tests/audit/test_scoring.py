"""Scoring on hand-computed rounds; the arithmetic is in the comments."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from coproduce.audit.instruments import instrument_default, instrument_load
from coproduce.audit.scoring import Response, RowError, responses_from_csv, score

DATA = Path(__file__).parent / "data"
SMALL = instrument_load(DATA / "small.yaml")


def _round_csv() -> list[Response]:
    responses, errors = responses_from_csv((DATA / "round.csv").read_text(encoding="utf-8"), SMALL)
    assert errors == []
    return responses


def test_hand_computed_round() -> None:
    # small.yaml: s1 = A1, A2 (1-5); s2 = B1 (1-5), B2 (0-2). Threshold 2.
    # Staff  S1: A1 4, A2 5, B1 2, B2 ?  -> s1 9/2, s2 2,   overall 11/3
    #        S2: A1 3, A2 ?               -> s1 3,   s2 -,   overall 3
    #        S3: A1 ?, B1 ?               -> only don't know: counts nowhere
    # Member M1: A1 2, A2 2, B1 3, B2 2   -> s1 2,   s2 5/2, overall 9/4
    #        M2: A1 1, B1 5, B2 1         -> s1 1,   s2 3,   overall 7/3
    # s1 staff (9/2 + 3)/2 = 3.75 (2); member (2 + 1)/2 = 1.5 (2); gap 2.25
    # s2 staff 2 from 1 respondent: suppressed; member (5/2 + 3)/2 = 2.75 (2); no gap
    # overall staff (11/3 + 3)/2 = 10/3 = 3.33; member (9/4 + 7/3)/2 = 55/24 = 2.2916 -> 2.29
    # overall gap 3.33 - 2.29 = 1.04
    result = score(SMALL, _round_csv(), threshold=2)
    s1, s2 = result.sections
    assert (s1.staff.respondents, s1.staff.score, s1.staff.band) == (2, Decimal("3.75"), "High")
    assert (s1.member.respondents, s1.member.score, s1.member.band) == (2, Decimal("1.50"), "Low")
    assert s1.gap == Decimal("2.25")
    assert (s2.staff.respondents, s2.staff.score, s2.staff.band) == (1, None, None)
    assert s2.member.score == Decimal("2.75")
    assert s2.gap is None
    assert result.overall.staff.score == Decimal("3.33")
    assert result.overall.member.score == Decimal("2.29")
    assert result.overall.gap == Decimal("1.04")
    assert result.overall.staff.respondents == 2
    assert result.as_json() == {
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


def test_items_rows_are_means_of_answers() -> None:
    # A1: staff 4, 3 -> 3.5 (2); member 2, 1 -> 1.5 (2). B2: staff none; member 2, 1 -> 1.5.
    result = score(SMALL, _round_csv(), threshold=2)
    a1 = result.items[0]
    assert (a1.code, a1.staff.score, a1.member.score, a1.gap) == (
        "A1",
        Decimal("3.50"),
        Decimal("1.50"),
        Decimal("2.00"),
    )
    b2 = result.items[3]
    assert (b2.staff.respondents, b2.staff.score, b2.member.score) == (0, None, Decimal("1.50"))


def test_ladder_counts_per_group_by_rung_and_suppressed_below_threshold() -> None:
    # Staff placed it: S1 mid, S3 "HIGH rung" (a label, any case) -> 2; members low, Low -> 2.
    result = score(SMALL, _round_csv(), threshold=2)
    assert result.ladder == {
        "staff": {"low": 0, "mid": 1, "high": 1},
        "member": {"low": 2, "mid": 0, "high": 0},
    }
    assert result.ladder_respondents == {"staff": 2, "member": 2}
    suppressed = score(SMALL, _round_csv(), threshold=3)
    assert suppressed.ladder == {"staff": {}, "member": {}}
    assert suppressed.ladder_respondents == {"staff": 2, "member": 2}


def _staff(*values: int | None, prefix: str = "s") -> list[Response]:
    return [
        Response(respondent=f"{prefix}{n}", group="staff", answers={"A1": value})
        for n, value in enumerate(values)
    ]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        # 3*7 + 4 = 25; 25/8 = 3.125 -> 3.13 (half up, not to even)
        ((3, 3, 3, 3, 3, 3, 3, 4), "3.13"),
        # 2*3 + 3*5 = 21; 21/8 = 2.625 -> 2.63 (float round() would give 2.62)
        ((2, 2, 2, 3, 3, 3, 3, 3), "2.63"),
        # 1+2+2 = 5; 5/3 = 1.666... -> 1.67
        ((1, 2, 2), "1.67"),
        # 4+4+5 = 13; 13/3 = 4.333... -> 4.33
        ((4, 4, 5), "4.33"),
    ],
)
def test_rounding_half_up_from_exact_fractions(values: tuple[int, ...], expected: str) -> None:
    result = score(SMALL, _staff(*values), threshold=1)
    assert result.sections[0].staff.score == Decimal(expected)
    assert str(result.sections[0].staff.score) == expected


def test_suppressed_at_four_respondents_shown_at_five() -> None:
    four = score(SMALL, _staff(1, 2, 3, 4))
    assert (four.sections[0].staff.respondents, four.sections[0].staff.score) == (4, None)
    assert four.overall.staff.score is None
    five = score(SMALL, _staff(1, 2, 3, 4, 5))
    # (1+2+3+4+5)/5 = 3
    assert five.sections[0].staff.score == Decimal("3.00")
    assert five.sections[0].staff.band == "Low"


def test_gap_only_when_both_groups_shown() -> None:
    members = [Response(respondent=f"m{n}", group="member", answers={"A1": 2}) for n in range(5)]
    staff_five = _staff(4, 4, 4, 4, 5)
    # staff (4*4+5)/5 = 21/5 = 4.2; members 2; gap 2.2
    both = score(SMALL, staff_five + members)
    assert both.sections[0].gap == Decimal("2.20")
    assert both.overall.gap == Decimal("2.20")
    one_side = score(SMALL, staff_five + members[:4])
    assert one_side.sections[0].staff.score == Decimal("4.20")
    assert one_side.sections[0].member.score is None
    assert one_side.sections[0].gap is None


def test_dont_know_only_respondent_counts_nowhere() -> None:
    responses = [
        *_staff(4, 4, 4, 4),
        Response(respondent="dk", group="staff", answers={"A1": None, "B1": None}),
    ]
    result = score(SMALL, responses)
    assert result.sections[0].staff.respondents == 4
    assert result.sections[1].staff.respondents == 0
    assert result.overall.staff.respondents == 4
    assert result.overall.staff.score is None


def test_overall_is_over_every_item_not_the_mean_of_sections() -> None:
    # One respondent: A1 5, B1 1, B2 0 -> overall (5+1+0)/3 = 2; sections would give (5 + 1/2)/2.
    result = score(
        SMALL,
        [Response(respondent="r", group="member", answers={"A1": 5, "B1": 1, "B2": 0})],
        threshold=1,
    )
    assert result.overall.member.score == Decimal("2.00")
    assert result.sections[1].member.score == Decimal("0.50")
    assert result.overall.member.band == "Low"


def test_default_instrument_scores_every_section() -> None:
    instrument = instrument_default()
    answers = {item.code: 4 for item in instrument.items()}
    result = score(
        instrument,
        [Response(respondent=str(n), group="staff", answers=answers) for n in range(5)],
    )
    assert [row.staff.band for row in result.sections] == ["Going strong"] * 6
    assert [row.member.respondents for row in result.sections] == [0] * 6


def test_threshold_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match=r"^threshold must be from 1 to 100$"):
        score(SMALL, [], threshold=0)


def test_csv_errors_name_every_bad_row() -> None:
    responses, errors = responses_from_csv((DATA / "bad.csv").read_text(), SMALL)
    # Only the good row is kept; the caller refuses the whole file while errors remain.
    assert responses == [Response(respondent="S1", group="staff", answers={"A1": 4})]
    assert [str(error) for error in errors] == [
        "row 3: unknown item code 'A9'",
        "row 4: answer 6 is off the scale of A1 (1 to 5)",
        "row 5: group must be staff or member, not 'manager'",
        "row 6: the respondent is empty",
        "row 7: respondent 'S1' answers A1 twice (first on row 2)",
        "row 8: respondent 'S1' is in both groups (staff on row 2)",
        "row 9: answer 'two' is not a whole number",
        "row 10: 'top' is not a rung of the ladder (low, mid, high)",
    ]
    assert errors[0] == RowError(3, "unknown item code 'A9'")


def test_csv_answer_off_an_items_own_scale() -> None:
    text = "respondent,group,item,answer\nr,member,B2,3\nr,member,B1,3\n"
    assert responses_from_csv(text, SMALL)[1] == [
        RowError(2, "answer 3 is off the scale of B2 (0 to 2)")
    ]


@pytest.mark.parametrize(
    ("header", "found"),
    [
        ("respondent,group,item", "respondent, group, item"),
        ("respondent,group,item,answer,note", "respondent, group, item, answer, note"),
        ("Respondent,group,item,answer", "Respondent, group, item, answer"),
    ],
)
def test_csv_header_exactly(header: str, found: str) -> None:
    assert responses_from_csv(f"{header}\nr,staff,A1,1\n", SMALL) == (
        [],
        [RowError(1, f"the header must be exactly respondent, group, item, answer; found {found}")],
    )


def test_csv_empty_and_short_rows() -> None:
    assert responses_from_csv("", SMALL) == (
        [],
        [RowError(1, "the file is empty: expected a header row")],
    )
    text = "respondent,group,item,answer\n\nr,staff,A1\n"
    assert responses_from_csv(text, SMALL)[1] == [RowError(3, "expected 4 columns, found 3")]


def test_csv_bom_and_crlf_and_empty_answer_is_dont_know() -> None:
    responses = _round_csv()
    assert responses[0] == Response(
        respondent="S1",
        group="staff",
        answers={"A1": 4, "A2": 5, "B1": 2, "B2": None},
        ladder="mid",
    )
    assert [r.respondent for r in responses] == ["S1", "S2", "S3", "M1", "M2"]
