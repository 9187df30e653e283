"""The action plan: steps taken from a round's weakest items, each with an owner and a due date,
tracked to done and seen again at the service's next round.

Managers (``audit.run``) add actions and update any of them; an action's owner may move their
own action on (status and progress note)."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.utils import timezone

from coproduce.audit.models import Action, ActionStatus
from coproduce.audit.selectors.actions import access_action, may_update, owner_choices
from coproduce.audit.selectors.rounds import access_round, round_instrument
from coproduce.errors import InvalidInput, PermissionDenied
from coproduce.people import permissions
from coproduce.people.history import history_record
from coproduce.people.permissions import Viewer

TITLE_LIMIT = 200
TEXT_LIMIT = 2000
STATUSES = tuple(status.value for status in ActionStatus)


def _text(value: str, *, field: str, label: str, limit: int, required: bool = False) -> str:
    value = value.strip()
    if required and not value:
        raise InvalidInput(field, f"Give the action's {label}.")
    if len(value) > limit:
        raise InvalidInput(field, f"The {label} can be at most {limit:,} characters.")
    return value


@transaction.atomic
def action_add(
    *,
    viewer: Viewer,
    round_id: int,
    title: str,
    due_on: date,
    item_code: str = "",
    owner_membership_id: int | None = None,
    detail: str = "",
    today: date | None = None,
) -> Action:
    round_ = access_round(viewer, round_id=round_id, ability="audit.run")
    title = _text(title, field="title", label="title", limit=TITLE_LIMIT, required=True)
    detail = _text(detail, field="detail", label="detail", limit=TEXT_LIMIT)
    item_code = item_code.strip()
    if item_code and round_instrument(round_).item(item_code) is None:
        raise InvalidInput("item_code", "Choose one of the round's items, or none.")
    if due_on < (today or timezone.localdate()):
        raise InvalidInput("due_on", "The due date can't be in the past.")
    owner = None
    if owner_membership_id is not None:
        membership = owner_choices(round_).filter(pk=owner_membership_id).first()
        if membership is None:
            raise InvalidInput("owner", "Choose one of the organisation's members as the owner.")
        owner = membership.person
    action = Action.objects.create(
        round=round_,
        item_code=item_code,
        title=title,
        detail=detail,
        owner=owner,
        due_on=due_on,
        created_by=viewer.person,
    )
    history_record(
        actor=viewer.person,
        action="audit.action_add",
        subject=action,
        organisation=round_.organisation,
        detail={"round": round_.pk, "item": item_code},
    )
    return action


@transaction.atomic
def action_update(
    *,
    viewer: Viewer,
    action_id: int,
    status: str,
    progress_note: str = "",
    due_on: date | None = None,
) -> Action:
    action = access_action(viewer, action_id=action_id)
    if not may_update(viewer, action):
        raise PermissionDenied(
            "You need to be a manager of this organisation, or the action's owner, to update it."
        )
    if status not in STATUSES:
        raise InvalidInput("status", "Choose not started, in progress or done.")
    progress_note = _text(
        progress_note, field="progress_note", label="progress note", limit=TEXT_LIMIT
    )
    if due_on is not None and due_on != action.due_on:
        if not permissions.may(viewer, "audit.run", action.round.organisation_id):
            raise PermissionDenied("Only a manager can change the action's due date.")
        action.due_on = due_on
    previous = action.status
    action.status = status
    action.progress_note = progress_note
    if status == ActionStatus.DONE and previous != ActionStatus.DONE:
        action.done_at = timezone.now()
    elif status != ActionStatus.DONE:
        action.done_at = None
    action.save(update_fields=["status", "progress_note", "done_at", "due_on"])
    history_record(
        actor=viewer.person,
        action="audit.action_update",
        subject=action,
        organisation=action.round.organisation,
        detail={"from": previous, "to": status},
    )
    return action
