"""Audit instrument pages: an organisation's copies, one copy's versions, editing a copy (a
new version) and copying the shipped default. Thin: parse, call one service, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse

from coproduce.audit import instruments as documents
from coproduce.audit.forms_instruments import ConfirmForm, InstrumentTextForm
from coproduce.audit.selectors import instruments as selectors
from coproduce.audit.services import instruments as services
from coproduce.framework.forms import form_data, form_submit
from coproduce.framework.pagination import paginate
from coproduce.people import permissions
from coproduce.people.permissions import viewer_of


@login_required
def instrument_list(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    instruments = selectors.instrument_list(viewer=viewer, organisation_id=organisation_id)
    page = paginate(request, instruments, per_page=20)
    return render(
        request,
        "audit/instrument_list.html",
        {
            "page": page,
            "organisation_id": organisation_id,
            "may_manage": selectors.may_manage(viewer=viewer, organisation_id=organisation_id),
            "has_default": any(i.code == selectors.DEFAULT_CODE for i in page.object_list),
            "shipped": documents.instrument_default(),
        },
    )


@login_required
def instrument_detail(request: HttpRequest, instrument_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    instrument = selectors.access_instrument_by_id(viewer=viewer, instrument_id=instrument_id)
    page = paginate(request, selectors.instrument_versions(instrument), per_page=20)
    return render(
        request,
        "audit/instrument_detail.html",
        {
            "instrument": instrument,
            "document": documents.instrument_from_document(instrument.document),
            "page": page,
            "may_manage": selectors.may_manage(
                viewer=viewer, organisation_id=instrument.organisation_id
            ),
        },
    )


@login_required
def instrument_edit(request: HttpRequest, instrument_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    instrument = selectors.access_instrument_by_id(
        viewer=viewer, instrument_id=instrument_id, ability="audit.run", action="edit an instrument"
    )
    latest = selectors.instrument_latest(instrument)
    text = documents.instrument_text(documents.instrument_from_document(latest.document))
    form = InstrumentTextForm(form_data(request), initial={"text": text})
    saved = form_submit(
        request,
        form,
        lambda d: services.instrument_version_add(
            viewer=viewer, instrument_id=instrument_id, text=d["text"]
        ),
    )
    if saved is not None:
        messages.success(request, f"Version {saved.version} of {saved.title} is saved.")
        return redirect("audit:instrument_detail", instrument_id=saved.pk)
    return render(
        request,
        "audit/instrument_edit.html",
        {
            "form": form,
            "instrument": latest,
            "cancel_url": reverse("audit:instrument_detail", args=[latest.pk]),
        },
        status=400 if form.errors else 200,
    )


@login_required
def instrument_copy(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    permissions.check(
        viewer, "audit.run", organisation_id, action="copy the default audit instrument"
    )
    form = ConfirmForm(form_data(request))
    copy = form_submit(
        request,
        form,
        lambda d: services.instrument_copy_default(viewer=viewer, organisation_id=organisation_id),
    )
    if copy is not None:
        messages.success(request, f"Your organisation's copy of {copy.title} is ready to adapt.")
        return redirect("audit:instrument_detail", instrument_id=copy.pk)
    return render(
        request,
        "audit/instrument_copy.html",
        {
            "form": form,
            "shipped": documents.instrument_default(),
            "cancel_url": reverse("audit:instruments", args=[organisation_id]),
        },
    )


urlpatterns: list[URLPattern] = [
    path("organisations/<int:organisation_id>/instruments/", instrument_list, name="instruments"),
    path(
        "organisations/<int:organisation_id>/instruments/copy/",
        instrument_copy,
        name="instrument_copy",
    ),
    path("instruments/<int:instrument_id>/", instrument_detail, name="instrument_detail"),
    path("instruments/<int:instrument_id>/edit/", instrument_edit, name="instrument_edit"),
]
