"""Wellbeing responses: reads.

A person's scores are personal: they see their own, coordinators and managers see anyone's in
their organisation (each such read is logged, as for other health records), and reports see
only the cohort's change, suppressed below the threshold. SWEMWBS's item texts are licensed and
never shipped; only item scores and the metric score are held."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.safestring import SafeString

from coproduce.coordination.selectors.access import access_record
from coproduce.errors import InvalidInput, NotFound
from coproduce.framework.charts import bar_chart
from coproduce.impact import wellbeing
from coproduce.impact.models import Instrument, WellbeingLicence, WellbeingResponse
from coproduce.impact.wellbeing import LABELS, ONS4_MEASURES, Measure, Score
from coproduce.people import permissions
from coproduce.people.models import Membership
from coproduce.people.permissions import Viewer

VIEW_OWN = "impact.view"
VIEW_PERSON = "impact.view_wellbeing"
REPORT = "impact.report"

_COHORT_CHUNK = 2000


def swemwbs_licensed(organisation_id: int) -> bool:
    """Whether the organisation has recorded that it holds the SWEMWBS licence."""
    return WellbeingLicence.objects.filter(
        organisation_id=organisation_id, swemwbs_licence_held=True
    ).exists()


def own_responses(*, viewer: Viewer, organisation_id: int) -> list[WellbeingResponse]:
    """The viewer's own responses in the organisation, oldest first."""
    permissions.check(viewer, VIEW_OWN, organisation_id, action="see your wellbeing answers")
    return list(
        WellbeingResponse.objects.filter(
            organisation_id=organisation_id, person_id=viewer.person_id or 0
        ).order_by("taken_on", "instrument", "pk")
    )


def person_responses(
    *, viewer: Viewer, organisation_id: int, person_id: int
) -> list[WellbeingResponse]:
    """A person's responses in the organisation, oldest first (coordinators up; the read is
    logged). A person who was never a member of the organisation is not found."""
    permissions.check(
        viewer, VIEW_PERSON, organisation_id, action="see a person's wellbeing answers"
    )
    membership = (
        Membership.objects.select_related("person")
        .filter(organisation_id=organisation_id, person_id=person_id)
        .first()
    )
    if membership is None:
        raise NotFound("No such person in this organisation.")
    responses = list(
        WellbeingResponse.objects.filter(
            organisation_id=organisation_id, person_id=person_id
        ).order_by("taken_on", "instrument", "pk")
    )
    access_record(
        viewer=viewer,
        subject=membership.person,
        what="wellbeing answers",
        organisation_id=organisation_id,
        object_ref=f"person:{person_id}",
    )
    return responses


def _scores(instrument: str, answers: Any, score: Decimal | None) -> dict[Measure, Score | None]:
    if instrument == Instrument.SWEMWBS:
        return {Measure.SWEMWBS: score}
    return dict(zip(ONS4_MEASURES, answers, strict=True))


def _measures_of(instrument: str) -> tuple[Measure, ...]:
    return (Measure.SWEMWBS,) if instrument == Instrument.SWEMWBS else ONS4_MEASURES


def person_changes(responses: Sequence[WellbeingResponse]) -> list[dict[str, Any]]:
    """One person's change per measure, their first response against their latest (ONS4's
    four measures, then SWEMWBS). A measure answered only once has no change and is left
    out. Each is ``wellbeing.Change.as_json()`` with its ``label``, ``first_on``, ``latest_on``
    and the number of ``responses``."""
    by_instrument: dict[str, list[WellbeingResponse]] = {}
    for response in responses:
        by_instrument.setdefault(response.instrument, []).append(response)
    changes: list[dict[str, Any]] = []
    for instrument in (Instrument.ONS4, Instrument.SWEMWBS):
        taken = sorted(by_instrument.get(instrument, []), key=lambda r: (r.taken_on, r.pk))
        if len(taken) < 2:
            continue
        first, latest = taken[0], taken[-1]
        before = _scores(instrument, first.answers, first.score)
        after = _scores(instrument, latest.answers, latest.score)
        for measure in _measures_of(instrument):
            was, now = before[measure], after[measure]
            if was is None or now is None:
                continue
            changes.append(
                {
                    **wellbeing.change(was, now, measure).as_json(),
                    "label": LABELS[measure],
                    "first_on": first.taken_on,
                    "latest_on": latest.taken_on,
                    "responses": len(taken),
                }
            )
    return changes


def _day(value: object, field: str, label: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidInput(field, f"Give the {label} of the period as a date.")
    return value


def cohort_changes(
    *,
    viewer: Viewer,
    organisation_id: int,
    service: str | None = None,
    area_id: int | None = None,
    start: date,
    end: date,
) -> list[dict[str, Any]]:
    """The cohort's change per measure, ``wellbeing.CohortChange.as_json()`` each: ONS4's four,
    then SWEMWBS when any SWEMWBS response falls in the window. Each person's first and last
    response in [start, end] make their pair; one response alone makes none. ``service``
    filters on the response's service, ``area_id`` on the person's area. Suppressed below
    ``COPRODUCE_SUPPRESSION_THRESHOLD`` pairs. One query, streamed."""
    permissions.check(viewer, REPORT, organisation_id, action="see wellbeing change")
    first_day = _day(start, "start", "start")
    last_day = _day(end, "end", "end")
    if first_day > last_day:
        raise InvalidInput("end", "The end of the period must not be before its start.")
    rows = WellbeingResponse.objects.filter(
        organisation_id=organisation_id, taken_on__gte=first_day, taken_on__lte=last_day
    )
    if service:
        rows = rows.filter(service=service)
    if area_id is not None:
        rows = rows.filter(person__area_id=area_id)
    # Ordered by person then date, so each (person, instrument)'s first row is its earliest and
    # the last row seen its latest: only those two are kept, however many a person has.
    ordered = rows.order_by("person_id", "instrument", "taken_on", "pk").values_list(
        "person_id", "instrument", "answers", "score"
    )
    ends: dict[tuple[int, str], list[dict[Measure, Score | None]]] = {}
    for person_id, instrument, answers, score in ordered.iterator(chunk_size=_COHORT_CHUNK):
        scores = _scores(instrument, answers, score)
        pair = ends.get((person_id, instrument))
        if pair is None:
            ends[(person_id, instrument)] = [scores]
        elif len(pair) == 1:
            pair.append(scores)
        else:
            pair[1] = scores
    pairs: dict[Measure, list[tuple[Score | None, Score | None]]] = {}
    swemwbs_seen = False
    for (_, instrument), taken in ends.items():
        swemwbs_seen = swemwbs_seen or instrument == Instrument.SWEMWBS
        if len(taken) < 2:
            continue
        for measure in _measures_of(instrument):
            pairs.setdefault(measure, []).append((taken[0][measure], taken[1][measure]))
    measures = [*ONS4_MEASURES, *([Measure.SWEMWBS] if swemwbs_seen else [])]
    threshold = settings.COPRODUCE_SUPPRESSION_THRESHOLD
    changes = [
        wellbeing.cohort_change(pairs.get(measure, []), measure, threshold=threshold).as_json()
        for measure in measures
    ]
    for change in changes:
        # A count of people under the threshold is itself suppressed (DESIGN invariant 3).
        if change["suppressed"] and change["pairs"]:
            change["pairs"] = None
    return changes


def wellbeing_charts(cohort: list[dict[str, Any]]) -> list[SafeString]:
    """Bar charts of ``cohort_changes``: ONS4's mean scores at people's first and last answers,
    SWEMWBS's likewise when shown, and the share of people who improved on each measure. A
    suppressed measure is left out of the bars and named in the caption; no chart is drawn
    when nothing can be shown."""
    shown = [row for row in cohort if not row["suppressed"]]
    hidden = [LABELS[Measure(row["measure"])] for row in cohort if row["suppressed"]]
    left_out = (
        f" Not shown, as fewer than {settings.COPRODUCE_SUPPRESSION_THRESHOLD} people answered "
        f"twice: {', '.join(hidden)}."
        if hidden
        else ""
    )
    charts: list[SafeString] = []
    ons4 = [row for row in shown if Measure(row["measure"]) in ONS4_MEASURES]
    if ons4:
        rows: list[tuple[str, float, str]] = []
        for row in ons4:
            label = LABELS[Measure(row["measure"])]
            rows.append((label, row["mean_before"], "first answers"))
            rows.append((label, row["mean_after"], "last answers"))
        charts.append(
            bar_chart(
                title="ONS4 personal wellbeing: mean score, first and last answers",
                rows=rows,
                unit="out of 10",
                caption="Each person's first and last answers in the period. For anxiety a "
                "lower score is better." + left_out,
            )
        )
    swemwbs = [row for row in shown if row["measure"] == Measure.SWEMWBS.value]
    for row in swemwbs:
        charts.append(
            bar_chart(
                title="SWEMWBS: mean metric score, first and last answers",
                rows=[
                    ("SWEMWBS", row["mean_before"], "first answers"),
                    ("SWEMWBS", row["mean_after"], "last answers"),
                ],
                unit="points",
                caption=f"Metric scores, 7 to 35, of {row['pairs']} people's first and last "
                "answers in the period.",
            )
        )
    if shown:
        thresholds = (
            f"{wellbeing.ONS4_CHANGE_THRESHOLD} point on ONS4 (less anxiety counts as better)"
        )
        if swemwbs:
            thresholds += f", {wellbeing.SWEMWBS_CHANGE_THRESHOLD} metric points on SWEMWBS"
        charts.append(
            bar_chart(
                title="People whose score improved",
                rows=[
                    (LABELS[Measure(row["measure"])], round(100 * row["share_improved"], 2))
                    for row in shown
                ],
                unit="%",
                caption=f"Per cent of the people who answered twice whose score improved by at "
                f"least {thresholds}." + left_out,
            )
        )
    return charts
