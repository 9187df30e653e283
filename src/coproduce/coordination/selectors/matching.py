"""Reading matches for a goal (through the plan's access check, so the read is logged) or for
a time-bank listing (coordinators of its organisation). The index is freshened first when
it is due (``index_freshen_if_due``: at most once every ``COORDINATION_MATCH_FRESHEN_SECONDS``,
default five minutes, per organisation), so a new source shows within that interval; what has
gone (a consent withdrawn, a member who left, a closed listing, a full group) never shows,
as ``search`` checks it at read time."""

from __future__ import annotations

from dataclasses import dataclass

from coproduce.coordination.matching.engine import (
    MatchQuery,
    Suggestion,
    days_in_text,
)
from coproduce.coordination.matching.index import index_freshen_if_due
from coproduce.coordination.matching.search import search
from coproduce.coordination.models import Goal
from coproduce.coordination.selectors.plans import access_plan_by_id
from coproduce.coordination.selectors.vetting import vetted_person_ids
from coproduce.errors import NotFound
from coproduce.people import permissions
from coproduce.people.models import Membership, Skill, SkillKind
from coproduce.people.permissions import Viewer
from coproduce.timebank.models import Listing, ListingKind, ListingStatus

# A goal is met by people, offers, groups and places; what the person could give back is
# met by others' requests.
HELPER_KINDS = ("person", "offer", "group", "asset")


@dataclass(frozen=True)
class GoalMatches:
    goal: Goal
    query: str
    suggestions: list[Suggestion]
    offer_back: list[Suggestion]  # reciprocity: what the person could offer back


def _home(membership: Membership) -> tuple[float | None, float | None]:
    area = membership.person.area
    if area is None:
        return None, None
    return area.latitude, area.longitude


def _free_days(membership: Membership) -> frozenset[str]:
    """The days the person's own open listings say they are free."""
    days: set[str] = set()
    for availability in Listing.objects.filter(
        membership=membership, status=ListingStatus.ACTIVE
    ).values_list("availability", flat=True):
        days |= days_in_text(availability)
    return frozenset(days)


def _without_unmet_vetting(
    suggestions: list[Suggestion], *, helper_person_id: int, limit: int
) -> list[Suggestion]:
    """Requests that need a vetted helper, dropped unless the helper is vetted."""
    request_ids = [int(s.source_id) for s in suggestions if s.kind == "request"]
    needs = set(
        Listing.objects.filter(pk__in=request_ids, needs_vetted_helper=True).values_list(
            "pk", flat=True
        )
    )
    if needs and not vetted_person_ids([helper_person_id]):
        suggestions = [
            s for s in suggestions if not (s.kind == "request" and int(s.source_id) in needs)
        ]
    return suggestions[:limit]


def goal_matches(*, viewer: Viewer, goal_id: int, limit: int = 10) -> GoalMatches:
    """Suggestions for a goal of a plan the viewer may read (logged as a read of the plan),
    and what the person could offer back: others' open requests for what they offer."""
    plan_id = Goal.objects.filter(pk=goal_id).values_list("plan_id", flat=True).first()
    if plan_id is None:
        raise NotFound()
    plan = access_plan_by_id(viewer=viewer, plan_id=plan_id)
    goal = Goal.objects.get(pk=goal_id)
    goal.plan = plan
    membership = Membership.objects.select_related("person__area").get(pk=plan.membership_id)
    index_freshen_if_due(plan.organisation_id)
    lat, lon = _home(membership)
    days = days_in_text(goal.text) | _free_days(membership)
    suggestions = search(
        organisation_id=plan.organisation_id,
        query=MatchQuery(
            text=goal.text,
            latitude=lat,
            longitude=lon,
            days=days,
            kinds=HELPER_KINDS,
            exclude_membership_ids=frozenset({membership.pk}),
            vetted_only=goal.needs_vetted_helper,
        ),
        limit=limit,
    )
    gifts = " ".join(
        f"{label} {description}"
        for label, description in Skill.objects.filter(
            person_id=membership.person_id, kind=SkillKind.OFFER
        ).values_list("label", "description")
    ) or " ".join((plan.strengths, goal.text))
    offer_back = search(
        organisation_id=plan.organisation_id,
        query=MatchQuery(
            text=gifts,
            latitude=lat,
            longitude=lon,
            days=days,
            kinds=("request",),
            exclude_membership_ids=frozenset({membership.pk}),
        ),
        limit=limit + 5,
    )
    offer_back = _without_unmet_vetting(
        offer_back, helper_person_id=membership.person_id, limit=limit
    )
    return GoalMatches(goal=goal, query=goal.text, suggestions=suggestions, offer_back=offer_back)


def listing_matches(*, viewer: Viewer, listing_id: int, limit: int = 10) -> list[Suggestion]:
    """For a request: people, offers, groups and places that could meet it (only vetted
    people where it needs a vetted helper). For an offer: the open requests and the people
    interested in it. Coordinators of the listing's organisation only."""
    listing = (
        Listing.objects.select_related("membership__person__area", "area")
        .filter(pk=listing_id)
        .first()
    )
    if listing is None or viewer.role_in(listing.organisation_id) is None:
        raise NotFound()
    permissions.check(
        viewer, "coordination.coordinate", listing.organisation_id, action="see matches"
    )
    index_freshen_if_due(listing.organisation_id)
    place = listing.area or listing.membership.person.area
    query = MatchQuery(
        text=f"{listing.title} {listing.description}",
        latitude=place.latitude if place else None,
        longitude=place.longitude if place else None,
        days=days_in_text(listing.availability),
        kinds=HELPER_KINDS if listing.kind == ListingKind.REQUEST else ("request", "person"),
        exclude_membership_ids=frozenset({listing.membership_id}),
        vetted_only=listing.kind == ListingKind.REQUEST and listing.needs_vetted_helper,
    )
    suggestions = search(organisation_id=listing.organisation_id, query=query, limit=limit + 5)
    if listing.kind == ListingKind.OFFER:
        return _without_unmet_vetting(
            suggestions, helper_person_id=listing.membership.person_id, limit=limit
        )
    return suggestions[:limit]
