from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status

from coproduce.framework.api_bounds import MAX_BIGINT, Flag, Id
from coproduce.framework.api_errors import responses
from coproduce.framework.api_pagination import Pagination
from coproduce.people import selectors, services
from coproduce.people.models import Membership, MembershipStatus
from coproduce.people.permissions import viewer_of as viewer

router = Router(tags=["people"])


class OrganisationOut(Schema):
    id: int
    name: str
    slug: str
    kind: str
    sector: str
    description: str
    is_public: bool
    parent_id: int | None


class MembershipOut(Schema):
    id: int
    person_id: int
    person_name: str = Field(..., alias="person.display_name")
    organisation_id: int
    role: str
    status: str
    number: str | None = Field(
        ..., description="Shown to the member themselves and to coordinators and up only."
    )
    applied_at: datetime
    decided_at: datetime | None
    decline_reason: str

    @staticmethod
    def resolve_number(obj: Membership) -> str | None:
        # A member list blanks other members' numbers for a plain member (the selector's
        # ``number_shown``); a single membership is seen only by its holder or a coordinator.
        return getattr(obj, "number_shown", obj.number)


class PersonOut(Schema):
    id: int
    name: str
    email: str
    phone: str
    address: str
    postcode: str
    about: str
    skills: list[dict[str, str]]


class MeOut(Schema):
    person: PersonOut | None
    roles: dict[int, str]


class PersonCreateIn(Schema):
    full_name: str = Field(..., max_length=200)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)
    postcode: str = Field("", max_length=10)
    date_of_birth: date | None = None
    contact_by: str = "in_person"
    role: str = "member"


class ApplyIn(Schema):
    note: str = Field("", max_length=2000)


class DecisionIn(Schema):
    approve: Flag
    reason: str = Field("", max_length=2000)


class RoleIn(Schema):
    role: str


class StatusIn(Schema):
    status: str


def _person_out(request: HttpRequest, person_id: int) -> dict[str, Any]:
    view = selectors.person_get(viewer=viewer(request), person_id=person_id)
    return {
        "id": view.person.pk,
        "name": view.person.display_name,
        "email": view.email,
        "phone": view.phone,
        "address": view.address,
        "postcode": view.person.postcode if (view.is_self or view.is_coordinator) else "",
        "about": view.person.about,
        "skills": [
            {"kind": skill.kind, "label": skill.label} for skill in view.person.skills.all()
        ],
    }


@router.get("/me", response=responses(MeOut), summary="Who am I")
def me(request: HttpRequest) -> dict[str, Any]:
    current = viewer(request)
    person = _person_out(request, current.person.pk) if current.person else None
    return {"person": person, "roles": dict(current.roles)}


@router.get("/organisations", response=responses(list[OrganisationOut]), summary="My organisations")
@paginate(Pagination)
def organisation_list(request: HttpRequest) -> Any:
    return selectors.organisation_list(viewer=viewer(request))


@router.get("/organisations/{organisation_id}", response=responses(OrganisationOut))
def organisation_detail(request: HttpRequest, organisation_id: Id) -> Any:
    return selectors.organisation_get(viewer=viewer(request), organisation_id=organisation_id)


@router.get(
    "/organisations/{organisation_id}/memberships",
    response=responses(list[MembershipOut]),
    summary="Members (coordinators: any status)",
)
@paginate(Pagination)
def membership_list(
    request: HttpRequest,
    # a paginated view's annotations resolve in ninja's module, so the bound is spelt out
    organisation_id: int = Path(..., ge=1, le=MAX_BIGINT),
    status: str = MembershipStatus.ACTIVE,
    search: str = "",
) -> Any:
    organisation = selectors.organisation_get(
        viewer=viewer(request), organisation_id=organisation_id
    )
    return selectors.membership_list(
        viewer=viewer(request), organisation=organisation, status=status, search=search
    )


@router.post(
    "/organisations/{organisation_id}/applications", response=responses(MembershipOut, 201)
)
def membership_apply(request: HttpRequest, organisation_id: Id, payload: ApplyIn) -> Any:
    organisation = selectors.organisation_get(
        viewer=viewer(request), organisation_id=organisation_id
    )
    membership = services.membership_apply(
        viewer=viewer(request), organisation=organisation, note=payload.note
    )
    return Status(201, membership)


@router.get("/memberships/{membership_id}", response=responses(MembershipOut))
def membership_detail(request: HttpRequest, membership_id: Id) -> Membership:
    return selectors.membership_get(viewer=viewer(request), membership_id=membership_id)


@router.post("/memberships/{membership_id}/decision", response=responses(MembershipOut))
def membership_decide(request: HttpRequest, membership_id: Id, payload: DecisionIn) -> Any:
    selectors.membership_get(viewer=viewer(request), membership_id=membership_id)
    return services.membership_decide(
        viewer=viewer(request),
        membership_id=membership_id,
        approve=payload.approve,
        reason=payload.reason,
    )


@router.post("/memberships/{membership_id}/role", response=responses(MembershipOut))
def membership_role(request: HttpRequest, membership_id: Id, payload: RoleIn) -> Any:
    selectors.membership_get(viewer=viewer(request), membership_id=membership_id)
    return services.membership_role_set(
        viewer=viewer(request), membership_id=membership_id, role=payload.role
    )


@router.post("/memberships/{membership_id}/status", response=responses(MembershipOut))
def membership_status(request: HttpRequest, membership_id: Id, payload: StatusIn) -> Any:
    selectors.membership_get(viewer=viewer(request), membership_id=membership_id)
    return services.membership_status_set(
        viewer=viewer(request), membership_id=membership_id, status=payload.status
    )


@router.get("/people/{person_id}", response=responses(PersonOut))
def person_detail(request: HttpRequest, person_id: Id) -> dict[str, Any]:
    return _person_out(request, person_id)


@router.post(
    "/organisations/{organisation_id}/people",
    response=responses(PersonOut, 201),
    summary="Add someone without a login (coordinators)",
)
def person_create(request: HttpRequest, organisation_id: Id, payload: PersonCreateIn) -> Any:
    organisation = selectors.organisation_get(
        viewer=viewer(request), organisation_id=organisation_id
    )
    person = services.person_create_for(
        viewer=viewer(request), organisation=organisation, **payload.dict()
    )
    return Status(201, _person_out(request, person.pk))
