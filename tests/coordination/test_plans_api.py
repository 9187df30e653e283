"""The plans and caseload API: the same services and the same log as the pages."""

from __future__ import annotations

import json
from typing import Any

import pytest

from coproduce.coordination.models import Goal, Plan
from coproduce.people.models import SensitiveAccess
from tests.coordination.factories import member, plan_for

pytestmark = pytest.mark.django_db
API = "/api/v1/coordination"


def _post(client: Any, path: str, data: dict[str, Any]) -> Any:
    return client.post(f"{API}{path}", data=json.dumps(data), content_type="application/json")


def test_start_a_plan_add_a_goal_and_read_it_back(world: Any) -> None:
    client = world.client("coordinator")
    membership = member(world, "Api Person")
    response = _post(client, "/plans", {"membership_id": membership.pk, "life_wanted": "A job"})
    assert response.status_code == 201, response.content
    plan_id = response.json()["id"]
    assert response.json()["person"] == "Api Person"
    response = _post(client, f"/plans/{plan_id}/goals", {"area": "work", "text": "Paid work"})
    assert response.status_code == 201
    before = SensitiveAccess.objects.count()
    body = client.get(f"{API}/plans/{plan_id}").json()
    assert body["life_wanted"] == "A job"
    assert [g["text"] for g in body["goals"]] == ["Paid work"]
    assert SensitiveAccess.objects.count() == before + 1


def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(world: Any) -> None:
    plan = plan_for(world)
    client = world.client("coordinator")
    response = _post(client, f"/plans/{plan.pk}/goals", {"area": "space", "text": "Moon"})
    assert response.status_code == 400
    assert "Choose what the goal is about" in response.content.decode()
    assert not Goal.objects.exists()


def test_a_plan_for_a_member_of_another_organisation_is_not_found(world: Any) -> None:
    from coproduce.people.models import Membership

    outsider = Membership.objects.get(person=world.outsider)
    response = _post(world.client("coordinator"), "/plans", {"membership_id": outsider.pk})
    assert response.status_code == 404
    assert not Plan.objects.exists()


def test_the_caseload_api(world: Any) -> None:
    plan_for(world, name="Cas Load")
    body = world.client("coordinator").get(f"{API}/organisations/{world.org.pk}/caseload").json()
    assert body["size"] == 1 and body["cap"] == 60
    assert body["people"][0]["person"] == "Cas Load"


def test_the_list_holds_only_plans_the_viewer_may_see(world: Any) -> None:
    plan = plan_for(world)
    staff = world.client("staff").get(f"{API}/plans").json()
    assert (staff["items"], staff["count"]) == ([], 0)
    mine = world.client("coordinator").get(f"{API}/plans").json()
    assert [p["id"] for p in mine["items"]] == [plan.pk]
