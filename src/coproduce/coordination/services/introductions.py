"""Introductions: a coordinator introduces the plan's person to another person, a peer group
or a directory asset, and follows it up.

Who agrees. An introduction to a person needs both sides: the plan's person agrees (or
declines) first; only then is the other person asked, and they agree (or decline)
themselves — nobody can agree on their behalf. For a group or an asset only the plan's
person agrees. The coordinator who holds the plan (or a manager) may record the *plan's
person's* answer given in person (people without a login, or who said so at a visit),
saying so explicitly (``in_person``); it is written to the history as recorded by them.

Afterwards the coordinator records that they met (with the date), that it is ongoing, or
that it didn't work out (and why: required), and sets when to follow it up."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.coordination.models import (
    Goal,
    GroupMember,
    Introduction,
    IntroductionStatus,
    PeerGroup,
    Plan,
    PlanStatus,
    TargetKind,
)
from coproduce.coordination.selectors.introductions import (
    DECLINABLE_STATUSES,
    NEXT_STATUSES,
    OPEN_STATUSES,
    access_introduction_by_id,
    assets_visible_to,
    introductions_needing_follow_up,
    recordable_side,
    target_name,
)
from coproduce.coordination.selectors.plans import access_plan_by_id
from coproduce.coordination.selectors.vetting import vetted_person_ids
from coproduce.directory.models import Asset, AssetStatus
from coproduce.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from coproduce.notifications.services import notification_send
from coproduce.people import permissions
from coproduce.people.history import history_record, model_validate
from coproduce.people.models import (
    Consent,
    ConsentPurpose,
    Membership,
    MembershipStatus,
)
from coproduce.people.numbers import membership_number_normalise
from coproduce.people.permissions import Viewer

DEFAULT_FOLLOW_UP_DAYS = 14
LATEST_FOLLOW_UP_DAYS = 2 * 366
NOTE_LIMIT = 2000
REASON_LIMIT = 2000


def _url(introduction: Introduction) -> str:
    return reverse("coordination:introduction_detail", args=[introduction.pk])


def _coordinator_user_id(plan: Plan, introduction: Introduction) -> int | None:
    holder = plan.coordinator.person if plan.coordinator is not None else None
    return (holder or introduction.introduced_by).user_id


def _others(user_ids: list[int | None], viewer: Viewer) -> list[int | None]:
    """Nobody is told about what they did themselves."""
    own = viewer.user.pk if viewer.user is not None else None
    return [user_id for user_id in user_ids if user_id is not None and user_id != own]


def _follow_up_date(value: date | None, *, default: bool) -> date:
    today = timezone.localdate()
    if value is None:
        if default:
            return today + timedelta(days=DEFAULT_FOLLOW_UP_DAYS)
        raise InvalidInput("follow_up_on", "Give the date to follow the introduction up.")
    if value < today:
        raise InvalidInput("follow_up_on", "The follow-up date cannot be in the past.")
    if value > today + timedelta(days=LATEST_FOLLOW_UP_DAYS):
        raise InvalidInput("follow_up_on", "Choose a follow-up date within the next two years.")
    return value


# --- Choosing the target: each lookup is within the plan's organisation ---------------------


def _goal_of(plan: Plan, goal_id: int | None) -> Goal | None:
    if goal_id is None:
        return None
    goal = Goal.objects.filter(pk=goal_id, plan=plan).first()
    if goal is None:
        raise NotFound("No such goal on this plan.")
    return goal


def _target_person(
    plan: Plan, goal: Goal | None, membership_id: int | None, number: str
) -> Membership:
    found: Membership | None
    members = Membership.objects.select_related("person").filter(
        organisation_id=plan.organisation_id
    )
    if number.strip():
        found = members.filter(number=membership_number_normalise(number)).first()
        if found is None:
            raise InvalidInput(
                "target", f"No member of this organisation has the number “{number.strip()}”."
            )
    elif membership_id is not None:
        found = members.filter(pk=membership_id).first()
        if found is None:
            raise NotFound("No such person in this organisation.")
    else:
        raise InvalidInput("target", "Give the person's membership number or choose them.")
    name = found.person.display_name
    if found.person_id == plan.membership.person_id:
        raise InvalidInput("target", "You cannot introduce someone to themselves.")
    if found.status != MembershipStatus.ACTIVE or found.person.erased_at is not None:
        raise InvalidInput("target", f"{name} is not an active member, so cannot be introduced.")
    consented = Consent.objects.filter(
        person_id=found.person_id, purpose=ConsentPurpose.BE_FOUND, withdrawn_at__isnull=True
    ).exists()
    if not consented:
        raise InvalidInput(
            "target",
            f"{name} has not agreed to be suggested to others, so cannot be introduced.",
        )
    if goal is not None and goal.needs_vetted_helper and not vetted_person_ids([found.person_id]):
        raise InvalidInput(
            "target",
            f"This goal needs a vetted helper and {name} has no current vetting record.",
        )
    return found


def _target_group(plan: Plan, group_id: int | None) -> PeerGroup:
    if group_id is None:
        raise InvalidInput("target", "Choose the group.")
    # Locked, so two introductions at once cannot both take a group's last place.
    group = (
        PeerGroup.objects.select_for_update()
        .filter(pk=group_id, organisation_id=plan.organisation_id)
        .first()
    )
    if group is None:
        raise NotFound("No such group in this organisation.")
    if not group.is_open:
        raise InvalidInput("target", f"{group.name} is not taking new members at the moment.")
    current = GroupMember.objects.filter(group=group, left_at__isnull=True)
    if current.filter(membership_id=plan.membership_id).exists():
        raise InvalidInput(
            "target", f"{plan.membership.person.display_name} is already in {group.name}."
        )
    if group.capacity is not None and current.count() >= group.capacity:
        raise InvalidInput(
            "target", f"{group.name} is full: all {group.capacity} places are taken."
        )
    return group


def _target_asset(plan: Plan, asset_id: uuid.UUID | str | None) -> Asset:
    if asset_id is None or asset_id == "":
        raise InvalidInput("target", "Choose the place or service.")
    try:
        pk = uuid.UUID(str(asset_id))
    except ValueError as error:
        raise NotFound("No such place or service in the directory.") from error
    asset = assets_visible_to(plan.organisation_id).filter(pk=pk).first()
    if asset is None:
        raise NotFound("No such place or service in the directory.")
    if asset.status != AssetStatus.ACTIVE:
        raise InvalidInput(
            "target", f"{asset.name} is {asset.get_status_display().lower()} at the moment."
        )
    return asset


@transaction.atomic
def introduction_propose(
    *,
    viewer: Viewer,
    plan_id: int,
    target_kind: str,
    membership_id: int | None = None,
    number: str = "",
    group_id: int | None = None,
    asset_id: uuid.UUID | str | None = None,
    goal_id: int | None = None,
    note: str = "",
    follow_up_on: date | None = None,
) -> Introduction:
    """Propose an introduction for the plan's person (the coordinator who holds the plan, or
    a manager). The person is asked to agree; ``follow_up_on`` defaults to two weeks on.
    Errors about the target name the field ``target``."""
    plan = access_plan_by_id(viewer=viewer, plan_id=plan_id, write=True, log=False)
    permissions.check(
        viewer, "coordination.coordinate", plan.organisation_id, action="make introductions"
    )
    if plan.status != PlanStatus.ACTIVE:
        raise Conflict("This plan is closed: it takes no new introductions.")
    if target_kind not in TargetKind.values:
        raise InvalidInput(
            "target_kind", "Choose a person, a group or a place or service to introduce them to."
        )
    goal = _goal_of(plan, goal_id)
    note = note.strip()
    if len(note) > NOTE_LIMIT:
        raise InvalidInput("note", f"Keep the note under {NOTE_LIMIT} characters.")
    assert viewer.person is not None
    introduction = Introduction(
        organisation_id=plan.organisation_id,
        plan=plan,
        goal=goal,
        introduced_by=viewer.person,
        target_kind=target_kind,
        note=note,
    )
    same: dict[str, object]
    if target_kind == TargetKind.PERSON:
        introduction.target_membership = _target_person(plan, goal, membership_id, number)
        same = {"target_membership": introduction.target_membership}
    elif target_kind == TargetKind.GROUP:
        introduction.target_group = _target_group(plan, group_id)
        same = {"target_group": introduction.target_group}
    else:
        introduction.target_asset = _target_asset(plan, asset_id)
        same = {"target_asset": introduction.target_asset}
    introduction.follow_up_on = _follow_up_date(follow_up_on, default=True)
    name = plan.membership.person.display_name
    if Introduction.objects.filter(plan=plan, status__in=OPEN_STATUSES, **same).exists():
        raise Conflict(
            f"{name} already has an introduction to {target_name(introduction)} under way."
        )
    model_validate(
        introduction,
        exclude=[
            "organisation",
            "plan",
            "goal",
            "introduced_by",
            "target_membership",
            "target_group",
            "target_asset",
        ],
    )
    introduction.save()
    history_record(
        actor=viewer.person,
        action="coordination.introduction_propose",
        subject=introduction,
        organisation=plan.organisation,
        detail={"target_kind": target_kind},
    )
    from coproduce.coordination.notices import INTRODUCTION_ASKED

    notification_send(
        user_ids=_others([plan.membership.person.user_id], viewer),
        event=INTRODUCTION_ASKED,
        title=f"{viewer.person.display_name} suggests an introduction to "
        f"{target_name(introduction)}: do you agree?",
        body=note[:500],
        url=_url(introduction),
    )
    return introduction


# --- Agreeing and declining -----------------------------------------------------------------


def _locked(viewer: Viewer, introduction_id: int) -> tuple[Introduction, str]:
    """Lock the introduction's row, then fetch and authorise it: two answers at once are
    serialised, and the second reads what the first wrote."""
    Introduction.objects.select_for_update().filter(pk=introduction_id).values_list("pk").first()
    return access_introduction_by_id(viewer=viewer, introduction_id=introduction_id, log=False)


def _answering_side(side: str, introduction: Introduction, *, in_person: bool) -> str:
    """Whose answer this is: ``"person"`` or ``"other"``. A coordinator or manager answers
    only as given in person, for the plan's person — or for the other person once the plan's
    person has agreed, only if the other person has no login to answer with."""
    if side in ("person", "other"):
        return side
    recordable = recordable_side(introduction)
    if recordable is None:
        name = introduction.plan.membership.person.display_name
        other = target_name(introduction)
        raise Conflict(
            f"{name} has already agreed. {other} answers for themselves: they have been asked."
        )
    name = (
        introduction.plan.membership.person.display_name
        if recordable == "person"
        else target_name(introduction)
    )
    if not in_person:
        raise InvalidInput(
            "in_person", f"Confirm that {name} gave you this answer themselves, in person."
        )
    return recordable


@transaction.atomic
def introduction_agree(
    *, viewer: Viewer, introduction_id: int, in_person: bool = False
) -> Introduction:
    """The viewer agrees to the introduction (the plan's person, or the other person once
    asked); a coordinator or manager records the plan's person's agreement given in person.
    It is "agreed by both" once every side asked has agreed; the other person is asked as
    soon as the plan's person agrees. Locks the introduction's row."""
    from coproduce.coordination.notices import INTRODUCTION_AGREED, INTRODUCTION_ASKED

    introduction, side = _locked(viewer, introduction_id)
    if introduction.status != IntroductionStatus.PROPOSED:
        raise Conflict(f"This introduction is already {introduction.get_status_display().lower()}.")
    answering = _answering_side(side, introduction, in_person=in_person)
    plan = introduction.plan
    now = timezone.now()
    if answering == "person":
        if introduction.person_agreed_at is not None:
            raise Conflict("You have already agreed to this introduction.")
        introduction.person_agreed_at = now
    else:
        if introduction.other_agreed_at is not None:
            raise Conflict("You have already agreed to this introduction.")
        introduction.other_agreed_at = now
    to_person = introduction.target_kind == TargetKind.PERSON
    everyone = introduction.person_agreed_at is not None and (
        not to_person or introduction.other_agreed_at is not None
    )
    if everyone:
        introduction.status = IntroductionStatus.AGREED
    introduction.save(update_fields=["person_agreed_at", "other_agreed_at", "status", "updated_at"])
    history_record(
        actor=viewer.person,
        action="coordination.introduction_agree",
        subject=introduction,
        organisation=introduction.organisation,
        detail={"side": answering, "recorded_in_person": side not in ("person", "other")},
    )
    person = plan.membership.person
    if everyone:
        told = [_coordinator_user_id(plan, introduction)]
        if to_person:
            told.append(person.user_id)
            assert introduction.target_membership is not None
            told.append(introduction.target_membership.person.user_id)
        notification_send(
            user_ids=_others(told, viewer),
            event=INTRODUCTION_AGREED,
            title=f"The introduction of {person.display_name} to {target_name(introduction)} "
            "is agreed",
            url=_url(introduction),
        )
    elif answering == "person" and to_person:
        assert introduction.target_membership is not None
        coordinator = plan.coordinator.person if plan.coordinator else introduction.introduced_by
        notification_send(
            user_ids=_others([introduction.target_membership.person.user_id], viewer),
            event=INTRODUCTION_ASKED,
            title=f"{coordinator.display_name} would like to introduce you to "
            f"{person.display_name}: do you agree?",
            body=introduction.note[:500],
            url=_url(introduction),
        )
    return introduction


@transaction.atomic
def introduction_decline(
    *, viewer: Viewer, introduction_id: int, reason: str = "", in_person: bool = False
) -> Introduction:
    """The viewer says no (until they have met), which closes the introduction as "didn't
    work out"; a coordinator or manager records the plan's person's no given in person. The
    coordinator is told. Locks the introduction's row."""
    from coproduce.coordination.notices import INTRODUCTION_DECLINED

    introduction, side = _locked(viewer, introduction_id)
    if introduction.status not in DECLINABLE_STATUSES:
        raise Conflict(f"This introduction is already {introduction.get_status_display().lower()}.")
    plan = introduction.plan
    if side in ("person", "other"):
        answering = side
    else:
        name = plan.membership.person.display_name
        if not in_person:
            raise InvalidInput(
                "in_person", f"Confirm that {name} gave you this answer themselves, in person."
            )
        answering = "person"
    reason = reason.strip()
    if len(reason) > REASON_LIMIT:
        raise InvalidInput("reason", f"Keep it under {REASON_LIMIT} characters.")
    who = (
        plan.membership.person.display_name if answering == "person" else target_name(introduction)
    )
    introduction.status = IntroductionStatus.DIDNT_WORK_OUT
    introduction.outcome_reason = f"{who} said no." + (f" {reason}" if reason else "")
    introduction.save(update_fields=["status", "outcome_reason", "updated_at"])
    history_record(
        actor=viewer.person,
        action="coordination.introduction_decline",
        subject=introduction,
        organisation=introduction.organisation,
        detail={"side": answering, "recorded_in_person": side not in ("person", "other")},
    )
    notification_send(
        user_ids=_others([_coordinator_user_id(plan, introduction)], viewer),
        event=INTRODUCTION_DECLINED,
        title=f"{who} said no to the introduction of {plan.membership.person.display_name} "
        f"to {target_name(introduction)}",
        body=reason[:500],
        url=_url(introduction),
    )
    return introduction


# --- The coordinator's record of how it went ------------------------------------------------


def _for_coordinator(viewer: Viewer, introduction_id: int, action: str) -> Introduction:
    introduction, side = _locked(viewer, introduction_id)
    if side not in ("coordinator", "manager"):
        raise PermissionDenied(f"The coordinator who holds the plan {action}.")
    if introduction.status not in OPEN_STATUSES:
        raise Conflict(
            "This introduction didn't work out, so it is closed. Propose a new one instead."
        )
    return introduction


@transaction.atomic
def introduction_status_set(
    *,
    viewer: Viewer,
    introduction_id: int,
    status: str,
    met_on: date | None = None,
    reason: str = "",
) -> Introduction:
    """Record where the introduction has got to: met (on ``met_on``), ongoing, or didn't work
    out (``reason`` required; it closes the introduction). Locks the introduction's row."""
    introduction = _for_coordinator(viewer, introduction_id, "records how it went")
    if status not in IntroductionStatus.values:
        raise InvalidInput("status", "Choose where the introduction has got to.")
    if status == IntroductionStatus.AGREED:
        raise InvalidInput(
            "status", "An introduction is agreed when the people asked agree; choose another."
        )
    if status == introduction.status:
        raise Conflict(f"The introduction is already {introduction.get_status_display().lower()}.")
    if status not in NEXT_STATUSES[introduction.status]:
        if introduction.status == IntroductionStatus.PROPOSED:
            raise Conflict("They can meet once the introduction is agreed.")
        if status == IntroductionStatus.ONGOING:
            raise Conflict("Record that they met before it can be ongoing.")
        raise Conflict(
            f"The introduction is already {introduction.get_status_display().lower()}: "
            "they have met."
        )
    fields = ["status", "updated_at"]
    if status == IntroductionStatus.MET:
        if met_on is None:
            raise InvalidInput("met_on", "Give the date they met.")
        if met_on > timezone.localdate():
            raise InvalidInput("met_on", "The date they met cannot be in the future.")
        made_on = timezone.localdate(introduction.created_at)
        if met_on < made_on:
            raise InvalidInput(
                "met_on",
                f"They cannot have met before the introduction was made, on "
                f"{made_on.day} {made_on:%B %Y}.",
            )
        introduction.met_on = met_on
        fields.append("met_on")
    elif status == IntroductionStatus.DIDNT_WORK_OUT:
        reason = reason.strip()
        if not reason:
            raise InvalidInput("reason", "Say why it didn't work out.")
        if len(reason) > REASON_LIMIT:
            raise InvalidInput("reason", f"Keep it under {REASON_LIMIT} characters.")
        introduction.outcome_reason = reason
        fields.append("outcome_reason")
    introduction.status = status
    model_validate(
        introduction,
        exclude=[
            "organisation",
            "plan",
            "goal",
            "introduced_by",
            "target_membership",
            "target_group",
            "target_asset",
        ],
    )
    introduction.save(update_fields=fields)
    history_record(
        actor=viewer.person,
        action="coordination.introduction_status_set",
        subject=introduction,
        organisation=introduction.organisation,
        detail={"status": status},
    )
    return introduction


@transaction.atomic
def introduction_follow_up_set(
    *, viewer: Viewer, introduction_id: int, follow_up_on: date | None
) -> Introduction:
    """Set or change when the coordinator follows the introduction up (today or later).
    Locks the introduction's row."""
    introduction = _for_coordinator(viewer, introduction_id, "sets the follow-up date")
    when = _follow_up_date(follow_up_on, default=False)
    if introduction.follow_up_on != when:
        previous = introduction.follow_up_on
        introduction.follow_up_on = when
        introduction.save(update_fields=["follow_up_on", "updated_at"])
        history_record(
            actor=viewer.person,
            action="coordination.introduction_follow_up_set",
            subject=introduction,
            organisation=introduction.organisation,
            detail={
                "from": previous.isoformat() if previous else None,
                "to": when.isoformat(),
            },
        )
    return introduction


@transaction.atomic
def introduction_follow_ups_notify(*, on: date | None = None) -> int:
    """Tell each coordinator about every introduction of theirs whose follow-up is due on
    ``on`` (today) or overdue; one already reminded that day is not reminded again. Returns
    how many were sent (for the ``reviews-due`` command)."""
    from coproduce.coordination.notices import INTRODUCTION_FOLLOW_UP_DUE
    from coproduce.notifications.models import Notification

    today = on or timezone.localdate()
    due = list(
        introductions_needing_follow_up(
            list(
                Plan.objects.filter(status=PlanStatus.ACTIVE, coordinator__isnull=False)
                .values_list("coordinator_id", flat=True)
                .distinct()
            ),
            today,
        ).select_related("plan__coordinator__person")
    )
    urls = {introduction.pk: _url(introduction) for introduction in due}
    already = set(
        Notification.objects.filter(
            event=INTRODUCTION_FOLLOW_UP_DUE,
            created_at__date=today,
            url__in=list(urls.values()),
        ).values_list("recipient_id", "url")
    )
    sent = 0
    for introduction in due:
        assert introduction.plan.coordinator is not None
        user_id = introduction.plan.coordinator.person.user_id
        if user_id is None or (user_id, urls[introduction.pk]) in already:
            continue
        person: str = introduction.person_name  # type: ignore[attr-defined]
        target: str = introduction.target_name  # type: ignore[attr-defined]
        notification_send(
            user_ids=[user_id],
            event=INTRODUCTION_FOLLOW_UP_DUE,
            title=f"Follow up the introduction of {person} to {target}",
            url=urls[introduction.pk],
        )
        sent += 1
    return sent
