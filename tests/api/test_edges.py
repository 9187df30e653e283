"""Numbers at the API's edge: range-checked, strict, and answered 422 naming the field; the
document declares every status an operation answers, with the one error schema."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from coproduce.framework.api_errors import ERROR_STATUSES
from coproduce.people import services
from coproduce.timebank import ledger as timebank_ledger
from coproduce.timebank.models import Transfer
from tests.conftest import World

pytestmark = pytest.mark.django_db

PAST_64_BITS = 2**64


def _client(world: World, role: str = "coordinator") -> Client:
    user = world.people[role].user
    assert user is not None
    _, secret = services.api_token_create(user=user, name="test")
    return Client(HTTP_AUTHORIZATION=f"Bearer {secret}")


def _invalid(response: Any, field: str) -> str:
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["field"] == field
    return str(error["message"])


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/organisations",
        "/api/v1/timebank/transfers",
        "/api/v1/timebank/listings",
        "/api/v1/directory/assets",
    ],
)
def test_a_huge_page_number_is_422_naming_page(world: World, url: str) -> None:
    response = _client(world).get(url, {"page": str(PAST_64_BITS)})
    assert _invalid(response, "page") == "page: Input should be less than or equal to 1000000"


def test_a_page_past_the_end_is_an_empty_page(world: World) -> None:
    body = _client(world).get("/api/v1/organisations", {"page": "1000000"}).json()
    assert body["items"] == [] and body["page"] == 1_000_000 and body["pages"] == 1


@pytest.mark.parametrize(
    ("url", "field"),
    [
        (f"/api/v1/memberships/{PAST_64_BITS}", "membership_id"),
        (f"/api/v1/organisations/{PAST_64_BITS}/memberships", "organisation_id"),
        (f"/api/v1/timebank/accounts/{PAST_64_BITS}", "account_id"),
        (f"/api/v1/budgeting/budgets/{PAST_64_BITS}/proposals", "budget_id"),
        (f"/api/v1/timebank/listings?area={PAST_64_BITS}", "area"),
        (f"/api/v1/directory/assets?area_id={PAST_64_BITS}", "area_id"),
        ("/api/v1/directory/assets?within_km=inf", "within_km"),
    ],
)
def test_ids_and_filters_past_their_range_are_422_naming_them(
    world: World, url: str, field: str
) -> None:
    _invalid(_client(world).get(url), field)


def _transfer_body(world: World, minutes: object) -> dict[str, object]:
    staff = world.org.memberships.get(person=world.people["staff"])
    member = world.org.memberships.get(person=world.people["member"])
    return {
        "from_account": timebank_ledger.member_account(staff).pk,
        "to_account": timebank_ledger.member_account(member).pk,
        "minutes": minutes,
        "reason": "Gardening",
    }


@pytest.mark.parametrize(
    ("minutes", "message"),
    [
        (True, "minutes: Input should be a valid integer"),
        ("30", "minutes: Input should be a valid integer"),
        (PAST_64_BITS, "minutes: Input should be less than or equal to 6000000"),
    ],
)
def test_transfer_minutes_must_be_a_real_integer_in_range(
    world: World, minutes: object, message: str
) -> None:
    response = _client(world).post(
        "/api/v1/timebank/transfers",
        data=_transfer_body(world, minutes),
        content_type="application/json",
    )
    assert _invalid(response, "minutes") == message
    assert not Transfer.objects.exists()


def test_transfer_account_past_64_bits_is_422_not_a_server_error(world: World) -> None:
    body = _transfer_body(world, 30) | {"to_account": PAST_64_BITS}
    response = _client(world).post(
        "/api/v1/timebank/transfers", data=body, content_type="application/json"
    )
    _invalid(response, "to_account")


def test_reward_credits_past_64_bits_are_422(world: World) -> None:
    body = {
        "partner_id": world.org.pk,
        "bank_id": world.org.pk,
        "name": "Swim",
        "credits": PAST_64_BITS,
    }
    response = _client(world, "admin").post(
        "/api/v1/timebank/rewards", data=body, content_type="application/json"
    )
    _invalid(response, "credits")


def test_account_limits_past_64_bits_are_422(world: World) -> None:
    member = world.org.memberships.get(person=world.people["member"])
    account = timebank_ledger.member_account(member)
    response = _client(world).post(
        f"/api/v1/timebank/accounts/{account.pk}/limits",
        data={"floor": -PAST_64_BITS, "reason": "Trust"},
        content_type="application/json",
    )
    _invalid(response, "floor")


def test_a_yes_or_no_must_be_json_true_or_false(world: World) -> None:
    membership = world.org.memberships.get(person=world.people["member"])
    response = _client(world, "admin").post(
        f"/api/v1/memberships/{membership.pk}/decision",
        data={"approve": "yes"},
        content_type="application/json",
    )
    assert _invalid(response, "approve") == "approve: Input should be a valid boolean"


def test_every_operation_declares_its_errors_with_the_one_error_schema() -> None:
    document = Client().get("/api/v1/openapi.json").json()
    assert document["components"]["schemas"]["ErrorOut"]["required"] == ["error"]
    operations = [op for path in document["paths"].values() for op in path.values()]
    assert len(operations) >= 50
    for operation in operations:
        statuses = set(operation["responses"])
        assert {str(code) for code in ERROR_STATUSES} <= statuses, operation["operationId"]
        for code in ERROR_STATUSES:
            schema = operation["responses"][str(code)]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorOut"}


def test_an_error_answer_matches_the_declared_error_schema(world: World) -> None:
    response = _client(world).get("/api/v1/memberships/999999")
    assert response.status_code == 404
    assert response.json() == {
        "error": {"code": "not_found", "message": "Not found.", "field": None}
    }


def test_a_birth_date_in_1800_is_refused_naming_the_field(world: World) -> None:
    response = _client(world).post(
        f"/api/v1/organisations/{world.org.pk}/people",
        data={"full_name": "Old Timer", "date_of_birth": "1800-01-01"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid",
        "field": "date_of_birth",
        "message": "Enter a date of birth from 1 January 1900 (four digits for the year).",
    }


def test_an_exchange_scheduled_in_2019_is_refused_naming_the_field(world: World) -> None:
    staff = world.org.memberships.get(person=world.people["staff"])
    member = world.org.memberships.get(person=world.people["member"])
    response = _client(world, "member").post(
        "/api/v1/timebank/exchanges",
        data={
            "provider_membership": staff.pk,
            "receiver_membership": member.pk,
            "minutes": 60,
            "description": "Garden",
            "scheduled_for": "2019-06-01T10:00:00Z",
        },
        content_type="application/json",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == "scheduled_for"
    assert error["message"].startswith("Choose a date from ")


def test_a_person_with_a_200_character_name_gets_an_account(world: World) -> None:
    """The account is named "<name> (<number>)"; PostgreSQL refused it past 200 characters."""
    name = "N" * 200
    response = _client(world).post(
        f"/api/v1/organisations/{world.org.pk}/people",
        data={"full_name": name},
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    membership = world.org.memberships.get(person_id=response.json()["id"])
    account = timebank_ledger.member_account(membership)
    assert account.name.endswith(f" ({membership.number})") and len(account.name) == 200
