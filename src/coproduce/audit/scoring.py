"""Scoring a round, the same for answers in the database and for a paper CSV.

A respondent's section score is the mean of the items they answered in that section ("don't
know" is not an answer); a group's section score is the mean of those respondents' section
scores, over the respondents who answered at least one item of it. Means are exact fractions,
rounded once, at the end, to 2 places half-up. A group with fewer respondents than the
threshold shows no score. The overall score is the same over every item; the ladder is counted,
not scored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from coproduce.audit.instruments import Instrument
from coproduce.framework.rows import RowError as RowError
from coproduce.framework.rows import csv_with_header, data_rows

GROUPS = ("staff", "member")
CSV_COLUMNS = ["respondent", "group", "item", "answer"]
_TWO_PLACES = Decimal("0.01")


@dataclass(frozen=True)
class Response:
    respondent: str
    group: str  # "staff" | "member"
    answers: Mapping[str, int | None]  # None = don't know
    ladder: str | None = None  # a rung code


@dataclass(frozen=True)
class GroupScore:
    respondents: int
    score: Decimal | None
    band: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "respondents": self.respondents,
            "score": float(self.score) if self.score is not None else None,
        }


@dataclass(frozen=True)
class ScoreRow:
    code: str
    title: str
    staff: GroupScore
    member: GroupScore
    gap: Decimal | None

    def as_json(self) -> dict[str, Any]:
        return {
            "staff": self.staff.as_json(),
            "member": self.member.as_json(),
            "gap": float(self.gap) if self.gap is not None else None,
        }


@dataclass(frozen=True)
class Result:
    sections: tuple[ScoreRow, ...]
    overall: ScoreRow
    items: tuple[ScoreRow, ...]
    ladder: dict[str, dict[str, int]]  # group -> rung code -> count ({} when suppressed)
    ladder_respondents: dict[str, int]  # group -> respondents who placed the activity
    threshold: int

    def as_json(self) -> dict[str, Any]:
        return {
            "sections": [{"code": row.code, **row.as_json()} for row in self.sections],
            "overall": self.overall.as_json(),
        }


def _round(value: Fraction) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    # Decimal division is to 28 significant digits; a score is at most 100, so the digit that
    # decides the rounding is exact unless the fraction repeats, where half-up cannot tie.
    return exact.quantize(_TWO_PLACES, rounding=ROUND_HALF_UP)


def _mean(values: list[int]) -> Fraction:
    return Fraction(sum(values), len(values))


def _group_score(
    instrument: Instrument, per_respondent: list[Fraction], threshold: int
) -> GroupScore:
    count = len(per_respondent)
    if count < threshold or count == 0:
        return GroupScore(respondents=count, score=None, band=None)
    score = _round(sum(per_respondent, Fraction(0)) / count)
    return GroupScore(respondents=count, score=score, band=instrument.band_for(score))


def _row(
    instrument: Instrument,
    code: str,
    title: str,
    per_group: dict[str, list[Fraction]],
    threshold: int,
) -> ScoreRow:
    staff = _group_score(instrument, per_group["staff"], threshold)
    member = _group_score(instrument, per_group["member"], threshold)
    gap = None
    if staff.score is not None and member.score is not None:
        gap = staff.score - member.score
    return ScoreRow(code=code, title=title, staff=staff, member=member, gap=gap)


def score(instrument: Instrument, responses: Iterable[Response], *, threshold: int = 5) -> Result:
    if not 1 <= threshold <= 100:
        raise ValueError("threshold must be from 1 to 100")
    responses = list(responses)
    for response in responses:
        if response.group not in GROUPS:
            raise ValueError(f"unknown group {response.group!r}")

    def answered(response: Response, codes: Iterable[str]) -> list[int]:
        return [v for code in codes if (v := response.answers.get(code)) is not None]

    sections = []
    for section in instrument.sections:
        codes = [item.code for item in section.items]
        per_group: dict[str, list[Fraction]] = {group: [] for group in GROUPS}
        for response in responses:
            values = answered(response, codes)
            if values:
                per_group[response.group].append(_mean(values))
        sections.append(_row(instrument, section.code, section.title, per_group, threshold))

    every_code = [item.code for item in instrument.items()]
    overall_groups: dict[str, list[Fraction]] = {group: [] for group in GROUPS}
    for response in responses:
        values = answered(response, every_code)
        if values:
            overall_groups[response.group].append(_mean(values))
    overall = _row(instrument, "overall", "Overall", overall_groups, threshold)

    items = []
    for item in instrument.items():
        item_groups: dict[str, list[Fraction]] = {group: [] for group in GROUPS}
        for response in responses:
            value = response.answers.get(item.code)
            if value is not None:
                item_groups[response.group].append(Fraction(value))
        items.append(_row(instrument, item.code, item.text, item_groups, threshold))

    ladder: dict[str, dict[str, int]] = {}
    ladder_respondents: dict[str, int] = {}
    for group in GROUPS:
        placed = [r.ladder for r in responses if r.group == group and r.ladder is not None]
        ladder_respondents[group] = len(placed)
        counts: dict[str, int] = {}
        if len(placed) >= threshold and instrument.ladder is not None:
            for rung in instrument.ladder.rungs:
                counts[rung.code] = sum(1 for code in placed if code == rung.code)
        ladder[group] = counts
    return Result(
        sections=tuple(sections),
        overall=overall,
        items=tuple(items),
        ladder=ladder,
        ladder_respondents=ladder_respondents,
        threshold=threshold,
    )


def responses_from_csv(text: str, instrument: Instrument) -> tuple[list[Response], list[RowError]]:
    """Responses from a CSV of ``respondent, group, item, answer``, and every bad row."""
    errors: list[RowError] = []
    opened = csv_with_header(text)
    if isinstance(opened, RowError):
        return [], [opened]
    reader, header = opened
    if header != CSV_COLUMNS:
        return [], [
            RowError(
                1,
                f"the header must be exactly {', '.join(CSV_COLUMNS)}; found {', '.join(header)}",
            )
        ]
    groups: dict[str, str] = {}
    first_group_row: dict[str, int] = {}
    answers: dict[str, dict[str, int | None]] = {}
    ladders: dict[str, str] = {}
    seen: dict[tuple[str, str], int] = {}
    order: list[str] = []
    ladder = instrument.ladder
    for found in data_rows(reader, len(CSV_COLUMNS)):
        if isinstance(found, RowError):
            errors.append(found)
            continue
        row_number, row = found
        respondent, group, code, answer = (cell.strip() for cell in row)
        problems: list[str] = []
        if not respondent:
            problems.append("the respondent is empty")
        if group not in GROUPS:
            problems.append(f"group must be staff or member, not '{group}'")
        item = instrument.item(code)
        is_ladder = ladder is not None and code == ladder.code
        value: int | None = None
        rung_code: str | None = None
        if item is None and not is_ladder:
            problems.append(f"unknown item code '{code}'")
        elif is_ladder and ladder is not None:
            if answer:
                rung = ladder.rung_for(answer)
                if rung is None:
                    problems.append(
                        f"'{answer}' is not a rung of the ladder "
                        f"({', '.join(r.code for r in ladder.rungs)})"
                    )
                else:
                    rung_code = rung.code
        elif item is not None and answer:
            try:
                value = int(answer)
            except ValueError:
                problems.append(f"answer '{answer}' is not a whole number")
            else:
                if not item.scale.min <= value <= item.scale.max:
                    problems.append(
                        f"answer {value} is off the scale of {code} "
                        f"({item.scale.min} to {item.scale.max})"
                    )
        if respondent and (item is not None or is_ladder) and (respondent, code) in seen:
            problems.append(
                f"respondent '{respondent}' answers {code} twice "
                f"(first on row {seen[respondent, code]})"
            )
        if respondent and group in GROUPS and groups.get(respondent, group) != group:
            problems.append(
                f"respondent '{respondent}' is in both groups "
                f"({groups[respondent]} on row {first_group_row[respondent]})"
            )
        if problems:
            errors.extend(RowError(row_number, problem) for problem in problems)
            continue
        if respondent not in groups:
            groups[respondent] = group
            first_group_row[respondent] = row_number
            order.append(respondent)
            answers[respondent] = {}
        seen[respondent, code] = row_number
        if is_ladder:
            if rung_code is not None:
                ladders[respondent] = rung_code
        else:
            answers[respondent][code] = value
    responses = [
        Response(
            respondent=respondent,
            group=groups[respondent],
            answers=answers[respondent],
            ladder=ladders.get(respondent),
        )
        for respondent in order
    ]
    return responses, errors
