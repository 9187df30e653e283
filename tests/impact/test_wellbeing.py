from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from coproduce.impact.wellbeing import (
    CHANGE_THRESHOLDS,
    ONS4_MEASURES,
    ONS4_QUESTIONS,
    Measure,
    Verdict,
    WellbeingError,
    change,
    cohort_change,
    ons4_band,
    parse_swemwbs_conversion,
    swemwbs_conversion,
    swemwbs_licence_required,
    swemwbs_metric,
    swemwbs_raw,
)

POSITIVE = [Measure.LIFE_SATISFACTION, Measure.WORTHWHILE, Measure.HAPPINESS]

# ONS: 0-4 low, 5-6 medium, 7-8 high, 9-10 very high; every score, so every boundary.
POSITIVE_BANDS = {
    0: "low",
    1: "low",
    2: "low",
    3: "low",
    4: "low",
    5: "medium",
    6: "medium",
    7: "high",
    8: "high",
    9: "very high",
    10: "very high",
}
# ONS anxiety: 0-1 very low, 2-3 low, 4-5 medium, 6-10 high.
ANXIETY_BANDS = {
    0: "very low",
    1: "very low",
    2: "low",
    3: "low",
    4: "medium",
    5: "medium",
    6: "high",
    7: "high",
    8: "high",
    9: "high",
    10: "high",
}

# The Warwick table, raw 7 to 35, as published.
PUBLISHED_METRIC = [
    "7.00", "9.51", "11.25", "12.40", "13.33", "14.08", "14.75", "15.32", "15.84", "16.36",
    "16.88", "17.43", "17.98", "18.59", "19.25", "19.98", "20.73", "21.54", "22.35", "23.21",
    "24.11", "25.03", "26.02", "27.03", "28.13", "29.31", "30.70", "32.55", "35.00",
]  # fmt: skip


def items_for(raw: int) -> list[int]:
    """Seven item scores 1-5 that sum to ``raw``, filled from the first item."""
    items = [1] * 7
    extra = raw - 7
    for index in range(7):
        step = min(4, extra)
        items[index] += step
        extra -= step
    return items


@pytest.mark.parametrize("measure", POSITIVE)
@pytest.mark.parametrize(("score", "band"), sorted(POSITIVE_BANDS.items()))
def test_ons4_band_positive_measures_follow_the_ons_thresholds(
    measure: Measure, score: int, band: str
) -> None:
    assert ons4_band(measure, score) == band


@pytest.mark.parametrize(("score", "band"), sorted(ANXIETY_BANDS.items()))
def test_ons4_band_anxiety_is_grouped_the_other_way(score: int, band: str) -> None:
    assert ons4_band(Measure.ANXIETY, score) == band


def test_ons4_band_takes_the_measure_by_name() -> None:
    assert ons4_band("life_satisfaction", 9) == "very high"
    assert ons4_band("anxiety", 9) == "high"


@pytest.mark.parametrize("score", [-1, 11, 5.0, True, "5", None])
def test_ons4_band_refuses_a_score_off_the_scale(score: object) -> None:
    with pytest.raises(WellbeingError, match=r"^Happiness must be a whole number from 0 to 10"):
        ons4_band(Measure.HAPPINESS, score)  # type: ignore[arg-type]


def test_ons4_band_refuses_swemwbs_and_unknown_measures() -> None:
    with pytest.raises(WellbeingError, match="SWEMWBS is not an ONS4 measure"):
        ons4_band(Measure.SWEMWBS, 5)
    with pytest.raises(WellbeingError, match="unknown measure 'joy': expected one of"):
        ons4_band("joy", 5)


def test_ons4_questions_are_worded_as_ons_words_them() -> None:
    assert set(ONS4_QUESTIONS) == set(ONS4_MEASURES)
    assert ONS4_QUESTIONS[Measure.LIFE_SATISFACTION] == (
        "Overall, how satisfied are you with your life nowadays?"
    )
    assert ONS4_QUESTIONS[Measure.WORTHWHILE] == (
        "Overall, to what extent do you feel that the things you do in your life are worthwhile?"
    )
    assert ONS4_QUESTIONS[Measure.HAPPINESS] == "Overall, how happy did you feel yesterday?"
    assert ONS4_QUESTIONS[Measure.ANXIETY] == (
        "On a scale where 0 is 'not at all anxious' and 10 is 'completely anxious', overall, "
        "how anxious did you feel yesterday?"
    )


@pytest.mark.parametrize(
    ("items", "metric"),
    [
        ([1, 1, 1, 1, 1, 1, 1], "7.00"),  # raw 7, the floor
        ([1, 1, 1, 1, 1, 1, 2], "9.51"),  # raw 8
        ([2, 3, 4, 5, 1, 2, 3], "18.59"),  # raw 2+3+4+5+1+2+3 = 20
        ([3, 3, 3, 3, 3, 3, 3], "19.25"),  # raw 21
        ([4, 4, 4, 4, 4, 4, 4], "25.03"),  # raw 28
        ([5, 4, 4, 4, 4, 4, 4], "26.02"),  # raw 5 + 6*4 = 29
        ([5, 5, 5, 5, 5, 5, 4], "32.55"),  # raw 34
        ([5, 5, 5, 5, 5, 5, 5], "35.00"),  # raw 35, the ceiling
    ],
)
def test_swemwbs_metric_converts_the_raw_sum_by_the_published_table(
    items: list[int], metric: str
) -> None:
    assert swemwbs_metric(items) == Decimal(metric)
    assert str(swemwbs_metric(items)) == metric


def test_swemwbs_metric_takes_a_tuple() -> None:
    assert swemwbs_metric((3, 3, 3, 3, 3, 3, 4)) == Decimal("19.98")  # raw 22


def test_the_shipped_table_is_the_published_one() -> None:
    table = swemwbs_conversion()
    assert list(table) == list(range(7, 36))
    assert [str(value) for value in table.values()] == PUBLISHED_METRIC


@pytest.mark.parametrize(
    ("items", "message"),
    [
        ([3, 3, 3, 3, 3, 3], "SWEMWBS needs exactly 7 item scores; got 6"),
        ([3, 3, 3, 3, 3, 3, 3, 3], "SWEMWBS needs exactly 7 item scores; got 8"),
        ([], "SWEMWBS needs exactly 7 item scores; got 0"),
        ([3, 3, 0, 3, 3, 3, 3], "SWEMWBS item 3 must be a whole number from 1 to 5; got 0"),
        ([3, 3, 3, 3, 3, 3, 6], "SWEMWBS item 7 must be a whole number from 1 to 5; got 6"),
        ([3.0, 3, 3, 3, 3, 3, 3], "SWEMWBS item 1 must be a whole number from 1 to 5; got 3.0"),
        ([3, True, 3, 3, 3, 3, 3], "SWEMWBS item 2 must be a whole number from 1 to 5; got True"),
        ([3, 3, 3, None, 3, 3, 3], "SWEMWBS item 4 must be a whole number from 1 to 5; got None"),
        ([3, 3, 3, 3, "3", 3, 3], "SWEMWBS item 5 must be a whole number from 1 to 5; got '3'"),
        ("3333333", "SWEMWBS needs a list of 7 item scores"),
        (21, "SWEMWBS needs a list of 7 item scores"),
    ],
)
def test_swemwbs_metric_refuses_anything_but_seven_item_scores(items: object, message: str) -> None:
    with pytest.raises(WellbeingError, match=f"^{re.escape(message)}$"):
        swemwbs_metric(items)  # type: ignore[arg-type]


def test_swemwbs_refusal_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="item 6"):
        swemwbs_raw([1, 1, 1, 1, 1, 9, 1])


def _table(rows: list[tuple[int, str]]) -> str:
    return "# a source line\nraw,metric\n" + "".join(f"{r},{m}\n" for r, m in rows)


FULL = [(raw, metric) for raw, metric in zip(range(7, 36), PUBLISHED_METRIC, strict=True)]


def test_parse_swemwbs_conversion_skips_comments_and_reads_every_row() -> None:
    table = parse_swemwbs_conversion(_table(FULL))
    assert table[7] == Decimal("7.00")
    assert table[35] == Decimal("35.00")
    assert len(table) == 29


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("7,7.00\n", "must start with the header raw,metric"),
        (_table(FULL[:1] + FULL[2:]), "expected raw 8, found 9"),
        (_table([(6, "5.00"), *FULL]), "expected raw 7, found 6"),
        (_table(FULL[:-1]), "stops at raw 34; it must run 7 to 35"),
        (_table([*FULL, (36, "36.00")]), "runs past raw 35"),
        (_table([(7, "7.00"), (8, "7.00"), *FULL[2:]]), "metric 7.00 for raw 8 must be higher"),
        (_table([(7, "7.00"), (8, "6.50"), *FULL[2:]]), "metric 6.50 for raw 8 must be higher"),
        (_table([(7, "seven"), *FULL[1:]]), "row \\['7', 'seven'\\] is not numbers"),
        (_table([(7, "7.00,1"), *FULL[1:]]), "must have 2 columns"),
    ],
)
def test_parse_swemwbs_conversion_refuses_a_table_that_is_not_the_published_shape(
    text: str, message: str
) -> None:
    with pytest.raises(WellbeingError, match=message):
        parse_swemwbs_conversion(text)


def test_licence_explanation_names_the_owners_and_says_the_text_is_not_shipped() -> None:
    assert "NHS Health Scotland, University of Warwick and University of Edinburgh" in (
        swemwbs_licence_required
    )
    assert "does not include the questionnaire" in swemwbs_licence_required


@pytest.mark.parametrize(
    ("before", "after", "measure", "difference", "verdict"),
    [
        (5, 6, Measure.LIFE_SATISFACTION, 1, Verdict.IMPROVED),  # +1 meets the 1-point rule
        (6, 6, Measure.WORTHWHILE, 0, Verdict.NO_CHANGE),
        (7, 5, Measure.HAPPINESS, -2, Verdict.WORSE),
        (0, 10, Measure.HAPPINESS, 10, Verdict.IMPROVED),
        (6, 3, Measure.ANXIETY, -3, Verdict.IMPROVED),  # less anxiety is better
        (2, 4, Measure.ANXIETY, 2, Verdict.WORSE),
        (3, 2, Measure.ANXIETY, -1, Verdict.IMPROVED),
    ],
)
def test_change_ons4_verdicts(
    before: int, after: int, measure: Measure, difference: int, verdict: Verdict
) -> None:
    result = change(before, after, measure)
    assert result.difference == Decimal(difference)
    assert result.threshold == Decimal(1)
    assert result.verdict is verdict
    assert (result.before, result.after) == (before, after)


@pytest.mark.parametrize(
    ("before_raw", "after_raw", "difference", "verdict"),
    [
        (21, 25, "3.10", Verdict.IMPROVED),  # 22.35 - 19.25
        (16, 21, "2.89", Verdict.IMPROVED),  # 19.25 - 16.36, just over 2.87
        (9, 12, "2.83", Verdict.NO_CHANGE),  # 14.08 - 11.25, just under 2.87
        (21, 24, "2.29", Verdict.NO_CHANGE),  # 21.54 - 19.25
        (25, 21, "-3.10", Verdict.WORSE),
        (21, 16, "-2.89", Verdict.WORSE),
        (12, 9, "-2.83", Verdict.NO_CHANGE),
    ],
)
def test_change_swemwbs_verdicts_use_the_metric_threshold(
    before_raw: int, after_raw: int, difference: str, verdict: Verdict
) -> None:
    before = swemwbs_metric(items_for(before_raw))
    after = swemwbs_metric(items_for(after_raw))
    result = change(before, after, "swemwbs")
    assert result.difference == Decimal(difference)
    assert result.threshold == Decimal("2.87")
    assert result.verdict is verdict


def test_change_swemwbs_refuses_a_raw_score_or_a_plain_number() -> None:
    with pytest.raises(WellbeingError, match=r"SWEMWBS before must be a metric score"):
        change(Decimal(21), Decimal("19.25"), Measure.SWEMWBS)  # raw 21 is not a metric score
    with pytest.raises(WellbeingError, match=r"SWEMWBS after must be a metric score"):
        change(Decimal("19.25"), 35, Measure.SWEMWBS)
    with pytest.raises(WellbeingError, match=r"SWEMWBS after must be a metric score"):
        change(Decimal("19.25"), Decimal("NaN"), Measure.SWEMWBS)


def test_change_ons4_refuses_scores_off_the_scale() -> None:
    with pytest.raises(WellbeingError, match=r"^Anxiety after must be a whole number from 0 to 10"):
        change(3, 11, Measure.ANXIETY)
    with pytest.raises(WellbeingError, match=r"^Worthwhile before must be a whole number"):
        change(Decimal("7.00"), 8, Measure.WORTHWHILE)
    with pytest.raises(WellbeingError, match="unknown measure"):
        change(3, 4, "wellbeing")


def test_change_as_json() -> None:
    assert change(6, 3, Measure.ANXIETY).as_json() == {
        "measure": "anxiety",
        "before": 6.0,
        "after": 3.0,
        "difference": -3.0,
        "threshold": 1.0,
        "verdict": "improved",
    }


def test_cohort_change_over_complete_pairs() -> None:
    pairs: list[tuple[int | None, int | None]] = [
        (5, 7),  # +2 improved
        (6, 6),  # 0 no change
        (8, 5),  # -3 worse
        (4, 9),  # +5 improved
        (7, 8),  # +1 improved
        (None, 6),  # no before: left out
        (7, None),  # no after: left out
    ]
    result = cohort_change(pairs, Measure.LIFE_SATISFACTION)
    assert result.pairs == 5
    assert not result.suppressed
    assert result.mean_before == Decimal("6.00")  # (5+6+8+4+7)/5 = 30/5
    assert result.mean_after == Decimal("7.00")  # (7+6+5+9+8)/5 = 35/5
    assert result.mean_change == Decimal("1.00")
    assert result.share_improved == Decimal("0.6000")  # 3/5
    assert result.share_no_change == Decimal("0.2000")  # 1/5
    assert result.share_worse == Decimal("0.2000")  # 1/5


def test_cohort_change_rounds_half_up_once() -> None:
    # Anxiety 5 → 5 for seven people and 5 → 10 for one: after = 45/8 = 5.625, change 0.625.
    pairs: list[tuple[int | None, int | None]] = [(5, 5), (5, 5), (5, 5), (5, 5)]
    pairs += [(5, 5), (5, 5), (5, 5), (5, 10)]
    result = cohort_change(pairs, Measure.ANXIETY)
    assert result.mean_before == Decimal("5.00")
    assert result.mean_after == Decimal("5.63")
    assert result.mean_change == Decimal("0.63")
    assert result.share_no_change == Decimal("0.8750")  # 7/8
    assert result.share_worse == Decimal("0.1250")  # 1/8, more anxiety
    assert result.share_improved == Decimal("0.0000")


def test_cohort_change_swemwbs_means_of_metric_scores() -> None:
    metric = {raw: swemwbs_metric(items_for(raw)) for raw in (12, 17, 21, 24, 25)}
    pairs: list[tuple[Decimal | None, Decimal | None]] = [
        (metric[21], metric[25]),  # 19.25 → 22.35, +3.10 improved
        (metric[25], metric[24]),  # 22.35 → 21.54, -0.81 no change
        (metric[12], metric[17]),  # 14.08 → 16.88, +2.80 no change (under 2.87)
    ]
    result = cohort_change(pairs, Measure.SWEMWBS, threshold=3)
    assert result.mean_before == Decimal("18.56")  # 55.68/3
    assert result.mean_after == Decimal("20.26")  # 60.77/3 = 20.2566…
    assert result.mean_change == Decimal("1.70")  # 5.09/3 = 1.6966…
    assert result.share_improved == Decimal("0.3333")
    assert result.share_no_change == Decimal("0.6667")
    assert result.share_worse == Decimal("0.0000")


def test_cohort_change_below_the_threshold_gives_the_count_only() -> None:
    pairs: list[tuple[int | None, int | None]] = [(5, 7), (6, 6), (8, 5), (4, 9), (None, 3)]
    result = cohort_change(pairs, Measure.HAPPINESS)  # 4 complete pairs, default threshold 5
    assert result.pairs == 4
    assert result.suppressed
    assert result.mean_before is None
    assert result.mean_after is None
    assert result.mean_change is None
    assert result.share_improved is None
    assert result.share_no_change is None
    assert result.share_worse is None
    assert result.as_json() == {
        "measure": "happiness",
        "pairs": 4,
        "suppressed": True,
        "mean_before": None,
        "mean_after": None,
        "mean_change": None,
        "share_improved": None,
        "share_no_change": None,
        "share_worse": None,
    }
    shown = cohort_change(pairs, Measure.HAPPINESS, threshold=4)
    assert not shown.suppressed
    assert shown.mean_before == Decimal("5.75")  # (5+6+8+4)/4 = 23/4


def test_cohort_change_of_nobody_is_suppressed() -> None:
    result = cohort_change([], Measure.WORTHWHILE, threshold=1)
    assert result.pairs == 0
    assert result.suppressed


@pytest.mark.parametrize("threshold", [0, -1, True, 2.5])
def test_cohort_change_refuses_a_bad_threshold(threshold: object) -> None:
    with pytest.raises(WellbeingError, match="threshold must be a whole number of at least 1"):
        cohort_change([(5, 6)] * 5, Measure.HAPPINESS, threshold=threshold)  # type: ignore[arg-type]


def test_cohort_change_refuses_a_bad_score_in_any_pair() -> None:
    with pytest.raises(WellbeingError, match=r"^Life satisfaction after must be a whole number"):
        cohort_change([(5, 6)] * 5 + [(5, 12)], Measure.LIFE_SATISFACTION)


@given(st.lists(st.integers(min_value=1, max_value=5), min_size=7, max_size=7))
def test_swemwbs_metric_is_the_table_value_of_the_item_sum(items: list[int]) -> None:
    table = swemwbs_conversion()
    assert swemwbs_metric(items) == table[sum(items)]
    if sum(items) < 35:
        assert table[sum(items) + 1] > swemwbs_metric(items)


ons4_score = st.integers(min_value=0, max_value=10)
swemwbs_score = st.sampled_from(PUBLISHED_METRIC).map(Decimal)


@given(st.sampled_from(list(Measure)), st.data())
def test_change_reversed_swaps_improved_and_worse(measure: Measure, data: st.DataObject) -> None:
    scores: st.SearchStrategy[int | Decimal] = (
        swemwbs_score if measure is Measure.SWEMWBS else ons4_score
    )
    before, after = data.draw(scores), data.draw(scores)
    forward = change(before, after, measure)
    backward = change(after, before, measure)
    assert backward.difference == -forward.difference
    swapped = {
        Verdict.IMPROVED: Verdict.WORSE,
        Verdict.WORSE: Verdict.IMPROVED,
        Verdict.NO_CHANGE: Verdict.NO_CHANGE,
    }
    assert backward.verdict is swapped[forward.verdict]
    assert (forward.verdict is Verdict.NO_CHANGE) == (
        abs(forward.difference) < CHANGE_THRESHOLDS[measure]
    )
