"""Audit round pages: the audits home (your questionnaires, the rounds), opening a round, a
round's page, inviting people, single-use links and closing. Thin: parse, call one service,
render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse

from coproduce.audit.forms_instruments import ConfirmForm
from coproduce.audit.forms_rounds import (
    CsvConfirmForm,
    CsvUploadForm,
    InviteForm,
    LinksForm,
    RoundOpenForm,
)
from coproduce.audit.selectors import instruments as instrument_selectors
from coproduce.audit.selectors import rounds as selectors
from coproduce.audit.selectors.answering import invitation_for
from coproduce.audit.services import rounds as services
from coproduce.framework.forms import form_data, form_submit
from coproduce.framework.pagination import paginate
from coproduce.people import permissions
from coproduce.people.models import Organisation
from coproduce.people.permissions import viewer_of

INVITE_LIMIT = 200


@login_required
def home(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    page = paginate(request, selectors.round_list(viewer), per_page=20)
    mine = [
        {
            "respondent": respondent,
            "status": "sent"
            if respondent.submitted_at
            else ("saved" if respondent.started_at else "not started"),
            "open": selectors.round_is_open(respondent.round),
        }
        for respondent in selectors.my_questionnaires(viewer)[:50]
    ]
    runs = Organisation.objects.filter(pk__in=viewer.organisation_ids("audit.run")).order_by("name")
    return render(
        request,
        "audit/home.html",
        {
            "page": page,
            "rows": [{"round": r, "status": selectors.round_status(r)} for r in page.object_list],
            "mine": mine,
            "runs": runs,
        },
    )


@login_required
def round_open(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    permissions.check(viewer, "audit.run", organisation_id, action="open an audit round")
    instruments = [
        (i.pk, f"{i.title} (version {i.version})")
        for i in instrument_selectors.instrument_list(
            viewer=viewer, organisation_id=organisation_id
        )
    ]
    form = RoundOpenForm(form_data(request), instruments=instruments)
    opened = form_submit(
        request,
        form,
        lambda d: services.round_open(
            viewer=viewer,
            organisation_id=organisation_id,
            service=d["service"],
            title=d["title"],
            opens_on=d["opens_on"],
            closes_on=d["closes_on"],
            instrument_id=d["instrument"],
            threshold=d["threshold"],
        ),
        fields={"instrument_id": "instrument"},
    )
    if opened is not None:
        messages.success(request, f"“{opened.title}” is open. Now invite people to answer.")
        return redirect("audit:round_detail", round_id=opened.pk)
    return render(
        request,
        "audit/round_open.html",
        {"form": form, "cancel_url": reverse("audit:home")},
        status=400 if form.errors else 200,
    )


@login_required
def round_detail(request: HttpRequest, round_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    found = selectors.access_round(viewer, round_id=round_id)
    mine = invitation_for(viewer, found)
    return render(
        request,
        "audit/round_detail.html",
        {
            "round": found,
            "status": selectors.round_status(found),
            "is_open": selectors.round_is_open(found),
            "summary": selectors.round_summary(found),
            "instrument": selectors.round_instrument(found),
            "mine": mine,
            "may_run": permissions.may(viewer, "audit.run", found.organisation_id),
            "may_enter": permissions.may(viewer, "audit.enter_paper", found.organisation_id),
        },
    )


@login_required
def round_close(request: HttpRequest, round_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    found = selectors.access_round(viewer, round_id=round_id, ability="audit.run")
    form = ConfirmForm(form_data(request))
    closed = form_submit(
        request, form, lambda d: services.round_close(viewer=viewer, round_id=round_id)
    )
    if closed is not None:
        messages.success(request, f"“{closed.title}” is closed; no more answers are taken.")
        return redirect("audit:round_detail", round_id=round_id)
    return render(
        request,
        "audit/round_close.html",
        {
            "round": found,
            "form": form,
            "summary": selectors.round_summary(found),
            "cancel_url": reverse("audit:round_detail", args=[round_id]),
        },
        status=400 if form.errors else 200,
    )


@login_required
def round_invite(request: HttpRequest, round_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    found = selectors.access_round(viewer, round_id=round_id, ability="audit.run")
    candidates = selectors.invite_candidates(found)
    total = candidates.count()
    choices = [
        (m.person_id, f"{m.person.full_name} ({m.get_role_display().lower()})")
        for m in candidates[:INVITE_LIMIT]
    ]
    form = InviteForm(form_data(request), people=choices)
    count = form_submit(
        request,
        form,
        lambda d: services.round_invite(
            viewer=viewer, round_id=round_id, person_ids=d["people"], group=d["group"] or None
        ),
        fields={"person_ids": "people"},
    )
    if count is not None:
        messages.success(request, f"{count} {'person is' if count == 1 else 'people are'} invited.")
        return redirect("audit:round_detail", round_id=round_id)
    return render(
        request,
        "audit/round_invite.html",
        {
            "round": found,
            "form": form,
            "total": total,
            "limit": INVITE_LIMIT,
            "cancel_url": reverse("audit:round_detail", args=[round_id]),
        },
        status=400 if form.errors else 200,
    )


@login_required
def round_links(request: HttpRequest, round_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    found = selectors.access_round(viewer, round_id=round_id, ability="audit.run")
    form = LinksForm(form_data(request))
    made = form_submit(
        request,
        form,
        lambda d: services.round_links_create(
            viewer=viewer, round_id=round_id, group=d["group"], count=d["count"]
        ),
    )
    links = (
        [
            request.build_absolute_uri(reverse("audit:respond_link", args=[token]))
            for _respondent, token in made
        ]
        if made
        else []
    )
    return render(
        request,
        "audit/round_links.html",
        {
            "round": found,
            "form": form,
            "links": links,
            "group": form.cleaned_data.get("group") if made else "",
            "cancel_url": reverse("audit:round_detail", args=[round_id]),
        },
        status=400 if form.errors else 200,
    )


@login_required
def csv_upload(request: HttpRequest, round_id: int) -> HttpResponse:
    """Paper answers typed into a spreadsheet: upload, see what would be saved and every bad
    row, then save all of it or nothing."""
    viewer = viewer_of(request)
    found = selectors.access_round(viewer, round_id=round_id, ability="audit.run")
    confirming = request.method == "POST" and "text" in request.POST
    upload = CsvUploadForm(None if confirming else form_data(request), request.FILES or None)
    confirm = CsvConfirmForm(form_data(request) if confirming else None)
    saved = form_submit(
        request,
        confirm,
        lambda d: services.round_csv_import(viewer=viewer, round_id=round_id, text=d["text"]),
        fields={"text": "file"},  # shown at the top: the hidden copy is not for typing in
    )
    if saved is not None:
        messages.success(
            request,
            f"{len(saved)} paper {'form is' if len(saved) == 1 else 'forms are'} saved "
            "as sent answers.",
        )
        return redirect("audit:round_detail", round_id=round_id)
    preview = None
    if not confirming and request.method == "POST" and upload.is_valid():
        text = upload.cleaned_data["file"]
        preview = selectors.csv_preview(found, text)
        confirm = CsvConfirmForm(initial={"text": text})
    return render(
        request,
        "audit/csv_upload.html",
        {
            "round": found,
            "upload": upload,
            "confirm": confirm,
            "preview": preview,
            "errors_shown": preview.errors[:100] if preview else [],
            "instrument": selectors.round_instrument(found),
            "cancel_url": reverse("audit:round_detail", args=[round_id]),
        },
        status=400 if upload.errors or confirm.errors else 200,
    )


urlpatterns: list[URLPattern] = [
    path("", home, name="home"),
    path("organisations/<int:organisation_id>/rounds/open/", round_open, name="round_open"),
    path("rounds/<int:round_id>/", round_detail, name="round_detail"),
    path("rounds/<int:round_id>/close/", round_close, name="round_close"),
    path("rounds/<int:round_id>/invite/", round_invite, name="round_invite"),
    path("rounds/<int:round_id>/links/", round_links, name="round_links"),
    path("rounds/<int:round_id>/csv/", csv_upload, name="csv_upload"),
]
