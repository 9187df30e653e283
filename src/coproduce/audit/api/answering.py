"""Audit API for answering: the signed-in invitee's own answers (read, save, send), a paper
form entered by staff and the evidence beside a round's scores. The same services and
selectors as the pages.

Answering through an anonymous single-use link stays page-only (``audit:respond_link``): the
API authenticates people by their token, and a link's respondent has no account.

Saving one's answers is a POST, not a PUT: the answers given are merged into those saved
(an upsert), and ``submit`` sends them, which cannot be repeated.

No ``from __future__ import annotations`` here: ninja reads the paginated list's query
parameters from their real annotations."""

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import StrictBool, StrictInt, StringConstraints

from coproduce.audit.models import Respondent
from coproduce.audit.selectors import answering as selectors
from coproduce.audit.selectors.rounds import access_round
from coproduce.audit.services import answering as services
from coproduce.errors import PermissionDenied
from coproduce.framework.api_bounds import Id
from coproduce.framework.api_errors import responses
from coproduce.framework.api_pagination import Pagination
from coproduce.people.permissions import viewer_of as viewer

router = Router(tags=["audit"])

MAX_ANSWERS = 300
ItemCode = Annotated[str, StringConstraints(min_length=1, max_length=40)]
AnswerValue = Annotated[StrictInt, Field(ge=-1000, le=1000)]
Answers = Annotated[dict[ItemCode, AnswerValue | None], Field(max_length=MAX_ANSWERS)]


class AuditMyAnswersIn(Schema):
    answers: Answers = Field(
        default_factory=dict,
        description='Item code to a point on its scale; null is "don\'t know".',
    )
    ladder: str | None = Field(
        None, max_length=40, description="A ladder rung's code; null leaves it as it was."
    )
    submit: StrictBool = Field(False, description="Send the answers: they cannot change after.")


class AuditMyAnswersOut(Schema):
    round_id: int
    group: str
    started_at: datetime | None
    submitted_at: datetime | None
    ladder: str
    answers: dict[str, int | None]


class AuditPaperIn(Schema):
    group: str = Field(..., max_length=10, description="staff or member")
    label: str = Field("", max_length=120, description="The paper form's number.")
    answers: Answers = Field(default_factory=dict)
    ladder: str | None = Field(None, max_length=40)


class AuditPaperOut(Schema):
    id: int
    round_id: int
    group: str
    label: str
    ladder: str
    submitted_at: datetime | None


class AuditEvidenceIn(Schema):
    item_code: ItemCode
    what_happened: str = Field(..., min_length=1, max_length=services.EVIDENCE_LIMIT)
    happened_on: date | None = None


class AuditEvidenceOut(Schema):
    id: int
    round_id: int
    item_code: str
    side: str
    what_happened: str
    happened_on: date | None
    created_at: datetime


def _mine(respondent: Respondent) -> dict[str, Any]:
    return {
        "round_id": respondent.round_id,
        "group": respondent.group,
        "started_at": respondent.started_at,
        "submitted_at": respondent.submitted_at,
        "ladder": respondent.ladder_rung,
        "answers": selectors.respondent_answers(respondent),
    }


@router.get(
    "/rounds/{round_id}/my-answers",
    response=responses(AuditMyAnswersOut),
    summary="Your own answers to a round you are invited to",
)
def my_answers_get(request: HttpRequest, round_id: Id) -> dict[str, Any]:
    who = viewer(request)
    found = access_round(who, round_id=round_id)
    respondent = selectors.invitation_for(who, found)
    if respondent is None:
        raise PermissionDenied(services.NOT_INVITED)
    return _mine(respondent)


@router.post(
    "/rounds/{round_id}/my-answers",
    response=responses(AuditMyAnswersOut),
    summary="Save your answers to a round (merged into those saved); submit sends them",
)
def my_answers_save(
    request: HttpRequest, round_id: Id, payload: AuditMyAnswersIn
) -> dict[str, Any]:
    respondent = services.response_save(
        viewer=viewer(request),
        round_id=round_id,
        answers=payload.answers,
        ladder=payload.ladder,
        submit=payload.submit,
    )
    return _mine(respondent)


@router.post(
    "/rounds/{round_id}/paper",
    response=responses(AuditPaperOut, 201),
    summary="Enter one paper questionnaire, saved as sent (staff and up)",
)
def paper_enter(request: HttpRequest, round_id: Id, payload: AuditPaperIn) -> Any:
    respondent = services.paper_response_enter(
        viewer=viewer(request),
        round_id=round_id,
        group=payload.group,
        answers=dict(payload.answers),
        ladder=payload.ladder,
        label=payload.label,
    )
    return Status(
        201,
        {
            "id": respondent.pk,
            "round_id": respondent.round_id,
            "group": respondent.group,
            "label": respondent.label,
            "ladder": respondent.ladder_rung,
            "submitted_at": respondent.submitted_at,
        },
    )


@router.get(
    "/rounds/{round_id}/evidence",
    response=responses(list[AuditEvidenceOut]),
    summary="The examples of what happened beside a round's scores (not for commissioners)",
)
@paginate(Pagination)
def evidence_list(request: HttpRequest, round_id: Id) -> Any:
    who = viewer(request)
    return selectors.round_evidence(who, access_round(who, round_id=round_id))


@router.post(
    "/rounds/{round_id}/evidence",
    response=responses(AuditEvidenceOut, 201),
    summary="Add an example of what happened beside an item's score (not commissioners)",
)
def evidence_add(request: HttpRequest, round_id: Id, payload: AuditEvidenceIn) -> Any:
    added = services.evidence_add(
        viewer=viewer(request),
        round_id=round_id,
        item_code=payload.item_code,
        what_happened=payload.what_happened,
        happened_on=payload.happened_on,
    )
    return Status(201, added)
