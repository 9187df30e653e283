"""Audit test data, made through the services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.utils import timezone

from coproduce.audit.models import Respondent, Round
from coproduce.audit.services.rounds import round_open


def round_for(world: Any, **overrides: Any) -> Round:
    """A round opened by world's manager in world.org, open today unless dates are given."""
    today = timezone.localdate()
    fields: dict[str, Any] = {
        "organisation_id": world.org.pk,
        "service": "Day service",
        "title": "Spring audit",
        "opens_on": today - timedelta(days=7),
        "closes_on": today + timedelta(days=21),
    }
    fields.update(overrides)
    viewer = fields.pop("viewer", None) or world.viewer("manager")
    return round_open(viewer=viewer, **fields)


def paper_responses(
    world: Any, round: Round, group: str, rows: list[dict[str, int | None]]
) -> list[Respondent]:
    """One submitted paper respondent per row of answers, entered by world's staff."""
    from coproduce.audit.services.answering import paper_response_enter

    today = max(round.opens_on, min(round.closes_on, timezone.localdate()))
    return [
        paper_response_enter(
            viewer=world.viewer("staff"),
            round_id=round.pk,
            group=group,
            answers=row,
            label=f"{group}-{index}",
            today=today,
        )
        for index, row in enumerate(rows, start=1)
    ]


def invitee(world: Any, round: Round, role: str, group: str | None = None) -> Respondent:
    """world's person in ``role`` invited to answer ``round`` (by world's manager); the group
    is ``group`` or from the role. Inviting twice gives the same respondent."""
    from coproduce.audit.services.rounds import round_invite

    person = world.people[role]
    round_invite(
        viewer=world.viewer("manager"), round_id=round.pk, person_ids=[person.pk], group=group
    )
    return Respondent.objects.get(round=round, person=person)


def invite_everyone(world: Any, round: Round) -> Round:
    """Every role of world.org invited to answer ``round``."""
    from coproduce.audit.services.rounds import round_invite

    round_invite(
        viewer=world.viewer("manager"),
        round_id=round.pk,
        person_ids=[person.pk for person in world.people.values()],
    )
    return round


def link_for(world: Any, round: Round, group: str = "member") -> tuple[Respondent, str]:
    """One anonymous single-use link of ``round``: its respondent and the token to answer by."""
    from coproduce.audit.services.rounds import round_links_create

    [(respondent, token)] = round_links_create(
        viewer=world.viewer("manager"), round_id=round.pk, group=group, count=1
    )
    return respondent, token


def closed_round_with_answers(
    world: Any,
    staff: list[dict[str, int | None]],
    member: list[dict[str, int | None]],
    *,
    days_ago: int = 10,
    **overrides: Any,
) -> Round:
    """A round that closed ``days_ago`` days back (open for a fortnight before), with paper
    answers entered while it was open."""
    today = timezone.localdate()
    fields: dict[str, Any] = {
        "opens_on": today - timedelta(days=days_ago + 14),
        "closes_on": today - timedelta(days=days_ago),
    }
    fields.update(overrides)
    found = round_for(world, **fields)
    if staff:
        paper_responses(world, found, "staff", staff)
    if member:
        paper_responses(world, found, "member", member)
    return found
