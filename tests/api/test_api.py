from __future__ import annotations

import pytest
from django.test import Client

from coproduce.people import services
from tests.conftest import World

pytestmark = pytest.mark.django_db


def _token_client(world: World, role: str) -> Client:
    user = world.people[role].user
    assert user is not None
    _, secret = services.api_token_create(user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def test_openapi_document_is_served() -> None:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/me" in response.json()["paths"]


def test_token_authenticates_and_me_lists_roles(world: World) -> None:
    response = _token_client(world, "coordinator").get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["roles"] == {str(world.org.pk): "coordinator"}


def test_a_bad_token_gets_the_error_format() -> None:
    response = Client(HTTP_AUTHORIZATION="Bearer cp_nope").get("/api/v1/me")
    assert response.status_code == 401
    assert response.json() == {
        "error": {"code": "unauthenticated", "message": "Send a valid API token.", "field": None}
    }


def test_validation_error_names_the_field(world: World) -> None:
    membership = world.org.memberships.get(person=world.people["member"])
    response = _token_client(world, "admin").post(
        f"/api/v1/memberships/{membership.pk}/decision",
        data={"approve": "perhaps"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "approve"


def test_domain_error_names_the_field(world: World) -> None:
    membership = world.org.memberships.get(person=world.people["member"])
    response = _token_client(world, "admin").post(
        f"/api/v1/memberships/{membership.pk}/role",
        data={"role": "emperor"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid",
        "message": "“emperor” is not a role.",
        "field": "role",
    }


def test_unknown_id_is_404(world: World) -> None:
    response = _token_client(world, "admin").get("/api/v1/memberships/999999")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_member_list_is_paginated(world: World) -> None:
    for index in range(30):
        services.person_create_for(
            viewer=world.viewer("coordinator"), organisation=world.org, full_name=f"P {index:02d}"
        )
    client = _token_client(world, "member")
    body = client.get(
        f"/api/v1/organisations/{world.org.pk}/memberships?page_size=10&page=2"
    ).json()
    assert body["count"] == 36 and body["pages"] == 4 and body["page"] == 2
    assert len(body["items"]) == 10
    bad = client.get(f"/api/v1/organisations/{world.org.pk}/memberships?page_size=1000")
    assert bad.status_code == 422


def test_session_writes_need_csrf(world: World) -> None:
    client = Client(enforce_csrf_checks=True)
    user = world.people["member"].user
    assert user is not None
    client.force_login(user)
    response = client.post(
        f"/api/v1/organisations/{world.other_org.pk}/applications",
        data={"note": "hi"},
        content_type="application/json",
    )
    assert response.status_code in {401, 403}


def test_coordinator_adds_a_person_through_the_api(world: World) -> None:
    client = _token_client(world, "coordinator")
    response = client.post(
        f"/api/v1/organisations/{world.org.pk}/people",
        data={"full_name": "Bert Nophone", "postcode": "nope"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "postcode"
    response = client.post(
        f"/api/v1/organisations/{world.org.pk}/people",
        data={"full_name": "Bert Nophone", "postcode": "ls14ap"},
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["postcode"] == "LS1 4AP"
