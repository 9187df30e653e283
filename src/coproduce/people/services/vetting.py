"""Vetting checks (references, DBS) a coordinator records."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from coproduce.errors import InvalidInput, NotFound
from coproduce.people import permissions
from coproduce.people.history import history_record
from coproduce.people.models import DbsLevel, Membership, Organisation, Person, Vetting
from coproduce.people.permissions import Viewer


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
) -> Vetting:
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
