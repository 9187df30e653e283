"""Coordination API: social prescribing referrals, the way a GP system sends them (the
dataset as JSON) and the message back to the referrer (JSON, or CSV one row per item). The
same services as the pages; every read of a referral is logged like the page."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from coproduce.coordination import prsb
from coproduce.coordination.models import Referral
from coproduce.coordination.selectors import referrals as selectors
from coproduce.coordination.services import referrals as services
from coproduce.framework.api_bounds import BodyId, Id
from coproduce.framework.api_errors import responses
from coproduce.framework.api_pagination import Pagination
from coproduce.people.permissions import viewer_of as viewer

router = Router(tags=["coordination"])

_GROUP_HELP = {
    group.key: f"{group.title}: "
    + ", ".join(f"{item.key}{' (required)' if item.required else ''}" for item in group.items)
    for group in prsb.RECEIVED_GROUPS
}


class ReferralIn(Schema):
    """A referral holding the social prescribing dataset. Each group is an object of named
    items; a required item missing is a 400 naming it (``field`` is ``group.item``)."""

    reference: str = Field(..., max_length=80, description="The referrer's own reference.")
    referrer: dict[str, Any] = Field(..., description=_GROUP_HELP["referrer"])
    demographics: dict[str, Any] = Field(..., description=_GROUP_HELP["demographics"])
    needs: dict[str, Any] = Field(..., description=_GROUP_HELP["needs"])
    link_worker_membership_id: BodyId | None = None


class ReferralOut(Schema):
    id: int
    organisation_id: int
    reference: str
    status: str
    received_at: datetime
    link_worker: str | None
    person: str

    @staticmethod
    def resolve_link_worker(referral: Referral) -> str | None:
        return referral.link_worker.person.display_name if referral.link_worker else None

    @staticmethod
    def resolve_person(referral: Referral) -> str:
        return selectors.person_name(referral)


class ReferralDetailOut(ReferralOut):
    membership_id: int | None
    referrer: dict[str, Any]
    demographics: dict[str, Any]
    needs: dict[str, Any]
    support: list[dict[str, Any]]
    outcomes: list[dict[str, Any]]


class AcceptIn(Schema):
    """Exactly one of: ``membership_id``, ``number`` (a membership number) or
    ``create_member`` true (a new member from the referral's demographics)."""

    membership_id: BodyId | None = None
    number: str = Field("", max_length=40)
    create_member: bool = False


class ReasonIn(Schema):
    reason: str = Field(..., max_length=2000)


class LinkWorkerIn(Schema):
    membership_id: BodyId


class SupportIn(Schema):
    description: str = Field(..., max_length=2000)
    kind: str = Field(..., max_length=16, description=", ".join(prsb.SupportKind.VALUES))
    asset_id: uuid.UUID | None = None
    group_id: BodyId | None = None
    offered_on: date | None = None


class OutcomeIn(Schema):
    """An outcome in words; ``measure`` and ``score`` only once the impact app registers
    wellbeing measures (``prsb.WELLBEING_MEASURES``)."""

    text: str = Field(..., max_length=prsb.TEXT_LIMIT)
    recorded_on: date | None = None
    measure: str | None = Field(None, max_length=60)
    score: int | None = Field(None, ge=-1000, le=1000, strict=True)


class ReferralCloseIn(Schema):
    summary: str = Field("", max_length=2000)


class CodeOut(Schema):
    system: str
    code: str
    display: str


class MessageOut(Schema):
    message: str
    standard: str
    code: CodeOut
    reference: str
    service: str
    status: str
    referrer: dict[str, Any]
    person: dict[str, Any]
    dates: dict[str, Any]
    decline_reason: str
    link_worker: str | None
    support_offered: list[dict[str, Any]]
    outcomes: list[dict[str, Any]]
    closing_summary: str
    generated_at: str


def _loaded(referral: Referral) -> Referral:
    return Referral.objects.select_related(
        "organisation", "membership__person", "link_worker__person"
    ).get(pk=referral.pk)


@router.get("/referrals", response=responses(list[ReferralOut]), summary="Referrals I may see")
@paginate(Pagination)
def referral_list(request: HttpRequest, status: str = "") -> Any:
    return selectors.referrals_visible(viewer=viewer(request), status=status[:12])


@router.post(
    "/organisations/{organisation_id}/referrals",
    response=responses(ReferralOut, 201),
    summary="Receive a referral (the dataset as JSON)",
)
def referral_receive(request: HttpRequest, organisation_id: Id, payload: ReferralIn) -> Any:
    referral = services.referral_receive(
        viewer=viewer(request),
        organisation_id=organisation_id,
        reference=payload.reference,
        referrer=payload.referrer,
        demographics=payload.demographics,
        needs=payload.needs,
        link_worker_membership_id=payload.link_worker_membership_id,
    )
    return Status(201, _loaded(referral))


@router.get(
    "/referrals/{referral_id}", response=responses(ReferralDetailOut), summary="A referral (logged)"
)
def referral_get(request: HttpRequest, referral_id: Id) -> Referral:
    return selectors.access_referral_by_id(viewer=viewer(request), referral_id=referral_id)


@router.post(
    "/referrals/{referral_id}/accept", response=responses(ReferralOut), summary="Accept a referral"
)
def referral_accept(request: HttpRequest, referral_id: Id, payload: AcceptIn) -> Referral:
    return _loaded(
        services.referral_accept(
            viewer=viewer(request),
            referral_id=referral_id,
            membership_id=payload.membership_id,
            number=payload.number,
            create_member=payload.create_member,
        )
    )


@router.post(
    "/referrals/{referral_id}/decline",
    response=responses(ReferralOut),
    summary="Decline a referral, saying why",
)
def referral_decline(request: HttpRequest, referral_id: Id, payload: ReasonIn) -> Referral:
    return _loaded(
        services.referral_decline(
            viewer=viewer(request), referral_id=referral_id, reason=payload.reason
        )
    )


@router.post(
    "/referrals/{referral_id}/link-worker",
    response=responses(ReferralOut),
    summary="Give a referral to a link worker",
)
def referral_link_worker(request: HttpRequest, referral_id: Id, payload: LinkWorkerIn) -> Referral:
    return _loaded(
        services.referral_link_worker_set(
            viewer=viewer(request), referral_id=referral_id, membership_id=payload.membership_id
        )
    )


@router.post(
    "/referrals/{referral_id}/support",
    response=responses(ReferralOut, 201),
    summary="Record support offered",
)
def referral_support(request: HttpRequest, referral_id: Id, payload: SupportIn) -> Any:
    referral = services.referral_support_add(
        viewer=viewer(request),
        referral_id=referral_id,
        description=payload.description,
        kind=payload.kind,
        asset_id=str(payload.asset_id) if payload.asset_id else None,
        group_id=payload.group_id,
        offered_on=payload.offered_on,
    )
    return Status(201, _loaded(referral))


@router.post(
    "/referrals/{referral_id}/outcomes",
    response=responses(ReferralOut, 201),
    summary="Record an outcome",
)
def referral_outcome(request: HttpRequest, referral_id: Id, payload: OutcomeIn) -> Any:
    referral = services.referral_outcome_add(
        viewer=viewer(request),
        referral_id=referral_id,
        text=payload.text,
        recorded_on=payload.recorded_on,
        measure=payload.measure,
        score=payload.score,
    )
    return Status(201, _loaded(referral))


@router.post(
    "/referrals/{referral_id}/close", response=responses(ReferralOut), summary="Close a referral"
)
def referral_close(request: HttpRequest, referral_id: Id, payload: ReferralCloseIn) -> Referral:
    return _loaded(
        services.referral_close(
            viewer=viewer(request), referral_id=referral_id, summary=payload.summary
        )
    )


@router.get(
    "/referrals/{referral_id}/message",
    response=responses(MessageOut),
    summary="The message back to the referrer (JSON, logged)",
)
def referral_message(request: HttpRequest, referral_id: Id) -> dict[str, object]:
    return selectors.referral_message(viewer=viewer(request), referral_id=referral_id)


@router.get(
    "/referrals/{referral_id}/message.csv",
    response=responses(str),
    summary="The message back to the referrer (CSV, one row per item, logged)",
    openapi_extra={
        "responses": {
            200: {
                "description": "CSV: reference, section, entry, item, value",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def referral_message_csv(request: HttpRequest, referral_id: Id) -> HttpResponse:
    text, _reference = selectors.referral_message_csv(
        viewer=viewer(request), referral_id=referral_id
    )
    return HttpResponse(text, content_type="text/csv; charset=utf-8")
