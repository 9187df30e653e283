"""Consents a person gives and withdraws."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from coproduce.errors import InvalidInput
from coproduce.people.history import history_record
from coproduce.people.models import Consent, ConsentPurpose, Person
from coproduce.people.permissions import Viewer
from coproduce.people.services.persons import _require_self_or_coordinator


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
def consent_choices_set(*, viewer: Viewer, person: Person, purposes: set[str]) -> set[str]:
    """The profile's consent choices in one transaction: each listed purpose given, every
    other withdrawn. Returns the purposes now given."""
    unknown = purposes - set(ConsentPurpose.values)
    if unknown:
        raise InvalidInput("purposes", "Choose from the listed purposes.")
    for purpose in ConsentPurpose.values:
        consent_set(viewer=viewer, person=person, purpose=purpose, given=purpose in purposes)
    return purposes
