"""The audit API for rounds, the action plan and barriers: the same services as the pages."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from coproduce.audit.models import Action, Respondent
from coproduce.audit.services.rounds import token_hash
from tests.audit.factories import closed_round_with_answers, round_for

pytestmark = pytest.mark.django_db
API = "/api/v1/audit"


def _post(client: Any, path: str, data: Any = None) -> Any:
    return client.post(f"{API}{path}", data=json.dumps(data or {}), content_type="application/json")


def test_a_manager_opens_a_round_and_reads_it_back(world: Any) -> None:
    today = timezone.localdate()
    client = world.client("manager")
    response = _post(
        client,
        f"/organisations/{world.org.pk}/rounds",
        {
            "service": "Day service",
            "title": "Spring audit",
            "opens_on": str(today),
            "closes_on": str(today + timedelta(days=21)),
        },
    )
    assert response.status_code == 201, response.content
    opened = response.json()
    assert opened["status"] == "open" and opened["threshold"] == 5
    assert opened["staff"] == {"invited": 0, "started": 0, "sent": 0}
    listed = client.get(f"{API}/rounds").json()
    assert [r["id"] for r in listed["items"]] == [opened["id"]]
    assert client.get(f"{API}/rounds/{opened['id']}").json()["title"] == "Spring audit"


def test_closing_before_opening_names_the_field(world: Any) -> None:
    today = timezone.localdate()
    response = _post(
        world.client("manager"),
        f"/organisations/{world.org.pk}/rounds",
        {
            "service": "Day service",
            "title": "Backwards",
            "opens_on": str(today),
            "closes_on": str(today - timedelta(days=1)),
        },
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "closes_on"


def test_invite_links_and_close(world: Any) -> None:
    found = round_for(world)
    client = world.client("manager")
    invited = _post(
        client, f"/rounds/{found.pk}/invitations", {"person_ids": [world.people["member"].pk]}
    )
    assert invited.json() == {"invited": 1}
    outsider = _post(client, f"/rounds/{found.pk}/invitations", {"person_ids": [world.outsider.pk]})
    assert outsider.status_code == 400
    links = _post(client, f"/rounds/{found.pk}/links", {"group": "member", "count": 2})
    assert links.status_code == 201
    made = links.json()
    token = made[0]["url"].rstrip("/").rsplit("/", 1)[1]
    assert Respondent.objects.get(pk=made[0]["respondent_id"]).token_hash == token_hash(token)
    closed = _post(client, f"/rounds/{found.pk}/close")
    assert closed.json()["status"] == "closed"
    assert _post(client, f"/rounds/{found.pk}/close").status_code == 409


def test_the_plan_through_the_api_hides_owners_from_commissioners(world: Any) -> None:
    row = {"ASSETS1": 2, "ASSETS2": 4}
    found = closed_round_with_answers(world, [row] * 5, [row] * 5)
    manager = world.client("manager")
    weakest = manager.get(f"{API}/rounds/{found.pk}/weakest-items").json()
    assert weakest[0] == {
        "code": "ASSETS1",
        "text": weakest[0]["text"],
        "section": weakest[0]["section"],
        "score": 2.0,
        "side": "members",
    }
    membership = world.people["member"].memberships.get(organisation=world.org)
    added = _post(
        manager,
        f"/rounds/{found.pk}/actions",
        {
            "title": "Members co-chair the review",
            "due_on": str(timezone.localdate() + timedelta(days=30)),
            "item_code": "ASSETS1",
            "owner_membership_id": membership.pk,
        },
    )
    assert added.status_code == 201, added.content
    action = added.json()
    assert action["owner_name"] == world.people["member"].full_name
    seen = world.client("commissioner").get(f"{API}/rounds/{found.pk}/actions").json()
    assert seen["items"][0]["title"] == "Members co-chair the review"
    assert seen["items"][0]["owner_id"] is None and seen["items"][0]["owner_name"] is None
    moved = _post(world.client("member"), f"/actions/{action['id']}", {"status": "done"})
    assert moved.status_code == 200 and moved.json()["done_at"] is not None
    refused = _post(world.client("staff"), f"/actions/{action['id']}", {"status": "open"})
    assert refused.status_code == 403
    assert Action.objects.get(pk=action["id"]).status == "done"


def test_barriers_through_the_api(world: Any) -> None:
    found = round_for(world)
    recorded = _post(
        world.client("staff"),
        f"/rounds/{found.pk}/barriers",
        {"description": "Meetings at 10am exclude carers.", "section_code": "NOPE"},
    )
    assert recorded.status_code == 400
    assert recorded.json()["error"]["field"] == "section_code"
    recorded = _post(
        world.client("staff"),
        f"/rounds/{found.pk}/barriers",
        {"description": "Meetings at 10am exclude carers."},
    )
    assert recorded.status_code == 201
    listed = world.client("commissioner").get(f"{API}/rounds/{found.pk}/barriers").json()
    assert [b["description"] for b in listed["items"]] == ["Meetings at 10am exclude carers."]
    assert (
        _post(
            world.client("member"), f"/rounds/{found.pk}/barriers", {"description": "x"}
        ).status_code
        == 403
    )


def test_the_action_list_costs_the_same_queries_for_one_action_or_many(world: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from coproduce.audit.services.actions import action_add

    found = round_for(world)
    client = world.client("commissioner")

    def add() -> None:
        action_add(
            viewer=world.viewer("manager"),
            round_id=found.pk,
            title="Members co-chair",
            due_on=timezone.localdate() + timedelta(days=9),
        )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(f"{API}/rounds/{found.pk}/actions").status_code == 200
        return len(captured)

    add()
    client.get(f"{API}/rounds/{found.pk}/actions")  # warm the session
    one = queries()
    add()
    add()
    assert queries() == one
