"""Barriers to co-production found during a round: recorded by staff and up (the people who
enter paper forms), kept with the round, and handed to the barrier register when one is
installed (``coproduce.audit.barriers``)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from coproduce.audit.barriers import BarrierFound, barrier_register
from coproduce.audit.models import Barrier
from coproduce.audit.selectors.rounds import access_round, round_instrument
from coproduce.errors import InvalidInput
from coproduce.people.history import history_record
from coproduce.people.permissions import Viewer

DESCRIPTION_LIMIT = 2000
REF_LIMIT = 80


@transaction.atomic
def barrier_record(
    *,
    viewer: Viewer,
    round_id: int,
    description: str,
    section_code: str = "",
    today: date | None = None,
) -> Barrier:
    round_ = access_round(viewer, round_id=round_id, ability="audit.enter_paper")
    description = description.strip()
    if not description:
        raise InvalidInput("description", "Describe the barrier.")
    if len(description) > DESCRIPTION_LIMIT:
        raise InvalidInput(
            "description", f"The description can be at most {DESCRIPTION_LIMIT:,} characters."
        )
    section_code = section_code.strip()
    sections = {section.code for section in round_instrument(round_).sections}
    if section_code and section_code not in sections:
        raise InvalidInput("section_code", "Choose one of the instrument's sections.")
    barrier = Barrier.objects.create(
        round=round_,
        section_code=section_code,
        description=description,
        recorded_by=viewer.person,
    )
    register = barrier_register()
    if register is not None:
        reference = register(
            BarrierFound(
                organisation_id=round_.organisation_id,
                round_id=round_.pk,
                service=round_.service,
                section_code=section_code,
                description=description,
                recorded_on=today or timezone.localdate(),
            )
        )
        barrier.register_ref = str(reference)[:REF_LIMIT]
        barrier.save(update_fields=["register_ref"])
    history_record(
        actor=viewer.person,
        action="audit.barrier_record",
        subject=barrier,
        organisation=round_.organisation,
        detail={"round": round_.pk, "register_ref": barrier.register_ref},
    )
    return barrier
