"""Matching at county scale: a page view freshens the index at most once an interval (a new
source shows after it, not before), costs the same few queries however big the index is,
and a stale index never shows what has gone — a withdrawn consent, a member who left, a
closed listing, a full or closed group, a closed asset. Public assets of public
organisations are suggested to every organisation, from their one document."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coproduce.coordination.matching.engine import MatchQuery
from coproduce.coordination.matching.index import (
    freshen_interval,
    index_freshen,
    index_freshen_if_due,
)
from coproduce.coordination.matching.search import search
from coproduce.coordination.models import MatchDocument, MatchIndexState
from coproduce.coordination.selectors.matching import goal_matches
from coproduce.directory.models import Asset
from coproduce.people import services as people_services
from coproduce.people.models import ConsentPurpose, MembershipStatus, Organisation, SkillKind
from coproduce.people.permissions import viewer_for
from coproduce.timebank.models import ListingStatus
from coproduce.timebank.services import listings
from tests.coordination.factories import plan_for
from tests.coordination.factories_introductions import asset, findable, goal_of, group, join
from tests.coordination.test_matching_engine import _keys, _listing, _offerer, _skill

pytestmark = pytest.mark.django_db


def _found(world: Any, text: str = "gardening") -> list[str]:
    return _keys(search(organisation_id=world.org.pk, query=MatchQuery(text=text)))


def _goal_keys(world: Any, goal: Any) -> list[str]:
    return _keys(goal_matches(viewer=world.viewer("coordinator"), goal_id=goal.pk).suggestions)


def test_the_interval_is_five_minutes_unless_set(settings: Any) -> None:
    assert freshen_interval() == timedelta(minutes=5)
    settings.COORDINATION_MATCH_FRESHEN_SECONDS = 60
    assert freshen_interval() == timedelta(minutes=1)


def test_a_new_skill_shows_after_the_interval_not_before(world: Any) -> None:
    start = timezone.now()
    assert index_freshen_if_due(world.org.pk, now=start) is not None  # first time: due
    helper = findable(world)
    _skill(helper, SkillKind.OFFER, "gardening")

    assert index_freshen_if_due(world.org.pk, now=start + timedelta(minutes=4)) is None
    assert f"person:{helper.pk}" not in _found(world)

    done = index_freshen_if_due(world.org.pk, now=start + timedelta(minutes=5, seconds=1))
    assert done is not None and done.added == 1
    assert f"person:{helper.pk}" in _found(world)
    state = MatchIndexState.objects.get(organisation_id=world.org.pk)
    assert state.freshened_at == start + timedelta(minutes=5, seconds=1)
    # And not again straight after.
    assert index_freshen_if_due(world.org.pk, now=start + timedelta(minutes=6)) is None


def test_a_page_view_freshens_only_when_due(world: Any, settings: Any) -> None:
    plan = plan_for(world)
    goal = goal_of(plan, world)
    assert _goal_keys(world, goal) == []  # freshens: the first view of the organisation
    helper = _offerer(world, "gardening")
    assert f"person:{helper.pk}" not in _goal_keys(world, goal)  # within the interval
    MatchIndexState.objects.filter(organisation_id=world.org.pk).update(
        freshened_at=timezone.now() - timedelta(minutes=6)
    )
    assert f"person:{helper.pk}" in _goal_keys(world, goal)

    settings.COORDINATION_MATCH_FRESHEN_SECONDS = 0  # every view, as before
    other = _offerer(world, "gardening")
    assert f"person:{other.pk}" in _goal_keys(world, goal)


def test_a_page_view_between_freshens_costs_the_same_however_big(world: Any) -> None:
    plan = plan_for(world)
    goal = goal_of(plan, world)
    _offerer(world, "gardening")
    index_freshen(world.org.pk)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            goal_matches(viewer=world.viewer("coordinator"), goal_id=goal.pk)
        # The index's own read of every document (to compare) is not among them.
        assert not any('"vetted"' in q["sql"] for q in captured.captured_queries)
        return len(captured.captured_queries)

    few = queries()
    for _ in range(6):
        _offerer(world, "gardening")
    index_freshen(world.org.pk)
    assert queries() == few


def test_a_stale_index_never_shows_what_has_gone(world: Any) -> None:
    plan = plan_for(world)
    goal = goal_of(plan, world)  # "Meet people who like gardening."
    withdrawn = _offerer(world, "gardening")
    left = _offerer(world, "gardening")
    owner = findable(world)
    offer = _listing(world, owner, "offer", "Gardening together")
    full = group(world, capacity=1)
    closed_group = group(world)
    hall = asset(world, description="A gardening club in the hall.")
    index_freshen(world.org.pk)
    before = _goal_keys(world, goal)
    gone = {
        f"person:{withdrawn.pk}",
        f"person:{left.pk}",
        f"offer:{offer.pk}",
        f"group:{full.pk}",
        f"group:{closed_group.pk}",
        f"asset:{hall.pk}",
    }
    assert gone <= set(before)

    people_services.consent_set(
        viewer=viewer_for(withdrawn.person.user),
        person=withdrawn.person,
        purpose=ConsentPurpose.BE_FOUND,
        given=False,
    )
    people_services.membership_status_set(
        viewer=world.viewer("admin"), membership_id=left.pk, status=MembershipStatus.LEFT
    )
    listings.listing_status_set(
        viewer=viewer_for(owner.person.user), listing_id=offer.pk, status=ListingStatus.CLOSED
    )
    join(full, findable(world))
    closed_group.is_open = False
    closed_group.save(update_fields=["is_open"])
    Asset.objects.filter(pk=hall.pk).update(status="temporarily closed")

    # Nothing was freshened: every document is still there, none is suggested.
    assert MatchDocument.objects.filter(key__in=gone).count() == len(gone)
    assert not gone & set(_goal_keys(world, goal))
    assert not gone & set(_found(world))


def test_places_left_are_counted_when_read(world: Any) -> None:
    roomy = group(world, capacity=3)
    index_freshen(world.org.pk)
    join(roomy, findable(world))
    hit = next(
        s
        for s in search(organisation_id=world.org.pk, query=MatchQuery(text="allotment"))
        if s.key == f"group:{roomy.pk}"
    )
    assert hit.places_left == 2 and "2 places left" in hit.reason


def test_the_freshen_command_brings_every_organisation_up_to_date(world: Any) -> None:
    helper = _offerer(world, "gardening")
    out = io.StringIO()
    call_command("coordination", "freshen", stdout=out)
    assert "Matching index freshened: 1 added" in out.getvalue()
    assert f"person:{helper.pk}" in _found(world)
    assert MatchIndexState.objects.filter(organisation_id=world.org.pk).exists()


# --- public assets ------------------------------------------------------------------------


def _public(hall: Asset, *, asset_public: bool = True, org_public: bool = True) -> None:
    Asset.objects.filter(pk=hall.pk).update(is_public=asset_public, updated_at=timezone.now())
    Organisation.objects.filter(pk=hall.organisation_id).update(is_public=org_public)


def test_public_assets_of_public_organisations_are_suggested_to_all(world: Any) -> None:
    theirs = asset(world, organisation=world.other_org, description="A gardening club.")
    private = asset(world, organisation=world.other_org, description="A gardening shed.")
    _public(theirs)
    _public(private, asset_public=False)
    ours = asset(world, description="Our gardening club.")
    _public(ours, asset_public=False)  # our own: suggested to us, public or not
    index_freshen(world.org.pk)

    found = _found(world, "gardening club")
    assert f"asset:{theirs.pk}" in found and f"asset:{ours.pk}" in found
    assert f"asset:{private.pk}" not in found
    # One document, kept under its own organisation, whichever organisation indexed it.
    doc = MatchDocument.objects.get(key=f"asset:{theirs.pk}")
    assert doc.organisation_id == world.other_org.pk and doc.is_public
    index_freshen(world.other_org.pk)
    assert MatchDocument.objects.filter(key=f"asset:{theirs.pk}").count() == 1
    # The other organisation is not shown our private one.
    other_found = _keys(
        search(organisation_id=world.other_org.pk, query=MatchQuery(text="gardening club"))
    )
    assert f"asset:{ours.pk}" not in other_found and f"asset:{theirs.pk}" in other_found


def test_an_asset_no_longer_public_drops_at_once(world: Any) -> None:
    theirs = asset(world, organisation=world.other_org, description="A gardening club.")
    _public(theirs)
    index_freshen(world.org.pk)
    assert f"asset:{theirs.pk}" in _found(world, "gardening club")
    _public(theirs, org_public=False)  # the organisation stops being public: not re-indexed
    assert f"asset:{theirs.pk}" not in _found(world, "gardening club")
    index_freshen(world.org.pk)
    assert not MatchDocument.objects.filter(key=f"asset:{theirs.pk}", is_public=True).exists()


def test_a_goal_is_matched_to_a_public_asset_elsewhere(world: Any) -> None:
    plan = plan_for(world)
    goal = goal_of(plan, world)
    theirs = asset(world, organisation=world.other_org, description="Gardening for everyone.")
    _public(theirs)
    assert f"asset:{theirs.pk}" in _goal_keys(world, goal)
