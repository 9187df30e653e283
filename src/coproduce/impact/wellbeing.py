"""Wellbeing measures: ONS4 personal wellbeing, SWEMWBS, and change per person and cohort.

ONS4 is four questions, each answered 0 to 10, banded by the ONS thresholds. Its wording is
Crown copyright under the Open Government Licence, so it ships here. SWEMWBS is seven items
scored 1 to 5, summed to a raw score of 7 to 35 and converted to a metric score by the published
Rasch table (``data/swemwbs_conversion.csv``). Its item texts are licensed by their owners and
are not shipped: an organisation that holds the licence enters them from its own copy, and this
module takes item scores only.

No SWEMWBS bands are built in: the published low/medium/high groupings (e.g. the Health Survey
for England norms) are cut from a sample's own distribution, not thresholds the owners set.

Means are exact fractions rounded once, half-up, to 2 places; shares to 4 places.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from fractions import Fraction
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Final, TypeGuard


class WellbeingError(ValueError):
    """A score or table the measures refuse; the message names the item or measure."""


class Measure(StrEnum):
    LIFE_SATISFACTION = "life_satisfaction"
    WORTHWHILE = "worthwhile"
    HAPPINESS = "happiness"
    ANXIETY = "anxiety"
    SWEMWBS = "swemwbs"


class Verdict(StrEnum):
    IMPROVED = "improved"
    NO_CHANGE = "no_change"
    WORSE = "worse"


ONS4_MEASURES: Final = (
    Measure.LIFE_SATISFACTION,
    Measure.WORTHWHILE,
    Measure.HAPPINESS,
    Measure.ANXIETY,
)

LABELS: Final[Mapping[Measure, str]] = {
    Measure.LIFE_SATISFACTION: "Life satisfaction",
    Measure.WORTHWHILE: "Worthwhile",
    Measure.HAPPINESS: "Happiness",
    Measure.ANXIETY: "Anxiety",
    Measure.SWEMWBS: "SWEMWBS",
}

# The harmonised standard's wording (GSS Analysis Function, "Personal wellbeing harmonised
# standard", https://analysisfunction.civilservice.gov.uk/policy-store/personal-well-being/;
# the same on What Works Wellbeing's measures bank,
# https://measure.whatworkswellbeing.org/measures-bank/anxiety-ons/).
ONS4_INTRODUCTION: Final = (
    "Next I would like to ask you four questions about your feelings on aspects of your life. "
    "There are no right or wrong answers. For each of these questions I'd like you to give an "
    "answer on a scale of 0 to 10, where 0 is 'not at all' and 10 is 'completely'."
)
ONS4_QUESTIONS: Final[Mapping[Measure, str]] = {
    Measure.LIFE_SATISFACTION: "Overall, how satisfied are you with your life nowadays?",
    Measure.WORTHWHILE: (
        "Overall, to what extent do you feel that the things you do in your life are worthwhile?"
    ),
    Measure.HAPPINESS: "Overall, how happy did you feel yesterday?",
    Measure.ANXIETY: (
        "On a scale where 0 is 'not at all anxious' and 10 is 'completely anxious', overall, "
        "how anxious did you feel yesterday?"
    ),
}
# What 0 and 10 mean for each question (the interviewer instructions of the same standard).
ONS4_SCALE_ENDS: Final[Mapping[Measure, tuple[str, str]]] = {
    Measure.LIFE_SATISFACTION: ("not at all satisfied", "completely satisfied"),
    Measure.WORTHWHILE: ("not at all worthwhile", "completely worthwhile"),
    Measure.HAPPINESS: ("not at all happy", "completely happy"),
    Measure.ANXIETY: ("not at all anxious", "completely anxious"),
}
ONS4_ATTRIBUTION: Final = (
    "ONS4 personal wellbeing questions: Office for National Statistics, Crown copyright, "
    "licensed under the Open Government Licence v3.0."
)

# The ONS thresholds, as ONS states them (FOI answer "A set of annual UK SWB score
# distributions", https://www.ons.gov.uk/aboutus/transparencyandgovernance/freedomofinformationfoi/asetofannualukswbscoredistributions;
# the standing reference is ONS, "Personal well-being user guidance",
# https://www.ons.gov.uk/peoplepopulationandcommunity/wellbeing/methodologies/personalwellbeingsurveyuserguide).
# Anxiety is grouped differently because more of it is worse.
_POSITIVE_BANDS = ((0, 4, "low"), (5, 6, "medium"), (7, 8, "high"), (9, 10, "very high"))
_ANXIETY_BANDS = ((0, 1, "very low"), (2, 3, "low"), (4, 5, "medium"), (6, 10, "high"))
ONS4_BANDS: Final[Mapping[Measure, tuple[tuple[int, int, str], ...]]] = {
    Measure.LIFE_SATISFACTION: _POSITIVE_BANDS,
    Measure.WORTHWHILE: _POSITIVE_BANDS,
    Measure.HAPPINESS: _POSITIVE_BANDS,
    Measure.ANXIETY: _ANXIETY_BANDS,
}

SWEMWBS_ITEMS: Final = 7
swemwbs_licence_required: Final = (
    "SWEMWBS (the Short Warwick-Edinburgh Mental Wellbeing Scale) is © NHS Health Scotland, "
    "University of Warwick and University of Edinburgh, 2008, all rights reserved. Its owners "
    "require every user to register with them and get their permission before using it. "
    "Coproduce does not include the questionnaire: an organisation that records it holds the "
    "licence enters the seven statements from its own licensed copy, and Coproduce scores "
    "the answers with the published conversion table."
)

ONS4_CHANGE_THRESHOLD: Final = Decimal(1)
"""Points of change on an ONS4 measure that count as a change for one person.

An assumption, not a published threshold: ONS publishes no minimal important difference for
the ONS4, and What Works Wellbeing's evaluation guidance
(https://measure-wellbeing.org/analysing-and-interpreting-your-results) tests a group's mean
change for statistical significance rather than setting a per-person threshold. As answers are
whole numbers, any movement of 1 point or more counts.
"""

SWEMWBS_CHANGE_THRESHOLD: Final = Decimal("2.87")
"""Metric points of change on SWEMWBS that count as a change for one person.

2.77 standard errors of measurement, 2.87 points, the stricter of the two individual-level
standards in "Responsiveness of the Short Warwick Edinburgh Mental Well-Being Scale (SWEMWBS):
evaluation a clinical sample", Health and Quality of Life Outcomes 16:239 (2018),
doi:10.1186/s12955-018-1060-2, which concludes that "a change of between 1 and 3 points"
meets thresholds for statistically important change; the lenient standard is 1 SEM, 1.03.
(Warwick's FAQ gives "about 3 or more points" for the 14-item WEMWBS, not for SWEMWBS.)
"""

CHANGE_THRESHOLDS: Final[Mapping[Measure, Decimal]] = {
    **{measure: ONS4_CHANGE_THRESHOLD for measure in ONS4_MEASURES},
    Measure.SWEMWBS: SWEMWBS_CHANGE_THRESHOLD,
}

Score = int | Decimal
_TWO_PLACES = Decimal("0.01")
_FOUR_PLACES = Decimal("0.0001")
_CONVERSION_FILE = "swemwbs_conversion.csv"
_CONVERSION_HEADER = ["raw", "metric"]


def _measure(measure: Measure | str) -> Measure:
    try:
        return Measure(measure)
    except ValueError:
        known = ", ".join(m.value for m in Measure)
        raise WellbeingError(f"unknown measure {measure!r}: expected one of {known}") from None


def _whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _ons4_score(measure: Measure, score: object, role: str = "") -> int:
    if _whole(score) and 0 <= score <= 10:
        return score
    name = f"{LABELS[measure]} {role}".rstrip()
    raise WellbeingError(f"{name} must be a whole number from 0 to 10; got {score!r}")


def ons4_band(measure: Measure | str, score: int) -> str:
    """The ONS threshold band of one ONS4 answer, e.g. ``"very high"``."""
    measure = _measure(measure)
    if measure not in ONS4_BANDS:
        raise WellbeingError(f"{LABELS[measure]} is not an ONS4 measure")
    score = _ons4_score(measure, score)
    for low, high, band in ONS4_BANDS[measure]:
        if low <= score <= high:
            return band
    raise AssertionError("the ONS bands cover 0 to 10")  # pragma: no cover


def ons4_scores(answers: Sequence[int]) -> dict[Measure, int]:
    """The four ONS4 answers, in the questions' order, by measure; each a whole number 0-10."""
    if isinstance(answers, str | bytes) or not isinstance(answers, Sequence):
        raise WellbeingError(f"ONS4 needs a list of {len(ONS4_MEASURES)} answers")
    if len(answers) != len(ONS4_MEASURES):
        raise WellbeingError(
            f"ONS4 needs exactly {len(ONS4_MEASURES)} answers, one to each question; "
            f"got {len(answers)}"
        )
    return {
        measure: _ons4_score(measure, score)
        for measure, score in zip(ONS4_MEASURES, answers, strict=True)
    }


def parse_swemwbs_conversion(text: str) -> dict[int, Decimal]:
    """The raw → metric table from CSV text: ``#`` comment lines, a ``raw,metric`` header, then
    exactly the raws 7 to 35 in order, each metric higher than the one before."""
    lines = [line for line in text.splitlines() if not line.lstrip().startswith("#")]
    rows = [row for row in csv.reader(io.StringIO("\n".join(lines))) if row]
    if not rows or [cell.strip() for cell in rows[0]] != _CONVERSION_HEADER:
        raise WellbeingError("the SWEMWBS conversion table must start with the header raw,metric")
    table: dict[int, Decimal] = {}
    expected = SWEMWBS_ITEMS
    previous: Decimal | None = None
    for row in rows[1:]:
        if len(row) != 2:
            raise WellbeingError(f"SWEMWBS conversion row {row!r} must have 2 columns")
        try:
            raw = int(row[0])
            metric = Decimal(row[1].strip())
        except (ValueError, InvalidOperation):
            raise WellbeingError(f"SWEMWBS conversion row {row!r} is not numbers") from None
        if expected > 5 * SWEMWBS_ITEMS:
            raise WellbeingError("the SWEMWBS conversion table runs past raw 35")
        if raw != expected:
            raise WellbeingError(f"SWEMWBS conversion table: expected raw {expected}, found {raw}")
        if not metric.is_finite() or (previous is not None and metric <= previous):
            raise WellbeingError(
                f"SWEMWBS conversion table: metric {metric} for raw {raw} must be higher "
                f"than {previous}"
            )
        table[raw] = metric
        previous = metric
        expected += 1
    if expected != 5 * SWEMWBS_ITEMS + 1:
        raise WellbeingError(
            f"SWEMWBS conversion table stops at raw {expected - 1}; it must run 7 to 35"
        )
    return table


@cache
def swemwbs_conversion() -> Mapping[int, Decimal]:
    """The shipped conversion table, read and checked once; read-only."""
    text = resources.files("coproduce.impact").joinpath("data", _CONVERSION_FILE).read_text()
    return MappingProxyType(parse_swemwbs_conversion(text))


def swemwbs_raw(items: Sequence[int]) -> int:
    """The raw score, 7 to 35, of exactly seven item scores of 1 to 5, in the scale's order."""
    if isinstance(items, str | bytes) or not isinstance(items, Sequence):
        raise WellbeingError("SWEMWBS needs a list of 7 item scores")
    if len(items) != SWEMWBS_ITEMS:
        raise WellbeingError(f"SWEMWBS needs exactly 7 item scores; got {len(items)}")
    for number, score in enumerate(items, start=1):
        if not _whole(score) or not 1 <= score <= 5:
            raise WellbeingError(
                f"SWEMWBS item {number} must be a whole number from 1 to 5; got {score!r}"
            )
    return sum(items)


def swemwbs_metric(items: Sequence[int]) -> Decimal:
    """The metric score of seven item scores, by the published raw → metric table."""
    return swemwbs_conversion()[swemwbs_raw(items)]


def _score(measure: Measure, value: object, role: str) -> Decimal:
    if measure is not Measure.SWEMWBS:
        return Decimal(_ons4_score(measure, value, role))
    # A raw score (7 to 35) passed by mistake is refused here: only 7 and 35 are also metric.
    if isinstance(value, Decimal) and not value.is_nan() and value in swemwbs_conversion().values():
        return value
    raise WellbeingError(
        f"SWEMWBS {role} must be a metric score from the conversion table "
        f"(7.00 to 35.00, from swemwbs_metric); got {value!r}"
    )


def _verdict(measure: Measure, difference: Decimal) -> Verdict:
    # Less anxiety is better; more of every other measure is.
    gain = -difference if measure is Measure.ANXIETY else difference
    threshold = CHANGE_THRESHOLDS[measure]
    if gain >= threshold:
        return Verdict.IMPROVED
    if gain <= -threshold:
        return Verdict.WORSE
    return Verdict.NO_CHANGE


def _decimal(value: Fraction, places: Decimal) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(places, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Change:
    measure: Measure
    before: Score
    after: Score
    difference: Decimal  # after - before, exact; negative is better for anxiety
    threshold: Decimal
    verdict: Verdict

    def as_json(self) -> dict[str, Any]:
        return {
            "measure": self.measure.value,
            "before": float(self.before),
            "after": float(self.after),
            "difference": float(self.difference),
            "threshold": float(self.threshold),
            "verdict": self.verdict.value,
        }


def change(before: Score, after: Score, measure: Measure | str) -> Change:
    """One person's change on one measure, judged against the measure's change threshold.

    ONS4 scores are whole numbers 0 to 10; SWEMWBS scores are metric scores from
    ``swemwbs_metric``."""
    measure = _measure(measure)
    difference = _score(measure, after, "after") - _score(measure, before, "before")
    return Change(
        measure=measure,
        before=before,
        after=after,
        difference=difference,
        threshold=CHANGE_THRESHOLDS[measure],
        verdict=_verdict(measure, difference),
    )


@dataclass(frozen=True)
class CohortChange:
    """A cohort's change. Below the suppression threshold only ``pairs`` is given."""

    measure: Measure
    pairs: int  # people with both a before and an after score
    suppressed: bool
    mean_before: Decimal | None
    mean_after: Decimal | None
    mean_change: Decimal | None
    share_improved: Decimal | None  # fractions of ``pairs``, 0 to 1
    share_no_change: Decimal | None
    share_worse: Decimal | None

    def as_json(self) -> dict[str, Any]:
        def number(value: Decimal | None) -> float | None:
            return float(value) if value is not None else None

        return {
            "measure": self.measure.value,
            "pairs": self.pairs,
            "suppressed": self.suppressed,
            "mean_before": number(self.mean_before),
            "mean_after": number(self.mean_after),
            "mean_change": number(self.mean_change),
            "share_improved": number(self.share_improved),
            "share_no_change": number(self.share_no_change),
            "share_worse": number(self.share_worse),
        }


def cohort_change(
    pairs: Iterable[tuple[Score | None, Score | None]],
    measure: Measure | str,
    *,
    threshold: int = 5,
) -> CohortChange:
    """A cohort's change from (before, after) per person; a ``None`` side leaves the person out.

    With fewer than ``threshold`` complete pairs nothing but their count is returned."""
    measure = _measure(measure)
    if not _whole(threshold) or threshold < 1:
        raise WellbeingError(f"threshold must be a whole number of at least 1; got {threshold!r}")
    firsts: list[Fraction] = []
    seconds: list[Fraction] = []
    verdicts: list[Verdict] = []
    for before, after in pairs:
        if before is None or after is None:
            continue
        first = _score(measure, before, "before")
        second = _score(measure, after, "after")
        firsts.append(Fraction(first))
        seconds.append(Fraction(second))
        verdicts.append(_verdict(measure, second - first))
    count = len(verdicts)
    if count < threshold:
        return CohortChange(measure, count, True, None, None, None, None, None, None)
    mean_before = sum(firsts, Fraction(0)) / count
    mean_after = sum(seconds, Fraction(0)) / count

    def share(verdict: Verdict) -> Decimal:
        return _decimal(Fraction(verdicts.count(verdict), count), _FOUR_PLACES)

    return CohortChange(
        measure=measure,
        pairs=count,
        suppressed=False,
        mean_before=_decimal(mean_before, _TWO_PLACES),
        mean_after=_decimal(mean_after, _TWO_PLACES),
        mean_change=_decimal(mean_after - mean_before, _TWO_PLACES),
        share_improved=share(Verdict.IMPROVED),
        share_no_change=share(Verdict.NO_CHANGE),
        share_worse=share(Verdict.WORSE),
    )
