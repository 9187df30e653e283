"""Every write to people, organisations and memberships. Each public function is one
transaction that checks permission, validates, writes and records what happened."""

from __future__ import annotations

import enum
import hashlib
import secrets
from collections.abc import Collection
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import models, transaction
from django.utils import timezone
from django.utils.text import slugify

from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.people import notices, permissions
from coproduce.people.activation import memberships_activated
from coproduce.people.models import (
    ApiToken,
    Area,
    Consent,
    ConsentPurpose,
    DbsLevel,
    HistoryEntry,
    Invitation,
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationKind,
    Person,
    Role,
    Sector,
    Skill,
    SkillKind,
    User,
    Visibility,
)
from coproduce.people.permissions import Viewer

UK_POSTCODE_HELP = "Enter a full UK postcode, like LS6 2AB."


class Keep(enum.Enum):
    """An argument left out: keep the stored value (where ``None`` would clear it)."""

    KEEP = "keep"


KEEP = Keep.KEEP


def history_record(
    *,
    actor: Person | None,
    action: str,
    subject: models.Model,
    organisation: Organisation | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append to the history. Call it inside the service's transaction."""
    HistoryEntry.objects.create(
        actor=actor,
        organisation=organisation,
        action=action,
        subject_type=subject._meta.label_lower,
        subject_id=str(subject.pk),
        detail=detail or {},
    )


def _validated(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    """Run model validation and turn the first error into InvalidInput naming the field."""
    try:
        instance.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as error:
        for field_name, messages in error.message_dict.items():
            name = None if field_name == "__all__" else field_name
            raise InvalidInput(name, messages[0]) from error


def normalise_postcode(value: str, *, field: str = "postcode") -> str:
    """Upper-case UK postcode with one space, or InvalidInput."""
    compact = "".join(value.split()).upper()
    if not compact:
        return ""
    import re

    if not re.fullmatch(r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}", compact):
        raise InvalidInput(field, f"“{value}” is not a UK postcode. {UK_POSTCODE_HELP}")
    return f"{compact[:-3]} {compact[-3:]}"


# Nobody alive was born before; an earlier date is a typing slip (1800 for 1980, or 19 for 2019).
EARLIEST_BIRTH_DATE = date(1900, 1, 1)


def _clean_email(value: str, *, field: str = "email") -> str:
    email = value.strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise InvalidInput(field, "Enter an email address like name@example.org.") from error
    return email


def _next_membership_number(organisation: Organisation) -> str:
    prefix = (slugify(organisation.slug).replace("-", "")[:3] or "org").upper()
    count = Membership.objects.filter(organisation=organisation).count()
    while True:
        count += 1
        number = f"{prefix}{count:05d}"
        if not Membership.objects.filter(organisation=organisation, number=number).exists():
            return number


# --- areas and organisations (operators and admins) ---------------------------------------


@transaction.atomic
def area_create(
    *,
    name: str,
    latitude: float | None = None,
    longitude: float | None = None,
    radius_km: float | None = None,
) -> Area:
    area = Area(
        name=name.strip(),
        slug=slugify(name),
        latitude=latitude,
        longitude=longitude,
        radius_km=radius_km,
    )
    _validated(area)
    if Area.objects.filter(slug=area.slug).exists():
        raise Conflict(f"An area called “{area.name}” already exists.")
    area.save()
    return area


@transaction.atomic
def organisation_create(
    *,
    name: str,
    kind: str,
    sector: str = "",
    parent: Organisation | None = None,
    area: Area | None = None,
    description: str = "",
    website: str = "",
    is_public: bool = True,
    founder: Person | None = None,
    slug: str = "",
) -> Organisation:
    """Create an organisation; ``founder`` becomes its first admin. The slug (its web address)
    is made from the name unless one is given; a taken slug gets a number."""
    if kind not in OrganisationKind.values:
        raise InvalidInput("kind", f"“{kind}” is not a kind of organisation.")
    if sector and sector not in Sector.values:
        raise InvalidInput("sector", f"“{sector}” is not a sector.")
    base = slugify(slug or name)[:100] or "organisation"
    slug, n = base, 1
    while Organisation.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    organisation = Organisation(
        name=name.strip(),
        slug=slug,
        kind=kind,
        sector=sector,
        parent=parent,
        area=area,
        description=description,
        website=website,
        is_public=is_public,
    )
    _validated(organisation)
    organisation.save()
    if founder is not None:
        _membership_add(
            person=founder, organisation=organisation, role=Role.ADMIN, decided_by=founder
        )
    history_record(actor=founder, action="organisation.created", subject=organisation)
    return organisation


# --- people -------------------------------------------------------------------------------


def _person_fields(
    *,
    full_name: str,
    email: str,
    phone: str,
    postcode: str,
    date_of_birth: date | None,
) -> dict[str, Any]:
    name = full_name.strip()
    if not name:
        raise InvalidInput("full_name", "Enter a name.")
    if date_of_birth is not None and date_of_birth > timezone.localdate():
        raise InvalidInput("date_of_birth", "Date of birth must be in the past.")
    if date_of_birth is not None and date_of_birth < EARLIEST_BIRTH_DATE:
        raise InvalidInput(
            "date_of_birth", "Enter a date of birth from 1 January 1900 (four digits for the year)."
        )
    return {
        "full_name": name,
        "email": _clean_email(email) if email.strip() else "",
        "phone": phone.strip(),
        "postcode": normalise_postcode(postcode),
        "date_of_birth": date_of_birth,
    }


@transaction.atomic
def person_register(
    *,
    full_name: str,
    email: str,
    password: str,
    postcode: str = "",
    area: Area | None = None,
    preferred_name: str = "",
) -> Person:
    """Someone signs themselves up: a login and a person, no membership yet."""
    fields = _person_fields(
        full_name=full_name, email=email, phone="", postcode=postcode, date_of_birth=None
    )
    email_clean = fields["email"]
    if not email_clean:
        raise InvalidInput("email", "Enter an email address like name@example.org.")
    if User.objects.filter(email__iexact=email_clean).exists():
        raise Conflict("There is already an account with that email address. Sign in instead.")
    user = User(email=email_clean, first_name=full_name.strip()[:150])
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise InvalidInput("password", " ".join(error.messages)) from error
    user.set_password(password)
    user.save()
    person = Person(user=user, area=area, preferred_name=preferred_name.strip(), **fields)
    _validated(person, exclude=["user"])
    person.save()
    history_record(actor=person, action="person.registered", subject=person)
    return person


@transaction.atomic
def person_create_for(
    *,
    viewer: Viewer,
    organisation: Organisation,
    full_name: str,
    email: str = "",
    phone: str = "",
    postcode: str = "",
    date_of_birth: date | None = None,
    contact_by: str = "in_person",
    role: str = Role.MEMBER,
    area: Area | None = None,
) -> Person:
    """A coordinator adds someone with no login (no email or phone of their own) as a member."""
    permissions.check(viewer, "people.create_person", organisation.pk, action="add people to it")
    if role not in {Role.MEMBER, Role.STAFF}:
        raise InvalidInput("role", "People added by a coordinator join as members or staff.")
    person = Person(
        contact_by=contact_by,
        area=area,
        **_person_fields(
            full_name=full_name,
            email=email,
            phone=phone,
            postcode=postcode,
            date_of_birth=date_of_birth,
        ),
    )
    _validated(person, exclude=["user"])
    person.save()
    _membership_add(person=person, organisation=organisation, role=role, decided_by=viewer.person)
    history_record(
        actor=viewer.person, organisation=organisation, action="person.created", subject=person
    )
    return person


@transaction.atomic
def person_update(
    *,
    viewer: Viewer,
    person: Person,
    full_name: str,
    preferred_name: str = "",
    email: str = "",
    phone: str = "",
    address: str = "",
    postcode: str = "",
    about: str = "",
    contact_by: str = "email",
    email_visibility: str = Visibility.COORDINATORS,
    phone_visibility: str = Visibility.COORDINATORS,
    address_visibility: str = Visibility.ONLY_ME,
    date_of_birth: date | Keep | None = KEEP,
) -> Person:
    """A person edits their own profile (or a coordinator edits someone they act for).
    ``date_of_birth`` is kept as it is unless given (``None`` clears it); it decides
    eligibility for age-limited rewards and votes."""
    _require_self_or_coordinator(viewer, person)
    fields = _person_fields(
        full_name=full_name,
        email=email,
        phone=phone,
        postcode=postcode,
        date_of_birth=person.date_of_birth if date_of_birth is KEEP else date_of_birth,
    )
    for name, value in {
        "contact_by": contact_by,
        "email_visibility": email_visibility,
        "phone_visibility": phone_visibility,
        "address_visibility": address_visibility,
    }.items():
        choices = getattr(Person._meta.get_field(name), "choices", None) or []
        if value not in {choice[0] for choice in choices}:
            raise InvalidInput(name, "Choose one of the options.")
    person.full_name = fields["full_name"]
    person.preferred_name = preferred_name.strip()
    person.email = fields["email"]
    person.phone = fields["phone"]
    person.postcode = fields["postcode"]
    person.date_of_birth = fields["date_of_birth"]
    person.address = address.strip()
    person.about = about.strip()
    person.contact_by = contact_by
    person.email_visibility = email_visibility
    person.phone_visibility = phone_visibility
    person.address_visibility = address_visibility
    _validated(person, exclude=["user"])
    person.save()
    history_record(actor=viewer.person, action="person.updated", subject=person)
    return person


def _require_self_or_coordinator(viewer: Viewer, person: Person) -> None:
    if viewer.person is not None and viewer.person.pk == person.pk:
        return
    organisation_ids = list(
        Membership.objects.filter(person=person).values_list("organisation_id", flat=True)
    )
    permissions.check_any(
        viewer, "people.view_member_record", organisation_ids, action="change this person"
    )


@transaction.atomic
def skill_add(
    *, viewer: Viewer, person: Person, kind: str, label: str, description: str = ""
) -> Skill:
    _require_self_or_coordinator(viewer, person)
    if kind not in SkillKind.values:
        raise InvalidInput("kind", "Choose “What I can offer” or “What I'd like to do”.")
    label = label.strip()
    if not label:
        raise InvalidInput("label", "Enter what you can offer or would like to do.")
    if Skill.objects.filter(person=person, kind=kind, label__iexact=label).exists():
        raise Conflict(f"“{label}” is already on your list.")
    skill = Skill(person=person, kind=kind, label=label[:120], description=description.strip())
    _validated(skill)
    skill.save()
    return skill


@transaction.atomic
def skill_remove(*, viewer: Viewer, skill: Skill) -> None:
    _require_self_or_coordinator(viewer, skill.person)
    skill.delete()


@transaction.atomic
def person_erase(*, viewer: Viewer, person: Person) -> Person:
    """Pseudonymise a person: contact details, skills and special-category records go;
    memberships and anything the ledger points at stay, under a placeholder name."""
    organisation_ids = list(
        Membership.objects.filter(person=person).values_list("organisation_id", flat=True)
    )
    permissions.check_any(viewer, "people.erase_person", organisation_ids, action="erase people")
    if person.erased_at is not None:
        raise Conflict("This person has already been erased.")
    # An erased person can no longer sign in: their admin memberships stop counting.
    held = Membership.objects.filter(
        person=person, role=Role.ADMIN, status=MembershipStatus.ACTIVE
    ).values_list("organisation_id", "pk")
    for organisation_id, membership_id in sorted(held):
        _admins_kept(organisation_id=organisation_id, leaving=[membership_id])
    person.full_name = f"Former member {person.pk}"
    person.preferred_name = ""
    person.email = person.phone = person.address = person.postcode = person.about = ""
    person.date_of_birth = None
    person.erased_at = timezone.now()
    user = person.user
    person.user = None
    person.save()
    if user is not None:
        user.delete()
    person.skills.all().delete()
    person.vettings.all().delete()
    person.consents.all().delete()
    history_record(actor=viewer.person, action="person.erased", subject=person)
    return person


# --- memberships ----------------------------------------------------------------------------


def _membership_add(
    *, person: Person, organisation: Organisation, role: str, decided_by: Person | None
) -> Membership:
    """An active membership straight away (founders, invitations, coordinators adding)."""
    now = timezone.now()
    membership = Membership.objects.filter(person=person, organisation=organisation).first()
    if membership is not None:
        if membership.status == MembershipStatus.ACTIVE:
            raise Conflict(f"{person} is already a member of {organisation}.")
        membership.status = MembershipStatus.ACTIVE
        membership.decided_at, membership.decided_by, membership.decline_reason = (
            now,
            decided_by,
            "",
        )
        membership.save()
        # Rejoining with another role than the one held before is a role change on record.
        _role_write(membership, role=role, actor=decided_by, why="rejoined")
    else:
        membership = Membership.objects.create(
            person=person,
            organisation=organisation,
            role=role,
            status=MembershipStatus.ACTIVE,
            number=_next_membership_number(organisation),
            decided_at=now,
            decided_by=decided_by,
        )
    memberships_activated([membership])
    return membership


@transaction.atomic
def membership_add(
    *, viewer: Viewer, person: Person, organisation: Organisation, role: str = Role.MEMBER
) -> Membership:
    """A coordinator brings someone they already work with into another organisation."""
    from coproduce.people.selectors import person_get

    permissions.check(viewer, "people.create_person", organisation.pk, action="add people to it")
    person_get(viewer=viewer, person_id=person.pk)
    if role not in {Role.MEMBER, Role.STAFF}:
        raise InvalidInput("role", "People added by a coordinator join as members or staff.")
    membership = _membership_add(
        person=person, organisation=organisation, role=role, decided_by=viewer.person
    )
    history_record(
        actor=viewer.person,
        organisation=organisation,
        action="membership.added",
        subject=membership,
    )
    return membership


@transaction.atomic
def membership_apply(*, viewer: Viewer, organisation: Organisation, note: str = "") -> Membership:
    """The viewer asks to join; a coordinator decides."""
    if viewer.person is None:
        raise PermissionDenied("Sign in to apply to join.")
    if not organisation.is_public and viewer.role_in(organisation.pk) is None:
        raise NotFound()
    existing = Membership.objects.filter(person=viewer.person, organisation=organisation).first()
    if existing is not None and existing.status in {
        MembershipStatus.APPLIED,
        MembershipStatus.ACTIVE,
        MembershipStatus.PAUSED,
    }:
        raise Conflict(
            f"You have already applied to {organisation.name}"
            if existing.status == MembershipStatus.APPLIED
            else f"You are already a member of {organisation.name}."
        )
    if existing is not None:
        existing.status = MembershipStatus.APPLIED
        existing.application_note = note.strip()
        existing.decided_at = None
        existing.decided_by = None
        existing.decline_reason = ""
        existing.save()
        # An application is to join as a member: a former administrator who left does not
        # get their old role back when a coordinator approves it.
        _role_write(existing, role=Role.MEMBER, actor=viewer.person, why="applied again")
        membership = existing
    else:
        membership = Membership.objects.create(
            person=viewer.person,
            organisation=organisation,
            role=Role.MEMBER,
            status=MembershipStatus.APPLIED,
            number=_next_membership_number(organisation),
            application_note=note.strip(),
        )
    history_record(
        actor=viewer.person,
        organisation=organisation,
        action="membership.applied",
        subject=membership,
    )
    notices.application_received_notify(membership=membership)
    return membership


def _admins_kept(*, organisation_id: int, leaving: Collection[int]) -> None:
    """Refuse a change that takes away an organisation's last active administrator.

    Every path that can reduce an organisation's admins (demotion, pause, leaving, erasure)
    calls this before it locks the membership it changes. It locks the organisation's active
    admin membership rows in id order, so two concurrent demotions serialise: the second
    counts what the first left. ``leaving`` are the memberships the change removes."""
    admins = set(
        Membership.objects.select_for_update(of=("self",))
        .filter(
            organisation_id=organisation_id,
            role=Role.ADMIN,
            status=MembershipStatus.ACTIVE,
            person__erased_at__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if admins & set(leaving) and not admins - set(leaving):
        name = Organisation.objects.filter(pk=organisation_id).values_list("name", flat=True)
        raise Conflict(
            f"{name.first()} must keep at least one administrator: "
            "make someone else an administrator first."
        )


def _role_write(membership: Membership, *, role: str, actor: Person | None, why: str) -> None:
    """Write a membership's role and its history; the role services and rejoining use it."""
    previous = membership.role
    if previous == role:
        return
    membership.role = role
    membership.save(update_fields=["role"])
    history_record(
        actor=actor,
        organisation=membership.organisation,
        action="membership.role_set",
        subject=membership,
        detail={"from": previous, "to": role, "why": why},
    )


def _organisation_of(membership_id: int) -> int:
    """A membership's organisation, read before any lock (it never changes)."""
    organisation_id = (
        Membership.objects.filter(pk=membership_id)
        .values_list("organisation_id", flat=True)
        .first()
    )
    if organisation_id is None:
        raise NotFound()
    return organisation_id


def _locked_membership(membership_id: int) -> Membership:
    try:
        return (
            Membership.objects.select_for_update(of=("self",))
            .select_related("organisation", "person")
            .get(pk=membership_id)
        )
    except Membership.DoesNotExist as error:
        raise NotFound() from error


@transaction.atomic
def membership_decide(
    *, viewer: Viewer, membership_id: int, approve: bool, reason: str = ""
) -> Membership:
    """Approve or decline an application. Takes a row lock so two coordinators cannot both
    decide the same application."""
    membership = _locked_membership(membership_id)
    permissions.check(
        viewer,
        "people.decide_application",
        membership.organisation_id,
        action="decide applications",
    )
    if membership.status != MembershipStatus.APPLIED:
        raise Conflict(
            f"This application has already been decided ({membership.get_status_display()})."
        )
    if not approve and not reason.strip():
        raise InvalidInput("reason", "Give the reason for declining; the applicant will see it.")
    membership.status = MembershipStatus.ACTIVE if approve else MembershipStatus.DECLINED
    membership.decided_at = timezone.now()
    membership.decided_by = viewer.person
    membership.decline_reason = "" if approve else reason.strip()
    membership.save()
    if approve:
        memberships_activated([membership])
    history_record(
        actor=viewer.person,
        organisation=membership.organisation,
        action="membership.approved" if approve else "membership.declined",
        subject=membership,
        detail={"reason": membership.decline_reason},
    )
    notices.application_decided_notify(membership=membership)
    return membership


@transaction.atomic
def membership_status_set(*, viewer: Viewer, membership_id: int, status: str) -> Membership:
    """Pause, resume or end a membership. A person may pause or leave their own. Resuming
    keeps the membership's role. The last active administrator may not pause or leave."""
    whose = Membership.objects.filter(pk=membership_id).values("person_id", "organisation_id")
    found = whose.first()
    if found is None:
        raise NotFound()
    own = viewer.person is not None and found["person_id"] == viewer.person.pk
    if not own:
        permissions.check(
            viewer,
            "people.set_status",
            found["organisation_id"],
            action="change memberships",
        )
    allowed = {MembershipStatus.ACTIVE, MembershipStatus.PAUSED, MembershipStatus.LEFT}
    if status not in allowed:
        raise InvalidInput("status", "Choose active, paused or left.")
    if status != MembershipStatus.ACTIVE:
        _admins_kept(organisation_id=found["organisation_id"], leaving=[membership_id])
    membership = _locked_membership(membership_id)
    if membership.status in {MembershipStatus.APPLIED, MembershipStatus.DECLINED}:
        raise Conflict("Decide the application first.")
    if own and status == MembershipStatus.ACTIVE and membership.status == MembershipStatus.LEFT:
        raise PermissionDenied("Apply again to rejoin.")
    previous = membership.status
    membership.status = status
    membership.save(update_fields=["status"])
    if status == MembershipStatus.ACTIVE and previous != MembershipStatus.ACTIVE:
        memberships_activated([membership])
    history_record(
        actor=viewer.person,
        organisation=membership.organisation,
        action="membership.status_set",
        subject=membership,
        detail={"from": previous, "to": status},
    )
    return membership


@transaction.atomic
def membership_role_set(*, viewer: Viewer, membership_id: int, role: str) -> Membership:
    """The one door that changes a membership's role. The last active administrator may
    not be demoted."""
    organisation_id = _organisation_of(membership_id)
    permissions.check(viewer, "people.set_role", organisation_id, action="change roles")
    if role not in Role.values:
        raise InvalidInput("role", f"“{role}” is not a role.")
    if role != Role.ADMIN:
        _admins_kept(organisation_id=organisation_id, leaving=[membership_id])
    membership = _locked_membership(membership_id)
    _role_write(membership, role=role, actor=viewer.person, why="set")
    return membership


@transaction.atomic
def membership_contracted_hours_set(
    *, viewer: Viewer, membership_id: int, minutes_per_week: int | None
) -> Membership:
    membership = _locked_membership(membership_id)
    permissions.check(
        viewer, "people.set_role", membership.organisation_id, action="set contracted hours"
    )
    if minutes_per_week is not None and not 0 < minutes_per_week <= 7 * 24 * 60:
        raise InvalidInput("contracted_hours", "Contracted hours must be between 0 and 168.")
    membership.contracted_minutes_per_week = minutes_per_week
    membership.save(update_fields=["contracted_minutes_per_week"])
    return membership


# --- invitations --------------------------------------------------------------------------


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def invitation_create(
    *, viewer: Viewer, organisation: Organisation, email: str, role: str, accept_url: str
) -> tuple[Invitation, str]:
    """Invite someone by email. ``accept_url`` has a ``{token}`` placeholder. Returns the
    invitation and the raw token (shown nowhere else; only its hash is stored)."""
    permissions.check(viewer, "people.invite", organisation.pk, action="invite people")
    assert viewer.person is not None
    email_clean = _clean_email(email)
    if role not in Role.values:
        raise InvalidInput("role", f"“{role}” is not a role.")
    if Membership.objects.filter(
        organisation=organisation,
        person__user__email__iexact=email_clean,
        status=MembershipStatus.ACTIVE,
    ).exists():
        raise Conflict(f"{email_clean} is already a member of {organisation.name}.")
    token = secrets.token_urlsafe(32)
    invitation = Invitation.objects.create(
        organisation=organisation,
        email=email_clean,
        role=role,
        token_hash=_token_hash(token),
        invited_by=viewer.person,
        expires_at=timezone.now() + timedelta(days=settings.COPRODUCE_INVITATION_DAYS),
    )
    link = accept_url.format(token=token)
    send_mail(
        subject=f"You are invited to join {organisation.name} on Coproduce",
        message=(
            f"{viewer.person.display_name} has invited you to join {organisation.name} as "
            f"{Role(role).label.lower()}.\n\nAccept the invitation here: {link}\n\n"
            f"The link works for {settings.COPRODUCE_INVITATION_DAYS} days."
        ),
        from_email=None,
        recipient_list=[email_clean],
    )
    history_record(
        actor=viewer.person,
        organisation=organisation,
        action="invitation.created",
        subject=invitation,
        detail={"email": email_clean, "role": role},
    )
    return invitation, token


def invitation_for_token(token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("organisation")
        .filter(token_hash=_token_hash(token))
        .first()
    )
    if invitation is None or invitation.accepted_at is not None:
        raise NotFound("This invitation link is not valid or has already been used.")
    if invitation.expires_at < timezone.now():
        raise Conflict("This invitation has expired. Ask for a new one.")
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, full_name: str = "", password: str = "", user: User | None = None
) -> Person:
    """Accept an invitation, creating the login unless an existing user accepts it."""
    invitation = invitation_for_token(token)
    Invitation.objects.select_for_update().filter(pk=invitation.pk).first()
    if user is not None:
        if user.email.lower() != invitation.email.lower():
            raise PermissionDenied(
                f"This invitation is for {invitation.email}. Sign out and sign up with it."
            )
        person = Person.objects.filter(user=user).first()
        if person is None:
            person = Person.objects.create(
                user=user, full_name=full_name.strip() or user.email, email=user.email
            )
    else:
        if User.objects.filter(email__iexact=invitation.email).exists():
            raise Conflict("You already have an account: sign in, then open the link again.")
        person = person_register(full_name=full_name, email=invitation.email, password=password)
    _membership_add(
        person=person,
        organisation=invitation.organisation,
        role=invitation.role,
        decided_by=invitation.invited_by,
    )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    history_record(
        actor=person,
        organisation=invitation.organisation,
        action="invitation.accepted",
        subject=invitation,
    )
    return person


# --- consent and vetting --------------------------------------------------------------------


@transaction.atomic
def consent_set(*, viewer: Viewer, person: Person, purpose: str, given: bool) -> Consent | None:
    """Give or withdraw a consent; the earlier record is kept with its withdrawal time."""
    _require_self_or_coordinator(viewer, person)
    if purpose not in ConsentPurpose.values:
        raise InvalidInput("purpose", "Choose what the consent is for.")
    current = Consent.objects.select_for_update().filter(
        person=person, purpose=purpose, withdrawn_at__isnull=True
    )
    now = timezone.now()
    if given:
        existing = current.first()
        if existing is not None:
            return existing
        consent = Consent.objects.create(
            person=person, purpose=purpose, given_at=now, recorded_by=viewer.person
        )
        history_record(
            actor=viewer.person,
            action="consent.given",
            subject=consent,
            detail={"purpose": purpose},
        )
        return consent
    for consent in current:
        consent.withdrawn_at = now
        consent.save(update_fields=["withdrawn_at"])
        history_record(
            actor=viewer.person,
            action="consent.withdrawn",
            subject=consent,
            detail={"purpose": purpose},
        )
    return None


@transaction.atomic
def vetting_record(
    *,
    viewer: Viewer,
    person: Person,
    organisation: Organisation,
    references_taken: int,
    dbs_checked_on: date | None = None,
    dbs_level: str = "",
    notes: str = "",
) -> Any:
    permissions.check(
        viewer, "people.record_vetting", organisation.pk, action="record vetting checks"
    )
    if not Membership.objects.filter(person=person, organisation=organisation).exists():
        raise NotFound()
    if references_taken < 0 or references_taken > 10:
        raise InvalidInput("references_taken", "References taken must be between 0 and 10.")
    if dbs_level and dbs_level not in DbsLevel.values:
        raise InvalidInput("dbs_level", "Choose a DBS check level.")
    if bool(dbs_checked_on) != bool(dbs_level):
        field = "dbs_level" if dbs_checked_on else "dbs_checked_on"
        raise InvalidInput(field, "Give both the DBS check date and its level, or neither.")
    if dbs_checked_on is not None and dbs_checked_on > timezone.localdate():
        raise InvalidInput("dbs_checked_on", "The DBS check date cannot be in the future.")
    assert viewer.person is not None
    from coproduce.people.models import Vetting

    vetting = Vetting.objects.create(
        person=person,
        organisation=organisation,
        references_taken=references_taken,
        dbs_checked_on=dbs_checked_on,
        dbs_level=dbs_level,
        checked_by=viewer.person,
        notes=notes.strip(),
    )
    history_record(
        actor=viewer.person, organisation=organisation, action="vetting.recorded", subject=vetting
    )
    return vetting


# --- API tokens -----------------------------------------------------------------------------


@transaction.atomic
def api_token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Returns the token and its secret, which is shown once and never stored."""
    name = name.strip()
    if not name:
        raise InvalidInput("name", "Give the token a name, such as the program that will use it.")
    if len(name) > 80:
        raise InvalidInput("name", "Keep the name under 80 characters.")
    secret = "cp_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[:10], key_hash=_token_hash(secret)
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(user=user, pk=token_id, revoked_at__isnull=True).first()
    if token is None:
        raise NotFound()
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    return token


def api_token_user(secret: str) -> User | None:
    """The user a token belongs to, or None. Records when it was last used."""
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_token_hash(secret), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
