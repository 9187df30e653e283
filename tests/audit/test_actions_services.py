"""The action plan and barrier services, and the barrier register seam."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from coproduce.audit.barriers import BarrierFound, register_barrier_register
from coproduce.audit.selectors.rounds import round_instrument
from coproduce.audit.services.actions import action_add, action_update
from coproduce.audit.services.barriers import barrier_record
from coproduce.errors import InvalidInput, NotFound, PermissionDenied
from tests.audit.factories import round_for

pytestmark = pytest.mark.django_db


def _item(round_: Any) -> str:
    return round_instrument(round_).items()[0].code


def test_action_add_and_done(world: Any) -> None:
    round_ = round_for(world)
    due = timezone.localdate() + timedelta(days=30)
    action = action_add(
        viewer=world.viewer("manager"),
        round_id=round_.pk,
        title="Members co-chair",
        due_on=due,
        item_code=_item(round_),
    )
    assert action.status == "open" and action.done_at is None
    done = action_update(viewer=world.viewer("manager"), action_id=action.pk, status="done")
    assert done.done_at is not None
    back = action_update(viewer=world.viewer("manager"), action_id=action.pk, status="doing")
    assert back.done_at is None


def test_action_refusals(world: Any) -> None:
    round_ = round_for(world)
    due = timezone.localdate() + timedelta(days=30)
    with pytest.raises(PermissionDenied):
        action_add(viewer=world.viewer("staff"), round_id=round_.pk, title="X", due_on=due)
    with pytest.raises(InvalidInput) as error:
        action_add(
            viewer=world.viewer("manager"),
            round_id=round_.pk,
            title="X",
            due_on=due,
            item_code="nope",
        )
    assert error.value.message == "Choose one of the round's items, or none."
    with pytest.raises(InvalidInput) as error:
        action_add(
            viewer=world.viewer("manager"),
            round_id=round_.pk,
            title="X",
            due_on=timezone.localdate() - timedelta(days=1),
        )
    assert error.value.message == "The due date can't be in the past."
    with pytest.raises(NotFound):
        action_add(viewer=world.viewer("outsider"), round_id=round_.pk, title="X", due_on=due)


def test_owner_scoped_and_owner_updates(world: Any) -> None:
    round_ = round_for(world)
    due = timezone.localdate() + timedelta(days=30)
    outsider_membership = world.outsider.memberships.get()
    with pytest.raises(InvalidInput) as error:
        action_add(
            viewer=world.viewer("manager"),
            round_id=round_.pk,
            title="X",
            due_on=due,
            owner_membership_id=outsider_membership.pk,
        )
    assert error.value.message == "Choose one of the organisation's members as the owner."
    staff_membership = world.people["staff"].memberships.get(organisation=world.org)
    action = action_add(
        viewer=world.viewer("manager"),
        round_id=round_.pk,
        title="X",
        due_on=due,
        owner_membership_id=staff_membership.pk,
    )
    updated = action_update(
        viewer=world.viewer("staff"), action_id=action.pk, status="doing", progress_note="Started"
    )
    assert updated.status == "doing"
    with pytest.raises(PermissionDenied):
        action_update(viewer=world.viewer("coordinator"), action_id=action.pk, status="done")


def test_barrier_kept_without_register(world: Any) -> None:
    round_ = round_for(world)
    barrier = barrier_record(
        viewer=world.viewer("staff"),
        round_id=round_.pk,
        description="Meetings at 10am exclude carers",
    )
    assert barrier.register_ref == ""
    with pytest.raises(PermissionDenied):
        barrier_record(viewer=world.viewer("member"), round_id=round_.pk, description="X")


def test_barrier_handed_to_a_registered_register(world: Any) -> None:
    round_ = round_for(world)
    received: list[BarrierFound] = []

    def register(found: BarrierFound) -> str:
        received.append(found)
        return f"BR-{len(received)}"

    register_barrier_register(register)
    try:
        barrier = barrier_record(
            viewer=world.viewer("staff"), round_id=round_.pk, description=" Transport "
        )
    finally:
        register_barrier_register(None)
    assert barrier.register_ref == "BR-1"
    assert received == [
        BarrierFound(
            organisation_id=world.org.pk,
            round_id=round_.pk,
            service="Day service",
            section_code="",
            description="Transport",
            recorded_on=timezone.localdate(),
        )
    ]


def test_pages_render(world: Any) -> None:
    round_ = round_for(world)
    assert world.client("manager").get(f"/audit/rounds/{round_.pk}/actions/").status_code == 200
    assert (
        world.client("commissioner").get(f"/audit/rounds/{round_.pk}/barriers/").status_code == 200
    )
    response = world.client("manager").post(
        f"/audit/rounds/{round_.pk}/actions/",
        {"title": "Co-chair", "due_on": (timezone.localdate() + timedelta(days=9)).isoformat()},
    )
    assert response.status_code == 302
