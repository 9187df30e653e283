"""Reading the action plan and the barriers of a round.

Everyone in the round's organisation with ``audit.view`` reads the plan; a commissioner sees
each action's title, item, due date and status but not who owns it (owners are people, the plan
is not about them). Managers (``audit.run``) write it; an action's owner may move their own
action on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import QuerySet
from django.utils import timezone

from coproduce.audit import scoring
from coproduce.audit.instruments import Instrument
from coproduce.audit.models import Action, ActionStatus, Barrier, Round
from coproduce.audit.selectors.results import round_responses
from coproduce.errors import NotFound
from coproduce.people import permissions
from coproduce.people.models import Membership, MembershipStatus, Role
from coproduce.people.permissions import Viewer

WEAKEST = 5


def may_write(viewer: Viewer, round_: Round) -> bool:
    return permissions.may(viewer, "audit.run", round_.organisation_id)


def shows_owners(viewer: Viewer, round_: Round) -> bool:
    return viewer.role_in(round_.organisation_id) != Role.COMMISSIONER


def access_action(viewer: Viewer, *, action_id: int) -> Action:
    """An action of one of the viewer's organisations (any role: reading it needs audit.view)."""
    action = (
        Action.objects.select_related("round__organisation", "round__instrument", "owner")
        .filter(pk=action_id, round__organisation_id__in=viewer.organisation_ids())
        .first()
    )
    if action is None:
        raise NotFound()
    permissions.check(viewer, "audit.view", action.round.organisation_id)
    return action


def may_update(viewer: Viewer, action: Action) -> bool:
    """Managers update any action; an action's owner updates their own."""
    if permissions.may(viewer, "audit.run", action.round.organisation_id):
        return True
    return (
        viewer.person_id is not None
        and action.owner_id == viewer.person_id
        and permissions.may(viewer, "audit.view", action.round.organisation_id)
    )


def round_actions(round_: Round) -> QuerySet[Action]:
    return Action.objects.filter(round=round_).select_related("owner").order_by("due_on", "pk")


def previous_rounds(round_: Round) -> list[Round]:
    """Earlier rounds of the same service in the same organisation, latest first."""
    return list(
        Round.objects.filter(
            organisation_id=round_.organisation_id,
            service=round_.service,
            closes_on__lt=round_.closes_on,
        ).order_by("-closes_on", "-pk")
    )


def previous_actions(round_: Round) -> QuerySet[Action]:
    """The actions of the earlier rounds of the service, so they are seen at this one."""
    return (
        Action.objects.filter(
            round__organisation_id=round_.organisation_id,
            round__service=round_.service,
            round__closes_on__lt=round_.closes_on,
        )
        .select_related("owner", "round__instrument")
        .order_by("-round__closes_on", "due_on", "pk")
    )


def round_score(round_: Round, instrument: Instrument) -> scoring.Result:
    """The round's result from its submitted questionnaires."""
    return scoring.score(instrument, round_responses(round_), threshold=round_.threshold)


@dataclass(frozen=True)
class WeakItem:
    code: str
    text: str
    section: str
    score: Decimal
    side: str  # "members" or "staff": whose score this is


def weakest_items(
    result: scoring.Result, instrument: Instrument, *, limit: int = WEAKEST
) -> list[WeakItem]:
    """The lowest-scoring items: the members' score where it is shown, else the staff's;
    an item with neither shown (suppressed) is not suggested."""
    rows: list[WeakItem] = []
    for row in result.items:
        if row.member.score is not None:
            value, side = row.member.score, "members"
        elif row.staff.score is not None:
            value, side = row.staff.score, "staff"
        else:
            continue
        item = instrument.item(row.code)
        section = instrument.section_of(row.code)
        rows.append(
            WeakItem(
                code=row.code,
                text=item.text if item is not None else row.title,
                section=section.title if section is not None else "",
                score=value,
                side=side,
            )
        )
    rows.sort(key=lambda weak: (weak.score, weak.code))
    return rows[:limit]


def is_overdue(action: Action, today: date | None = None) -> bool:
    return action.status != ActionStatus.DONE and action.due_on < (today or timezone.localdate())


def owner_choices(round_: Round) -> QuerySet[Membership]:
    """Who may own an action: the organisation's active members."""
    return (
        Membership.objects.filter(
            organisation_id=round_.organisation_id, status=MembershipStatus.ACTIVE
        )
        .select_related("person")
        .order_by("person__full_name", "pk")
    )


def round_barriers(round_: Round) -> QuerySet[Barrier]:
    return (
        Barrier.objects.filter(round=round_)
        .select_related("recorded_by")
        .order_by("-created_at", "-pk")
    )
