"""Matching on the live index: people only with consent to be found (withdrawal counts at
once), only vetted helpers where a goal or request needs one, never the person themself,
full groups never offered as if they had room, reasons in plain words, what the person
could offer back, the plan's access rules and log, and any text typed safely searchable."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from coproduce.coordination.matching import engine
from coproduce.coordination.matching.engine import MatchQuery, words_of
from coproduce.coordination.matching.index import index_freshen, index_rebuild
from coproduce.coordination.matching.search import search
from coproduce.coordination.models import MatchDocument
from coproduce.coordination.selectors.matching import goal_matches, listing_matches
from coproduce.errors import NotFound, PermissionDenied
from coproduce.people import services as people_services
from coproduce.people.models import Area, ConsentPurpose, Membership, SensitiveAccess, SkillKind
from coproduce.people.permissions import viewer_for
from coproduce.timebank.models import Listing, ListingStatus
from coproduce.timebank.services import listings
from tests.coordination.factories import plan_for
from tests.coordination.factories_introductions import asset, findable, goal_of, group, join

pytestmark = pytest.mark.django_db

# Frome: the market place, and a street 0.8 km north of it.
CENTRE = (51.2279, -2.3215)
NORTH = (51.2351, -2.3215)


def _area(name: str, point: tuple[float, float]) -> Area:
    return Area.objects.create(
        name=name, slug=name.lower().replace(" ", "-"), latitude=point[0], longitude=point[1]
    )


def _lives(membership: Membership, area: Area) -> None:
    person = membership.person
    person.area = area
    person.save(update_fields=["area"])


def _skill(membership: Membership, kind: str, label: str) -> None:
    person = membership.person
    people_services.skill_add(viewer=viewer_for(person.user), person=person, kind=kind, label=label)


def _offerer(world: Any, label: str, *, vetted: bool = False, area: Area | None = None) -> Any:
    helper = findable(world, vetted=vetted)
    _skill(helper, SkillKind.OFFER, label)
    if area is not None:
        _lives(helper, area)
    return helper


def _listing(world: Any, membership: Membership, kind: str, title: str, **fields: Any) -> Any:
    return listings.listing_create(
        viewer=viewer_for(membership.person.user),
        organisation=world.org,
        kind=kind,
        title=title,
        category=fields.pop("category", "gardening"),
        **fields,
    )


def _keys(suggestions: list[Any]) -> list[str]:
    return [s.key for s in suggestions]


@pytest.fixture
def town(world: Any) -> dict[str, Area]:
    return {"centre": _area("Market Place", CENTRE), "north": _area("Fromefield", NORTH)}


def test_a_neighbour_in_the_same_area_reads_as_such_not_as_zero_km(world: Any, town: Any) -> None:
    plan = plan_for(world)
    _lives(plan.membership, town["centre"])
    helper = _offerer(world, "gardening", area=town["centre"])
    goal = goal_of(plan, world)

    matches = goal_matches(viewer=world.viewer("coordinator"), goal_id=goal.pk)

    person = next(s for s in matches.suggestions if s.membership_id == helper.pk)
    assert "in the same area" in person.reason and "0.0 km" not in person.reason


def test_a_consenting_gardener_is_suggested_with_a_plain_reason(world: Any, town: Any) -> None:
    plan = plan_for(world)
    _lives(plan.membership, town["centre"])
    helper = _offerer(world, "gardening", area=town["north"])
    _listing(world, helper, "offer", "Weeding and digging", availability="Tuesday mornings")
    goal = goal_of(plan, world)  # "Meet people who like gardening."

    matches = goal_matches(viewer=world.viewer("coordinator"), goal_id=goal.pk)

    people = [s for s in matches.suggestions if s.kind == "person"]
    assert people and people[0].membership_id == helper.pk
    assert people[0].key == f"person:{helper.pk}" and people[0].rank >= 1
    assert people[0].reason.startswith("offers gardening")
    assert "0.8 km away" in people[0].reason
    assert people[0].distance_km == pytest.approx(0.8, abs=0.05)
    assert matches.query == goal.text
    assert [s.rank for s in matches.suggestions] == list(range(1, len(matches.suggestions) + 1))


def test_people_without_consent_are_never_suggested(world: Any) -> None:
    plan = plan_for(world)
    stranger = findable(world)
    _skill(stranger, SkillKind.OFFER, "gardening")
    people_services.consent_set(
        viewer=viewer_for(stranger.person.user),
        person=stranger.person,
        purpose=ConsentPurpose.BE_FOUND,
        given=False,
    )
    matches = goal_matches(viewer=world.viewer("coordinator"), goal_id=goal_of(plan, world).pk)
    assert f"person:{stranger.pk}" not in _keys(matches.suggestions)
    assert not MatchDocument.objects.filter(key=f"person:{stranger.pk}").exists()


def test_withdrawn_consent_drops_the_person_at_once(world: Any) -> None:
    plan = plan_for(world)
    helper = _offerer(world, "gardening")
    index_freshen(world.org.pk)
    query = MatchQuery(text="gardening")
    assert f"person:{helper.pk}" in _keys(search(organisation_id=world.org.pk, query=query))

    people_services.consent_set(
        viewer=viewer_for(helper.person.user),
        person=helper.person,
        purpose=ConsentPurpose.BE_FOUND,
        given=False,
    )
    # Not yet freshened: the read-time consent check already leaves them out.
    assert MatchDocument.objects.filter(key=f"person:{helper.pk}").exists()
    assert f"person:{helper.pk}" not in _keys(search(organisation_id=world.org.pk, query=query))
    goal = goal_of(plan, world)
    matches = goal_matches(viewer=world.viewer("coordinator"), goal_id=goal.pk)
    assert f"person:{helper.pk}" not in _keys(matches.suggestions)
    # The page view did not freshen (done within the interval): still left out.
    assert MatchDocument.objects.filter(key=f"person:{helper.pk}").exists()
    index_freshen(world.org.pk)
    assert not MatchDocument.objects.filter(key=f"person:{helper.pk}").exists()


def test_a_goal_needing_a_vetted_helper_suggests_only_vetted_people(world: Any) -> None:
    plan = plan_for(world)
    unvetted = _offerer(world, "gardening")
    vetted = _offerer(world, "gardening", vetted=True)
    goal = goal_of(plan, world, vetted=True)

    keys = _keys(goal_matches(viewer=world.viewer("coordinator"), goal_id=goal.pk).suggestions)
    assert f"person:{vetted.pk}" in keys
    assert f"person:{unvetted.pk}" not in keys


def test_the_person_is_never_suggested_to_themself(world: Any) -> None:
    plan = plan_for(world)
    people_services.consent_set(
        viewer=viewer_for(plan.membership.person.user),
        person=plan.membership.person,
        purpose=ConsentPurpose.BE_FOUND,
        given=True,
    )
    _skill(plan.membership, SkillKind.INTEREST, "gardening")
    _listing(world, plan.membership, "offer", "Gardening together")
    goal = goal_of(plan, world)
    matches = goal_matches(viewer=world.viewer("coordinator"), goal_id=goal.pk)
    assert all(s.membership_id != plan.membership_id for s in matches.suggestions)
    assert all(s.membership_id != plan.membership_id for s in matches.offer_back)
    assert MatchDocument.objects.filter(key=f"person:{plan.membership_id}").exists()


def test_full_groups_are_not_suggested_and_places_left_are_said(world: Any) -> None:
    plan = plan_for(world)
    roomy = group(world, capacity=3)
    roomy.purpose = "Gardening on the allotment"
    roomy.meets_on = "TU"
    roomy.save()
    join(roomy, findable(world))
    full = group(world, capacity=1)
    full.purpose = "Gardening on the allotment"
    full.save()
    join(full, findable(world))
    closed = group(world, is_open=False)
    closed.purpose = "Gardening"
    closed.save()
    goal = goal_of(plan, world)
    goal.text = "I'd like to meet people gardening on Tuesdays"
    goal.save()

    matches = goal_matches(viewer=world.viewer("coordinator"), goal_id=goal.pk)
    keys = _keys(matches.suggestions)
    assert f"group:{full.pk}" not in keys
    assert f"group:{closed.pk}" not in keys
    found = next(s for s in matches.suggestions if s.key == f"group:{roomy.pk}")
    assert found.places_left == 2
    assert "2 places left" in found.reason
    assert "meets on Tuesdays" in found.reason


def test_offer_back_suggests_requests_for_what_the_person_offers(world: Any) -> None:
    plan = plan_for(world)
    _skill(plan.membership, SkillKind.OFFER, "baking bread")
    neighbour = findable(world)
    wanted = _listing(world, neighbour, "request", "Someone to teach me baking", category="cooking")
    unrelated = _listing(world, neighbour, "request", "Lift to the station", category="transport")
    goal = goal_of(plan, world)

    matches = goal_matches(viewer=world.viewer("coordinator"), goal_id=goal.pk)
    back = _keys(matches.offer_back)
    assert f"request:{wanted.pk}" in back
    assert f"request:{unrelated.pk}" not in back
    assert all(s.kind == "request" for s in matches.offer_back)
    assert all(s.kind != "request" for s in matches.suggestions)


def test_freshen_follows_closed_and_edited_listings(world: Any) -> None:
    owner = findable(world)
    offer = _listing(world, owner, "offer", "Hedge trimming")
    index_freshen(world.org.pk)
    assert MatchDocument.objects.filter(key=f"offer:{offer.pk}").exists()

    Listing.objects.filter(pk=offer.pk).update(
        title="Lawn mowing", updated_at=timezone.now() + timedelta(seconds=5)
    )
    index_freshen(world.org.pk)
    hits = search(organisation_id=world.org.pk, query=MatchQuery(text="mowing"))
    assert f"offer:{offer.pk}" in _keys(hits)
    assert not search(organisation_id=world.org.pk, query=MatchQuery(text="hedge trimming"))

    listings.listing_status_set(
        viewer=viewer_for(owner.person.user), listing_id=offer.pk, status=ListingStatus.CLOSED
    )
    result = index_freshen(world.org.pk)
    assert result.removed == 1
    assert not MatchDocument.objects.filter(key=f"offer:{offer.pk}").exists()
    assert not search(organisation_id=world.org.pk, query=MatchQuery(text="mowing"))


def test_assets_are_indexed_with_their_place(world: Any) -> None:
    hall = asset(world, description="A community kitchen where people cook lunch together.")
    index_freshen(world.org.pk)
    hits = search(
        organisation_id=world.org.pk,
        query=MatchQuery(text="I want to cook", latitude=53.82, longitude=-1.57),
    )
    found = next(s for s in hits if s.kind == "asset")
    assert found.source_id == str(hall.pk)
    assert found.distance_km == pytest.approx(0.0, abs=0.01)


def test_reindex_command_rebuilds_every_organisation(world: Any) -> None:
    _offerer(world, "gardening")
    MatchDocument.objects.all().delete()
    out = io.StringIO()
    call_command("coordination", "reindex", stdout=out)
    assert "Matching index rebuilt: 1 documents." in out.getvalue()
    assert index_rebuild() == 1
    assert search(organisation_id=world.org.pk, query=MatchQuery(text="garden"))


def test_goal_matches_keeps_the_plan_private_and_logs_the_read(world: Any) -> None:
    plan = plan_for(world)
    goal = goal_of(plan, world)
    with pytest.raises(NotFound):
        goal_matches(viewer=world.viewer("outsider"), goal_id=goal.pk)
    with pytest.raises(PermissionDenied):
        goal_matches(viewer=world.viewer("member"), goal_id=goal.pk)
    with pytest.raises(NotFound):
        goal_matches(viewer=world.viewer("coordinator"), goal_id=goal.pk + 999)
    before = SensitiveAccess.objects.count()
    goal_matches(viewer=world.viewer("coordinator"), goal_id=goal.pk)
    assert SensitiveAccess.objects.count() == before + 1


def test_listing_matches_for_a_request_needing_a_vetted_helper(world: Any) -> None:
    asker = findable(world)
    request = _listing(world, asker, "request", "Help in my garden", needs_vetted_helper=True)
    unvetted = _offerer(world, "gardening")
    vetted = _offerer(world, "gardening", vetted=True)
    keys = _keys(listing_matches(viewer=world.viewer("coordinator"), listing_id=request.pk))
    assert f"person:{vetted.pk}" in keys
    assert f"person:{unvetted.pk}" not in keys
    assert f"request:{request.pk}" not in keys
    with pytest.raises(PermissionDenied):
        listing_matches(viewer=world.viewer("member"), listing_id=request.pk)
    with pytest.raises(NotFound):
        listing_matches(viewer=world.viewer("outsider"), listing_id=request.pk)


def test_an_offer_is_matched_to_requests_but_not_ones_needing_vetting(world: Any) -> None:
    helper = findable(world)
    offer = _listing(world, helper, "offer", "Gardening help")
    asker = findable(world)
    open_request = _listing(world, asker, "request", "Help with my garden")
    careful = _listing(world, asker, "request", "Garden help", needs_vetted_helper=True)
    keys = _keys(listing_matches(viewer=world.viewer("coordinator"), listing_id=offer.pk))
    assert f"request:{open_request.pk}" in keys
    assert f"request:{careful.pk}" not in keys


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        '"',
        'garden" OR "',
        "NEAR(garden walk)",
        "garden AND NOT walk*",
        "org : o1",
        "kind:person",
        "!!! ) ( :: | & <-> ",
        "🌱🌻 gardening 🙂",
        "l'été — café, naïve",
        "'; DROP TABLE coordination_matchdocument; --",
        "x" * 5000,
    ],
)
def test_any_text_is_safe_to_search(world: Any, text: str) -> None:
    _offerer(world, "gardening")
    index_freshen(world.org.pk)
    hits = search(organisation_id=world.org.pk, query=MatchQuery(text=text))
    assert isinstance(hits, list)
    if "gardening" in text:
        assert hits


def test_words_are_letters_and_digits_only() -> None:
    assert words_of('I\'d "really" like gardening* (NEAR) :: 🌱') == ["gardening", "near"]
    assert words_of("") == []
    assert all(w.isalnum() for w in engine.query_terms("walk & garden | cafe!"))


def test_other_organisations_documents_are_not_searched(world: Any) -> None:
    _offerer(world, "gardening")
    index_freshen(world.org.pk)
    assert not search(organisation_id=world.other_org.pk, query=MatchQuery(text="gardening"))


def test_the_full_text_index_follows_the_documents(world: Any) -> None:
    _offerer(world, "gardening")
    index_freshen(world.org.pk)
    MatchDocument.objects.all().delete()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM coordination_match_fts")
            assert cursor.fetchone()[0] == 0
    assert not search(organisation_id=world.org.pk, query=MatchQuery(text="gardening"))


def test_a_big_index_searches_only_the_synonyms_it_can_afford(monkeypatch: Any) -> None:
    import sqlite3

    db = sqlite3.connect(":memory:")
    db.execute(engine.FTS5_TABLE_SQL)
    texts = (
        ["offers gardening"] * 15
        + ["offers cooking"] * 15
        + ["offers allotment"] * 6
        + ["offers vegetables"] * 2
        + ["offers plants"] * 2
    )
    db.executemany(
        "INSERT INTO coordination_match_fts (org, kind, title, body) "
        "VALUES ('o1', 'person', '', ?)",
        [(text,) for text in texts],
    )
    cursor = db.cursor()
    words, synonyms = ["offers", "gardening"], ["allotment", "vegetables", "plants", "garden"]
    # Small: every term.
    assert engine.affordable_terms(cursor, words=words, synonyms=synonyms, qmark=True) == [
        *words,
        *synonyms,
    ]
    monkeypatch.setattr(engine, "BUDGET_FROM_DOCUMENTS", 10)
    # Big: "offers" is in every document (dropped like a stopword); "gardening" (15) is kept
    # and so is "garden" (same stem); the budget (0.2 x 40 = 8) is spent already by the
    # goal's own word, so no synonym fits...
    assert engine.affordable_terms(cursor, words=words, synonyms=synonyms, qmark=True) == [
        "gardening",
        "garden",
    ]
    # ...while a rarer goal word leaves room for the rarest synonyms first.
    assert engine.affordable_terms(
        cursor, words=["veg"], synonyms=["vegetables", "plants", "allotment"], qmark=True
    ) == ["veg", "vegetables", "plants"]
