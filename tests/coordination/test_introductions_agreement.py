"""The introduction's state machine: an introduction to a person needs both sides to agree,
each for themselves (the plan's person first; their coordinator may record their answer
given in person, never the other person's); a group or asset needs only the plan's person.
Then met (with a date), ongoing, or didn't work out (and why). Notifications go to the
people asked and to the coordinator when everyone agrees or someone says no."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.coordination.models import Introduction, IntroductionStatus
from coproduce.coordination.notices import (
    INTRODUCTION_AGREED,
    INTRODUCTION_ASKED,
    INTRODUCTION_DECLINED,
    INTRODUCTION_FOLLOW_UP_DUE,
)
from coproduce.coordination.selectors import introductions as selectors
from coproduce.coordination.services import introductions, plans
from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.notifications.models import Notification
from coproduce.people.models import HistoryEntry, SensitiveAccess
from coproduce.people.permissions import Viewer, viewer_for
from tests.coordination.factories import coordinator_membership, plan_for
from tests.coordination.factories_introductions import (
    agreed,
    findable,
    to_asset,
    to_group,
    to_person,
)

pytestmark = pytest.mark.django_db


def _person(introduction: Introduction) -> Viewer:
    return viewer_for(introduction.plan.membership.person.user)


def _other(introduction: Introduction) -> Viewer:
    assert introduction.target_membership is not None
    return viewer_for(introduction.target_membership.person.user)


def _told(event: str) -> list[tuple[int, str]]:
    return list(
        Notification.objects.filter(event=event).order_by("pk").values_list("recipient_id", "title")
    )


def _user(viewer: Viewer) -> int:
    assert viewer.user is not None
    return viewer.user.pk


def test_both_sides_agree_each_for_themselves(world: Any) -> None:
    plan = plan_for(world, name="Pat Plan")
    introduction = to_person(world, plan, other=findable(world, name="Sam Other"))
    url = reverse("coordination:introduction_detail", args=[introduction.pk])
    # the plan's person is asked first; the other person is not told yet
    assert _told(INTRODUCTION_ASKED) == [
        (
            _user(_person(introduction)),
            "Coordinator Person suggests an introduction to Sam Other: do you agree?",
        )
    ]
    with pytest.raises(NotFound):
        introductions.introduction_agree(
            viewer=_other(introduction), introduction_id=introduction.pk
        )

    done = introductions.introduction_agree(
        viewer=_person(introduction), introduction_id=introduction.pk
    )
    assert done.status == IntroductionStatus.PROPOSED
    assert done.person_agreed_at is not None and done.other_agreed_at is None
    # now the other person is asked, by name of the person they would meet
    asked = _told(INTRODUCTION_ASKED)
    assert asked[-1] == (
        _user(_other(introduction)),
        "Coordinator Person would like to introduce you to Pat Plan: do you agree?",
    )
    assert Notification.objects.filter(event=INTRODUCTION_ASKED, url=url).count() == 2
    assert not _told(INTRODUCTION_AGREED)

    done = introductions.introduction_agree(
        viewer=_other(introduction), introduction_id=introduction.pk
    )
    assert done.status == IntroductionStatus.AGREED
    assert done.other_agreed_at is not None
    # the coordinator and the plan's person hear it is agreed (not the one who just agreed)
    recipients = {recipient for recipient, _ in _told(INTRODUCTION_AGREED)}
    assert recipients == {_user(world.viewer("coordinator")), _user(_person(introduction))}
    assert _told(INTRODUCTION_AGREED)[0][1] == (
        "The introduction of Pat Plan to Sam Other is agreed"
    )


def test_agreeing_twice_is_a_conflict_and_changes_nothing(world: Any) -> None:
    introduction = to_person(world)
    introductions.introduction_agree(viewer=_person(introduction), introduction_id=introduction.pk)
    first = Introduction.objects.get(pk=introduction.pk).person_agreed_at
    with pytest.raises(Conflict, match=r"You have already agreed to this introduction\."):
        introductions.introduction_agree(
            viewer=_person(introduction), introduction_id=introduction.pk
        )
    assert Introduction.objects.get(pk=introduction.pk).person_agreed_at == first


def test_a_group_or_an_asset_needs_only_the_persons_agreement(world: Any) -> None:
    for introduction in (to_group(world), to_asset(world)):
        done = introductions.introduction_agree(
            viewer=_person(introduction), introduction_id=introduction.pk
        )
        assert done.status == IntroductionStatus.AGREED
        assert done.other_agreed_at is None
    assert [r for r, _ in _told(INTRODUCTION_AGREED)] == [_user(world.viewer("coordinator"))] * 2


def test_the_coordinator_records_the_persons_agreement_given_in_person(world: Any) -> None:
    introduction = to_person(world)
    coordinator = world.viewer("coordinator")
    with pytest.raises(InvalidInput, match="gave you this answer themselves, in person") as error:
        introductions.introduction_agree(viewer=coordinator, introduction_id=introduction.pk)
    assert error.value.field == "in_person"
    assert Introduction.objects.get(pk=introduction.pk).person_agreed_at is None

    done = introductions.introduction_agree(
        viewer=coordinator, introduction_id=introduction.pk, in_person=True
    )
    assert done.person_agreed_at is not None and done.status == IntroductionStatus.PROPOSED
    entry = HistoryEntry.objects.get(action="coordination.introduction_agree")
    assert entry.detail == {"side": "person", "recorded_in_person": True}
    assert entry.actor == world.people["coordinator"]
    # the other person must agree themselves: the coordinator cannot do it for them
    with pytest.raises(Conflict, match="answers for themselves: they have been asked"):
        introductions.introduction_agree(
            viewer=coordinator, introduction_id=introduction.pk, in_person=True
        )
    assert Introduction.objects.get(pk=introduction.pk).other_agreed_at is None
    # and the other person was asked when the person's agreement was recorded
    assert _told(INTRODUCTION_ASKED)[-1][0] == _user(_other(introduction))


def test_the_coordinator_records_the_other_persons_answer_only_when_they_have_no_login(
    world: Any,
) -> None:
    """Someone the coordinator acts for (no email or phone, so no login) cannot answer on the
    site: their coordinator records the answer they gave in person; nobody else's."""
    from coproduce.people.models import Person

    other = findable(world, "Nell Nologin")
    Person.objects.filter(pk=other.person_id).update(user=None)
    introduction = to_person(world, other=other)
    coordinator = world.viewer("coordinator")
    introductions.introduction_agree(
        viewer=coordinator, introduction_id=introduction.pk, in_person=True
    )
    assert selectors.recordable_side(Introduction.objects.get(pk=introduction.pk)) == "other"
    with pytest.raises(InvalidInput, match="Nell Nologin gave you this answer themselves"):
        introductions.introduction_agree(viewer=coordinator, introduction_id=introduction.pk)
    assert Introduction.objects.get(pk=introduction.pk).other_agreed_at is None
    done = introductions.introduction_agree(
        viewer=coordinator, introduction_id=introduction.pk, in_person=True
    )
    assert done.status == IntroductionStatus.AGREED
    sides = HistoryEntry.objects.filter(action="coordination.introduction_agree").values_list(
        "detail", flat=True
    )
    assert sorted(d["side"] for d in sides) == ["other", "person"]
    assert all(d["recorded_in_person"] for d in sides)
    page = world.client("coordinator").get(
        reverse("coordination:introduction_detail", args=[introduction.pk])
    )
    assert "agreed, in person" not in page.content.decode()


def test_saying_no_closes_it_and_tells_the_coordinator(world: Any) -> None:
    plan = plan_for(world, name="Pat Plan")
    introduction = to_person(world, plan, other=findable(world, name="Sam Other"))
    introductions.introduction_agree(viewer=_person(introduction), introduction_id=introduction.pk)
    done = introductions.introduction_decline(
        viewer=_other(introduction), introduction_id=introduction.pk, reason="  Busy this year. "
    )
    assert done.status == IntroductionStatus.DIDNT_WORK_OUT
    assert done.outcome_reason == "Sam Other said no. Busy this year."
    assert _told(INTRODUCTION_DECLINED) == [
        (
            _user(world.viewer("coordinator")),
            "Sam Other said no to the introduction of Pat Plan to Sam Other",
        )
    ]
    # the plan's person is not told by the system (the coordinator talks it through)
    assert not Notification.objects.filter(
        event=INTRODUCTION_DECLINED, recipient_id=_user(_person(introduction))
    ).exists()
    with pytest.raises(Conflict, match="already didn't work out"):
        introductions.introduction_agree(
            viewer=_other(introduction), introduction_id=introduction.pk
        )


def test_the_person_may_say_no_until_they_have_met(world: Any) -> None:
    introduction = agreed(world)
    done = introductions.introduction_decline(
        viewer=_person(introduction), introduction_id=introduction.pk
    )
    assert done.status == IntroductionStatus.DIDNT_WORK_OUT
    met = agreed(world)
    introductions.introduction_status_set(
        viewer=world.viewer("coordinator"),
        introduction_id=met.pk,
        status="met",
        met_on=timezone.localdate(),
    )
    with pytest.raises(Conflict, match="already met"):
        introductions.introduction_decline(viewer=_person(met), introduction_id=met.pk)


def test_a_recorded_no_needs_the_in_person_confirmation(world: Any) -> None:
    introduction = to_group(world)
    with pytest.raises(InvalidInput, match="in person"):
        introductions.introduction_decline(
            viewer=world.viewer("coordinator"), introduction_id=introduction.pk
        )
    assert Introduction.objects.get(pk=introduction.pk).status == IntroductionStatus.PROPOSED
    done = introductions.introduction_decline(
        viewer=world.viewer("coordinator"), introduction_id=introduction.pk, in_person=True
    )
    assert done.status == IntroductionStatus.DIDNT_WORK_OUT
    # the coordinator who recorded it is not told of their own record
    assert not _told(INTRODUCTION_DECLINED)


def test_met_ongoing_and_didnt_work_out(world: Any) -> None:
    introduction = agreed(world)
    coordinator = world.viewer("coordinator")
    today = timezone.localdate()

    def status(**fields: Any) -> Introduction:
        return introductions.introduction_status_set(
            viewer=coordinator, introduction_id=introduction.pk, **fields
        )

    with pytest.raises(InvalidInput, match=r"Give the date they met\.") as error:
        status(status="met")
    assert error.value.field == "met_on"
    with pytest.raises(InvalidInput, match="cannot be in the future"):
        status(status="met", met_on=today + timedelta(days=1))
    with pytest.raises(InvalidInput, match="before the introduction was made"):
        status(status="met", met_on=today - timedelta(days=3))
    with pytest.raises(Conflict, match=r"Record that they met before it can be ongoing\."):
        status(status="ongoing")
    assert Introduction.objects.get(pk=introduction.pk).status == IntroductionStatus.AGREED

    assert status(status="met", met_on=today).met_on == today
    assert status(status="ongoing").status == IntroductionStatus.ONGOING
    with pytest.raises(InvalidInput, match=r"Say why it didn't work out\.") as error:
        status(status="didnt_work_out", reason="   ")
    assert error.value.field == "reason"
    assert Introduction.objects.get(pk=introduction.pk).status == IntroductionStatus.ONGOING
    done = status(status="didnt_work_out", reason="They fell out over the allotment.")
    assert done.status == IntroductionStatus.DIDNT_WORK_OUT
    assert done.outcome_reason == "They fell out over the allotment."
    # final: nothing changes it any more
    with pytest.raises(Conflict, match=r"closed\. Propose a new one instead\."):
        status(status="ongoing")
    with pytest.raises(Conflict, match="closed"):
        introductions.introduction_follow_up_set(
            viewer=coordinator, introduction_id=introduction.pk, follow_up_on=today
        )


def test_statuses_that_cannot_be_chosen(world: Any) -> None:
    introduction = to_group(world)
    coordinator = world.viewer("coordinator")
    with pytest.raises(InvalidInput, match="agreed when the people asked agree"):
        introductions.introduction_status_set(
            viewer=coordinator, introduction_id=introduction.pk, status="agreed"
        )
    with pytest.raises(InvalidInput, match=r"Choose where the introduction has got to\."):
        introductions.introduction_status_set(
            viewer=coordinator, introduction_id=introduction.pk, status="married"
        )
    with pytest.raises(Conflict, match=r"They can meet once the introduction is agreed\."):
        introductions.introduction_status_set(
            viewer=coordinator,
            introduction_id=introduction.pk,
            status="met",
            met_on=timezone.localdate(),
        )
    assert Introduction.objects.get(pk=introduction.pk).status == IntroductionStatus.PROPOSED
    assert selectors.NEXT_STATUSES["proposed"] == ("didnt_work_out",)


def test_the_database_insists_on_a_reason(world: Any) -> None:
    introduction = to_group(world)
    with pytest.raises(IntegrityError), transaction.atomic():
        Introduction.objects.filter(pk=introduction.pk).update(status="didnt_work_out")


def test_only_the_coordinator_records_how_it_went(world: Any) -> None:
    introduction = agreed(world)
    with pytest.raises(PermissionDenied, match="The coordinator who holds the plan records"):
        introductions.introduction_status_set(
            viewer=_person(introduction),
            introduction_id=introduction.pk,
            status="met",
            met_on=timezone.localdate(),
        )
    with pytest.raises(PermissionDenied):
        introductions.introduction_status_set(
            viewer=world.viewer("staff"), introduction_id=introduction.pk, status="ongoing"
        )
    with pytest.raises(NotFound):
        introductions.introduction_status_set(
            viewer=world.viewer("outsider"), introduction_id=introduction.pk, status="ongoing"
        )
    with pytest.raises(NotFound):
        introductions.introduction_agree(
            viewer=world.viewer("outsider"), introduction_id=introduction.pk
        )
    assert Introduction.objects.get(pk=introduction.pk).status == IntroductionStatus.AGREED


def test_the_follow_up_date_is_set_and_changed(world: Any) -> None:
    introduction = to_group(world)
    coordinator = world.viewer("coordinator")
    later = timezone.localdate() + timedelta(days=30)
    done = introductions.introduction_follow_up_set(
        viewer=coordinator, introduction_id=introduction.pk, follow_up_on=later
    )
    assert done.follow_up_on == later
    entry = HistoryEntry.objects.get(action="coordination.introduction_follow_up_set")
    assert entry.detail["to"] == later.isoformat()
    for bad, message in [
        (None, "Give the date to follow the introduction up."),
        (timezone.localdate() - timedelta(days=1), "cannot be in the past"),
    ]:
        with pytest.raises(InvalidInput, match=message):
            introductions.introduction_follow_up_set(
                viewer=coordinator, introduction_id=introduction.pk, follow_up_on=bad
            )
    assert Introduction.objects.get(pk=introduction.pk).follow_up_on == later
    with pytest.raises(PermissionDenied):
        introductions.introduction_follow_up_set(
            viewer=_person(introduction), introduction_id=introduction.pk, follow_up_on=later
        )


def test_introductions_needing_a_follow_up_cost_one_query(
    world: Any, django_assert_num_queries: Any
) -> None:
    coordinator = world.viewer("coordinator")
    today = timezone.localdate()
    due = [to_group(world), to_person(world), to_asset(world)]
    not_yet = to_group(world)
    finished = to_group(world)
    introductions.introduction_status_set(
        viewer=coordinator, introduction_id=finished.pk, status="didnt_work_out", reason="No"
    )
    closed_plan = to_group(world)
    plans.plan_close(viewer=coordinator, plan_id=closed_plan.plan_id, reason="Moved away")
    Introduction.objects.filter(pk__in=[i.pk for i in [*due, finished, closed_plan]]).update(
        follow_up_on=today - timedelta(days=2)
    )
    holder = coordinator_membership(world)
    with django_assert_num_queries(1):
        rows = list(selectors.introductions_needing_follow_up([holder.pk], today))
        names = [(row.person_name, row.target_name, row.plan.pk) for row in rows]  # type: ignore[attr-defined]
    assert {row.pk for row in rows} == {i.pk for i in due}
    assert not_yet.pk not in {row.pk for row in rows}
    people = {i.plan.membership.person.display_name for i in due}
    assert {name for name, _, _ in names} == people
    assert {target for _, target, _ in names} == {selectors.target_name(i) for i in due}
    # the viewer's own through the permission-checked selector
    mine = selectors.follow_ups_due(viewer=coordinator, organisation_id=world.org.pk)
    assert {row.pk for row in mine} == {i.pk for i in due}
    with pytest.raises(PermissionDenied):
        selectors.follow_ups_due(viewer=world.viewer("staff"), organisation_id=world.org.pk)
    with pytest.raises(NotFound):
        selectors.follow_ups_due(viewer=world.viewer("outsider"), organisation_id=world.org.pk)


def test_follow_up_reminders_are_sent_once_a_day(world: Any) -> None:
    introduction = to_group(world)
    Introduction.objects.filter(pk=introduction.pk).update(
        follow_up_on=timezone.localdate() - timedelta(days=1)
    )
    assert introductions.introduction_follow_ups_notify() == 1
    assert introductions.introduction_follow_ups_notify() == 0
    told = Notification.objects.get(event=INTRODUCTION_FOLLOW_UP_DUE)
    assert told.recipient_id == _user(world.viewer("coordinator"))
    assert told.url == reverse("coordination:introduction_detail", args=[introduction.pk])
    assert told.title.startswith("Follow up the introduction of ")


def test_who_sees_an_introduction_and_what_is_logged(world: Any) -> None:
    introduction = to_person(world)
    introductions.introduction_agree(viewer=_person(introduction), introduction_id=introduction.pk)
    _, side = selectors.access_introduction_by_id(
        viewer=_person(introduction), introduction_id=introduction.pk
    )
    assert side == "person"
    _, side = selectors.access_introduction_by_id(
        viewer=_other(introduction), introduction_id=introduction.pk
    )
    assert side == "other"
    assert not SensitiveAccess.objects.exists()
    _, side = selectors.access_introduction_by_id(
        viewer=world.viewer("coordinator"), introduction_id=introduction.pk
    )
    assert side == "coordinator"
    _, side = selectors.access_introduction_by_id(
        viewer=world.viewer("manager"), introduction_id=introduction.pk
    )
    assert side == "manager"
    logged = list(
        SensitiveAccess.objects.order_by("pk").values_list("viewer_id", "what", "object_ref")
    )
    assert logged == [
        (world.people["coordinator"].pk, "introduction", f"introduction:{introduction.pk}"),
        (world.people["manager"].pk, "introduction", f"introduction:{introduction.pk}"),
    ]
    with pytest.raises(PermissionDenied, match="Only the people being introduced"):
        selectors.access_introduction_by_id(
            viewer=world.viewer("staff"), introduction_id=introduction.pk
        )
    with pytest.raises(NotFound):
        selectors.access_introduction_by_id(
            viewer=world.viewer("outsider"), introduction_id=introduction.pk
        )


def test_the_lists_of_mine_asked_and_coordinating(world: Any) -> None:
    introduction = to_person(world)
    group_one = to_group(world)
    person, other = _person(introduction), _other(introduction)

    def ids(viewer: Viewer, **kw: Any) -> set[int]:
        return {row.pk for row in selectors.introduction_list(viewer=viewer, **kw)}

    assert ids(person, view="mine") == {introduction.pk}
    # not asked until the plan's person agrees
    assert ids(other, view="asked") == set()
    assert ids(other) == set()
    introductions.introduction_agree(viewer=person, introduction_id=introduction.pk)
    assert ids(other, view="asked") == {introduction.pk}
    assert ids(world.viewer("coordinator"), view="coordinating") == {
        introduction.pk,
        group_one.pk,
    }
    assert ids(world.viewer("manager")) == {introduction.pk, group_one.pk}
    assert ids(world.viewer("staff")) == set()
    assert ids(world.viewer("outsider")) == set()
    assert ids(world.viewer("coordinator"), status="agreed") == set()
    with pytest.raises(InvalidInput, match=r"Choose a status from the list\."):
        selectors.introduction_list(viewer=person, status="bogus")
    with pytest.raises(InvalidInput, match="Choose which introductions to show"):
        selectors.introduction_list(viewer=person, view="everyone")
