"""Outcome indicator pages: the list of an organisation's indicators, proposing one, its page
(benefits, agreements, records), agreeing, adopting and retiring it, recording outcomes and
verifying a record. Thin: parse, call one service, render."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse

from coproduce.framework.forms import form_data, form_submit, long_date
from coproduce.framework.pagination import paginate
from coproduce.impact.forms_indicators import (
    AgreeForm,
    ConfirmForm,
    IndicatorProposeForm,
    RecordForm,
    ServiceFilterForm,
    VerifyForm,
)
from coproduce.impact.models import IndicatorAgreement, IndicatorStatus, OutcomeIndicator
from coproduce.impact.selectors import costs as cost_selectors
from coproduce.impact.selectors import outcomes as selectors
from coproduce.impact.services import outcomes as services
from coproduce.impact.value import OPTIMISM_BIAS
from coproduce.impact.views.home import organisation_of
from coproduce.people import permissions
from coproduce.people.permissions import Viewer, viewer_of

# A select of unit costs stays usable; an organisation with more adds them by code.
UNIT_COST_CHOICES = 500


def _with_people(indicators: Any) -> Any:
    """Who proposed each indicator and who agreed, fetched with the list rather than once per
    row."""
    return indicators.select_related("proposed_by").prefetch_related(
        Prefetch(
            "agreements",
            queryset=IndicatorAgreement.objects.select_related("person").order_by(
                "agreed_at", "pk"
            ),
        )
    )


def _names_shown(viewer: Viewer, organisation_id: int) -> bool:
    """Commissioners read figures, never names (DESIGN invariant 3): they see how many people
    agreed, not who."""
    return permissions.may(viewer, "impact.propose", organisation_id)


def _unit_cost_choices(viewer: Viewer, organisation_id: int) -> list[tuple[str, Any]]:
    groups: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for cost in cost_selectors.unit_costs(viewer, organisation_id)[:UNIT_COST_CHOICES]:
        whose = "" if cost.organisation_id is None else ", our own"
        groups[str(cost.get_agency_display())].append(
            (
                cost.pk,
                f"{cost.code} {cost.description}: £{cost.value:,} {cost.unit.lower()} "
                f"({cost.price_year} prices{whose})",
            )
        )
    return list(groups.items())


@login_required
def indicator_list(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    names = selectors.services_of(viewer=viewer, organisation_id=organisation_id)
    chosen = ServiceFilterForm(request.GET if "service" in request.GET else None, services=names)
    service = (chosen.cleaned_data["service"] or None) if chosen.is_valid() else None
    indicators = selectors.indicator_list(
        viewer=viewer, organisation_id=organisation_id, service=service
    )
    page = paginate(request, _with_people(indicators), per_page=25)
    return render(
        request,
        "impact/indicator_list.html",
        {
            "organisation": organisation_of(viewer, organisation_id),
            "filter": chosen,
            "service": service,
            "page": page,
            "indicators": page.object_list,
            "names_shown": _names_shown(viewer, organisation_id),
            "may_propose": permissions.may(viewer, "impact.propose", organisation_id),
        },
        status=400 if chosen.errors else 200,
    )


@login_required
def indicator_propose(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    permissions.check(
        viewer, "impact.propose", organisation_id, action="propose outcome indicators"
    )
    form = IndicatorProposeForm(
        form_data(request), unit_costs=_unit_cost_choices(viewer, organisation_id)
    )
    proposed = form_submit(
        request,
        form,
        lambda d: services.indicator_propose(
            viewer=viewer,
            organisation_id=organisation_id,
            service=d["service"],
            name=d["name"],
            description=d["description"],
            how_measured=d["how_measured"],
            unit=d["unit"],
            concerns=d["concerns"],
            benefits=[services.BenefitInput(**row) for row in form.benefits()],
            unit_cost_id=d["unit_cost"],
            split_rule=d["split_rule"],
            confidence_grade=d["confidence_grade"],
        ),
        fields={"benefits": "agency_1", "unit_cost_id": "unit_cost"},
    )
    if proposed is not None:
        messages.success(
            request,
            f"“{proposed.name}” is proposed. Once someone else agrees to it, a manager can "
            "adopt it.",
        )
        return redirect("impact:indicator_detail", indicator_id=proposed.pk)
    return render(
        request,
        "impact/indicator_propose.html",
        {
            "organisation": organisation_of(viewer, organisation_id),
            "form": form,
            "optimism_bias": sorted(OPTIMISM_BIAS.items()),
            "cancel_url": reverse("impact:indicator_list", args=[organisation_id]),
        },
        status=400 if form.errors else 200,
    )


def _indicator_context(viewer: Viewer, indicator: OutcomeIndicator) -> dict[str, Any]:
    organisation_id = indicator.organisation_id
    agreements = list(
        IndicatorAgreement.objects.filter(indicator=indicator)
        .select_related("person")
        .order_by("agreed_at", "pk")
    )
    person_id = viewer.person_id
    active = indicator.status != IndicatorStatus.RETIRED
    return {
        "indicator": indicator,
        "organisation": organisation_of(viewer, organisation_id),
        "benefits": list(indicator.benefits.all()),
        "agreements": agreements,
        "names_shown": _names_shown(viewer, organisation_id),
        "bias": OPTIMISM_BIAS.get(indicator.confidence_grade),
        "may_agree": active
        and permissions.may(viewer, "impact.propose", organisation_id)
        and indicator.proposed_by_id != person_id
        and all(agreement.person_id != person_id for agreement in agreements),
        "agreed_by_viewer": any(agreement.person_id == person_id for agreement in agreements),
        "may_manage": permissions.may(viewer, "impact.manage", organisation_id),
        "may_record": permissions.may(viewer, "impact.record", organisation_id),
        "may_verify": permissions.may(viewer, "impact.verify", organisation_id),
    }


@login_required
def indicator_detail(request: HttpRequest, indicator_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    indicator = selectors.indicator_get(viewer=viewer, indicator_id=indicator_id)
    context = _indicator_context(viewer, indicator)
    if context["may_record"]:
        records = selectors.record_list(
            viewer=viewer, organisation_id=indicator.organisation_id, indicator_id=indicator.pk
        )
        context["page"] = paginate(request, records, per_page=20)
        context["records"] = context["page"].object_list
        if indicator.status == IndicatorStatus.AGREED:
            context["record_form"] = RecordForm()
    if context["may_agree"]:
        context["agree_form"] = AgreeForm()
    return render(request, "impact/indicator_detail.html", context)


@login_required
def indicator_agree(request: HttpRequest, indicator_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    indicator = selectors.access_indicator(
        viewer,
        indicator_id=indicator_id,
        ability="impact.propose",
        action="agree to outcome indicators",
    )
    form = AgreeForm(form_data(request))
    agreed = form_submit(
        request,
        form,
        lambda d: services.indicator_agree(
            viewer=viewer, indicator_id=indicator_id, comment=d["comment"]
        ),
    )
    if agreed is not None:
        messages.success(request, f"You agreed to “{indicator.name}”. Thank you.")
        return redirect("impact:indicator_detail", indicator_id=indicator_id)
    return render(
        request,
        "impact/indicator_agree.html",
        {
            "indicator": indicator,
            "form": form,
            "cancel_url": reverse("impact:indicator_detail", args=[indicator_id]),
        },
        status=400 if form.errors else 200,
    )


def _manage(request: HttpRequest, indicator_id: int, *, retire: bool) -> HttpResponse:
    """Adopting and retiring: a page that says what will happen, then one button."""
    viewer = viewer_of(request)
    indicator = selectors.access_indicator(
        viewer,
        indicator_id=indicator_id,
        ability="impact.manage",
        action="retire outcome indicators" if retire else "adopt outcome indicators",
    )
    form = ConfirmForm(form_data(request))
    done = form_submit(
        request,
        form,
        lambda d: (services.indicator_retire if retire else services.indicator_adopt)(
            viewer=viewer, indicator_id=indicator_id
        ),
    )
    if done is not None:
        messages.success(
            request,
            f"“{done.name}” is retired: nothing more is recorded against it."
            if retire
            else f"“{done.name}” is adopted: outcomes can now be recorded against it.",
        )
        return redirect("impact:indicator_detail", indicator_id=indicator_id)
    context = _indicator_context(viewer, indicator)
    context.update(
        {
            "form": form,
            "cancel_url": reverse("impact:indicator_detail", args=[indicator_id]),
            "records_held": indicator.records.count() if retire else 0,
        }
    )
    return render(
        request,
        "impact/indicator_retire.html" if retire else "impact/indicator_adopt.html",
        context,
        status=400 if form.errors else 200,
    )


@login_required
def indicator_adopt(request: HttpRequest, indicator_id: int) -> HttpResponse:
    return _manage(request, indicator_id, retire=False)


@login_required
def indicator_retire(request: HttpRequest, indicator_id: int) -> HttpResponse:
    return _manage(request, indicator_id, retire=True)


@login_required
def outcome_record(request: HttpRequest, indicator_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    indicator = selectors.access_indicator(
        viewer, indicator_id=indicator_id, ability="impact.record", action="record outcomes"
    )
    form = RecordForm(form_data(request))
    recorded = form_submit(
        request,
        form,
        lambda d: services.outcome_record(
            viewer=viewer,
            indicator_id=indicator_id,
            period_start=d["period_start"],
            period_end=d["period_end"],
            quantity=d["quantity"],
            evidence=d["evidence"],
            area_id=d["area"].pk if d["area"] is not None else None,
        ),
        fields={"area_id": "area"},
    )
    if recorded is not None:
        messages.success(
            request,
            f"{_quantity(recorded.quantity)} ({indicator.unit}) recorded for "
            f"{long_date(recorded.period_start)} to {long_date(recorded.period_end)}. "
            "It counts once someone else has verified it.",
        )
        return redirect("impact:indicator_detail", indicator_id=indicator_id)
    return render(
        request,
        "impact/outcome_record.html",
        {
            "indicator": indicator,
            "form": form,
            "cancel_url": reverse("impact:indicator_detail", args=[indicator_id]),
        },
        status=400 if form.errors else 200,
    )


def _quantity(quantity: Decimal) -> str:
    return f"{quantity.normalize():f}" if quantity == quantity.to_integral() else f"{quantity:f}"


@login_required
def outcome_verify(request: HttpRequest, record_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    record = selectors.access_record(
        viewer, record_id=record_id, ability="impact.verify", action="verify outcomes"
    )
    form = VerifyForm(form_data(request))
    verified = form_submit(
        request,
        form,
        lambda d: services.outcome_verify(viewer=viewer, record_id=record_id, note=d["note"]),
    )
    if verified is not None:
        messages.success(request, "The record is verified: it now counts in value and reports.")
        return redirect("impact:indicator_detail", indicator_id=record.indicator_id)
    return render(
        request,
        "impact/outcome_verify.html",
        {
            "record": record,
            "indicator": record.indicator,
            "quantity": _quantity(record.quantity),
            "recorded_by_viewer": record.recorded_by_id == viewer.person_id,
            "form": form,
            "cancel_url": reverse("impact:indicator_detail", args=[record.indicator_id]),
        },
        status=400 if form.errors else 200,
    )


urlpatterns: list[URLPattern] = [
    path("organisations/<int:organisation_id>/indicators/", indicator_list, name="indicator_list"),
    path(
        "organisations/<int:organisation_id>/indicators/propose/",
        indicator_propose,
        name="indicator_propose",
    ),
    path("indicators/<int:indicator_id>/", indicator_detail, name="indicator_detail"),
    path("indicators/<int:indicator_id>/agree/", indicator_agree, name="indicator_agree"),
    path("indicators/<int:indicator_id>/adopt/", indicator_adopt, name="indicator_adopt"),
    path("indicators/<int:indicator_id>/retire/", indicator_retire, name="indicator_retire"),
    path("indicators/<int:indicator_id>/record/", outcome_record, name="outcome_record"),
    path("records/<int:record_id>/verify/", outcome_verify, name="outcome_verify"),
]
