"""Coordination pages: social prescribing referrals. Thin: parse, call one service, render."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse

from coproduce.coordination import prsb
from coproduce.coordination.forms_referrals import (
    AcceptForm,
    CloseForm,
    DeclineForm,
    LinkWorkerForm,
    ListFilterForm,
    OutcomeForm,
    ReferralReceiveForm,
    SupportForm,
    item_label,
)
from coproduce.coordination.models import Referral
from coproduce.coordination.selectors import referrals as selectors
from coproduce.coordination.services import referrals as services
from coproduce.errors import InvalidInput
from coproduce.framework.forms import form_data, form_submit, long_date
from coproduce.framework.pagination import paginate
from coproduce.people import permissions
from coproduce.people.permissions import viewer_of


@login_required
def referral_list(request: HttpRequest) -> HttpResponse:
    """The referrals the viewer may see, newest first; ``?status=`` narrows the list."""
    viewer = viewer_of(request)
    status = request.GET.get("status", "")
    page = paginate(request, selectors.referrals_visible(viewer=viewer, status=status))
    receivable = viewer.organisation_ids("coordination.coordinate")
    return render(
        request,
        "coordination/referrals_list.html",
        {
            "page": page,
            "filters": ListFilterForm(request.GET or None),
            "receive_organisation_id": receivable[0] if len(receivable) == 1 else None,
        },
    )


@login_required
def referral_create(request: HttpRequest, organisation_id: int) -> HttpResponse:
    """Type in a referral letter."""
    viewer = viewer_of(request)
    permissions.check(
        viewer, "coordination.coordinate", organisation_id, action="receive a referral"
    )
    form = ReferralReceiveForm(form_data(request))

    def receive(data: dict[str, Any]) -> Referral:
        dataset = form.dataset()
        return services.referral_receive(
            viewer=viewer,
            organisation_id=organisation_id,
            reference=data["reference"],
            referrer=dataset["referrer"],
            demographics=dataset["demographics"],
            needs=dataset["needs"],
            take_it=data["take_it"],
        )

    referral = form_submit(request, form, receive, fields=form.error_fields())
    if referral is not None:
        messages.success(request, f"Referral {referral.reference} is received.")
        if selectors.referral_reader_kind(viewer, referral) is None:
            return redirect("coordination:referral_list")
        return redirect("coordination:referral_detail", referral_id=referral.pk)
    return render(request, "coordination/referrals_create.html", {"form": form})


def _day(value: Any) -> Any:
    """A stored ISO date ("2026-10-05") as people read it ("5 October 2026"); anything
    else as it is."""
    try:
        return long_date(date.fromisoformat(str(value)))
    except ValueError:
        return value


def _entries(referral: Referral) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The support offered and the outcomes as the page shows them: the kind of support by
    its label, not its stored code, and dates written out."""
    kinds = dict(prsb.SupportKind.CHOICES)
    support = [
        {
            **entry,
            "kind": kinds.get(entry.get("kind", ""), entry.get("kind", "")),
            "offered_on": _day(entry.get("offered_on", "")),
        }
        for entry in referral.support
    ]
    outcomes = [
        {**entry, "recorded_on": _day(entry.get("recorded_on", ""))} for entry in referral.outcomes
    ]
    return support, outcomes


def _sections(referral: Referral) -> list[tuple[str, list[tuple[str, Any]]]]:
    """The received groups as (title, [(label, value)]) for the page, items in order."""
    values = {
        "referrer": referral.referrer,
        "demographics": referral.demographics,
        "needs": referral.needs,
    }
    sections = []
    for group in prsb.RECEIVED_GROUPS:
        rows = []
        for item in group.items:
            value = values[group.key].get(item.key)
            if item.kind == "consent":
                value = "Yes, recorded on receipt" if value else "Not recorded"
            elif item.kind == "date" and value:
                value = _day(value)
            rows.append((item_label(item), value))
        sections.append((group.title, rows))
    return sections


@login_required
def referral_detail(request: HttpRequest, referral_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    referral = selectors.access_referral_by_id(viewer=viewer, referral_id=referral_id)
    kind = selectors.referral_reader_kind(viewer, referral)
    support, outcomes = _entries(referral)
    return render(
        request,
        "coordination/referrals_detail.html",
        {
            "referral": referral,
            "kind": kind,
            "can_write": kind in ("link_worker", "manager"),
            "person_name": selectors.person_name(referral),
            "sections": _sections(referral),
            "support": support,
            "outcomes": outcomes,
            "events": selectors.referral_events(referral),
            "code": prsb.REFERRAL_CODE,
            "code_display": prsb.REFERRAL_DISPLAY,
        },
    )


def _writer(request: HttpRequest, referral_id: int) -> Referral:
    """The referral for a page that changes it: read (and logged) on GET, checked again by
    the service on POST."""
    return selectors.access_referral_by_id(
        viewer=viewer_of(request),
        referral_id=referral_id,
        write=True,
        log=request.method != "POST",
    )


def _done(request: HttpRequest, referral: Referral, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("coordination:referral_detail", referral_id=referral.pk)


def _page(
    request: HttpRequest, template: str, referral: Referral, form: Any, **extra: Any
) -> HttpResponse:
    return render(
        request,
        f"coordination/{template}",
        {
            "form": form,
            "referral": referral,
            "person_name": selectors.person_name(referral),
            "cancel_url": reverse("coordination:referral_detail", args=[referral.pk]),
            **extra,
        },
    )


@login_required
def referral_accept(request: HttpRequest, referral_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    referral = _writer(request, referral_id)
    form = AcceptForm(form_data(request))
    done = form_submit(
        request,
        form,
        lambda d: services.referral_accept(
            viewer=viewer,
            referral_id=referral_id,
            number=d["number"] if d["how"] == "existing" else "",
            create_member=d["how"] == "new",
        ),
        fields={"membership_id": "number"},
    )
    if done is not None:
        return _done(request, done, f"Accepted: {selectors.person_name(done)} is linked.")
    return _page(request, "referrals_accept.html", referral, form)


@login_required
def referral_decline(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Decline with a reason: this page is the confirmation."""
    viewer = viewer_of(request)
    referral = _writer(request, referral_id)
    form = DeclineForm(form_data(request))
    done = form_submit(
        request,
        form,
        lambda d: services.referral_decline(
            viewer=viewer, referral_id=referral_id, reason=d["reason"]
        ),
    )
    if done is not None:
        return _done(request, done, "The referral is declined. The message back says why.")
    return _page(request, "referrals_decline.html", referral, form)


@login_required
def referral_link_worker(request: HttpRequest, referral_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    referral = _writer(request, referral_id)
    choices = [
        (m.pk, m.person.display_name)
        for m in selectors.link_worker_choices(referral)
        if m.pk != referral.link_worker_id
    ]
    form = LinkWorkerForm(form_data(request), link_workers=choices)
    done = form_submit(
        request,
        form,
        lambda d: services.referral_link_worker_set(
            viewer=viewer, referral_id=referral_id, membership_id=d["membership_id"]
        ),
    )
    if done is not None:
        assert done.link_worker is not None
        text = f"{done.link_worker.person.display_name} is now the link worker."
        messages.success(request, text)
        if selectors.referral_reader_kind(viewer, done) is None:
            return redirect("coordination:referral_list")
        return redirect("coordination:referral_detail", referral_id=done.pk)
    return _page(request, "referrals_link_worker.html", referral, form)


@login_required
def referral_support(request: HttpRequest, referral_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    referral = _writer(request, referral_id)
    form = SupportForm(
        form_data(request),
        assets=[(str(a.pk), a.name) for a in selectors.support_asset_choices(referral)],
        groups=[(g.pk, g.name) for g in selectors.support_group_choices(referral)],
    )
    done = form_submit(
        request,
        form,
        lambda d: services.referral_support_add(
            viewer=viewer,
            referral_id=referral_id,
            description=d["description"],
            kind=d["kind"],
            asset_id=d["asset"] or None,
            group_id=d["group"],
            offered_on=d["offered_on"],
        ),
        fields={"asset_id": "asset", "group_id": "group"},
    )
    if done is not None:
        return _done(request, done, "The support offered is recorded.")
    return _page(request, "referrals_support.html", referral, form)


@login_required
def referral_outcome(request: HttpRequest, referral_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    referral = _writer(request, referral_id)
    form = OutcomeForm(form_data(request))
    done = form_submit(
        request,
        form,
        lambda d: services.referral_outcome_add(
            viewer=viewer,
            referral_id=referral_id,
            text=d["text"],
            recorded_on=d["recorded_on"],
            measure=d.get("measure") or None,
            score=d.get("score"),
        ),
    )
    if done is not None:
        return _done(request, done, "The outcome is recorded.")
    return _page(request, "referrals_outcome.html", referral, form)


@login_required
def referral_close(request: HttpRequest, referral_id: int) -> HttpResponse:
    """Close the referral: this page is the confirmation."""
    viewer = viewer_of(request)
    referral = _writer(request, referral_id)
    form = CloseForm(form_data(request))
    done = form_submit(
        request,
        form,
        lambda d: services.referral_close(
            viewer=viewer, referral_id=referral_id, summary=d["summary"]
        ),
    )
    if done is not None:
        return _done(request, done, "The referral is closed. Send the referrer the message back.")
    return _page(request, "referrals_close.html", referral, form)


@login_required
def referral_message(request: HttpRequest, referral_id: int) -> HttpResponse:
    """The message back to the referrer as a download: ``?format=json`` (the default) or
    ``?format=csv``."""
    viewer = viewer_of(request)
    wanted = request.GET.get("format", "json")
    if wanted not in ("json", "csv"):
        raise InvalidInput("format", "Choose json or csv.")
    if wanted == "csv":
        text, reference = selectors.referral_message_csv(viewer=viewer, referral_id=referral_id)
        response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    else:
        message = selectors.referral_message(viewer=viewer, referral_id=referral_id)
        reference = str(message["reference"])
        response = JsonResponse(message, json_dumps_params={"indent": 2})
    safe = "".join(c if c.isalnum() or c in "-_" else "-" for c in reference)[:60]
    response["Content-Disposition"] = (
        f'attachment; filename="referral-{safe}-message-back.{wanted}"'
    )
    return response


urlpatterns: list[URLPattern | URLResolver] = [
    path("referrals/", referral_list, name="referral_list"),
    path(
        "organisations/<int:organisation_id>/referrals/new/",
        referral_create,
        name="referral_create",
    ),
    path("referrals/<int:referral_id>/", referral_detail, name="referral_detail"),
    path("referrals/<int:referral_id>/accept/", referral_accept, name="referral_accept"),
    path("referrals/<int:referral_id>/decline/", referral_decline, name="referral_decline"),
    path(
        "referrals/<int:referral_id>/link-worker/",
        referral_link_worker,
        name="referral_link_worker",
    ),
    path("referrals/<int:referral_id>/support/", referral_support, name="referral_support"),
    path("referrals/<int:referral_id>/outcomes/", referral_outcome, name="referral_outcome"),
    path("referrals/<int:referral_id>/close/", referral_close, name="referral_close"),
    path("referrals/<int:referral_id>/message/", referral_message, name="referral_message"),
]
