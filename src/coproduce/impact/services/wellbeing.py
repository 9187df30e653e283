"""Wellbeing responses and the SWEMWBS licence: writes.

ONS4's questions are Crown copyright under the Open Government Licence and may be shown.
SWEMWBS is licensed by its owners: an organisation records that it holds the licence before
any SWEMWBS answers are entered, and only the item scores (1 to 5) are held, never the items'
wording, which the organisation takes from its own licensed copy."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from coproduce.errors import InvalidInput
from coproduce.impact import wellbeing
from coproduce.impact.models import Instrument, WellbeingLicence, WellbeingResponse
from coproduce.impact.selectors.wellbeing import swemwbs_licensed
from coproduce.people import permissions
from coproduce.people.history import history_record, model_validate
from coproduce.people.models import Membership, MembershipStatus, Organisation
from coproduce.people.permissions import Viewer

MANAGE = "impact.manage"
RECORD = "impact.record"
REFERENCE_LIMIT = 200
SERVICE_LIMIT = 200
# A guard against a mistyped year: both instruments date from well after it.
FIRST_DAY = date(2000, 1, 1)
INSTRUMENTS = ", ".join(str(label) for label in Instrument.labels)


def _long(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _sentence(message: str) -> str:
    return f"{message[:1].upper()}{message[1:]}."


@transaction.atomic
def licence_record(
    *, viewer: Viewer, organisation_id: int, held: bool, reference: str = ""
) -> WellbeingLicence:
    """Record whether the organisation holds the SWEMWBS licence from its owners (managers),
    with the licence number or the owners' letter when it does."""
    permissions.check(viewer, MANAGE, organisation_id, action="record the SWEMWBS licence")
    if not isinstance(held, bool):
        raise InvalidInput("held", "Say whether your organisation holds the SWEMWBS licence.")
    if not isinstance(reference, str):
        raise InvalidInput("reference", "Give the licence reference as text.")
    reference = reference.strip()
    if held and not reference:
        raise InvalidInput(
            "reference",
            "Give the licence number or the date of the owners' letter granting the licence.",
        )
    if len(reference) > REFERENCE_LIMIT:
        raise InvalidInput(
            "reference", f"The licence reference can be at most {REFERENCE_LIMIT} characters."
        )
    organisation = Organisation.objects.select_for_update().get(pk=organisation_id)
    licence = WellbeingLicence.objects.filter(organisation=organisation).first()
    previous = None if licence is None else licence.swemwbs_licence_held
    if licence is None:
        licence = WellbeingLicence(organisation=organisation)
    licence.swemwbs_licence_held = held
    licence.licence_reference = reference
    licence.recorded_by = viewer.person
    model_validate(licence, exclude=["organisation", "recorded_by"])
    licence.save()
    history_record(
        actor=viewer.person,
        action="impact.licence_record",
        subject=licence,
        organisation=organisation,
        detail={"held": held, "was_held": previous, "reference": reference},
    )
    return licence


def _taken_on(value: object) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidInput("taken_on", "Give the date the answers were given.")
    if value > timezone.localdate():
        raise InvalidInput("taken_on", "The answers can't have been given in the future.")
    if value < FIRST_DAY:
        raise InvalidInput("taken_on", f"Give a date from {_long(FIRST_DAY)} on; check the year.")
    return value


def _answers(instrument: str, answers: object) -> tuple[list[int], wellbeing.Score | None]:
    """The answers as stored and the SWEMWBS metric score (None for ONS4)."""
    if isinstance(answers, str | bytes) or not isinstance(answers, Sequence):
        raise InvalidInput("answers", "Give the answers as a list of whole numbers.")
    try:
        if instrument == Instrument.SWEMWBS:
            return list(answers), wellbeing.swemwbs_metric(answers)
        return list(wellbeing.ons4_scores(answers).values()), None
    except wellbeing.WellbeingError as error:
        raise InvalidInput("answers", _sentence(str(error))) from error


@transaction.atomic
def response_record(
    *,
    viewer: Viewer,
    organisation_id: int,
    person_id: int,
    instrument: str,
    taken_on: date,
    answers: Sequence[int],
    service: str = "",
) -> WellbeingResponse:
    """Record one person's answers to one instrument on one day (staff up). The person must
    be an active member; SWEMWBS needs the organisation's licence recorded first. Locks the
    person's membership, so one instrument is answered at most once a day."""
    permissions.check(viewer, RECORD, organisation_id, action="record wellbeing answers")
    if instrument not in Instrument.values:
        raise InvalidInput("instrument", f"Choose the instrument: {INSTRUMENTS}.")
    if instrument == Instrument.SWEMWBS and not swemwbs_licensed(organisation_id):
        raise InvalidInput(
            "instrument",
            "SWEMWBS answers can be recorded only once a manager has recorded that your "
            "organisation holds the licence from the scale's owners.",
        )
    if not isinstance(person_id, int) or isinstance(person_id, bool):
        raise InvalidInput("person", "Choose the person who gave the answers.")
    day = _taken_on(taken_on)
    stored, score = _answers(instrument, answers)
    if not isinstance(service, str):
        raise InvalidInput("service", "Give the service as text.")
    service = service.strip()
    if len(service) > SERVICE_LIMIT:
        raise InvalidInput("service", f"The service can be at most {SERVICE_LIMIT} characters.")
    membership = (
        Membership.objects.select_for_update()
        .select_related("person", "organisation")
        .filter(
            organisation_id=organisation_id,
            person_id=person_id,
            status=MembershipStatus.ACTIVE,
            person__erased_at__isnull=True,
        )
        .first()
    )
    if membership is None:
        raise InvalidInput("person", "Choose an active member of this organisation.")
    label = Instrument(instrument).label
    if WellbeingResponse.objects.filter(
        organisation_id=organisation_id, person_id=person_id, instrument=instrument, taken_on=day
    ).exists():
        raise InvalidInput(
            "taken_on",
            f"{membership.person.display_name}'s {label} answers for {_long(day)} are "
            "already recorded.",
        )
    response = WellbeingResponse(
        organisation=membership.organisation,
        person=membership.person,
        service=service,
        instrument=instrument,
        taken_on=day,
        answers=stored,
        score=score,
        recorded_by=viewer.person,
    )
    # The related rows were just fetched; validating them again would only re-query them.
    model_validate(response, exclude=["organisation", "person", "recorded_by"])
    response.save()
    # The scores stay out of the history, which managers read: they are the person's own.
    history_record(
        actor=viewer.person,
        action="impact.wellbeing_response_record",
        subject=response,
        organisation=membership.organisation,
        detail={"instrument": instrument, "taken_on": day.isoformat(), "service": service},
    )
    return response
