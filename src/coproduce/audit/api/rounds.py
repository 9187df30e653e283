"""Audit API for rounds: list and read them, open one, close it, invite people and make
single-use links. The same services and selectors as the pages.

A link's token is in the answer once, when it is made: only its hash is kept.

No ``from __future__ import annotations`` here: ninja reads the paginated list's query
parameters from their real annotations."""

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import StrictInt

from coproduce.audit.models import Round
from coproduce.audit.selectors import rounds as selectors
from coproduce.audit.services import rounds as services
from coproduce.framework.api_bounds import BodyId, Id
from coproduce.framework.api_errors import responses
from coproduce.framework.api_pagination import Pagination
from coproduce.people.permissions import viewer_of as viewer

router = Router(tags=["audit"])

Text = Annotated[str, Field(min_length=1, max_length=services.TEXT_LIMIT)]


class AuditGroupCountsOut(Schema):
    invited: int
    started: int
    sent: int


class AuditRoundOut(Schema):
    id: int
    organisation_id: int
    service: str
    title: str
    opens_on: date
    closes_on: date
    closed_at: datetime | None
    status: str = Field(..., description="open, closed or not yet open")
    threshold: int
    instrument_id: int
    instrument_version: int
    staff: AuditGroupCountsOut
    member: AuditGroupCountsOut


class AuditRoundListOut(Schema):
    id: int
    organisation_id: int
    service: str
    title: str
    opens_on: date
    closes_on: date
    status: str
    staff_sent: int
    members_sent: int

    @staticmethod
    def resolve_status(obj: Round) -> str:
        return selectors.round_status(obj)


class AuditRoundIn(Schema):
    service: Text
    title: Text
    opens_on: date
    closes_on: date
    instrument_id: BodyId | None = Field(
        None, description="One of the organisation's instruments; none means the default."
    )
    threshold: Annotated[StrictInt, Field(ge=1, le=100)] = 5


class AuditInviteIn(Schema):
    person_ids: list[BodyId] = Field(..., min_length=1, max_length=500)
    group: str | None = Field(
        None, max_length=10, description="staff or member; none takes it from each role."
    )


class AuditInvitedOut(Schema):
    invited: int


class AuditLinksIn(Schema):
    group: str = Field(..., max_length=10, description="staff or member")
    count: Annotated[StrictInt, Field(ge=1, le=200)]


class AuditLinkOut(Schema):
    respondent_id: int
    url: str


def _round(round_: Round) -> dict[str, Any]:
    summary = selectors.round_summary(round_)
    return {
        "id": round_.pk,
        "organisation_id": round_.organisation_id,
        "service": round_.service,
        "title": round_.title,
        "opens_on": round_.opens_on,
        "closes_on": round_.closes_on,
        "closed_at": round_.closed_at,
        "status": selectors.round_status(round_),
        "threshold": round_.threshold,
        "instrument_id": round_.instrument_id,
        "instrument_version": round_.instrument.version,
        "staff": vars(summary["staff"]),
        "member": vars(summary["member"]),
    }


@router.get(
    "/rounds",
    response=responses(list[AuditRoundListOut]),
    summary="The audit rounds of your organisations, newest first",
)
@paginate(Pagination)
def round_list(request: HttpRequest) -> Any:
    return selectors.round_list(viewer(request))


@router.get("/rounds/{round_id}", response=responses(AuditRoundOut), summary="One audit round")
def round_get(request: HttpRequest, round_id: Id) -> dict[str, Any]:
    return _round(selectors.access_round(viewer(request), round_id=round_id))


@router.post(
    "/organisations/{organisation_id}/rounds",
    response=responses(AuditRoundOut, 201),
    summary="Open an audit round of a service (managers)",
)
def round_open(request: HttpRequest, organisation_id: Id, payload: AuditRoundIn) -> Any:
    who = viewer(request)
    opened = services.round_open(
        viewer=who,
        organisation_id=organisation_id,
        service=payload.service,
        title=payload.title,
        opens_on=payload.opens_on,
        closes_on=payload.closes_on,
        instrument_id=payload.instrument_id,
        threshold=payload.threshold,
    )
    return Status(201, _round(opened))


@router.post(
    "/rounds/{round_id}/close",
    response=responses(AuditRoundOut),
    summary="Close a round now: no more answers are taken (managers)",
)
def round_close(request: HttpRequest, round_id: Id) -> dict[str, Any]:
    return _round(services.round_close(viewer=viewer(request), round_id=round_id))


@router.post(
    "/rounds/{round_id}/invitations",
    response=responses(AuditInvitedOut),
    summary="Invite active people of the round's organisation (managers); each is told",
)
def round_invite(request: HttpRequest, round_id: Id, payload: AuditInviteIn) -> dict[str, int]:
    count = services.round_invite(
        viewer=viewer(request),
        round_id=round_id,
        person_ids=payload.person_ids,
        group=payload.group,
    )
    return {"invited": count}


@router.post(
    "/rounds/{round_id}/links",
    response=responses(list[AuditLinkOut], 201),
    summary="Make single-use links for people without an account (managers); shown once",
)
def round_links(request: HttpRequest, round_id: Id, payload: AuditLinksIn) -> Any:
    made = services.round_links_create(
        viewer=viewer(request), round_id=round_id, group=payload.group, count=payload.count
    )
    return Status(
        201,
        [
            {
                "respondent_id": respondent.pk,
                "url": request.build_absolute_uri(reverse("audit:respond_link", args=[token])),
            }
            for respondent, token in made
        ],
    )
