"""The action plan and barrier pages through the test client: an owner moves their own action
on, anyone else below manager is refused, a registered barrier register gets its copy, and a
round shows the actions of the rounds before it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.urls import reverse
from django.utils import timezone

from coproduce.audit.barriers import BarrierFound, register_barrier_register
from coproduce.audit.models import Action, Barrier
from coproduce.audit.selectors.rounds import round_instrument
from coproduce.audit.services.actions import action_add
from tests.audit.factories import closed_round_with_answers, round_for


def _owned_action(world: Any, round_: Any, owner_role: str) -> Action:
    membership = world.people[owner_role].memberships.get(organisation=world.org)
    return action_add(
        viewer=world.viewer("manager"),
        round_id=round_.pk,
        title="Members help plan the Friday session",
        due_on=timezone.localdate() + timedelta(days=30),
        owner_membership_id=membership.pk,
    )


def test_the_owner_moves_their_own_action_on(world: Any) -> None:
    action = _owned_action(world, round_for(world), "member")
    url = reverse("audit:action_update", args=[action.pk])
    client = world.client("member")
    page = client.get(url).content.decode()
    assert "Due by" not in page  # only a manager changes the date
    response = client.post(url, {"status": "doing", "progress_note": "Asked at the café."})
    assert response.status_code == 302
    action.refresh_from_db()
    assert (action.status, action.progress_note) == ("doing", "Asked at the café.")


def test_someone_who_does_not_own_it_is_refused(world: Any) -> None:
    action = _owned_action(world, round_for(world), "member")
    url = reverse("audit:action_update", args=[action.pk])
    for role in ("staff", "coordinator", "commissioner"):
        response = world.client(role).post(url, {"status": "done"})
        assert response.status_code == 403, role
    assert world.client("outsider").post(url, {"status": "done"}).status_code == 404
    action.refresh_from_db()
    assert action.status == "open"


def test_an_owner_cannot_move_the_due_date(world: Any) -> None:
    action = _owned_action(world, round_for(world), "member")
    later = action.due_on + timedelta(days=60)
    world.client("member").post(
        reverse("audit:action_update", args=[action.pk]),
        {"status": "doing", "due_on": str(later)},
    )
    action.refresh_from_db()
    assert action.due_on != later


def test_a_commissioner_reads_the_plan_without_its_owners(world: Any) -> None:
    round_ = round_for(world)
    _owned_action(world, round_, "member")
    owner = world.people["member"].full_name
    manager_page = world.client("manager").get(reverse("audit:actions", args=[round_.pk]))
    commissioner_page = world.client("commissioner").get(reverse("audit:actions", args=[round_.pk]))
    assert owner in manager_page.content.decode()
    assert "Members help plan the Friday session" in commissioner_page.content.decode()
    assert owner not in commissioner_page.content.decode()


def test_a_barrier_from_the_page_reaches_a_registered_register(world: Any) -> None:
    round_ = round_for(world)
    received: list[BarrierFound] = []

    def register(found: BarrierFound) -> str:
        received.append(found)
        return "REG-7"

    register_barrier_register(register)
    try:
        response = world.client("staff").post(
            reverse("audit:barriers", args=[round_.pk]),
            {"description": "The room is up two flights of stairs."},
        )
        page = world.client("staff").get(reverse("audit:barriers", args=[round_.pk]))
    finally:
        register_barrier_register(None)
    assert response.status_code == 302
    assert Barrier.objects.get(round=round_).register_ref == "REG-7"
    assert [found.description for found in received] == ["The room is up two flights of stairs."]
    assert "REG-7" in page.content.decode()


def test_a_round_shows_the_actions_of_the_round_before_it(world: Any) -> None:
    earlier = closed_round_with_answers(world, [], [], days_ago=300, title="Last year")
    item = round_instrument(earlier).items()[0]
    action_add(
        viewer=world.viewer("manager"),
        round_id=earlier.pk,
        title="Members co-chair the review",
        due_on=timezone.localdate(),
        item_code=item.code,
    )
    current = round_for(world, title="This year")
    page = world.client("member").get(reverse("audit:actions", args=[current.pk]))
    text = page.content.decode()
    assert "Members co-chair the review" in text
    assert item.text in text
