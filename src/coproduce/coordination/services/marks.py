"""Matching marks: a coordinator says whether a suggestion for a goal was a good match.
The marks are kept to report precision@5 on the coordinator's own history
(``selectors.marks.precision_at_5``).

One mark per coordinator, goal and candidate: marking the same suggestion again changes the
verdict (and the rank and query it was seen at) rather than adding a second mark, so a
change of mind never counts twice in the precision."""

from __future__ import annotations

import re

from django.db import transaction

from coproduce.coordination.models import Goal, MatchMark
from coproduce.coordination.selectors.marks import access_goal_for_marks
from coproduce.errors import InvalidInput
from coproduce.people.history import history_record, model_validate
from coproduce.people.permissions import Viewer

CANDIDATE_KINDS = ("person", "offer", "request", "group", "asset")
# "<kind>:<id>": a whole-number id, or an asset's UUID.
CANDIDATE = re.compile(
    r"(person|offer|request|group|asset):"
    r"([0-9]{1,19}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})"
)
MAX_RANK = 100
QUERY_LIMIT = 5000


def _candidate(candidate: str) -> str:
    value = candidate.strip() if isinstance(candidate, str) else ""
    match = CANDIDATE.fullmatch(value)
    if match is None or (match.group(2).isdigit() and not 1 <= int(match.group(2)) < 2**63):
        kinds = ", ".join(CANDIDATE_KINDS)
        raise InvalidInput(
            "candidate", f"The suggestion must be named as <kind>:<id>, the kind one of {kinds}."
        )
    return value


def _rank(rank: int) -> int:
    if isinstance(rank, bool) or not isinstance(rank, int) or not 1 <= rank <= MAX_RANK:
        raise InvalidInput("rank", f"The rank must be a whole number from 1 to {MAX_RANK}.")
    return rank


def _query(query: str) -> str:
    value = query.strip() if isinstance(query, str) else ""
    if not value:
        raise InvalidInput("query", "Say what the suggestions were for (the goal's words).")
    if len(value) > QUERY_LIMIT:
        raise InvalidInput("query", f"Keep the query under {QUERY_LIMIT} characters.")
    return value


@transaction.atomic
def match_mark(
    *, viewer: Viewer, goal_id: int, candidate: str, rank: int, good: bool, query: str
) -> MatchMark:
    """Mark the suggestion ``candidate`` (``"group:7"``), seen at ``rank`` for the goal's
    ``query``, good or not. Only the coordinator who holds the goal's plan or a manager of
    the service. Takes a row lock on the goal, so two marks of the same suggestion at once
    cannot both insert."""
    goal = access_goal_for_marks(viewer=viewer, goal_id=goal_id)
    candidate = _candidate(candidate)
    rank = _rank(rank)
    query = _query(query)
    if not isinstance(good, bool):
        raise InvalidInput("good", "Say whether it was a good match.")
    Goal.objects.select_for_update().filter(pk=goal.pk).values_list("pk").first()
    assert viewer.person is not None
    mark = MatchMark.objects.filter(
        coordinator=viewer.person, goal=goal, candidate=candidate
    ).first()
    changed = mark is not None
    if mark is None:
        mark = MatchMark(
            organisation_id=goal.plan.organisation_id,
            coordinator=viewer.person,
            goal=goal,
            candidate=candidate,
        )
    mark.rank, mark.good, mark.query = rank, good, query
    model_validate(mark, exclude=["organisation", "coordinator", "goal"])
    mark.save()
    history_record(
        actor=viewer.person,
        action="coordination.match_mark",
        subject=mark,
        organisation=goal.plan.organisation,
        detail={"candidate": candidate, "good": good, "rank": rank, "changed": changed},
    )
    return mark
