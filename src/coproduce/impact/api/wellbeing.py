"""Impact API for wellbeing responses: staff enter a person's answers (ONS4 always; SWEMWBS only
where the organisation holds the licence), a person reads their own, and the cohort change is
in ``measures``. The SWEMWBS item wording is licensed and is not part of the API.

No ``from __future__ import annotations`` here: ninja reads the schemas' real annotations."""

from datetime import date
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status
from pydantic import StrictInt

from coproduce.framework.api_bounds import BodyId, Id
from coproduce.framework.api_errors import responses
from coproduce.impact.models import WellbeingResponse
from coproduce.impact.selectors import wellbeing as selectors
from coproduce.impact.services import wellbeing as services
from coproduce.people.permissions import viewer_of as viewer

router = Router(tags=["impact"])

Answer = Annotated[StrictInt, Field(ge=0, le=10)]


class ImpactWellbeingIn(Schema):
    person_id: BodyId = Field(..., description="A person with an active membership here.")
    instrument: str = Field(..., max_length=10, description="ons4 or swemwbs")
    taken_on: date
    answers: list[Answer] = Field(
        ...,
        min_length=1,
        max_length=7,
        description="ONS4: life satisfaction, worthwhile, happiness, anxiety (0-10); "
        "SWEMWBS: the seven item scores (1-5)",
    )
    service: str = Field("", max_length=200)


class ImpactWellbeingOut(Schema):
    id: int
    organisation_id: int
    instrument: str
    taken_on: date
    answers: list[int]
    score: float | None = Field(..., description="The SWEMWBS metric score")
    service: str


def _response(response: WellbeingResponse) -> dict[str, Any]:
    return {
        "id": response.pk,
        "organisation_id": response.organisation_id,
        "instrument": response.instrument,
        "taken_on": response.taken_on,
        "answers": list(response.answers),
        "score": float(response.score) if response.score is not None else None,
        "service": response.service,
    }


@router.post(
    "/organisations/{organisation_id}/wellbeing-responses",
    response=responses(ImpactWellbeingOut, 201),
    summary="Enter a person's wellbeing answers (staff and up)",
)
def response_add(
    request: HttpRequest, organisation_id: Id, payload: ImpactWellbeingIn
) -> Status[dict[str, Any]]:
    response = services.response_record(
        viewer=viewer(request),
        organisation_id=organisation_id,
        person_id=payload.person_id,
        instrument=payload.instrument,
        taken_on=payload.taken_on,
        answers=payload.answers,
        service=payload.service,
    )
    return Status(201, _response(response))


@router.get(
    "/organisations/{organisation_id}/wellbeing-responses/mine",
    response=responses(list[ImpactWellbeingOut]),
    summary="Your own wellbeing answers here, oldest first",
)
def response_mine(request: HttpRequest, organisation_id: Id) -> list[dict[str, Any]]:
    return [
        _response(r)
        for r in selectors.own_responses(viewer=viewer(request), organisation_id=organisation_id)
    ]
