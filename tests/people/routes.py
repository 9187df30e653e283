from __future__ import annotations

import itertools
from typing import Any

from coproduce.people import services
from coproduce.people.models import MembershipStatus, OrganisationKind
from coproduce.people.permissions import viewer_for
from tests.matrix import ADMINS, COORDINATORS_UP, MEMBERS_UP, ApiRoute, Route


def _slug(world: Any) -> dict[str, Any]:
    return {"slug": world.org.slug}


_counter = itertools.count(1)


def _applicant(world: Any) -> int:
    person = services.person_register(
        full_name="Ann Applicant",
        email=f"ann{next(_counter)}@example.org",
        password="a-long-test-password-42",
    )
    return services.membership_apply(viewer=viewer_for(person.user), organisation=world.org).pk


def _open_organisation(world: Any) -> int:
    organisation = services.organisation_create(
        name=f"Open Group {next(_counter)}", kind=OrganisationKind.COMMUNITY_GROUP
    )
    return organisation.pk


def _member_membership(world: Any) -> int:
    return world.org.memberships.get(person=world.people["member"]).pk  # type: ignore[no-any-return]


def _member_person(world: Any) -> int:
    return world.people["member"].pk  # type: ignore[no-any-return]


ROUTES = [
    Route("web:home", public=True, ok_status=200, skip_reason="signed-in users are redirected"),
    Route("web:accessibility", public=True),
    Route("web:dashboard", any_signed_in=True),
    Route("people:register", public=True, skip_reason="signed-in users are redirected"),
    Route("people:organisation_browse", public=True),
    Route("people:organisation_detail", _slug, public=True),
    Route("people:organisation_apply", _slug, any_signed_in=True),
    Route("people:member_list", _slug, allowed=MEMBERS_UP),
    Route("people:person_create", _slug, allowed=COORDINATORS_UP),
    Route("people:application_list", _slug, allowed=COORDINATORS_UP),
    Route("people:invite", _slug, allowed=ADMINS),
    Route(
        "people:application_decide",
        lambda w: {"membership_id": _applicant(w)},
        allowed=COORDINATORS_UP,
    ),
    Route(
        "people:membership_detail",
        lambda w: {"membership_id": _member_membership(w)},
        allowed=COORDINATORS_UP | {"member"},
    ),
    Route(
        "people:person_detail",
        lambda w: {"person_id": _member_person(w)},
        allowed=MEMBERS_UP,
    ),
    Route("people:vetting", lambda w: {"person_id": _member_person(w)}, allowed=COORDINATORS_UP),
    Route("people:person_erase", lambda w: {"person_id": _member_person(w)}, allowed=ADMINS),
    Route("people:profile", any_signed_in=True),
    Route(
        "people:consent_update", any_signed_in=True, skip_reason="POST only; tested in test_views"
    ),
    Route("people:skill_add", any_signed_in=True, skip_reason="POST only; tested in test_views"),
    Route(
        "people:skill_remove",
        skip_reason="only the owner's own skills resolve; tested in test_views",
    ),
    Route("people:token_create", any_signed_in=True),
    Route("people:token_revoke", skip_reason="only the owner's own tokens; tested in test_views"),
    Route(
        "people:invitation_accept",
        skip_reason="reached by a secret token, not a role; tested in test_views",
    ),
    Route("login", public=True, skip_reason="signed-in users are redirected"),
    Route("logout", skip_reason="POST only"),
    Route("password_reset", public=True),
    Route("password_reset_done", public=True),
    Route("password_reset_confirm", skip_reason="needs a reset token; Django's own view"),
    Route("password_reset_complete", public=True),
]

API_ROUTES = [
    ApiRoute("/me", lambda w: "/api/v1/me", any_signed_in=True),
    ApiRoute("/organisations", lambda w: "/api/v1/organisations", any_signed_in=True),
    ApiRoute(
        "/organisations/{organisation_id}",
        lambda w: f"/api/v1/organisations/{w.org.pk}",
        any_signed_in=True,  # world.org is public: anyone may read its name and description
    ),
    ApiRoute(
        "/organisations/{organisation_id}/memberships",
        lambda w: f"/api/v1/organisations/{w.org.pk}/memberships",
        allowed=MEMBERS_UP,
    ),
    ApiRoute(
        "/organisations/{organisation_id}/applications",
        lambda w: f"/api/v1/organisations/{_open_organisation(w)}/applications",
        method="post",
        any_signed_in=True,
        data=lambda w: {"note": "hello"},
        ok_status=201,
    ),
    ApiRoute(
        "/memberships/{membership_id}",
        lambda w: f"/api/v1/memberships/{_member_membership(w)}",
        allowed=COORDINATORS_UP | {"member"},
    ),
    ApiRoute(
        "/memberships/{membership_id}/decision",
        lambda w: f"/api/v1/memberships/{_applicant(w)}/decision",
        allowed=COORDINATORS_UP,
        method="post",
        data=lambda w: {"approve": True},
    ),
    ApiRoute(
        "/memberships/{membership_id}/role",
        lambda w: f"/api/v1/memberships/{_member_membership(w)}/role",
        allowed=ADMINS,
        method="post",
        data=lambda w: {"role": "member"},
    ),
    ApiRoute(
        "/memberships/{membership_id}/status",
        lambda w: f"/api/v1/memberships/{_member_membership(w)}/status",
        allowed=COORDINATORS_UP | {"member"},
        method="post",
        data=lambda w: {"status": MembershipStatus.ACTIVE},
    ),
    ApiRoute(
        "/organisations/{organisation_id}/people",
        lambda w: f"/api/v1/organisations/{w.org.pk}/people",
        allowed=COORDINATORS_UP,
        method="post",
        data=lambda w: {"full_name": "Bert Nophone", "postcode": "LS1 4AP"},
        ok_status=201,
    ),
    ApiRoute(
        "/people/{person_id}",
        lambda w: f"/api/v1/people/{_member_person(w)}",
        allowed=MEMBERS_UP,
    ),
]
