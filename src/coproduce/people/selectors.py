"""Every read of people, organisations and memberships, scoped to the viewer."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, CharField, Count, F, Q, QuerySet, Value, When

from coproduce.errors import NotFound, PermissionDenied
from coproduce.people import permissions
from coproduce.people.models import (
    ApiToken,
    Consent,
    Membership,
    MembershipStatus,
    Organisation,
    Person,
    SensitiveAccess,
    Skill,
    Vetting,
    Visibility,
)
from coproduce.people.permissions import Viewer


def organisation_list(*, viewer: Viewer) -> QuerySet[Organisation]:
    """Organisations the viewer belongs to."""
    return Organisation.objects.filter(pk__in=viewer.organisation_ids()).order_by("name")


def organisation_public_list(*, viewer: Viewer, search: str = "") -> QuerySet[Organisation]:
    """What anyone, signed in or not, may browse and apply to join: public organisations
    only, whoever the viewer is (a private one is found through its members' own list)."""
    queryset = Organisation.objects.filter(is_public=True).select_related("area")
    if search:
        queryset = queryset.filter(Q(name__icontains=search) | Q(description__icontains=search))
    return queryset.order_by("name")


def organisation_get(*, viewer: Viewer, organisation_id: int) -> Organisation:
    """A member sees their organisation; anyone sees a public one; otherwise 404."""
    organisation = (
        Organisation.objects.select_related("area", "parent").filter(pk=organisation_id).first()
    )
    if organisation is None:
        raise NotFound()
    if organisation.is_public or viewer.role_in(organisation.pk) is not None:
        return organisation
    raise NotFound()


def organisation_get_by_slug(
    *, viewer: Viewer, slug: str, ability: str | None = None, action: str = "do that"
) -> Organisation:
    """The organisation as ``organisation_get`` shows it; with ``ability``, only to a viewer
    who holds it there (404 without an active membership, 403 for a role too low to
    ``action``), so a page for one purpose fetches and authorises in one step."""
    organisation_id = Organisation.objects.filter(slug=slug).values_list("pk", flat=True).first()
    if organisation_id is None:
        raise NotFound()
    organisation = organisation_get(viewer=viewer, organisation_id=organisation_id)
    if ability is not None:
        permissions.check(viewer, ability, organisation.pk, action=action)
    return organisation


def membership_list(
    *,
    viewer: Viewer,
    organisation: Organisation,
    status: str = MembershipStatus.ACTIVE,
    role: str = "",
    search: str = "",
) -> QuerySet[Membership]:
    """Members see the active members of their organisations; coordinators see every status.
    Each row's ``number_shown`` is its membership number for coordinators and up; a plain
    member sees who the other members are and their own number, not the others' (None)."""
    if status == MembershipStatus.ACTIVE:
        permissions.check(
            viewer, "people.view_members", organisation.pk, action="see who the members are"
        )
    else:
        permissions.check(
            viewer,
            "people.view_member_record",
            organisation.pk,
            action="see applications and past members",
        )
    coordinator = permissions.may(viewer, "people.view_member_record", organisation.pk)
    queryset = (
        Membership.objects.filter(organisation=organisation, status=status)
        .select_related("person", "decided_by")
        .annotate(
            number_shown=F("number")
            if coordinator
            else Case(
                When(person_id=viewer.person_id or 0, then=F("number")),
                default=Value(None),
                output_field=CharField(),
            )
        )
    )
    if role:
        queryset = queryset.filter(role=role)
    if search:
        queryset = queryset.filter(person__full_name__icontains=search)
    return queryset.order_by("person__full_name", "pk")


def membership_list_for_person(*, viewer: Viewer, person: Person) -> QuerySet[Membership]:
    """A person's memberships, limited to the organisations the viewer may see members of.
    Each row's ``number_shown`` is its membership number where the viewer may see member
    records (coordinators and up) or it is their own, None elsewhere."""
    queryset = Membership.objects.filter(person=person).select_related("organisation")
    if viewer.person is not None and viewer.person.pk == person.pk:
        return queryset.annotate(number_shown=F("number"))
    return queryset.filter(
        organisation_id__in=viewer.organisation_ids("people.view_members")
    ).annotate(
        number_shown=Case(
            When(
                organisation_id__in=viewer.organisation_ids("people.view_member_record"),
                then=F("number"),
            ),
            default=Value(None),
            output_field=CharField(),
        )
    )


def membership_get(*, viewer: Viewer, membership_id: int) -> Membership:
    membership = (
        Membership.objects.select_related("person", "organisation").filter(pk=membership_id).first()
    )
    if membership is None:
        raise NotFound()
    if viewer.person is not None and membership.person_id == viewer.person.pk:
        return membership
    permissions.check(
        viewer, "people.view_member_record", membership.organisation_id, action="see this"
    )
    return membership


def membership_get_for_decision(*, viewer: Viewer, membership_id: int) -> Membership:
    """A membership whose application the viewer may decide: their own is no exception."""
    membership = membership_get(viewer=viewer, membership_id=membership_id)
    permissions.check(
        viewer,
        "people.decide_application",
        membership.organisation_id,
        action="decide applications",
    )
    return membership


@dataclass(frozen=True)
class PersonView:
    """A person as this viewer may see them."""

    person: Person
    is_self: bool
    is_coordinator: bool
    email: str
    phone: str
    address: str


def _shared_organisations(viewer: Viewer, person: Person) -> dict[int, str]:
    their = dict(Membership.objects.filter(person=person).values_list("organisation_id", "status"))
    return {org: status for org, status in their.items() if viewer.role_in(org) is not None}


def person_get(*, viewer: Viewer, person_id: int) -> PersonView:
    """Yourself, a fellow active member (limited by their privacy) or someone in an
    organisation you coordinate. Anyone else is 404."""
    person = Person.objects.filter(pk=person_id).select_related("area", "user").first()
    if person is None:
        raise NotFound()
    if viewer.person is not None and viewer.person.pk == person.pk:
        return PersonView(person, True, False, person.email, person.phone, person.address)
    shared = _shared_organisations(viewer, person)
    coordinator = any(permissions.may(viewer, "people.view_member_record", org) for org in shared)
    fellow = any(
        status == MembershipStatus.ACTIVE and permissions.may(viewer, "people.view_members", org)
        for org, status in shared.items()
    )
    if not shared or (person.erased_at is not None and not coordinator):
        raise NotFound()
    if not (coordinator or fellow):
        raise PermissionDenied("Commissioners see figures, not people's records.")

    def visible(value: str, visibility: str) -> str:
        if coordinator and visibility in {Visibility.COORDINATORS, Visibility.MEMBERS}:
            return value
        if visibility == Visibility.MEMBERS:
            return value
        return ""

    return PersonView(
        person,
        False,
        coordinator,
        visible(person.email, person.email_visibility),
        visible(person.phone, person.phone_visibility),
        visible(person.address, person.address_visibility),
    )


def person_get_for_erasure(*, viewer: Viewer, person_id: int) -> PersonView:
    """A person the viewer may erase: an admin of one of the organisations they share."""
    view = person_get(viewer=viewer, person_id=person_id)
    organisation_ids = [
        m.organisation_id for m in membership_list_for_person(viewer=viewer, person=view.person)
    ]
    permissions.check_any(viewer, "people.erase_person", organisation_ids, action="erase people")
    return view


def consent_current(*, viewer: Viewer, person: Person) -> list[str]:
    """The purposes a person has consented to and not withdrawn: for themselves, or for a
    coordinator who may record consent in one of their organisations."""
    if viewer.person_id != person.pk:
        organisation_ids = list(
            Membership.objects.filter(person=person).values_list("organisation_id", flat=True)
        )
        permissions.check_any(
            viewer, "people.record_consent", organisation_ids, action="see consent"
        )
    return list(
        Consent.objects.filter(person=person, withdrawn_at__isnull=True).values_list(
            "purpose", flat=True
        )
    )


def vetting_list(*, viewer: Viewer, person: Person) -> list[Vetting]:
    """Vetting records are special-category: coordinators only, and each look is logged."""
    organisation_ids = list(
        Membership.objects.filter(person=person).values_list("organisation_id", flat=True)
    )
    permissions.check_any(
        viewer, "people.view_vetting", organisation_ids, action="see vetting checks"
    )
    allowed = viewer.organisation_ids("people.view_vetting")
    records = list(
        Vetting.objects.filter(person=person, organisation_id__in=allowed).select_related(
            "checked_by", "organisation"
        )
    )
    assert viewer.person is not None
    SensitiveAccess.objects.create(viewer=viewer.person, subject=person, what="vetting")
    return records


def vetting_organisations(*, viewer: Viewer, person: Person) -> list[Organisation]:
    """The organisations of this person's where the viewer may record a vetting check."""
    return [
        membership.organisation
        for membership in membership_list_for_person(viewer=viewer, person=person)
        if permissions.may(viewer, "people.record_vetting", membership.organisation_id)
    ]


def dashboard_counts(*, viewer: Viewer, organisation: Organisation) -> dict[str, int]:
    """Counts for the dashboard of someone who may see member records; aggregates only."""
    permissions.check(viewer, "people.view_aggregates", organisation.pk, action="see figures")
    counts = Membership.objects.filter(organisation=organisation).aggregate(
        active=Count("pk", filter=Q(status=MembershipStatus.ACTIVE)),
        applied=Count("pk", filter=Q(status=MembershipStatus.APPLIED)),
        paused=Count("pk", filter=Q(status=MembershipStatus.PAUSED)),
        staff=Count("pk", filter=Q(status=MembershipStatus.ACTIVE, role="staff")),
    )
    return {key: int(value or 0) for key, value in counts.items()}


def skill_get_own(*, viewer: Viewer, skill_id: int) -> Skill:
    """One of the viewer's own skills; anyone else's is unknown."""
    skill = Skill.objects.filter(pk=skill_id, person_id=viewer.person_id or 0).first()
    if skill is None:
        raise NotFound()
    return skill


def api_token_list(*, viewer: Viewer) -> QuerySet[ApiToken]:
    """The viewer's own live tokens; nobody sees another login's."""
    if viewer.user is None:
        return ApiToken.objects.none()
    return ApiToken.objects.filter(user=viewer.user, revoked_at__isnull=True)


def api_token_get_own(*, viewer: Viewer, token_id: int) -> ApiToken:
    token = api_token_list(viewer=viewer).filter(pk=token_id).first()
    if token is None:
        raise NotFound()
    return token
