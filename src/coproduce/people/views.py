from __future__ import annotations

from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from coproduce.errors import NotFound
from coproduce.framework.forms import form_data, form_submit
from coproduce.framework.pagination import paginate
from coproduce.people import permissions, selectors, services
from coproduce.people.figures import figure_rows
from coproduce.people.forms import (
    AcceptInvitationForm,
    ApplyForm,
    ConsentForm,
    ContractedHoursForm,
    DecideForm,
    InviteForm,
    PersonCreateForm,
    ProfileForm,
    RegisterForm,
    RoleForm,
    SearchForm,
    SkillForm,
    StatusForm,
    TokenForm,
    VettingForm,
)
from coproduce.people.models import MembershipStatus, User
from coproduce.people.permissions import viewer_of


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User), "login_required guards this view"
    return request.user


def register(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("web:dashboard")
    form = RegisterForm(form_data(request))
    person = form_submit(request, form, lambda data: services.person_register(**data))
    if person is not None:
        assert person.user is not None
        login(request, person.user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, "Welcome. Your account is ready: now join an organisation.")
        return redirect("people:organisation_browse")
    return render(request, "people/register.html", {"form": form})


def organisation_browse(request: HttpRequest) -> HttpResponse:
    search = SearchForm(request.GET or None)
    term = search.cleaned_data.get("q", "") if search.is_valid() else ""
    page = paginate(
        request, selectors.organisation_public_list(viewer=viewer_of(request), search=term)
    )
    return render(request, "people/organisation_browse.html", {"page": page, "search": search})


def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = viewer_of(request)
    organisation = selectors.organisation_get_by_slug(viewer=viewer, slug=slug)
    role = viewer.role_in(organisation.pk)
    own = None
    if viewer.person is not None:
        own = organisation.memberships.filter(person=viewer.person).first()
    context: dict[str, Any] = {
        "organisation": organisation,
        "role": role,
        "own_membership": own,
        "may_coordinate": permissions.may(viewer, "people.decide_application", organisation.pk),
        "may_invite": permissions.may(viewer, "people.invite", organisation.pk),
        "may_view_members": permissions.may(viewer, "people.view_members", organisation.pk),
    }
    return render(request, "people/organisation_detail.html", context)


@login_required
def organisation_apply(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = viewer_of(request)
    organisation = selectors.organisation_get_by_slug(viewer=viewer, slug=slug)
    form = ApplyForm(form_data(request))
    applied = form_submit(
        request,
        form,
        lambda data: services.membership_apply(
            viewer=viewer, organisation=organisation, note=data["note"]
        ),
    )
    if applied is not None:
        messages.success(
            request, f"You have applied to join {organisation.name}. A coordinator will reply."
        )
        return redirect("people:organisation_detail", slug=organisation.slug)
    return render(
        request, "people/organisation_apply.html", {"organisation": organisation, "form": form}
    )


@login_required
def member_list(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = viewer_of(request)
    organisation = selectors.organisation_get_by_slug(viewer=viewer, slug=slug)
    search = SearchForm(request.GET or None)
    term = search.cleaned_data.get("q", "") if search.is_valid() else ""
    status = request.GET.get("status", MembershipStatus.ACTIVE)
    if status not in MembershipStatus.values:
        status = MembershipStatus.ACTIVE
    memberships = selectors.membership_list(
        viewer=viewer, organisation=organisation, status=status, search=term
    )
    page = paginate(request, memberships)
    may_records = permissions.may(viewer, "people.view_member_record", organisation.pk)
    # Other apps' figures (the time bank's balance) beside each member the viewer may see.
    figure_labels, rows = figure_rows(viewer=viewer, memberships=list(page.object_list))
    return render(
        request,
        "people/member_list.html",
        {
            "organisation": organisation,
            "page": page,
            "rows": rows,
            "figure_labels": figure_labels,
            "search": search,
            "status": status,
            "statuses": MembershipStatus.choices if may_records else [],
            "may_records": may_records,
            "may_create": permissions.may(viewer, "people.create_person", organisation.pk),
        },
    )


@login_required
def application_list(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = viewer_of(request)
    organisation = selectors.organisation_get_by_slug(
        viewer=viewer, slug=slug, ability="people.decide_application", action="decide applications"
    )
    page = paginate(
        request,
        selectors.membership_list(
            viewer=viewer, organisation=organisation, status=MembershipStatus.APPLIED
        ),
    )
    return render(
        request, "people/application_list.html", {"organisation": organisation, "page": page}
    )


@login_required
def application_decide(request: HttpRequest, membership_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    membership = selectors.membership_get_for_decision(viewer=viewer, membership_id=membership_id)
    form = DecideForm(form_data(request))
    decided = form_submit(
        request,
        form,
        lambda data: services.membership_decide(
            viewer=viewer,
            membership_id=membership.pk,
            approve=data["decision"] == "approve",
            reason=data["reason"],
        ),
    )
    if decided is not None:
        verb = "approved" if form.cleaned_data["decision"] == "approve" else "declined"
        messages.success(request, f"{membership.person.display_name}'s application {verb}.")
        return redirect("people:application_list", slug=membership.organisation.slug)
    return render(
        request, "people/application_decide.html", {"membership": membership, "form": form}
    )


@login_required
def membership_detail(request: HttpRequest, membership_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    membership = selectors.membership_get(viewer=viewer, membership_id=membership_id)
    organisation_id = membership.organisation_id
    may_set_role = permissions.may(viewer, "people.set_role", organisation_id)
    may_set_status = permissions.may(viewer, "people.set_status", organisation_id)
    # Three forms on one page; the field a POST carries says which was sent.
    role_form = RoleForm(
        form_data(request, sent="role" in request.POST), initial={"role": membership.role}
    )
    minutes = membership.contracted_minutes_per_week
    hours_form = ContractedHoursForm(
        form_data(request, sent="contracted_hours" in request.POST),
        initial={"contracted_hours": None if minutes is None else minutes / 60},
    )
    status_form = StatusForm(
        form_data(request, sent="status" in request.POST), initial={"status": membership.status}
    )

    def role_set(data: dict[str, Any]) -> str:
        services.membership_role_set(viewer=viewer, membership_id=membership.pk, role=data["role"])
        return "Role changed."

    def hours_set(data: dict[str, Any]) -> str:
        hours = data["contracted_hours"]
        services.membership_contracted_hours_set(
            viewer=viewer,
            membership_id=membership.pk,
            minutes_per_week=None if hours is None else round(hours * 60),
        )
        return "Contracted hours saved."

    def status_set(data: dict[str, Any]) -> str:
        services.membership_status_set(
            viewer=viewer, membership_id=membership.pk, status=data["status"]
        )
        return "Membership status changed."

    done = (
        form_submit(request, role_form, role_set)
        or form_submit(request, hours_form, hours_set)
        or form_submit(request, status_form, status_set)
    )
    if done:
        messages.success(request, done)
        return redirect("people:membership_detail", membership_id=membership.pk)
    return render(
        request,
        "people/membership_detail.html",
        {
            "membership": membership,
            "role_form": role_form,
            "status_form": status_form,
            "hours_form": hours_form,
            "may_set_role": may_set_role,
            "may_set_status": may_set_status,
        },
    )


@login_required
def person_detail(request: HttpRequest, person_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    view = selectors.person_get(viewer=viewer, person_id=person_id)
    memberships = selectors.membership_list_for_person(viewer=viewer, person=view.person)
    _, membership_rows = figure_rows(viewer=viewer, memberships=list(memberships))
    skills = list(view.person.skills.all())
    may_erase = any(
        permissions.may(viewer, "people.erase_person", m.organisation_id) for m in memberships
    )
    return render(
        request,
        "people/person_detail.html",
        {
            "view": view,
            "person": view.person,
            "memberships": memberships,
            "membership_rows": membership_rows,
            "skills": skills,
            "may_erase": may_erase and not view.is_self,
        },
    )


@login_required
def person_create(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = viewer_of(request)
    organisation = selectors.organisation_get_by_slug(
        viewer=viewer, slug=slug, ability="people.create_person", action="add people"
    )
    form = PersonCreateForm(form_data(request))
    person = form_submit(
        request,
        form,
        lambda data: services.person_create_for(viewer=viewer, organisation=organisation, **data),
    )
    if person is not None:
        messages.success(request, f"{person.full_name} has been added as a member.")
        return redirect("people:person_detail", person_id=person.pk)
    return render(
        request, "people/person_create.html", {"organisation": organisation, "form": form}
    )


@login_required
def vetting(request: HttpRequest, person_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    view = selectors.person_get(viewer=viewer, person_id=person_id)
    records = selectors.vetting_list(viewer=viewer, person=view.person)
    organisations = selectors.vetting_organisations(viewer=viewer, person=view.person)
    form = VettingForm(form_data(request))
    recorded = form_submit(
        request,
        form,
        lambda data: services.vetting_record(
            viewer=viewer, person=view.person, organisation=organisations[0], **data
        ),
    )
    if recorded is not None:
        messages.success(request, "Vetting check recorded.")
        return redirect("people:vetting", person_id=view.person.pk)
    return render(
        request,
        "people/vetting.html",
        {"person": view.person, "records": records, "form": form},
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    if viewer.person is None:
        raise NotFound()
    person = viewer.person
    form = ProfileForm(
        form_data(request),
        initial={
            field: getattr(person, field)
            for field in ProfileForm.base_fields
            if hasattr(person, field)
        },
    )
    saved = form_submit(
        request, form, lambda data: services.person_update(viewer=viewer, person=person, **data)
    )
    if saved is not None:
        messages.success(request, "Your profile has been saved.")
        return redirect("people:profile")
    memberships = selectors.membership_list_for_person(viewer=viewer, person=person)
    return render(
        request,
        "people/profile.html",
        {
            "form": form,
            "person": person,
            "memberships": memberships,
            "skills": list(person.skills.all()),
            "skill_form": SkillForm(),
            "tokens": selectors.api_token_list(viewer=viewer),
            "token_form": TokenForm(),
            "consent_form": ConsentForm(
                initial={"purposes": selectors.consent_current(viewer=viewer, person=person)}
            ),
        },
    )


@login_required
@require_POST
def skill_add(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    if viewer.person is None:
        raise NotFound()
    person = viewer.person
    # The form lives on the profile page, so its errors travel back as a message.
    form = SkillForm(form_data(request))
    typed = form.is_valid()
    added = form_submit(
        request, form, lambda data: services.skill_add(viewer=viewer, person=person, **data)
    )
    if added is not None:
        messages.success(request, f"Added “{form.cleaned_data['label']}”.")
    elif not typed:
        messages.error(request, "Choose a list and enter what you can offer or would like to do.")
    else:
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect(reverse("people:profile") + "#skills")


@login_required
def skill_remove(request: HttpRequest, skill_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    skill = selectors.skill_get_own(viewer=viewer, skill_id=skill_id)
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        services.skill_remove(viewer=viewer, skill=skill)
        messages.success(request, f"Removed “{skill.label}”.")
        return redirect(reverse("people:profile") + "#skills")
    return render(
        request,
        "web/confirm.html",
        {
            "title": f"Remove “{skill.label}”?",
            "warning": "It will no longer show on your profile.",
            "confirm_label": "Remove",
            "cancel_url": reverse("people:profile"),
            "hidden": {},
        },
    )


@login_required
def token_create(request: HttpRequest) -> HttpResponse:
    form = TokenForm(form_data(request))
    made = form_submit(
        request,
        form,
        lambda data: services.api_token_create(user=_user(request), name=data["name"]),
    )
    secret = made[1] if made is not None else None
    return render(request, "people/token_create.html", {"form": form, "secret": secret})


@login_required
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    token = selectors.api_token_get_own(viewer=viewer_of(request), token_id=token_id)
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        services.api_token_revoke(user=_user(request), token_id=token.pk)
        messages.success(request, f"Token “{token.name}” revoked.")
        return redirect("people:profile")
    return render(
        request,
        "web/confirm.html",
        {
            "title": f"Revoke the token “{token.name}”?",
            "warning": "Programs using it will stop working at once.",
            "confirm_label": "Revoke token",
            "cancel_url": reverse("people:profile"),
            "hidden": {},
        },
    )


@login_required
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    viewer = viewer_of(request)
    organisation = selectors.organisation_get_by_slug(
        viewer=viewer, slug=slug, ability="people.invite", action="invite people"
    )
    form = InviteForm(form_data(request))
    accept_url = request.build_absolute_uri(
        reverse("people:invitation_accept", kwargs={"token": "TOKEN"})
    ).replace("TOKEN", "{token}")
    invited = form_submit(
        request,
        form,
        lambda data: services.invitation_create(
            viewer=viewer, organisation=organisation, accept_url=accept_url, **data
        ),
    )
    if invited is not None:
        messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
        return redirect("people:organisation_detail", slug=organisation.slug)
    return render(request, "people/invite.html", {"organisation": organisation, "form": form})


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    # Someone signed in joins as themselves; anyone else makes an account with the form.
    signed_in = request.user.is_authenticated
    form = (django_forms.Form if signed_in else AcceptInvitationForm)(form_data(request))
    person = form_submit(
        request,
        form,
        lambda data: (
            services.invitation_accept(token=token, user=_user(request))
            if signed_in
            else services.invitation_accept(token=token, **data)
        ),
    )
    if person is not None:
        if not signed_in:
            assert person.user is not None
            login(request, person.user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"You have joined {invitation.organisation.name}.")
        return redirect("web:dashboard")
    return render(
        request, "people/invitation_accept.html", {"invitation": invitation, "form": form}
    )


@login_required
@require_POST
def consent_update(request: HttpRequest) -> HttpResponse:
    viewer = viewer_of(request)
    if viewer.person is None:
        raise NotFound()
    person = viewer.person
    form = ConsentForm(form_data(request))
    saved = form_submit(
        request,
        form,
        lambda data: services.consent_choices_set(
            viewer=viewer, person=person, purposes=set(data["purposes"])
        ),
    )
    if saved is None:
        messages.error(request, "Choose from the listed purposes.")
    else:
        messages.success(request, "Your consent choices have been saved.")
    return redirect(reverse("people:profile") + "#consent")


@login_required
def person_erase(request: HttpRequest, person_id: int) -> HttpResponse:
    viewer = viewer_of(request)
    view = selectors.person_get_for_erasure(viewer=viewer, person_id=person_id)
    if request.method == "POST" and request.POST.get("confirmed") == "yes":
        services.person_erase(viewer=viewer, person=view.person)
        messages.success(request, "The person's details have been erased.")
        return redirect("web:dashboard")
    return render(
        request,
        "web/confirm.html",
        {
            "title": f"Erase {view.person.full_name}?",
            "warning": (
                "Their name, contact details, skills, consents and vetting checks will be "
                "removed for good. Their memberships and time-bank history stay, under a "
                "placeholder name. This cannot be undone."
            ),
            "confirm_label": "Erase this person",
            "cancel_url": reverse("people:person_detail", kwargs={"person_id": person_id}),
            "hidden": {},
        },
    )
