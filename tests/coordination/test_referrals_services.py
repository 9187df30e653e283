"""Referral services, called directly: receiving the dataset (each required item), triage,
link workers, support offered, outcomes (and the wellbeing-measure seam), closing, and who
may read a referral (every read logged)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.urls import reverse

from coproduce.coordination import prsb
from coproduce.coordination.models import PeerGroup, Referral, ReferralStatus
from coproduce.coordination.selectors.referrals import access_referral_by_id, referral_events
from coproduce.coordination.services import referrals
from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.people.models import HistoryEntry, Membership, Person, SensitiveAccess
from coproduce.people.permissions import viewer_for
from tests.coordination.factories import coordinator_membership, member
from tests.coordination.factories_referrals import (
    NHS_NUMBER,
    accepted,
    dataset,
    received,
    supported,
)

pytestmark = pytest.mark.django_db


def _receive(world: Any, reference: str = "RMP-1", **groups: Any) -> Referral:
    data = dataset()
    data.update(groups)
    return referrals.referral_receive(
        viewer=world.viewer("coordinator"),
        organisation_id=world.org.pk,
        reference=reference,
        take_it=True,
        **data,
    )


# --- Receiving ----------------------------------------------------------------------------


def test_a_referral_is_received_with_its_dataset_and_consent(world: Any) -> None:
    referral = _receive(world)
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED
    assert referral.demographics["nhs_number"] == NHS_NUMBER
    assert referral.demographics["date_of_birth"] == "1948-05-17"
    assert referral.referrer["consent_to_share"] is True
    assert referral.needs["concerns"].startswith("Lonely")
    assert referral.link_worker == coordinator_membership(world)
    assert referral.membership is None
    assert HistoryEntry.objects.filter(action="coordination.referral_receive").count() == 1


def test_a_referral_without_take_it_has_no_link_worker(world: Any) -> None:
    referral = received(world, take_it=False)
    assert referral.link_worker is None


@pytest.mark.parametrize("field", prsb.required_items())
def test_a_referral_missing_a_required_item_names_it_and_writes_nothing(
    world: Any, field: str
) -> None:
    group, item = field.split(".")
    data = dataset(**{group: {item: None}})
    label = next(
        i.label for g in prsb.RECEIVED_GROUPS for i in g.items if f"{g.key}.{i.key}" == field
    )
    with pytest.raises(InvalidInput, match=re.escape(f"The referral is missing {label}")) as caught:
        referrals.referral_receive(
            viewer=world.viewer("coordinator"),
            organisation_id=world.org.pk,
            reference="RMP-1",
            **data,
        )
    assert caught.value.field == field
    title = next(g.title for g in prsb.RECEIVED_GROUPS if g.key == group)
    assert caught.value.message == f"The referral is missing {label} ({title}: a required item)."
    assert not Referral.objects.exists()
    assert not HistoryEntry.objects.filter(action="coordination.referral_receive").exists()


@pytest.mark.parametrize("blank", ["", "   "])
def test_a_blank_required_item_is_missing_too(world: Any, blank: str) -> None:
    with pytest.raises(InvalidInput, match="missing the person's name") as caught:
        _receive(world, demographics={**dataset()["demographics"], "full_name": blank})
    assert caught.value.field == "demographics.full_name"
    assert not Referral.objects.exists()


def test_the_required_items_are_the_ones_the_docs_list(world: Any) -> None:
    assert prsb.required_items() == [
        "referrer.name",
        "referrer.organisation",
        "referrer.referred_on",
        "referrer.consent_to_share",
        "demographics.full_name",
        "demographics.date_of_birth",
        "demographics.address",
        "needs.concerns",
    ]


def test_a_referral_without_consent_to_share_is_refused(world: Any) -> None:
    with pytest.raises(InvalidInput, match="without their consent") as caught:
        _receive(world, referrer={**dataset()["referrer"], "consent_to_share": False})
    assert caught.value.field == "referrer.consent_to_share"
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("group", "item", "value", "message"),
    [
        ("demographics", "nhs_number", "9434765918", "not a valid NHS number"),
        ("demographics", "date_of_birth", "17/05/1948", "as a date like 2026-03-31"),
        ("demographics", "date_of_birth", "2999-01-01", "cannot be in the future"),
        ("demographics", "email", "not-an-address", "email address like"),
        ("demographics", "full_name", 42, "as text"),
        ("demographics", "shoe_size", "9", "has no item “shoe_size”"),
        ("referrer", "consent_to_share", "yes", "without their consent"),
    ],
)
def test_a_bad_item_is_named_and_nothing_written(
    world: Any, group: str, item: str, value: Any, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message) as caught:
        _receive(world, **{group: {**dataset()[group], item: value}})
    assert caught.value.field == f"{group}.{item}"
    assert not Referral.objects.exists()


def test_a_group_that_is_not_an_object_is_refused(world: Any) -> None:
    with pytest.raises(InvalidInput, match="Needs and concerns must be an object"):
        _receive(world, needs=["lonely"])


def test_the_nhs_number_is_stored_as_ten_digits(world: Any) -> None:
    referral = _receive(
        world, demographics={**dataset()["demographics"], "nhs_number": "943 476 5919"}
    )
    assert referral.demographics["nhs_number"] == NHS_NUMBER


def test_a_reference_is_unique_in_the_organisation(world: Any) -> None:
    _receive(world, reference="RMP-9")
    with pytest.raises(Conflict, match="reference “RMP-9” is already here"):
        _receive(world, reference="RMP-9")
    assert Referral.objects.count() == 1


def test_a_reference_is_required(world: Any) -> None:
    with pytest.raises(InvalidInput, match="Enter the referrer's reference"):
        _receive(world, reference="  ")


def test_only_coordinators_receive_referrals(world: Any) -> None:
    with pytest.raises(PermissionDenied, match="coordinator or above"):
        referrals.referral_receive(
            viewer=world.viewer("staff"), organisation_id=world.org.pk, reference="R", **dataset()
        )
    with pytest.raises(NotFound):
        referrals.referral_receive(
            viewer=world.viewer("outsider"),
            organisation_id=world.org.pk,
            reference="R",
            **dataset(),
        )
    assert not Referral.objects.exists()


# --- Who reads it -------------------------------------------------------------------------


def test_a_referral_nobody_holds_is_read_by_managers_only(world: Any) -> None:
    referral = received(world, take_it=False)
    access_referral_by_id(viewer=world.viewer("manager"), referral_id=referral.pk)
    with pytest.raises(PermissionDenied, match="Only the person, their link worker"):
        access_referral_by_id(viewer=world.viewer("coordinator"), referral_id=referral.pk)
    with pytest.raises(PermissionDenied):
        access_referral_by_id(viewer=world.viewer("member"), referral_id=referral.pk)
    with pytest.raises(NotFound):
        access_referral_by_id(viewer=world.viewer("outsider"), referral_id=referral.pk)


def test_every_read_of_a_linked_referral_is_in_the_access_log(world: Any) -> None:
    referral = accepted(world)
    assert referral.membership is not None
    for role in ("coordinator", "manager"):
        access_referral_by_id(viewer=world.viewer(role), referral_id=referral.pk)
    entries = SensitiveAccess.objects.filter(object_ref=f"referral:{referral.pk}")
    assert entries.count() == 2
    assert {e.viewer for e in entries} == {world.people["coordinator"], world.people["manager"]}
    assert {e.subject for e in entries} == {referral.membership.person}
    assert {e.what for e in entries} == {"referral"}


def test_the_person_reads_their_own_referral_unlogged_and_cannot_change_it(world: Any) -> None:
    referral = accepted(world)
    assert referral.membership is not None
    person = viewer_for(referral.membership.person.user)
    access_referral_by_id(viewer=person, referral_id=referral.pk)
    assert not SensitiveAccess.objects.exists()
    with pytest.raises(PermissionDenied, match="Your link worker records"):
        referrals.referral_outcome_add(viewer=person, referral_id=referral.pk, text="I'm fine")


def test_a_read_of_a_referral_not_yet_linked_is_in_the_access_log(world: Any) -> None:
    """Managers read it on the access-log page, as "not yet linked to a person"."""
    referral = received(world)
    access_referral_by_id(viewer=world.viewer("coordinator"), referral_id=referral.pk)
    entry = SensitiveAccess.objects.get(object_ref=f"referral:{referral.pk}")
    assert entry.viewer == world.people["coordinator"]
    assert entry.subject is None and entry.organisation_id == referral.organisation_id
    page = world.client("manager").get(
        reverse("coordination:access_log", args=[referral.organisation_id])
    )
    assert "Not yet linked to a person" in page.content.decode()


# --- Triage -------------------------------------------------------------------------------


def test_accept_links_an_existing_member(world: Any) -> None:
    referral = received(world)
    membership = member(world, "Maureen Doyle")
    referrals.referral_accept(
        viewer=world.viewer("coordinator"), referral_id=referral.pk, membership_id=membership.pk
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ACCEPTED
    assert referral.membership == membership
    assert referral_events(referral).accepted_on is not None


def test_accept_by_membership_number(world: Any) -> None:
    referral = received(world)
    membership = member(world)
    referrals.referral_accept(
        viewer=world.viewer("coordinator"), referral_id=referral.pk, number=membership.number
    )
    referral.refresh_from_db()
    assert referral.membership == membership


def test_accept_creates_the_persons_membership_from_the_demographics(world: Any) -> None:
    referral = received(world)
    people_before = Person.objects.count()
    referrals.referral_accept(
        viewer=world.viewer("coordinator"), referral_id=referral.pk, create_member=True
    )
    referral.refresh_from_db()
    assert Person.objects.count() == people_before + 1
    assert referral.membership is not None
    person = referral.membership.person
    assert person.full_name == "Maureen Doyle"
    assert person.date_of_birth is not None and person.date_of_birth.isoformat() == "1948-05-17"
    assert person.user is None
    assert referral.membership.organisation == world.org
    assert referral.membership.status == "active"


def test_accept_needs_exactly_one_way_to_the_person(world: Any) -> None:
    referral = received(world)
    with pytest.raises(InvalidInput, match="one of the three"):
        referrals.referral_accept(viewer=world.viewer("coordinator"), referral_id=referral.pk)
    with pytest.raises(InvalidInput, match="one of the three"):
        referrals.referral_accept(
            viewer=world.viewer("coordinator"),
            referral_id=referral.pk,
            membership_id=member(world).pk,
            create_member=True,
        )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED and referral.membership is None


def test_accept_refuses_a_member_of_another_organisation(world: Any) -> None:
    referral = received(world)
    outsider = Membership.objects.get(person=world.outsider)
    with pytest.raises(NotFound):
        referrals.referral_accept(
            viewer=world.viewer("coordinator"), referral_id=referral.pk, membership_id=outsider.pk
        )
    referral.refresh_from_db()
    assert referral.membership is None


def test_accept_twice_is_a_conflict(world: Any) -> None:
    referral = accepted(world)
    with pytest.raises(Conflict, match="already accepted"):
        referrals.referral_accept(
            viewer=world.viewer("coordinator"), referral_id=referral.pk, create_member=True
        )


def test_a_manager_accepting_an_unheld_referral_leaves_the_link_worker_to_assign(
    world: Any,
) -> None:
    referral = received(world, take_it=False)
    referrals.referral_accept(
        viewer=world.viewer("manager"), referral_id=referral.pk, membership_id=member(world).pk
    )
    referral.refresh_from_db()
    # A manager coordinates too: whoever accepts an unheld referral holds it.
    assert referral.link_worker == coordinator_membership(world, "manager")


def test_decline_needs_a_reason_and_records_it(world: Any) -> None:
    referral = received(world)
    with pytest.raises(InvalidInput, match="Write why the referral is declined"):
        referrals.referral_decline(
            viewer=world.viewer("coordinator"), referral_id=referral.pk, reason=" "
        )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.RECEIVED
    referrals.referral_decline(
        viewer=world.viewer("coordinator"), referral_id=referral.pk, reason="Needs a crisis team"
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.DECLINED
    events = referral_events(referral)
    assert events.declined_on is not None and events.decline_reason == "Needs a crisis team"
    with pytest.raises(Conflict):
        referrals.referral_accept(
            viewer=world.viewer("coordinator"), referral_id=referral.pk, create_member=True
        )


def test_a_manager_gives_a_referral_to_a_link_worker(world: Any) -> None:
    referral = received(world, take_it=False)
    coordinator = coordinator_membership(world)
    referrals.referral_link_worker_set(
        viewer=world.viewer("manager"), referral_id=referral.pk, membership_id=coordinator.pk
    )
    referral.refresh_from_db()
    assert referral.link_worker == coordinator
    # Now the coordinator can read it.
    access_referral_by_id(viewer=world.viewer("coordinator"), referral_id=referral.pk)


def test_a_link_worker_must_coordinate_in_the_service(world: Any) -> None:
    referral = received(world)
    staff = coordinator_membership(world, "staff")
    with pytest.raises(NotFound, match="No such coordinator"):
        referrals.referral_link_worker_set(
            viewer=world.viewer("manager"), referral_id=referral.pk, membership_id=staff.pk
        )
    referral.refresh_from_db()
    assert referral.link_worker == coordinator_membership(world)


# --- Support and outcomes -----------------------------------------------------------------


def test_support_follows_acceptance(world: Any) -> None:
    referral = received(world)
    with pytest.raises(Conflict, match="Accept the referral first"):
        referrals.referral_support_add(
            viewer=world.viewer("coordinator"),
            referral_id=referral.pk,
            description="Walks",
            kind="activity",
        )
    referral.refresh_from_db()
    assert referral.support == []


def test_support_offered_is_recorded_with_an_optional_group_link(world: Any) -> None:
    referral = accepted(world)
    group = PeerGroup.objects.create(
        organisation=world.org, name="Tuesday gardeners", created_by=world.people["coordinator"]
    )
    referrals.referral_support_add(
        viewer=world.viewer("coordinator"),
        referral_id=referral.pk,
        description="Introduced to the gardeners",
        kind="group",
        group_id=group.pk,
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.SUPPORTING
    [entry] = referral.support
    assert entry["description"] == "Introduced to the gardeners"
    assert entry["group_id"] == group.pk and entry["group_name"] == "Tuesday gardeners"


def test_support_cannot_link_another_organisations_group(world: Any) -> None:
    referral = accepted(world)
    theirs = PeerGroup.objects.create(
        organisation=world.other_org, name="Theirs", created_by=world.outsider
    )
    with pytest.raises(InvalidInput, match="Choose one of this service's peer groups"):
        referrals.referral_support_add(
            viewer=world.viewer("coordinator"),
            referral_id=referral.pk,
            description="Their group",
            kind="group",
            group_id=theirs.pk,
        )
    with pytest.raises(InvalidInput, match="Choose a place or service"):
        referrals.referral_support_add(
            viewer=world.viewer("coordinator"),
            referral_id=referral.pk,
            description="A place",
            kind="asset",
            asset_id="not-a-uuid",
        )
    referral.refresh_from_db()
    assert referral.support == []


def test_support_needs_words_and_a_kind(world: Any) -> None:
    referral = accepted(world)
    with pytest.raises(InvalidInput, match="Write what was offered"):
        referrals.referral_support_add(
            viewer=world.viewer("coordinator"),
            referral_id=referral.pk,
            description="",
            kind="activity",
        )
    with pytest.raises(InvalidInput, match="Choose what kind"):
        referrals.referral_support_add(
            viewer=world.viewer("coordinator"),
            referral_id=referral.pk,
            description="A",
            kind="magic",
        )


def test_an_outcome_in_words(world: Any) -> None:
    referral = supported(world)
    referrals.referral_outcome_add(
        viewer=world.viewer("coordinator"), referral_id=referral.pk, text="Goes out twice a week."
    )
    referral.refresh_from_db()
    [entry] = referral.outcomes
    assert entry["text"] == "Goes out twice a week." and "measure" not in entry


def test_a_measure_is_refused_until_the_impact_app_registers_one(world: Any) -> None:
    referral = supported(world)
    assert prsb.WELLBEING_MEASURES == {}
    with pytest.raises(InvalidInput, match="No wellbeing measures are set up yet"):
        referrals.referral_outcome_add(
            viewer=world.viewer("coordinator"),
            referral_id=referral.pk,
            text="Happier",
            measure="ons4_happiness",
            score=7,
        )
    referral.refresh_from_db()
    assert referral.outcomes == []


@pytest.fixture
def ons4_happy() -> Iterator[prsb.WellbeingMeasure]:
    measure = prsb.WellbeingMeasure("test_happiness", "happiness yesterday", 0, 10)
    prsb.wellbeing_measure_register(measure)
    yield measure
    prsb.wellbeing_measure_unregister(measure.key)


def test_a_registered_measure_is_scored_in_its_range(world: Any, ons4_happy: Any) -> None:
    referral = supported(world)
    viewer = world.viewer("coordinator")
    with pytest.raises(InvalidInput, match="must be from 0 to 10"):
        referrals.referral_outcome_add(
            viewer=viewer,
            referral_id=referral.pk,
            text="Happier",
            measure="test_happiness",
            score=11,
        )
    with pytest.raises(InvalidInput, match="Choose one of the wellbeing measures: test_happiness"):
        referrals.referral_outcome_add(
            viewer=viewer, referral_id=referral.pk, text="Happier", measure="other", score=1
        )
    with pytest.raises(InvalidInput, match="as a whole number"):
        referrals.referral_outcome_add(
            viewer=viewer, referral_id=referral.pk, text="Happier", measure="test_happiness"
        )
    referrals.referral_outcome_add(
        viewer=viewer, referral_id=referral.pk, text="Happier", measure="test_happiness", score=8
    )
    referral.refresh_from_db()
    [entry] = referral.outcomes
    assert entry["measure"] == "test_happiness" and entry["score"] == 8


def test_close_ends_support_and_outcomes(world: Any) -> None:
    referral = supported(world)
    referrals.referral_close(
        viewer=world.viewer("coordinator"), referral_id=referral.pk, summary="Settled in"
    )
    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CLOSED
    assert referral_events(referral).closing_summary == "Settled in"
    with pytest.raises(Conflict, match="closed"):
        referrals.referral_outcome_add(
            viewer=world.viewer("coordinator"), referral_id=referral.pk, text="Later"
        )
