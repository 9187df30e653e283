"""The referrals API: a GP system sends the dataset as JSON; each error answers in the one
error format (400 naming the item, 401, 403, 404, 409, 422) and writes nothing; reads are
logged like the pages; the message back comes as JSON and as CSV."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from coproduce.coordination.models import Referral, ReferralStatus
from coproduce.people.models import SensitiveAccess
from tests.coordination.factories import member
from tests.coordination.factories_referrals import accepted, dataset, received, supported

pytestmark = pytest.mark.django_db
API = "/api/v1/coordination"


def _post(client: Any, path: str, data: Any) -> Any:
    return client.post(f"{API}{path}", data=json.dumps(data), content_type="application/json")


def _error(response: Any, status: int, code: str) -> dict[str, Any]:
    """The error body, held to the one error format."""
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "field"}
    assert body["error"]["code"] == code
    return dict(body["error"])


def _referral(reference: str = "GP-1", **overrides: Any) -> dict[str, Any]:
    return {"reference": reference, **dataset(**overrides)}


def test_a_gp_system_sends_a_referral(world: Any) -> None:
    response = _post(
        world.client("coordinator"), f"/organisations/{world.org.pk}/referrals", _referral()
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["reference"] == "GP-1" and body["status"] == "received"
    assert body["person"] == "Maureen Doyle" and body["link_worker"] is None
    referral = Referral.objects.get()
    assert referral.demographics["nhs_number"] == "9434765919"


@pytest.mark.parametrize(
    ("group", "item", "says"),
    [
        ("referrer", "name", "the referrer's name"),
        ("referrer", "organisation", "the referring organisation"),
        ("referrer", "referred_on", "the date of the referral"),
        ("referrer", "consent_to_share", "the person's consent to share"),
        ("demographics", "full_name", "the person's name"),
        ("demographics", "date_of_birth", "the person's date of birth"),
        ("demographics", "address", "the person's address"),
        ("needs", "concerns", "the person's needs and concerns"),
    ],
)
def test_a_missing_required_item_is_a_400_naming_it(
    world: Any, group: str, item: str, says: str
) -> None:
    response = _post(
        world.client("coordinator"),
        f"/organisations/{world.org.pk}/referrals",
        _referral(**{group: {item: None}}),
    )
    error = _error(response, 400, "invalid")
    assert error["field"] == f"{group}.{item}"
    assert error["message"].startswith(f"The referral is missing {says}")
    assert not Referral.objects.exists()


def test_a_referral_without_a_group_is_a_422(world: Any) -> None:
    body = _referral()
    del body["needs"]
    response = _post(world.client("coordinator"), f"/organisations/{world.org.pk}/referrals", body)
    _error(response, 422, "invalid")
    assert not Referral.objects.exists()


def test_the_same_reference_twice_is_a_409(world: Any) -> None:
    client = world.client("coordinator")
    _post(client, f"/organisations/{world.org.pk}/referrals", _referral("GP-7"))
    response = _post(client, f"/organisations/{world.org.pk}/referrals", _referral("GP-7"))
    error = _error(response, 409, "conflict")
    assert "GP-7" in error["message"]
    assert Referral.objects.count() == 1


def test_a_member_may_not_send_a_referral(world: Any) -> None:
    response = _post(
        world.client("member"), f"/organisations/{world.org.pk}/referrals", _referral()
    )
    _error(response, 403, "permission_denied")
    assert not Referral.objects.exists()


def test_another_organisation_is_a_404(world: Any) -> None:
    response = _post(
        world.client("outsider"), f"/organisations/{world.org.pk}/referrals", _referral()
    )
    _error(response, 404, "not_found")
    referral = received(world)
    _error(world.client("outsider").get(f"{API}/referrals/{referral.pk}"), 404, "not_found")
    assert not Referral.objects.exclude(pk=referral.pk).exists()


def test_anonymous_is_a_401(world: Any) -> None:
    response = _post(Client(), f"/organisations/{world.org.pk}/referrals", _referral())
    _error(response, 401, "unauthenticated")
    assert not Referral.objects.exists()


def test_reading_a_referral_is_logged(world: Any) -> None:
    referral = accepted(world)
    body = world.client("manager").get(f"{API}/referrals/{referral.pk}").json()
    assert body["demographics"]["full_name"] == "Maureen Doyle"
    assert body["membership_id"] == referral.membership_id
    assert SensitiveAccess.objects.filter(object_ref=f"referral:{referral.pk}").count() == 1


def test_reading_an_unlinked_referral_is_in_the_access_log(world: Any) -> None:
    referral = received(world)
    world.client("coordinator").get(f"{API}/referrals/{referral.pk}")
    entry = SensitiveAccess.objects.get(object_ref=f"referral:{referral.pk}")
    assert entry.subject is None and entry.what == "referral"


def test_triage_through_the_api(world: Any) -> None:
    referral = received(world)
    client = world.client("coordinator")
    response = _post(
        client, f"/referrals/{referral.pk}/accept", {"membership_id": member(world).pk}
    )
    assert response.status_code == 200 and response.json()["status"] == "accepted"
    response = _post(
        client, f"/referrals/{referral.pk}/support", {"description": "Choir", "kind": "group"}
    )
    assert response.status_code == 201 and response.json()["status"] == "supporting"
    response = _post(client, f"/referrals/{referral.pk}/outcomes", {"text": "Sings weekly"})
    assert response.status_code == 201
    response = _post(client, f"/referrals/{referral.pk}/close", {"summary": "Settled"})
    assert response.json()["status"] == "closed"


def test_decline_through_the_api_needs_a_reason(world: Any) -> None:
    referral = received(world)
    client = world.client("coordinator")
    error = _error(
        _post(client, f"/referrals/{referral.pk}/decline", {"reason": ""}), 400, "invalid"
    )
    assert error["field"] == "reason"
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED
    _post(client, f"/referrals/{referral.pk}/decline", {"reason": "Out of area"})
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED


def test_a_measure_before_the_impact_app_is_a_400(world: Any) -> None:
    referral = accepted(world)
    response = _post(
        world.client("coordinator"),
        f"/referrals/{referral.pk}/outcomes",
        {"text": "Happier", "measure": "ons4_happiness", "score": 7},
    )
    error = _error(response, 400, "invalid")
    assert error["field"] == "measure"


def test_the_message_back_as_json_and_csv(world: Any) -> None:
    referral = supported(world)
    client = world.client("coordinator")
    message = client.get(f"{API}/referrals/{referral.pk}/message").json()
    assert message["code"] == {
        "system": "http://snomed.info/sct",
        "code": "871731000000106",
        "display": "Referral to social prescribing service",
    }
    assert message["status"] == "supporting"
    assert message["support_offered"][0]["description"].startswith("Introduced to")
    response = client.get(f"{API}/referrals/{referral.pk}/message.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    lines = response.content.decode().splitlines()
    assert lines[0] == "reference,section,entry,item,value"
    assert f"{referral.reference},referral,,code,871731000000106" in lines
    assert SensitiveAccess.objects.filter(object_ref=f"referral:{referral.pk}").count() == 2


def test_the_list_holds_only_referrals_the_viewer_may_see(world: Any) -> None:
    held = received(world)
    unheld = received(world, take_it=False)
    mine = {
        r["reference"] for r in world.client("coordinator").get(f"{API}/referrals").json()["items"]
    }
    assert mine == {held.reference}
    managed = {
        r["reference"] for r in world.client("manager").get(f"{API}/referrals").json()["items"]
    }
    assert managed == {held.reference, unheld.reference}
    assert world.client("staff").get(f"{API}/referrals").json()["items"] == []
