"""The fetch-and-authorise selectors a page calls instead of checking permission itself."""

from __future__ import annotations

import pytest

from coproduce.errors import NotFound, PermissionDenied
from coproduce.people import selectors, services
from coproduce.people.permissions import viewer_for
from tests.conftest import World, make_person


def test_organisation_by_slug_with_an_ability_refuses_a_role_too_low(world: World) -> None:
    slug = world.org.slug
    with pytest.raises(
        PermissionDenied,
        match=r"^You need to be a coordinator or above of this organisation to decide "
        r"applications\.$",
    ):
        selectors.organisation_get_by_slug(
            viewer=world.viewer("staff"),
            slug=slug,
            ability="people.decide_application",
            action="decide applications",
        )
    with pytest.raises(NotFound):
        selectors.organisation_get_by_slug(
            viewer=world.viewer("outsider"), slug=slug, ability="people.invite"
        )
    found = selectors.organisation_get_by_slug(
        viewer=world.viewer("coordinator"), slug=slug, ability="people.decide_application"
    )
    assert found == world.org
    # Without an ability it is the plain look-up every member may make.
    assert selectors.organisation_get_by_slug(viewer=world.viewer("member"), slug=slug) == (
        world.org
    )


def test_membership_for_decision_is_for_coordinators_even_of_their_own(world: World) -> None:
    applicant = make_person("Ann Applicant", "ann@example.org")
    application = services.membership_apply(
        viewer=viewer_for(applicant.user), organisation=world.org
    )
    assert (
        selectors.membership_get_for_decision(
            viewer=world.viewer("coordinator"), membership_id=application.pk
        )
        == application
    )
    with pytest.raises(
        PermissionDenied,
        match=r"^You need to be a coordinator or above of this organisation to see this\.$",
    ):
        selectors.membership_get_for_decision(
            viewer=world.viewer("staff"), membership_id=application.pk
        )
    # The applicant sees their own application, but is no member yet to decide it.
    with pytest.raises(NotFound):
        selectors.membership_get_for_decision(
            viewer=viewer_for(applicant.user), membership_id=application.pk
        )
    own = world.org.memberships.get(person=world.people["member"])
    with pytest.raises(
        PermissionDenied,
        match=r"^You need to be a coordinator or above of this organisation to decide "
        r"applications\.$",
    ):
        selectors.membership_get_for_decision(viewer=world.viewer("member"), membership_id=own.pk)
    with pytest.raises(NotFound):
        selectors.membership_get_for_decision(
            viewer=world.viewer("outsider"), membership_id=application.pk
        )


def test_person_for_erasure_is_for_admins_only(world: World) -> None:
    member = world.people["member"]
    view = selectors.person_get_for_erasure(viewer=world.viewer("admin"), person_id=member.pk)
    assert view.person == member
    with pytest.raises(
        PermissionDenied,
        match=r"^You need to be an administrator of this organisation to erase people\.$",
    ):
        selectors.person_get_for_erasure(viewer=world.viewer("coordinator"), person_id=member.pk)
    with pytest.raises(NotFound):
        selectors.person_get_for_erasure(viewer=world.viewer("outsider"), person_id=member.pk)
    member.refresh_from_db()
    assert member.erased_at is None


def test_vetting_organisations_are_those_the_viewer_coordinates(world: World) -> None:
    member = world.people["member"]
    assert selectors.vetting_organisations(viewer=world.viewer("coordinator"), person=member) == [
        world.org
    ]
    assert selectors.vetting_organisations(viewer=world.viewer("staff"), person=member) == []
