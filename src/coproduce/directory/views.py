"""Directory pages: thin, each parses input, calls one selector or service and renders."""

from __future__ import annotations

import dataclasses
import json
import uuid
from datetime import datetime

from django import forms as django_forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms import BaseFormSet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from coproduce.errors import CoproduceError, InvalidInput
from coproduce.framework.forms import add_error, form_data, form_submit
from coproduce.framework.pagination import page_number, paginate
from coproduce.people import permissions
from coproduce.people.permissions import Viewer, viewer_of
from coproduce.people.selectors import organisation_get_by_slug

from . import forms, openreferral, selectors, services
from .importing import ImportRejected, RowError
from .schedules import ScheduleSpec, describe_byday


def _filters(viewer: Viewer, form: forms.SearchForm) -> selectors.AssetFilters:
    data = form.cleaned_data
    near = None
    if data.get("postcode"):
        near = selectors.near_point(viewer=viewer, postcode=data["postcode"])
    return selectors.AssetFilters(
        text=data.get("q") or "",
        category=data.get("category") or "",
        taxonomy_term_id=data["taxonomy_term"].pk if data.get("taxonomy_term") else None,
        area_id=data["area"].pk if data.get("area") else None,
        open_day=data.get("day") or "",
        open_at=data.get("time"),
        age=data.get("age"),
        free=bool(data.get("free")),
        accessibility=tuple(data.get("accessibility") or ()),
        near=near,
        within_km=data.get("within_km") or 2.0,
    )


def asset_list(request: HttpRequest) -> HttpResponse:
    """The directory: public, filtered, with a map whose accessible equivalent is the list."""
    form = forms.SearchForm(request.GET or None)
    page = None
    if form.is_bound and not form.is_valid():
        filters = None
    else:
        try:
            filters = (
                _filters(viewer_of(request), form) if form.is_bound else selectors.AssetFilters()
            )
        except InvalidInput as error:
            add_error(form, error)
            filters = None
    if filters is not None:
        page = selectors.asset_find(
            viewer=viewer_of(request), filters=filters, page=page_number(request)
        )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "directory/asset_list.html",
        {
            "form": form,
            "page": page,
            "querystring": params.urlencode(),
            "points": json.dumps(selectors.map_points(page=page)) if page else "[]",
            "tiles_url": settings.MAP_TILES_URL,
            "can_edit": permissions.may_anywhere(viewer_of(request), "directory.edit"),
            "editable_organisations": selectors.editable_organisations(viewer=viewer_of(request)),
        },
    )


def asset_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    viewer = viewer_of(request)
    asset = selectors.asset_get(viewer=viewer, asset_id=pk)
    schedules = [{"days": describe_byday(s.byday), "schedule": s} for s in asset.schedules.all()]
    return render(
        request,
        "directory/asset_detail.html",
        {
            "asset": asset,
            "schedules": schedules,
            "stale": selectors.is_stale(asset),
            "stale_days": selectors.stale_after_days(),
            "can_edit": permissions.may(viewer, "directory.edit", asset.organisation_id),
            "can_offer": permissions.may(
                viewer, "directory.manage_bookings", asset.organisation_id
            ),
            "tiles_url": settings.MAP_TILES_URL,
            "points": json.dumps(
                [
                    {
                        "id": str(asset.pk),
                        "name": asset.name,
                        "lat": asset.latitude,
                        "lon": asset.longitude,
                        "url": "",
                    }
                ]
                if asset.latitude is not None
                else []
            ),
        },
    )


def _asset_form_page(
    request: HttpRequest, *, title: str, form: forms.AssetForm, cancel: str
) -> HttpResponse:
    return render(
        request,
        "directory/form.html",
        {"title": title, "form": form, "cancel_url": cancel, "submit": "Save"},
    )


@login_required
def asset_create(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = organisation_get_by_slug(
        viewer=viewer_of(request), slug=slug, ability="directory.edit", action="add assets"
    )
    form = forms.AssetForm(form_data(request))
    asset = form_submit(
        request,
        form,
        lambda data: services.asset_create(
            viewer=viewer_of(request),
            organisation=organisation,
            data=services.AssetData(**form.asset_fields()),
        ),
    )
    if asset is not None:
        messages.success(request, f"{asset.name} is in the directory.")
        return redirect(asset)
    return _asset_form_page(
        request,
        title=f"Add an asset to {organisation.name}",
        form=form,
        cancel=reverse("directory:asset_list"),
    )


@login_required
def asset_edit(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    asset = selectors.asset_for_edit(viewer=viewer_of(request), asset_id=pk)
    initial = services.asset_data_from(asset)
    initial["languages"] = ", ".join(initial["languages"])
    initial["taxonomy_terms"] = initial.pop("taxonomy_term_ids")
    initial["area"] = initial.pop("area_id")
    form = forms.AssetForm(form_data(request), initial=initial)
    saved = form_submit(
        request,
        form,
        lambda data: services.asset_update(
            viewer=viewer_of(request), asset=asset, data=services.AssetData(**form.asset_fields())
        ),
    )
    if saved is not None:
        messages.success(request, "Saved.")
        return redirect(asset)
    return _asset_form_page(
        request, title=f"Edit {asset.name}", form=form, cancel=asset.get_absolute_url()
    )


@login_required
@require_POST
def asset_check(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    asset = selectors.asset_for_edit(viewer=viewer_of(request), asset_id=pk)
    services.asset_check(viewer=viewer_of(request), asset=asset)
    messages.success(request, f"Marked {asset.name} as checked today.")
    return redirect(asset)


@login_required
def schedule_add(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    asset = selectors.asset_for_edit(viewer=viewer_of(request), asset_id=pk)
    form = forms.ScheduleForm(form_data(request))
    added = form_submit(
        request,
        form,
        lambda data: services.schedule_add(
            viewer=viewer_of(request),
            asset=asset,
            spec=ScheduleSpec(
                freq=data["freq"],
                interval=1,
                byday=data["byday"],
                opens_at=data["opens_at"],
                closes_at=data["closes_at"],
                valid_from=data["valid_from"],
                valid_to=data["valid_to"],
                description=data["description"],
            ),
        ),
    )
    if added is not None:
        messages.success(request, "Opening time added.")
        return redirect(asset)
    return render(
        request,
        "directory/form.html",
        {
            "title": f"Add an opening time to {asset.name}",
            "form": form,
            "cancel_url": asset.get_absolute_url(),
            "submit": "Add opening time",
        },
    )


@login_required
def schedule_remove(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    target = selectors.schedule_for_edit(viewer=viewer_of(request), schedule_id=pk)
    asset = target.asset
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        services.schedule_remove(viewer=viewer_of(request), schedule=target)
        messages.success(request, "Opening time removed.")
        return redirect(asset)
    return render(
        request,
        "web/confirm.html",
        {
            "title": "Remove this opening time?",
            "warning": f"{describe_byday(target.byday)} {target.opens_at:%H:%M} to "
            f"{target.closes_at:%H:%M} will no longer show for {asset.name}.",
            "confirm_label": "Remove opening time",
            "cancel_url": asset.get_absolute_url(),
            "hidden": {},
        },
    )


@login_required
def stale_list(request: HttpRequest) -> HttpResponse:
    assets = list(selectors.stale_assets(viewer=viewer_of(request))[:200])
    return render(
        request,
        "directory/stale_list.html",
        {"assets": assets, "stale_days": selectors.stale_after_days()},
    )


GIFTS_PER_PAGE = 50


@login_required
def gift_list(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("q", "")[:100]
    gifts = selectors.gift_list(viewer=viewer_of(request), text=text)
    return render(
        request,
        "directory/gift_list.html",
        {"page": paginate(request, gifts, per_page=GIFTS_PER_PAGE), "q": text},
    )


# --- spare capacity ---------------------------------------------------------------------------


@login_required
def resource_create(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    asset = selectors.asset_get(
        viewer=viewer_of(request),
        asset_id=pk,
        ability="directory.manage_bookings",
        action="offer spare capacity",
    )
    form = forms.ResourceForm(form_data(request))
    resource = form_submit(
        request,
        form,
        lambda data: services.resource_create(viewer=viewer_of(request), asset=asset, **data),
    )
    if resource is not None:
        messages.success(request, f"{resource.name} can now be booked.")
        return redirect("directory:resource_detail", pk=resource.pk)
    return render(
        request,
        "directory/form.html",
        {
            "title": f"Offer spare capacity at {asset.name}",
            "form": form,
            "cancel_url": asset.get_absolute_url(),
            "submit": "Offer it",
        },
    )


def resource_detail(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    resource = selectors.resource_get(viewer=viewer, resource_id=pk)
    return render(
        request,
        "directory/resource_detail.html",
        {
            "resource": resource,
            "taken": list(selectors.resource_bookings(viewer=viewer, resource=resource)[:50]),
            "days": describe_byday(resource.available_days),
            "credits": f"{resource.credit_minutes / 60:g}",
            "form": forms.BookingForm(),
            "can_book": permissions.may_anywhere(viewer, "directory.book"),
        },
    )


@login_required
def booking_create(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    resource = selectors.resource_get_for_booking(viewer=viewer, resource_id=pk)
    form = forms.BookingForm(form_data(request))
    booked = form_submit(
        request,
        form,
        lambda data: services.booking_request(
            viewer=viewer,
            resource=resource,
            starts_at=timezone.make_aware(datetime.combine(data["date"], data["starts"])),
            ends_at=timezone.make_aware(datetime.combine(data["date"], data["ends"])),
            purpose=data["purpose"],
        ),
        fields={"starts_at": "starts", "ends_at": "ends"},
    )
    if booked is not None:
        messages.success(request, "Booking requested. The owner will approve or decline it.")
        return redirect("directory:booking_list")
    return render(
        request,
        "directory/form.html",
        {
            "title": f"Book {resource.name}",
            "form": form,
            "submit": "Request booking",
            "cancel_url": reverse("directory:resource_detail", kwargs={"pk": resource.pk}),
        },
    )


@login_required
def booking_list(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    return render(
        request,
        "directory/booking_list.html",
        {
            "mine": list(selectors.booking_list_mine(viewer=viewer)[:100]),
            "to_decide": list(selectors.booking_list_to_decide(viewer=viewer)[:100]),
        },
    )


@login_required
def booking_decide(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    booking = selectors.booking_get_for_decision(viewer=viewer, booking_id=pk)
    form = forms.DecisionForm(form_data(request))
    decided = form_submit(
        request,
        form,
        lambda data: services.booking_decide(
            viewer=viewer,
            booking=booking,
            approve=data["decision"] == "approve",
            reason=data["reason"],
        ),
    )
    if decided is not None:
        messages.success(request, "Decision recorded.")
        return redirect("directory:booking_list")
    return render(request, "directory/booking_decide.html", {"booking": booking, "form": form})


@login_required
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    booking = selectors.booking_get(viewer=viewer, booking_id=pk)
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        services.booking_cancel(viewer=viewer, booking=booking)
        messages.success(request, "Booking cancelled.")
        return redirect("directory:booking_list")
    return render(
        request,
        "web/confirm.html",
        {
            "title": "Cancel this booking?",
            "warning": f"{booking.resource.name} on "
            f"{timezone.localtime(booking.starts_at):%A %d %B at %H:%M} will be freed for others.",
            "confirm_label": "Cancel booking",
            "cancel_url": reverse("directory:booking_list"),
            "hidden": {},
        },
    )


# --- asset mapping ------------------------------------------------------------------------------


@login_required
def mapping_session_list(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = organisation_get_by_slug(
        viewer=viewer_of(request),
        slug=slug,
        ability="directory.map_assets",
        action="run asset mapping",
    )
    sessions = selectors.mapping_session_list(viewer=viewer_of(request)).filter(
        organisation=organisation
    )
    return render(
        request,
        "directory/mapping_list.html",
        {"organisation": organisation, "sessions": list(sessions[:100])},
    )


@login_required
def mapping_session_create(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = organisation_get_by_slug(
        viewer=viewer_of(request),
        slug=slug,
        ability="directory.map_assets",
        action="run asset mapping",
    )
    form = forms.MappingSessionForm(form_data(request))
    session = form_submit(
        request,
        form,
        lambda data: services.mapping_session_create(
            viewer=viewer_of(request), organisation=organisation, **data
        ),
    )
    if session is not None:
        return redirect("directory:mapping_session_detail", pk=session.pk)
    return render(
        request,
        "directory/form.html",
        {
            "title": "Start an asset-mapping session",
            "form": form,
            "submit": "Start",
            "cancel_url": reverse("directory:mapping_session_list", kwargs={"slug": slug}),
        },
    )


def _bulk_form_errors(formset: BaseFormSet[forms.BulkRowForm]) -> list[str]:
    """Every problem the grid's own checks found, row by row, for the summary above it."""
    problems = [str(error) for error in formset.non_form_errors()]
    for number, form in enumerate(formset.forms, start=1):
        for field, errors in form.errors.items():
            where = "row" if field == NON_FIELD_ERRORS else field
            problems.extend(str(RowError(number, where, str(error))) for error in errors)
    return problems


@login_required
def mapping_session_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The fast bulk form: many rows at once, all written or none."""
    viewer = viewer_of(request)
    session = selectors.mapping_session_get(viewer=viewer, session_id=pk)
    formset = forms.BulkFormSet(form_data(request), prefix="rows")
    row_errors: list[str] = []
    if request.method == "POST" and not formset.is_valid():
        row_errors = _bulk_form_errors(formset)
        messages.error(request, "Some rows have problems, so nothing was saved.")
    elif request.method == "POST":
        # The rows as typed, with the grid row each came from, so an error lands on its row.
        filled = [
            (number, form, {key: str(value or "") for key, value in form.cleaned_data.items()})
            for number, form in enumerate(formset.forms, start=1)
            if any(str(value or "").strip() for value in form.cleaned_data.values())
        ]
        try:
            assets = services.mapping_assets_add(
                viewer=viewer, session=session, rows=[row for _, _, row in filled]
            )
        except ImportRejected as error:
            for problem in error.rows:
                number, form, _ = filled[problem.row - 1]
                add_error(form, InvalidInput(problem.field, problem.message))
                row_errors.append(str(dataclasses.replace(problem, row=number)))
            messages.error(request, error.message)
        except CoproduceError as error:
            if error.status in (403, 404):
                raise
            messages.error(request, error.message)
        else:
            messages.success(request, f"Added {len(assets)} assets.")
            return redirect("directory:mapping_session_detail", pk=session.pk)
    return render(
        request,
        "directory/mapping_detail.html",
        {
            "session": session,
            "formset": formset,
            "row_errors": row_errors,
            "assets": list(session.assets.order_by("name")[:500]),
            "import_form": forms.ImportForm(),
        },
    )


@login_required
def mapping_import(request: HttpRequest, pk: int) -> HttpResponse:
    viewer = viewer_of(request)
    session = selectors.mapping_session_get(viewer=viewer, session_id=pk)
    form = forms.ImportForm(form_data(request), request.FILES or None)
    pending = form_submit(
        request,
        form,
        lambda data: services.mapping_import_stage(
            viewer=viewer,
            session=session,
            filename=data["file"].name,
            content=data["file"].read(),
        ),
    )
    if pending is not None:
        return redirect("directory:mapping_import_preview", pk=pending.pk)
    return render(
        request,
        "directory/form.html",
        {
            "title": f"Import a sheet into {session.title}",
            "form": form,
            "multipart": True,
            "submit": "Preview",
            "cancel_url": reverse("directory:mapping_session_detail", kwargs={"pk": session.pk}),
        },
    )


@login_required
def mapping_import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    """Every row with its errors and lookalikes; POST writes them all or none."""
    viewer = viewer_of(request)
    pending = selectors.pending_import_get(viewer=viewer, import_id=pk)
    # The confirm button is a form with no fields: a refusal shows at its top.
    form = django_forms.Form(form_data(request))
    assets = form_submit(
        request,
        form,
        lambda data: services.mapping_import_confirm(viewer=viewer, pending=pending),
    )
    if assets is not None:
        messages.success(request, f"Imported {len(assets)} assets.")
        flagged = sum(1 for asset in assets if asset.needs_location)
        if flagged:
            messages.warning(
                request,
                f"{flagged} imported asset{'s' if flagged != 1 else ''} could not be placed "
                "on the map, so each is flagged for someone to give it a point.",
            )
        return redirect("directory:mapping_session_detail", pk=pending.session_id)
    checked = services.pending_import_check(pending=pending)
    return render(
        request,
        "directory/import_preview.html",
        {
            "pending": pending,
            "form": form,
            "rows": checked,
            "error_count": sum(1 for row in checked if row.errors),
            "warning_count": sum(1 for row in checked if row.warnings),
            "importable": sum(1 for row in checked if row.data is not None),
        },
    )


@login_required
def duplicate_list(request: HttpRequest, slug: str) -> HttpResponse:
    organisation = organisation_get_by_slug(
        viewer=viewer_of(request), slug=slug, ability="directory.map_assets", action="merge assets"
    )
    pairs = [
        pair
        for pair in selectors.duplicate_suggestions(viewer=viewer_of(request))
        if pair.keep.organisation_id == organisation.pk
    ]
    return render(
        request, "directory/duplicate_list.html", {"organisation": organisation, "pairs": pairs}
    )


@login_required
def asset_merge(request: HttpRequest, keep: uuid.UUID, duplicate: uuid.UUID) -> HttpResponse:
    viewer = viewer_of(request)
    kept = selectors.asset_get(
        viewer=viewer, asset_id=keep, ability="directory.map_assets", action="merge assets"
    )
    gone = selectors.asset_get(viewer=viewer, asset_id=duplicate)
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        services.asset_merge(viewer=viewer, keep=kept, duplicate=gone)
        messages.success(request, f"Merged into {kept.name}.")
        return redirect(kept)
    return render(
        request,
        "web/confirm.html",
        {
            "title": f"Merge {gone.name} into {kept.name}?",
            "warning": f"{gone.name} will be deleted; its opening times, activities and bookable "
            f"spaces move to {kept.name}.",
            "confirm_label": "Merge",
            "cancel_url": kept.get_absolute_url(),
            "hidden": {},
        },
    )


def export(request: HttpRequest) -> StreamingHttpResponse:
    """The directory this viewer may see, as an Open Referral UK service package, streamed."""
    form = request.GET.get("form", "package")
    if form not in {"package", "list"}:
        raise InvalidInput("form", "Choose package or list.")
    queryset = openreferral.export_assets(viewer=viewer_of(request))
    response = StreamingHttpResponse(
        openreferral.stream_array(openreferral.iterate(queryset), form=form),
        content_type="application/json",
    )
    response["Content-Disposition"] = 'attachment; filename="directory-openreferral-uk.json"'
    return response
