"""Results of a round: scores from the submitted answers, the previous round of the same
service and the change since it. Managers (``audit.run``) see results at any time; everyone
else in the organisation only once the round is closed. Evidence is not part of results."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.utils import timezone

from coproduce.audit import instruments, scoring
from coproduce.audit.models import Respondent, Round
from coproduce.audit.selectors.rounds import access_round, round_instrument
from coproduce.errors import PermissionDenied
from coproduce.people import permissions
from coproduce.people.permissions import Viewer

CSV_COLUMNS = [
    "section_code",
    "section",
    "staff_respondents",
    "staff_score",
    "member_respondents",
    "member_score",
    "gap",
    "change_staff",
    "change_member",
]
# Staff rating a feature this much higher than members is worth saying in words.
GAP_FLAG = Decimal("0.5")


@dataclass(frozen=True)
class RoundResult:
    round: Round
    instrument: instruments.Instrument
    result: scoring.Result
    previous: Round | None
    previous_result: scoring.Result | None
    # section code (and "overall") -> group -> this score minus the previous one
    change: dict[str, dict[str, Decimal | None]]
    is_closed: bool


def round_responses(round: Round) -> list[scoring.Response]:
    """The round's submitted questionnaires as scoring responses."""
    respondents = (
        Respondent.objects.filter(round=round, submitted_at__isnull=False)
        .prefetch_related("answers")
        .order_by("pk")
    )
    return [
        scoring.Response(
            respondent=str(r.pk),
            group=r.group,
            answers={a.item_code: a.value for a in r.answers.all()},
            ladder=r.ladder_rung or None,
        )
        for r in respondents
    ]


def round_previous(round: Round) -> Round | None:
    """The newest round of the same organisation and service that closed before this opened."""
    return (
        Round.objects.select_related("instrument")
        .filter(
            organisation_id=round.organisation_id,
            service=round.service,
            closes_on__lt=round.opens_on,
        )
        .exclude(pk=round.pk)
        .order_by("-closes_on", "-pk")
        .first()
    )


def round_is_closed(round: Round, *, today: date | None = None) -> bool:
    today = today or timezone.localdate()
    return round.closed_at is not None or today > round.closes_on


def _changes(
    result: scoring.Result, previous: scoring.Result | None
) -> dict[str, dict[str, Decimal | None]]:
    before = {row.code: row for row in previous.sections} if previous else {}
    if previous:
        before["overall"] = previous.overall
    change: dict[str, dict[str, Decimal | None]] = {}
    for row in (*result.sections, result.overall):
        old = before.get(row.code)
        change[row.code] = {}
        for group in scoring.GROUPS:
            now_score = getattr(row, group).score
            old_score = getattr(old, group).score if old else None
            change[row.code][group] = (
                now_score - old_score if now_score is not None and old_score is not None else None
            )
    return change


def round_result(viewer: Viewer, round_id: int, today: date | None = None) -> RoundResult:
    """The round's results, if the viewer may see them now (PermissionDenied before close
    for anyone below manager)."""
    found = access_round(viewer, round_id=round_id)
    closed = round_is_closed(found, today=today)
    if not closed and not permissions.may(viewer, "audit.run", found.organisation_id):
        raise PermissionDenied(
            f"The results are shown once the round closes on {found.closes_on:%-d %B %Y}."
        )
    instrument = round_instrument(found)
    result = scoring.score(instrument, round_responses(found), threshold=found.threshold)
    previous = round_previous(found)
    previous_result = None
    if previous is not None:
        previous_result = scoring.score(
            round_instrument(previous), round_responses(previous), threshold=previous.threshold
        )
    return RoundResult(
        round=found,
        instrument=instrument,
        result=result,
        previous=previous,
        previous_result=previous_result,
        change=_changes(result, previous_result),
        is_closed=closed,
    )


def csv_safe(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection)."""
    return f"'{cell}" if cell[:1] in ("=", "+", "-", "@", "\t", "\r") else cell


def _number(value: Decimal | None) -> str:
    return "" if value is None else str(value)


def results_csv(data: RoundResult) -> str:
    """One row per section and the overall row; text cells are guarded against formulas
    (numbers are written as numbers, so a negative gap keeps its minus sign)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in (*data.result.sections, data.result.overall):
        change = data.change.get(row.code, {})
        writer.writerow(
            [
                csv_safe(row.code),
                csv_safe(row.title),
                row.staff.respondents,
                _number(row.staff.score),
                row.member.respondents,
                _number(row.member.score),
                _number(row.gap),
                _number(change.get("staff")),
                _number(change.get("member")),
            ]
        )
    return out.getvalue()
