"""People: signing up, being added by a coordinator, their profile and skills, erasure."""

from __future__ import annotations

import enum
from datetime import date
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from coproduce.errors import Conflict, InvalidInput
from coproduce.people import permissions
from coproduce.people.history import history_record, model_validate
from coproduce.people.models import (
    Area,
    Membership,
    Organisation,
    Person,
    Role,
    Skill,
    SkillKind,
    User,
    Visibility,
)
from coproduce.people.permissions import Viewer
from coproduce.people.services.contact import _clean_email, normalise_postcode
from coproduce.people.services.memberships import _admins_kept_without, _membership_add


class Keep(enum.Enum):
    """An argument left out: keep the stored value (where ``None`` would clear it)."""

    KEEP = "keep"


KEEP = Keep.KEEP


EARLIEST_BIRTH_DATE = date(1900, 1, 1)


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
    model_validate(person, exclude=["user"])
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
    model_validate(person, exclude=["user"])
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
    model_validate(person, exclude=["user"])
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
    model_validate(skill)
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
    _admins_kept_without(person)
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
