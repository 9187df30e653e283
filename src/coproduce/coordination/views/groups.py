"""Coordination pages: peer support groups, their members, meetings and attendance, and
posting a meeting's hours to the time bank. Thin: parse, call one service, render."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, URLResolver, path, reverse
from django.utils import timezone

from coproduce.coordination.forms_groups import (
    AttendanceForm,
    ConfirmForm,
    FacilitatorForm,
    GroupForm,
    MeetingForm,
)
from coproduce.coordination.models import GroupRole, PeerGroup
from coproduce.coordination.selectors import groups as selectors
from coproduce.coordination.services import groups as services
from coproduce.framework.forms import form_data, form_submit
from coproduce.framework.pagination import paginate
from coproduce.people import permissions
from coproduce.people.permissions import viewer_of


def _hours(minutes: int) -> str:
    """120 → "2 hours", 90 → "1 hour 30 minutes"."""
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours:,} hour{'s' if hours != 1 else ''}")
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


def _confirmed(request: HttpRequest) -> bool:
    return request.POST.get("confirmed") == "yes"


def _group_fields(data: dict[str, Any]) -> dict[str, Any]:
    area = data["area"]
    return {
        "name": data["name"],
        "purpose": data["purpose"],
        "meets": data["meets"],
        "meets_on": data["meets_on"],
        "capacity": data["capacity"],
        "session_minutes": data["session_minutes"],
        "is_open": data["is_open"],
        "area_id": area.pk if area is not None else None,
    }


@login_required
def group_list(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    mine = request.GET.get("mine") == "1"
    groups = selectors.group_list(viewer=viewer, organisation_id=organisation_id, mine=mine)
    page = paginate(request, groups, per_page=20)
    roles = selectors.my_roles(viewer=viewer, group_ids=[g.pk for g in page.object_list])
    rows = [
        {"group": g, "places_left": selectors.places_left(g), "my_role": roles.get(g.pk)}
        for g in page.object_list
    ]
    to_post = list(selectors.meetings_to_post(viewer=viewer, organisation_id=organisation_id)[:20])
    return render(
        request,
        "coordination/groups_list.html",
        {
            "page": page,
            "rows": rows,
            "mine": mine,
            "organisation_id": organisation_id,
            "to_post": to_post,
        },
    )


@login_required
def group_create(request: HttpRequest, organisation_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    permissions.check(
        viewer, "coordination.take_part", organisation_id, action="start a peer support group"
    )
    form = GroupForm(form_data(request))
    group = form_submit(
        request,
        form,
        lambda d: services.group_create(
            viewer=viewer, organisation_id=organisation_id, **_group_fields(d)
        ),
        fields={"area_id": "area"},
    )
    if group is not None:
        messages.success(request, f"{group.name} is started, and you are its facilitator.")
        return redirect("coordination:group_detail", group_id=group.pk)
    return render(
        request,
        "coordination/groups_form.html",
        {
            "form": form,
            "title": "Start a peer support group",
            "button": "Start the group",
            "cancel_url": reverse("coordination:group_list", args=[organisation_id]),
        },
    )


@login_required
def group_detail(request: HttpRequest, group_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    detail = selectors.group_detail(viewer=viewer, group_id=group_id)
    page = paginate(request, selectors.group_past_meetings(detail.group), per_page=20)
    return render(
        request,
        "coordination/groups_detail.html",
        {
            "detail": detail,
            "group": detail.group,
            "hours": _hours(detail.group.session_minutes),
            "page": page,
        },
    )


@login_required
def group_edit(request: HttpRequest, group_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    group = selectors.access_group_to_manage(
        viewer=viewer, group_id=group_id, action="change its details"
    )
    current = selectors.group_fields(group)
    form = GroupForm(form_data(request), initial={**current, "area": group.area_id})
    saved = form_submit(
        request,
        form,
        lambda d: services.group_update(
            viewer=viewer, group_id=group_id, **{**current, **_group_fields(d)}
        ),
        fields={"area_id": "area"},
    )
    if saved is not None:
        messages.success(request, "The group's details are saved.")
        return redirect("coordination:group_detail", group_id=group_id)
    return render(
        request,
        "coordination/groups_form.html",
        {
            "form": form,
            "group": group,
            "title": f"Change {group.name}",
            "button": "Save the changes",
            "cancel_url": reverse("coordination:group_detail", args=[group_id]),
        },
    )


def _confirm_page(
    request: HttpRequest,
    form: ConfirmForm,
    *,
    group: PeerGroup,
    title: str,
    warning: str,
    confirm_label: str | None,
) -> HttpResponse:
    return render(
        request,
        "coordination/groups_confirm.html",
        {
            "form": form,
            "group": group,
            "title": title,
            "warning": warning,
            "confirm_label": confirm_label,
            "cancel_url": reverse("coordination:group_detail", args=[group.pk]),
        },
        status=400 if form.errors else 200,
    )


@login_required
def group_join(request: HttpRequest, group_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    detail = selectors.group_detail(viewer=viewer, group_id=group_id)
    group = detail.group
    form = ConfirmForm(form_data(request, sent=_confirmed(request)))
    joined = form_submit(
        request, form, lambda d: services.group_join(viewer=viewer, group_id=group_id)
    )
    if joined is not None:
        messages.success(request, f"You are now in {group.name}.")
        return redirect("coordination:group_detail", group_id=group_id)
    left = detail.places_left
    if detail.me is not None:
        warning, label = f"You are already in {group.name}.", None
    elif not group.is_open:
        warning, label = f"{group.name} is not taking new members at the moment.", None
    elif left == 0:
        warning = f"{group.name} is full: all {group.capacity} places are taken."
        label = None
    else:
        room = "" if left is None else f" {left} place{'s' if left != 1 else ''} left."
        warning, label = f"You join as a member, like everyone else.{room}", "Join the group"
    return _confirm_page(
        request,
        form,
        group=group,
        title=f"Join {group.name}?",
        warning=warning,
        confirm_label=label,
    )


@login_required
def group_leave(request: HttpRequest, group_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    detail = selectors.group_detail(viewer=viewer, group_id=group_id)
    group = detail.group
    form = ConfirmForm(form_data(request, sent=_confirmed(request)))
    left = form_submit(
        request, form, lambda d: services.group_leave(viewer=viewer, group_id=group_id)
    )
    if left is not None:
        messages.success(request, f"You have left {group.name}.")
        return redirect("coordination:group_list", organisation_id=group.organisation_id)
    if detail.me is None:
        warning, label = f"You are not in {group.name}.", None
    else:
        warning = "You stop being a member. You can join again while it has room."
        if detail.me.role == GroupRole.FACILITATOR:
            warning += " You stop facilitating it too."
        label = "Leave the group"
    return _confirm_page(
        request,
        form,
        group=group,
        title=f"Leave {group.name}?",
        warning=warning,
        confirm_label=label,
    )


@login_required
def group_facilitators(request: HttpRequest, group_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    group = selectors.access_group_to_manage(
        viewer=viewer, group_id=group_id, action="choose facilitators"
    )
    members = selectors.current_members(group)
    form = FacilitatorForm(
        form_data(request),
        people=[(m.membership_id, m.membership.person.display_name) for m in members],
    )
    changed = form_submit(
        request,
        form,
        lambda d: (services.facilitator_add if d["make"] else services.facilitator_remove)(
            viewer=viewer, group_id=group_id, membership_id=d["membership_id"]
        ),
    )
    if changed is not None:
        name = changed.membership.person.display_name
        role = "a facilitator" if changed.role == GroupRole.FACILITATOR else "a member"
        messages.success(request, f"{name} is now {role} of {group.name}.")
        return redirect("coordination:group_facilitators", group_id=group_id)
    return render(
        request,
        "coordination/groups_facilitators.html",
        {"group": group, "members": members, "form": form},
        status=400 if form.errors else 200,
    )


@login_required
def meeting_create(request: HttpRequest, group_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    group = selectors.access_group_to_manage(
        viewer=viewer, group_id=group_id, action="schedule its meetings"
    )
    start = (timezone.localtime() + timedelta(days=7)).replace(minute=0, second=0, microsecond=0)
    form = MeetingForm(
        form_data(request),
        # Not the place: ``meets`` says when as well as where ("Thursdays 6pm, the hall").
        initial={"minutes": group.session_minutes, "starts_at": start},
    )
    meeting = form_submit(
        request,
        form,
        lambda d: services.meeting_schedule(
            viewer=viewer,
            group_id=group_id,
            starts_at=d["starts_at"],
            minutes=d["minutes"],
            place=d["place"],
            notes=d["notes"],
        ),
    )
    if meeting is not None:
        messages.success(request, "The meeting is in the group's diary.")
        return redirect("coordination:group_detail", group_id=group_id)
    return render(
        request,
        "coordination/groups_meeting_form.html",
        {"form": form, "group": group},
    )


@login_required
def meeting_detail(request: HttpRequest, meeting_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    detail = selectors.meeting_detail(viewer=viewer, meeting_id=meeting_id)
    return render(
        request,
        "coordination/groups_meeting.html",
        {
            "detail": detail,
            "meeting": detail.meeting,
            "group": detail.group,
            "hours": _hours(detail.meeting.minutes),
            "total": _hours(detail.total_minutes),
        },
    )


@login_required
def meeting_attendance(request: HttpRequest, meeting_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    meeting = selectors.access_meeting_to_manage(
        viewer=viewer, meeting_id=meeting_id, action="record attendance"
    )
    candidates = selectors.attendance_candidates(meeting)
    recorded = selectors.meeting_detail(viewer=viewer, meeting_id=meeting_id).attendance
    form = AttendanceForm(
        form_data(request),
        initial={"present": [row.membership_id for row in recorded if row.present]},
        people=[(m.membership_id, m.membership.person.display_name) for m in candidates],
    )
    rows = form_submit(
        request,
        form,
        lambda d: services.attendance_record(
            viewer=viewer, meeting_id=meeting_id, present_membership_ids=d["present"]
        ),
    )
    if rows is not None:
        present = sum(1 for row in rows if row.present)
        messages.success(
            request,
            f"Attendance recorded: {present} present. A time bank broker posts the hours.",
        )
        return redirect("coordination:meeting_detail", meeting_id=meeting_id)
    return render(
        request,
        "coordination/groups_attendance.html",
        {
            "form": form,
            "meeting": meeting,
            "group": meeting.group,
            "posted": meeting.group_exchange_id is not None,
            "started": meeting.starts_at <= timezone.now(),
        },
        status=400 if form.errors else 200,
    )


@login_required
def meeting_post(request: HttpRequest, meeting_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    selectors.access_meeting_to_post(viewer=viewer, meeting_id=meeting_id)
    detail = selectors.meeting_detail(viewer=viewer, meeting_id=meeting_id)
    meeting = detail.meeting
    form = ConfirmForm(form_data(request, sent=_confirmed(request)))
    posted = form_submit(
        request, form, lambda d: services.meeting_hours_post(viewer=viewer, meeting_id=meeting_id)
    )
    if posted is not None:
        messages.success(
            request,
            f"{_hours(detail.total_minutes)} posted: {len(detail.present)} people earn "
            f"{_hours(meeting.minutes)} each.",
        )
        return redirect("coordination:meeting_detail", meeting_id=meeting_id)
    return render(
        request,
        "coordination/groups_post.html",
        {
            "form": form,
            "detail": detail,
            "meeting": meeting,
            "group": detail.group,
            "hours": _hours(meeting.minutes),
            "total": _hours(detail.total_minutes),
            "cancel_url": reverse("coordination:meeting_detail", args=[meeting_id]),
        },
        status=400 if form.errors else 200,
    )


urlpatterns: list[URLPattern | URLResolver] = [
    path("organisations/<int:organisation_id>/groups/", group_list, name="group_list"),
    path("organisations/<int:organisation_id>/groups/new/", group_create, name="group_create"),
    path("groups/<int:group_id>/", group_detail, name="group_detail"),
    path("groups/<int:group_id>/edit/", group_edit, name="group_edit"),
    path("groups/<int:group_id>/join/", group_join, name="group_join"),
    path("groups/<int:group_id>/leave/", group_leave, name="group_leave"),
    path("groups/<int:group_id>/facilitators/", group_facilitators, name="group_facilitators"),
    path("groups/<int:group_id>/meetings/new/", meeting_create, name="meeting_create"),
    path("group-meetings/<int:meeting_id>/", meeting_detail, name="meeting_detail"),
    path(
        "group-meetings/<int:meeting_id>/attendance/",
        meeting_attendance,
        name="meeting_attendance",
    ),
    path("group-meetings/<int:meeting_id>/post-hours/", meeting_post, name="meeting_post"),
]
