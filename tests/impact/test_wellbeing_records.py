"""Wellbeing records: the SWEMWBS licence, recording responses, a person's own and others'
answers, and the cohort's change in a period, with suppression below the threshold.

Cohort figures below are worked by hand from the answers in ``_cohort``."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from coproduce.errors import InvalidInput, NotFound, PermissionDenied
from coproduce.impact.models import Instrument, WellbeingLicence, WellbeingResponse
from coproduce.impact.selectors.wellbeing import (
    cohort_changes,
    own_responses,
    person_changes,
    person_responses,
    swemwbs_licensed,
    wellbeing_charts,
)
from coproduce.impact.services.wellbeing import licence_record, response_record
from coproduce.impact.wellbeing import swemwbs_metric
from coproduce.people.models import (
    Area,
    HistoryEntry,
    Membership,
    MembershipStatus,
    Person,
    SensitiveAccess,
)
from coproduce.people.services import area_create, membership_status_set, person_create_for

START = date(2026, 1, 1)
END = date(2026, 6, 30)
PEER = "Peer support"
WALK = "Walking group"


def items_for(raw: int) -> list[int]:
    """Seven SWEMWBS item scores 1-5 that sum to ``raw``, filled from the first item."""
    items = [1] * 7
    extra = raw - 7
    for index in range(7):
        step = min(4, extra)
        items[index] += step
        extra -= step
    return items


def _member(world: Any, name: str, area: Area | None = None) -> Person:
    return person_create_for(
        viewer=world.viewer("coordinator"), organisation=world.org, full_name=name, area=area
    )


def _record(
    world: Any,
    person: Person,
    answers: list[int],
    taken_on: date = date(2026, 3, 1),
    *,
    instrument: str = Instrument.ONS4,
    service: str = PEER,
    role: str = "staff",
) -> WellbeingResponse:
    return response_record(
        viewer=world.viewer(role),
        organisation_id=world.org.pk,
        person_id=person.pk,
        instrument=instrument,
        taken_on=taken_on,
        answers=answers,
        service=service,
    )


def _license(world: Any) -> WellbeingLicence:
    return licence_record(
        viewer=world.viewer("manager"),
        organisation_id=world.org.pk,
        held=True,
        reference="Warwick licence WM-2026-0042",
    )


def _changes(world: Any, role: str = "commissioner", **filters: Any) -> dict[str, Any]:
    rows = cohort_changes(
        viewer=world.viewer(role),
        organisation_id=world.org.pk,
        start=filters.pop("start", START),
        end=filters.pop("end", END),
        **filters,
    )
    return {row["measure"]: row for row in rows}


# --- the licence -------------------------------------------------------------------------


@pytest.mark.django_db
def test_licence_record_keeps_one_licence_per_organisation_with_its_history(world: Any) -> None:
    assert swemwbs_licensed(world.org.pk) is False
    licence = _license(world)
    assert swemwbs_licensed(world.org.pk) is True
    assert swemwbs_licensed(world.other_org.pk) is False
    withdrawn = licence_record(
        viewer=world.viewer("admin"), organisation_id=world.org.pk, held=False
    )
    assert withdrawn.pk == licence.pk
    stored = WellbeingLicence.objects.get(organisation=world.org)
    assert (stored.swemwbs_licence_held, stored.licence_reference) == (False, "")
    assert stored.recorded_by == world.people["admin"]
    assert swemwbs_licensed(world.org.pk) is False
    details = list(
        HistoryEntry.objects.filter(action="impact.licence_record")
        .order_by("at")
        .values_list("detail", flat=True)
    )
    assert details == [
        {"held": True, "was_held": None, "reference": "Warwick licence WM-2026-0042"},
        {"held": False, "was_held": True, "reference": ""},
    ]


@pytest.mark.django_db
def test_licence_record_held_needs_a_reference(world: Any) -> None:
    with pytest.raises(InvalidInput) as error:
        licence_record(
            viewer=world.viewer("manager"), organisation_id=world.org.pk, held=True, reference=" "
        )
    assert (error.value.field, error.value.message) == (
        "reference",
        "Give the licence number or the date of the owners' letter granting the licence.",
    )
    with pytest.raises(InvalidInput) as error:
        licence_record(
            viewer=world.viewer("manager"),
            organisation_id=world.org.pk,
            held=True,
            reference="x" * 201,
        )
    assert (error.value.field, error.value.message) == (
        "reference",
        "The licence reference can be at most 200 characters.",
    )
    assert not WellbeingLicence.objects.exists()


@pytest.mark.django_db
def test_licence_record_is_for_managers_of_the_organisation(world: Any) -> None:
    with pytest.raises(PermissionDenied) as denied:
        licence_record(
            viewer=world.viewer("coordinator"),
            organisation_id=world.org.pk,
            held=True,
            reference="WM-1",
        )
    assert denied.value.message == (
        "You need to be a manager or above of this organisation to record the SWEMWBS licence."
    )
    with pytest.raises(NotFound):
        licence_record(
            viewer=world.viewer("outsider"),
            organisation_id=world.org.pk,
            held=True,
            reference="WM-1",
        )
    assert not WellbeingLicence.objects.exists()


# --- recording a response ----------------------------------------------------------------


@pytest.mark.django_db
def test_response_record_stores_ons4_answers_without_a_score(world: Any) -> None:
    person = _member(world, "Rhea Respondent")
    response = _record(world, person, [7, 8, 6, 3], date(2026, 2, 3), service="  Peer support ")
    stored = WellbeingResponse.objects.get(pk=response.pk)
    assert stored.organisation == world.org
    assert stored.person == person
    assert (stored.instrument, stored.taken_on, stored.answers, stored.score) == (
        Instrument.ONS4,
        date(2026, 2, 3),
        [7, 8, 6, 3],
        None,
    )
    assert stored.service == PEER
    assert stored.recorded_by == world.people["staff"]
    entry = HistoryEntry.objects.get(action="impact.wellbeing_response_record")
    # The history says a response was taken, never what the person answered.
    assert entry.detail == {"instrument": "ons4", "taken_on": "2026-02-03", "service": PEER}
    assert entry.actor == world.people["staff"]


@pytest.mark.django_db
def test_response_record_another_organisations_user_is_not_found(world: Any) -> None:
    person = _member(world, "Rhea Respondent")
    with pytest.raises(NotFound):
        _record(world, person, [7, 8, 6, 3], role="outsider")
    assert not WellbeingResponse.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("role", ["member", "commissioner"])
def test_response_record_is_for_staff_and_above(world: Any, role: str) -> None:
    person = _member(world, "Rhea Respondent")
    with pytest.raises(PermissionDenied) as denied:
        _record(world, person, [7, 8, 6, 3], role=role)
    assert denied.value.message == (
        "You need to be a staff or above of this organisation to record wellbeing answers."
    )
    assert not WellbeingResponse.objects.exists()


@pytest.mark.django_db
def test_response_record_refuses_a_person_not_active_in_the_organisation(world: Any) -> None:
    paused = _member(world, "Pat Paused")
    membership = Membership.objects.get(person=paused, organisation=world.org)
    membership_status_set(
        viewer=world.viewer("coordinator"),
        membership_id=membership.pk,
        status=MembershipStatus.PAUSED,
    )
    missing = Person(pk=10**9)
    for person in (world.outsider, paused, missing):
        with pytest.raises(InvalidInput) as error:
            _record(world, person, [7, 8, 6, 3])
        assert (error.value.field, error.value.message) == (
            "person",
            "Choose an active member of this organisation.",
        )
    assert not WellbeingResponse.objects.exists()


@pytest.mark.django_db
def test_response_record_refuses_swemwbs_until_the_licence_is_held(world: Any) -> None:
    person = _member(world, "Rhea Respondent")
    refusal = (
        "instrument",
        "SWEMWBS answers can be recorded only once a manager has recorded that your "
        "organisation holds the licence from the scale's owners.",
    )
    with pytest.raises(InvalidInput) as error:
        _record(world, person, items_for(21), instrument=Instrument.SWEMWBS)
    assert (error.value.field, error.value.message) == refusal
    licence_record(viewer=world.viewer("manager"), organisation_id=world.org.pk, held=False)
    with pytest.raises(InvalidInput) as error:
        _record(world, person, items_for(21), instrument=Instrument.SWEMWBS)
    assert (error.value.field, error.value.message) == refusal
    assert not WellbeingResponse.objects.exists()

    _license(world)
    response = _record(world, person, items_for(21), instrument=Instrument.SWEMWBS)
    stored = WellbeingResponse.objects.get(pk=response.pk)
    # Raw 21 is 19.25 on the published raw → metric table.
    assert stored.score == Decimal("19.25") == swemwbs_metric(items_for(21))
    assert stored.answers == [5, 5, 5, 3, 1, 1, 1]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("instrument", "answers", "message"),
    [
        (Instrument.ONS4, [7, 8, 6], "ONS4 needs exactly 4 answers, one to each question; got 3."),
        (
            Instrument.ONS4,
            [7, 8, 6, 3, 2],
            "ONS4 needs exactly 4 answers, one to each question; got 5.",
        ),
        (Instrument.ONS4, [7, 11, 6, 3], "Worthwhile must be a whole number from 0 to 10; got 11."),
        (Instrument.ONS4, [7, 8, 6, -1], "Anxiety must be a whole number from 0 to 10; got -1."),
        (
            Instrument.ONS4,
            [True, 8, 6, 3],
            "Life satisfaction must be a whole number from 0 to 10; got True.",
        ),
        (
            Instrument.ONS4,
            [7, 8, "6", 3],
            "Happiness must be a whole number from 0 to 10; got '6'.",
        ),
        (Instrument.ONS4, "7863", "Give the answers as a list of whole numbers."),
        (Instrument.SWEMWBS, [3] * 6, "SWEMWBS needs exactly 7 item scores; got 6."),
        (Instrument.SWEMWBS, [3] * 8, "SWEMWBS needs exactly 7 item scores; got 8."),
        (
            Instrument.SWEMWBS,
            [3, 3, 0, 3, 3, 3, 3],
            "SWEMWBS item 3 must be a whole number from 1 to 5; got 0.",
        ),
        (
            Instrument.SWEMWBS,
            [3, 3, 3, 3, 3, 3, 6],
            "SWEMWBS item 7 must be a whole number from 1 to 5; got 6.",
        ),
    ],
)
def test_response_record_refuses_bad_answers_naming_answers(
    world: Any, instrument: str, answers: Any, message: str
) -> None:
    _license(world)
    person = _member(world, "Rhea Respondent")
    with pytest.raises(InvalidInput) as error:
        _record(world, person, answers, instrument=instrument)
    assert (error.value.field, error.value.message) == ("answers", message)
    assert not WellbeingResponse.objects.exists()


@pytest.mark.django_db
def test_response_record_refuses_a_future_or_unlikely_date(world: Any) -> None:
    person = _member(world, "Rhea Respondent")
    today = timezone.localdate()
    cases = [
        (today + timedelta(days=1), "The answers can't have been given in the future."),
        (date(1999, 12, 31), "Give a date from 1 January 2000 on; check the year."),
        (datetime(2026, 3, 1, 10, 0), "Give the date the answers were given."),
        ("2026-03-01", "Give the date the answers were given."),
    ]
    for taken_on, message in cases:
        with pytest.raises(InvalidInput) as error:
            _record(world, person, [7, 8, 6, 3], taken_on)  # type: ignore[arg-type]
        assert (error.value.field, error.value.message) == ("taken_on", message)
    assert not WellbeingResponse.objects.exists()
    assert _record(world, person, [7, 8, 6, 3], today).taken_on == today


@pytest.mark.django_db
def test_response_record_refuses_the_same_instrument_twice_a_day(world: Any) -> None:
    person = _member(world, "Rhea Respondent")
    _record(world, person, [7, 8, 6, 3], date(2026, 3, 1))
    with pytest.raises(InvalidInput) as error:
        _record(world, person, [1, 2, 3, 4], date(2026, 3, 1))
    assert (error.value.field, error.value.message) == (
        "taken_on",
        "Rhea Respondent's ONS4 personal wellbeing answers for 1 March 2026 are already recorded.",
    )
    assert WellbeingResponse.objects.get().answers == [7, 8, 6, 3]


@pytest.mark.django_db
def test_response_record_refuses_an_unknown_instrument_and_a_long_service(world: Any) -> None:
    person = _member(world, "Rhea Respondent")
    with pytest.raises(InvalidInput) as error:
        _record(world, person, [7, 8, 6, 3], instrument="wemwbs")
    assert (error.value.field, error.value.message) == (
        "instrument",
        "Choose the instrument: ONS4 personal wellbeing, SWEMWBS (Short Warwick-Edinburgh "
        "Mental Wellbeing Scale).",
    )
    with pytest.raises(InvalidInput) as error:
        _record(world, person, [7, 8, 6, 3], service="s" * 201)
    assert (error.value.field, error.value.message) == (
        "service",
        "The service can be at most 200 characters.",
    )
    assert not WellbeingResponse.objects.exists()


# --- a person's own answers and another's ------------------------------------------------


@pytest.mark.django_db
def test_own_responses_returns_only_the_viewers(world: Any, django_assert_num_queries: Any) -> None:
    member, coordinator = world.people["member"], world.people["coordinator"]
    mine_later = _record(world, member, [6, 6, 6, 4], date(2026, 4, 1))
    mine_first = _record(world, member, [5, 5, 5, 5], date(2026, 2, 1))
    _license(world)
    mine_between = _record(
        world, member, items_for(20), date(2026, 3, 1), instrument=Instrument.SWEMWBS
    )
    _record(world, coordinator, [9, 9, 9, 1], date(2026, 2, 1))
    viewer = world.viewer("member")
    with django_assert_num_queries(1):
        own = own_responses(viewer=viewer, organisation_id=world.org.pk)
    # Oldest first, whatever the instrument.
    assert [r.pk for r in own] == [mine_first.pk, mine_between.pk, mine_later.pk]
    assert own_responses(viewer=world.viewer("commissioner"), organisation_id=world.org.pk) == []
    with pytest.raises(NotFound):
        own_responses(viewer=world.viewer("outsider"), organisation_id=world.org.pk)


@pytest.mark.django_db
def test_person_responses_are_for_coordinators_and_each_read_is_logged(
    world: Any, django_assert_num_queries: Any
) -> None:
    member = world.people["member"]
    response = _record(world, member, [6, 6, 6, 4], date(2026, 4, 1))
    viewer = world.viewer("coordinator")
    with django_assert_num_queries(3):
        found = person_responses(viewer=viewer, organisation_id=world.org.pk, person_id=member.pk)
    assert [r.pk for r in found] == [response.pk]
    access = SensitiveAccess.objects.get()
    assert (access.viewer, access.subject, access.what, access.organisation_id) == (
        world.people["coordinator"],
        member,
        "wellbeing answers",
        world.org.pk,
    )
    for role in ("staff", "commissioner"):
        with pytest.raises(PermissionDenied) as denied:
            person_responses(
                viewer=world.viewer(role), organisation_id=world.org.pk, person_id=member.pk
            )
        assert denied.value.message == (
            "You need to be a coordinator or above of this organisation to see a person's "
            "wellbeing answers."
        )
    with pytest.raises(NotFound):
        person_responses(
            viewer=world.viewer("outsider"), organisation_id=world.org.pk, person_id=member.pk
        )
    with pytest.raises(NotFound):
        person_responses(viewer=viewer, organisation_id=world.org.pk, person_id=world.outsider.pk)
    assert SensitiveAccess.objects.count() == 1


@pytest.mark.django_db
def test_person_changes_compare_the_first_response_with_the_latest(world: Any) -> None:
    _license(world)
    member = world.people["member"]
    _record(world, member, [6, 6, 6, 4], date(2026, 4, 1))
    _record(world, member, [4, 6, 5, 6], date(2026, 1, 10))
    _record(world, member, [0, 0, 0, 10], date(2026, 2, 10))
    _record(world, member, [7, 6, 5, 3], date(2026, 5, 1))
    _record(world, member, items_for(21), date(2026, 1, 10), instrument=Instrument.SWEMWBS)
    responses = person_responses(
        viewer=world.viewer("coordinator"), organisation_id=world.org.pk, person_id=member.pk
    )
    changes = person_changes(responses)
    summary = [
        (c["measure"], c["before"], c["after"], c["difference"], c["verdict"]) for c in changes
    ]
    # SWEMWBS was answered once, so it has no change yet.
    assert summary == [
        ("life_satisfaction", 4.0, 7.0, 3.0, "improved"),
        ("worthwhile", 6.0, 6.0, 0.0, "no_change"),
        ("happiness", 5.0, 5.0, 0.0, "no_change"),
        ("anxiety", 6.0, 3.0, -3.0, "improved"),
    ]
    assert {(c["first_on"], c["latest_on"], c["responses"]) for c in changes} == {
        (date(2026, 1, 10), date(2026, 5, 1), 4)
    }
    assert changes[0]["label"] == "Life satisfaction"

    _record(world, member, items_for(24), date(2026, 5, 1), instrument=Instrument.SWEMWBS)
    responses = own_responses(viewer=world.viewer("member"), organisation_id=world.org.pk)
    swemwbs = person_changes(responses)[-1]
    # 19.25 → 21.54: 2.29 points, under the 2.87 a change needs.
    assert (swemwbs["measure"], swemwbs["before"], swemwbs["after"], swemwbs["verdict"]) == (
        "swemwbs",
        19.25,
        21.54,
        "no_change",
    )
    assert person_changes([]) == []


# --- the cohort --------------------------------------------------------------------------

# Each person's first (1 February) and last (1 May) Peer support answers in the period, as
# (life satisfaction, worthwhile, happiness, anxiety).
FIRSTS = [[5, 5, 5, 6], [4, 6, 5, 5], [6, 7, 6, 3], [3, 4, 4, 8], [7, 7, 7, 2]]
LASTS = [[7, 6, 6, 4], [4, 6, 6, 5], [8, 8, 7, 2], [2, 4, 3, 9], [8, 7, 9, 1]]


def _cohort(world: Any) -> tuple[list[Person], Area, Area]:
    riverside = area_create(name="Riverside")
    northgate = area_create(name="Northgate")
    people = [_member(world, f"Cohort {n}", riverside if n < 4 else northgate) for n in range(5)]
    for person, first, last in zip(people, FIRSTS, LASTS, strict=True):
        # Outside the period on both sides, and one between: none of them count.
        _record(world, person, [10, 10, 10, 0], date(2025, 12, 31))
        _record(world, person, first, date(2026, 2, 1))
        _record(world, person, [0, 0, 0, 10], date(2026, 3, 1))
        _record(world, person, last, date(2026, 5, 1))
        _record(world, person, [10, 10, 10, 0], date(2026, 7, 1))
    # Answered once in the period: no pair.
    _record(world, _member(world, "Once Only", riverside), [1, 1, 1, 9], date(2026, 2, 1))
    # A later answer for another service.
    _record(world, people[0], [0, 0, 0, 10], date(2026, 6, 1), service=WALK)
    return people, riverside, northgate


@pytest.mark.django_db
def test_cohort_changes_take_each_persons_first_and_last_response_in_the_period(
    world: Any, django_assert_num_queries: Any
) -> None:
    _cohort(world)
    viewer = world.viewer("commissioner")
    with django_assert_num_queries(1):
        rows = cohort_changes(
            viewer=viewer, organisation_id=world.org.pk, service=PEER, start=START, end=END
        )
    # ONS4's four measures, in order; no SWEMWBS as none was answered.
    assert rows == [
        {
            "measure": "life_satisfaction",
            "pairs": 5,
            "suppressed": False,
            "mean_before": 5.0,  # 25 / 5
            "mean_after": 5.8,  # 29 / 5
            "mean_change": 0.8,
            "share_improved": 0.6,  # +2, 0, +2, -1, +1
            "share_no_change": 0.2,
            "share_worse": 0.2,
        },
        {
            "measure": "worthwhile",
            "pairs": 5,
            "suppressed": False,
            "mean_before": 5.8,  # 29 / 5
            "mean_after": 6.2,  # 31 / 5
            "mean_change": 0.4,
            "share_improved": 0.4,  # +1, 0, +1, 0, 0
            "share_no_change": 0.6,
            "share_worse": 0.0,
        },
        {
            "measure": "happiness",
            "pairs": 5,
            "suppressed": False,
            "mean_before": 5.4,  # 27 / 5
            "mean_after": 6.2,  # 31 / 5
            "mean_change": 0.8,
            "share_improved": 0.8,  # +1, +1, +1, -1, +2
            "share_no_change": 0.0,
            "share_worse": 0.2,
        },
        {
            "measure": "anxiety",
            "pairs": 5,
            "suppressed": False,
            "mean_before": 4.8,  # 24 / 5
            "mean_after": 4.2,  # 21 / 5
            "mean_change": -0.6,
            "share_improved": 0.6,  # -2, 0, -1, +1, -1: less anxiety is better
            "share_no_change": 0.2,
            "share_worse": 0.2,
        },
    ]


@pytest.mark.django_db
def test_cohort_changes_filter_by_service_area_and_period(world: Any) -> None:
    _, riverside, northgate = _cohort(world)
    # Every service: the first person's last answer is now the Walking group's of 1 June.
    everything = _changes(world)["life_satisfaction"]
    assert (everything["pairs"], everything["mean_after"]) == (5, 4.4)  # (0+4+8+2+8) / 5
    # The first four live in Riverside: under the threshold of 5 nothing is given, not even
    # the count.
    assert _changes(world, service=PEER, area_id=riverside.pk)["anxiety"] == {
        "measure": "anxiety",
        "pairs": None,
        "suppressed": True,
        "mean_before": None,
        "mean_after": None,
        "mean_change": None,
        "share_improved": None,
        "share_no_change": None,
        "share_worse": None,
    }
    assert _changes(world, area_id=northgate.pk)["happiness"]["pairs"] is None
    assert _changes(world, service=WALK)["happiness"]["pairs"] == 0
    # A period that ends before the last answers: first (1 February) against 1 March.
    early = _changes(world, service=PEER, end=date(2026, 3, 31))["life_satisfaction"]
    assert (early["pairs"], early["mean_before"], early["mean_after"]) == (5, 5.0, 0.0)


@pytest.mark.django_db
def test_cohort_changes_add_swemwbs_when_answered_suppressed_below_the_threshold(
    world: Any, settings: Any
) -> None:
    _license(world)
    people = [_member(world, f"Scale {n}") for n in range(3)]
    # raw 21 → 24 (19.25 → 21.54, +2.29: no change); 21 → 25 (19.25 → 22.35, +3.10:
    # improved); 28 → 14 (25.03 → 15.32, -9.71: worse).
    for person, (before, after) in zip(people, [(21, 24), (21, 25), (28, 14)], strict=True):
        for raw, day in ((before, date(2026, 2, 1)), (after, date(2026, 5, 1))):
            _record(world, person, items_for(raw), day, instrument=Instrument.SWEMWBS)
    rows = cohort_changes(
        viewer=world.viewer("coordinator"), organisation_id=world.org.pk, start=START, end=END
    )
    assert [row["measure"] for row in rows] == [
        "life_satisfaction",
        "worthwhile",
        "happiness",
        "anxiety",
        "swemwbs",
    ]
    assert [(row["pairs"], row["suppressed"], row["mean_before"]) for row in rows] == [
        (0, True, None)
    ] * 4 + [(None, True, None)]
    settings.COPRODUCE_SUPPRESSION_THRESHOLD = 3
    swemwbs = _changes(world)["swemwbs"]
    assert swemwbs == {
        "measure": "swemwbs",
        "pairs": 3,
        "suppressed": False,
        "mean_before": 21.18,  # 63.53 / 3
        "mean_after": 19.74,  # 59.21 / 3
        "mean_change": -1.44,  # -4.32 / 3
        "share_improved": 0.3333,
        "share_no_change": 0.3333,
        "share_worse": 0.3333,
    }


@pytest.mark.django_db
def test_cohort_changes_are_for_reporting_roles_and_a_sound_period(world: Any) -> None:
    for role in ("member", "staff"):
        with pytest.raises(PermissionDenied) as denied:
            _changes(world, role=role)
        assert denied.value.message == (
            "You need to be a commissioner or a coordinator or above of this organisation to "
            "see wellbeing change."
        )
    with pytest.raises(NotFound):
        _changes(world, role="outsider")
    with pytest.raises(InvalidInput) as error:
        _changes(world, start=END, end=START)
    assert (error.value.field, error.value.message) == (
        "end",
        "The end of the period must not be before its start.",
    )
    with pytest.raises(InvalidInput) as error:
        _changes(world, start="2026-01-01")
    assert (error.value.field, error.value.message) == (
        "start",
        "Give the start of the period as a date.",
    )
    assert [row["pairs"] for row in _changes(world, role="manager").values()] == [0] * 4


@pytest.mark.django_db
def test_wellbeing_charts_draw_what_is_shown_and_name_what_is_suppressed(world: Any) -> None:
    _cohort(world)
    cohort = cohort_changes(
        viewer=world.viewer("manager"),
        organisation_id=world.org.pk,
        service=PEER,
        start=START,
        end=END,
    )
    means, improved = wellbeing_charts(cohort)
    assert "ONS4 personal wellbeing: mean score, first and last answers" in means
    assert means.count("Life satisfaction") == 4  # first and last: a bar and a table row each
    assert "5.8 out of 10 · last answers" in means
    assert "People whose score improved" in improved
    assert "80 %" in improved  # happiness
    assert "Not shown" not in means + improved

    anxiety = next(row for row in cohort if row["measure"] == "anxiety")
    anxiety.update(suppressed=True, pairs=4, mean_before=None, mean_after=None)
    anxiety.update(share_improved=None, share_no_change=None, share_worse=None)
    means, improved = wellbeing_charts(cohort)
    bar = '<span class="chart-label">Anxiety</span>'
    assert bar not in means and bar not in improved
    assert '<span class="chart-label">Happiness</span>' in means
    for chart in (means, improved):
        assert "Not shown, as fewer than 5 people answered twice: Anxiety." in chart
    suppressed = _changes(world, service=WALK)
    assert wellbeing_charts(list(suppressed.values())) == []
    assert wellbeing_charts([]) == []
