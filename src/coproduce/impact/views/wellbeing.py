"""Wellbeing pages: your own answers and how they changed, entering someone's answers (staff,
by membership number), the SWEMWBS licence (managers) and the cohort's change (reports).
Thin: parse, call one service or selector, render."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone

from coproduce.errors import InvalidInput
from coproduce.framework.forms import form_data, form_submit, long_date
from coproduce.impact import wellbeing
from coproduce.impact.forms_wellbeing import (
    CohortFilterForm,
    LicenceForm,
    Ons4ResponseForm,
    ResponseForm,
    SwemwbsResponseForm,
)
from coproduce.impact.models import Instrument, WellbeingResponse
from coproduce.impact.selectors import outcomes as outcome_selectors
from coproduce.impact.selectors import wellbeing as selectors
from coproduce.impact.services import wellbeing as services
from coproduce.impact.views.home import organisation_of
from coproduce.people import permissions
from coproduce.people import selectors as people_selectors
from coproduce.people.models import Organisation
from coproduce.people.numbers import membership_number_normalise
from coproduce.people.permissions import Viewer, viewer_of

COHORT_DAYS = 365


def _answers_shown(response: WellbeingResponse) -> list[tuple[str, str]]:
    """What a person reads of their own answers: ONS4's four scores; for SWEMWBS the metric
    score only (the items' wording is licensed, and the items alone mean little)."""
    if response.instrument == Instrument.SWEMWBS:
        return [("Metric score", f"{response.score}")]
    return [
        (wellbeing.LABELS[measure], f"{answer} out of 10")
        for measure, answer in zip(wellbeing.ONS4_MEASURES, response.answers, strict=False)
    ]


@login_required
def wellbeing_home(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    own = selectors.own_responses(viewer=viewer, organisation_id=organisation_id)
    changes = selectors.person_changes(own)
    for change in changes:
        change["better_when_lower"] = change["measure"] == wellbeing.Measure.ANXIETY
    return render(
        request,
        "impact/wellbeing_home.html",
        {
            "organisation": organisation_of(viewer, organisation_id),
            "responses": [
                {"response": response, "answers": _answers_shown(response)}
                for response in reversed(own)
            ],
            "changes": changes,
            "licensed": selectors.swemwbs_licensed(organisation_id),
            "may_record": permissions.may(viewer, "impact.record", organisation_id),
            "may_manage": permissions.may(viewer, "impact.manage", organisation_id),
            "may_report": permissions.may(viewer, "impact.report", organisation_id),
        },
    )


def _person_by_number(viewer: Viewer, organisation: Organisation, number: str) -> int:
    """The person with this membership number among the organisation's active members, read
    through the members selector; the service checks the membership again."""
    found = (
        people_selectors.membership_list(viewer=viewer, organisation=organisation)
        .filter(number=membership_number_normalise(number))
        .values_list("person_id", flat=True)
        .first()
    )
    if found is None:
        raise InvalidInput(
            "number", f"No active member of {organisation.name} has the number “{number}”."
        )
    return int(found)


@login_required
def wellbeing_record(request: HttpRequest, organisation_id: int, instrument: str) -> HttpResponse:
    viewer = viewer_of(request)
    if instrument not in Instrument.values:
        raise Http404("No such instrument.")
    permissions.check(viewer, "impact.record", organisation_id, action="record wellbeing answers")
    organisation = organisation_of(viewer, organisation_id)
    licensed = selectors.swemwbs_licensed(organisation_id)
    context: dict[str, Any] = {
        "organisation": organisation,
        "instrument": Instrument(instrument),
        "licensed": licensed,
        "introduction": wellbeing.ONS4_INTRODUCTION,
        "attribution": wellbeing.ONS4_ATTRIBUTION,
        "licence_note": wellbeing.swemwbs_licence_required,
        "may_manage": permissions.may(viewer, "impact.manage", organisation_id),
        "cancel_url": reverse("impact:wellbeing_home", args=[organisation_id]),
    }
    if instrument == Instrument.SWEMWBS and not licensed:
        return render(request, "impact/wellbeing_record.html", context)
    form: ResponseForm = (
        SwemwbsResponseForm(form_data(request))
        if instrument == Instrument.SWEMWBS
        else Ons4ResponseForm(form_data(request))
    )
    recorded = form_submit(
        request,
        form,
        lambda d: services.response_record(
            viewer=viewer,
            organisation_id=organisation_id,
            person_id=_person_by_number(viewer, organisation, d["number"]),
            instrument=instrument,
            taken_on=d["taken_on"],
            answers=form.answers(),
            service=d["service"],
        ),
        fields={"person": "number", "person_id": "number"},
    )
    if recorded is not None:
        messages.success(
            request,
            f"{Instrument(instrument).label} answers of {long_date(recorded.taken_on)} are "
            f"recorded for {recorded.person.display_name}.",
        )
        return redirect(
            "impact:wellbeing_record", organisation_id=organisation_id, instrument=instrument
        )
    context["form"] = form
    context["details"] = [form[name] for name in ("number", "taken_on", "service")]
    context["questions"] = [form[name] for name in form.answer_fields()]
    return render(
        request,
        "impact/wellbeing_record.html",
        context,
        status=400 if form.errors else 200,
    )


@login_required
def licence(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    permissions.check(viewer, "impact.manage", organisation_id, action="record the SWEMWBS licence")
    held = selectors.swemwbs_licensed(organisation_id)
    form = LicenceForm(form_data(request), initial={"held": held})
    recorded = form_submit(
        request,
        form,
        lambda d: services.licence_record(
            viewer=viewer,
            organisation_id=organisation_id,
            held=d["held"],
            reference=d["reference"],
        ),
    )
    if recorded is not None:
        messages.success(
            request,
            "Recorded: your organisation holds the SWEMWBS licence."
            if recorded.swemwbs_licence_held
            else "Recorded: your organisation does not hold the SWEMWBS licence.",
        )
        return redirect("impact:wellbeing_home", organisation_id=organisation_id)
    return render(
        request,
        "impact/wellbeing_licence.html",
        {
            "organisation": organisation_of(viewer, organisation_id),
            "form": form,
            "held": held,
            "licence_note": wellbeing.swemwbs_licence_required,
            "cancel_url": reverse("impact:wellbeing_home", args=[organisation_id]),
        },
        status=400 if form.errors else 200,
    )


@login_required
def cohort(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    names = outcome_selectors.services_of(viewer=viewer, organisation_id=organisation_id)
    today = timezone.localdate()
    sent = "start" in request.GET or "end" in request.GET
    form = CohortFilterForm(
        request.GET if sent else {"start": today - timedelta(days=COHORT_DAYS), "end": today},
        services=names,
    )
    rows: list[dict[str, Any]] = []
    charts: list[Any] = []
    if form.is_valid():
        d = form.cleaned_data
        try:
            rows = selectors.cohort_changes(
                viewer=viewer,
                organisation_id=organisation_id,
                service=d["service"] or None,
                area_id=d["area"].pk if d["area"] is not None else None,
                start=d["start"],
                end=d["end"],
            )
        except InvalidInput as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            charts = selectors.wellbeing_charts(rows)
    else:
        # The filter is wrong: the permission is still checked before saying so.
        permissions.check(viewer, "impact.report", organisation_id, action="see wellbeing change")
    for row in rows:
        row["label"] = wellbeing.LABELS[wellbeing.Measure(row["measure"])]
    return render(
        request,
        "impact/wellbeing_cohort.html",
        {
            "organisation": organisation_of(viewer, organisation_id),
            "form": form,
            "rows": rows,
            "charts": charts,
            "threshold": settings.COPRODUCE_SUPPRESSION_THRESHOLD,
        },
        status=400 if form.errors else 200,
    )


urlpatterns: list[URLPattern] = [
    path("organisations/<int:organisation_id>/wellbeing/", wellbeing_home, name="wellbeing_home"),
    path(
        "organisations/<int:organisation_id>/wellbeing/record/<str:instrument>/",
        wellbeing_record,
        name="wellbeing_record",
    ),
    path(
        "organisations/<int:organisation_id>/wellbeing/licence/",
        licence,
        name="wellbeing_licence",
    ),
    path("organisations/<int:organisation_id>/wellbeing/cohort/", cohort, name="wellbeing_cohort"),
]
