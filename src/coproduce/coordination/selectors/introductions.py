"""Reading introductions. Who sees one, and as whom:

- the plan's person (``"person"``): their own introductions;
- the other person (``"other"``), for an introduction to a person, once the plan's person has
  agreed and they are asked in turn (until then they are not told, so the plan's person's
  contact with a coordinator stays private until they choose to meet);
- the coordinator who holds the plan (``"coordinator"``) and the service's managers
  (``"manager"``), whose reads of an introduction (it names a goal of the plan) are logged.

Anyone else in the organisation is refused; anyone outside it gets a 404."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from django.db.models import (
    Case,
    CharField,
    Count,
    F,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone

from coproduce.coordination.models import (
    Goal,
    GoalStatus,
    GroupMember,
    Introduction,
    IntroductionStatus,
    PeerGroup,
    Plan,
    PlanStatus,
    TargetKind,
)
from coproduce.coordination.selectors.access import access_record
from coproduce.coordination.selectors.plans import plan_reader_kind
from coproduce.coordination.selectors.vetting import vetted_person_ids
from coproduce.directory.models import Asset, AssetStatus
from coproduce.errors import InvalidInput, NotFound, PermissionDenied
from coproduce.people.models import (
    Consent,
    ConsentPurpose,
    Membership,
    MembershipStatus,
)
from coproduce.people.permissions import Viewer

# Where an introduction may go next, by the coordinator's hand. "Agreed" is reached only by
# the people asked agreeing (services.introductions), never set.
NEXT_STATUSES: dict[str, tuple[str, ...]] = {
    IntroductionStatus.PROPOSED: (IntroductionStatus.DIDNT_WORK_OUT,),
    IntroductionStatus.AGREED: (IntroductionStatus.MET, IntroductionStatus.DIDNT_WORK_OUT),
    IntroductionStatus.MET: (IntroductionStatus.ONGOING, IntroductionStatus.DIDNT_WORK_OUT),
    IntroductionStatus.ONGOING: (IntroductionStatus.DIDNT_WORK_OUT,),
    IntroductionStatus.DIDNT_WORK_OUT: (),
}
FINAL_STATUSES = (IntroductionStatus.DIDNT_WORK_OUT,)
OPEN_STATUSES = tuple(s for s in IntroductionStatus.values if s not in FINAL_STATUSES)
# A person may still say no until they have met.
DECLINABLE_STATUSES = (IntroductionStatus.PROPOSED, IntroductionStatus.AGREED)

LIST_VIEWS = {
    "all": "Everything I can see",
    "mine": "Introductions for me",
    "asked": "Introductions I am asked to agree to",
    "coordinating": "Introductions I made or manage",
}
SHORT_LIST = 20


def _display(prefix: str) -> Case:
    """A person's display name (preferred name, else full name) through a join."""
    return Case(
        When(**{f"{prefix}preferred_name": ""}, then=F(f"{prefix}full_name")),
        default=F(f"{prefix}preferred_name"),
        output_field=CharField(),
    )


def _named(queryset: QuerySet[Introduction]) -> QuerySet[Introduction]:
    """Annotate ``person_name`` (the plan's person) and ``target_name`` in the same query."""
    return queryset.annotate(
        person_name=_display("plan__membership__person__"),
        target_name=Case(
            When(target_kind=TargetKind.PERSON, then=_display("target_membership__person__")),
            When(target_kind=TargetKind.GROUP, then=F("target_group__name")),
            default=F("target_asset__name"),
            output_field=CharField(),
        ),
    )


def target_name(introduction: Introduction) -> str:
    """Who or what the plan's person is introduced to (the instance's targets loaded)."""
    if introduction.target_membership is not None:
        return introduction.target_membership.person.display_name
    if introduction.target_group is not None:
        return introduction.target_group.name
    assert introduction.target_asset is not None
    return introduction.target_asset.name


def introduction_side(viewer: Viewer, introduction: Introduction) -> str | None:
    """``"person"``, ``"other"``, ``"coordinator"``, ``"manager"``, ``"not_yet_asked"`` (the
    other person before they are asked: a 404 for them) or None."""
    person_id = viewer.person_id
    if person_id is None:
        return None
    if introduction.plan.membership.person_id == person_id:
        return "person"
    is_other = (
        introduction.target_membership is not None
        and introduction.target_membership.person_id == person_id
    )
    if is_other and introduction.person_agreed_at is not None:
        return "other"
    kind = plan_reader_kind(viewer, introduction.plan)
    if kind in ("coordinator", "manager"):
        return kind
    return "not_yet_asked" if is_other else None


@dataclass(frozen=True)
class IntroductionActions:
    """What the viewer may do with an introduction now (the services check the same)."""

    agree: bool = False
    decline: bool = False
    # A coordinator or manager recording the plan's person's answer, given in person.
    record_agree: bool = False
    record_decline: bool = False
    statuses: tuple[str, ...] = ()
    follow_up: bool = False

    @property
    def any(self) -> bool:
        return bool(
            self.agree
            or self.decline
            or self.record_agree
            or self.record_decline
            or self.statuses
            or self.follow_up
        )


def recordable_side(introduction: Introduction) -> str | None:
    """Whose agreement a coordinator may record, as given in person: the plan's person until
    they have answered; then the other person only if they have no login to answer with
    (someone the coordinator acts for); else nobody."""
    if introduction.status != IntroductionStatus.PROPOSED:
        return None
    if introduction.person_agreed_at is None:
        return "person"
    other = introduction.target_membership
    if other is not None and introduction.other_agreed_at is None and other.person.user_id is None:
        return "other"
    return None


def introduction_actions(introduction: Introduction, side: str) -> IntroductionActions:
    proposed = introduction.status == IntroductionStatus.PROPOSED
    declinable = introduction.status in DECLINABLE_STATUSES
    if side == "person":
        return IntroductionActions(
            agree=proposed and introduction.person_agreed_at is None, decline=declinable
        )
    if side == "other":
        return IntroductionActions(
            agree=proposed and introduction.other_agreed_at is None, decline=declinable
        )
    if side in ("coordinator", "manager"):
        return IntroductionActions(
            record_agree=recordable_side(introduction) is not None,
            record_decline=declinable,
            statuses=NEXT_STATUSES[introduction.status],
            follow_up=introduction.status in OPEN_STATUSES,
        )
    return IntroductionActions()


def access_introduction_by_id(
    *, viewer: Viewer, introduction_id: int, log: bool = True
) -> tuple[Introduction, str]:
    """Fetch and authorise an introduction in one step (STYLE 5a), with how the viewer
    takes part in it (``introduction_side``). A coordinator's or manager's read is written to
    the access log unless ``log`` is False (a service that writes it logs nothing)."""
    introduction = (
        Introduction.objects.select_related(
            "organisation",
            "plan__membership__person",
            "plan__coordinator__person",
            "goal",
            "introduced_by",
            "target_membership__person",
            "target_group",
            "target_asset",
        )
        .filter(pk=introduction_id)
        .first()
    )
    if introduction is None:
        raise NotFound()
    side = introduction_side(viewer, introduction)
    if side is None or side == "not_yet_asked":
        if side == "not_yet_asked" or viewer.role_in(introduction.organisation_id) is None:
            raise NotFound()
        raise PermissionDenied(
            "Only the people being introduced, the coordinator who holds the plan and the "
            "service's managers can see this introduction."
        )
    if log and side in ("coordinator", "manager"):
        access_record(
            viewer=viewer,
            subject=introduction.plan.membership.person,
            what="introduction",
            organisation_id=introduction.organisation_id,
            object_ref=f"introduction:{introduction.pk}",
        )
    return introduction, side


def introduction_list(
    *, viewer: Viewer, view: str = "all", status: str = "", plan: Plan | None = None
) -> QuerySet[Introduction]:
    """The introductions the viewer may list, newest first, with ``person_name`` and
    ``target_name`` annotated (one query a page). ``view`` narrows them to the viewer's own
    (``mine``), those they are asked to agree to (``asked``) or those they coordinate
    (``coordinating``); ``plan`` (already authorised by the caller) to one plan. A list names
    people and statuses only; opening one is the read that is logged."""
    if view not in LIST_VIEWS:
        raise InvalidInput("view", "Choose which introductions to show from the list.")
    if status and status not in IntroductionStatus.values:
        raise InvalidInput("status", "Choose a status from the list.")
    person_id = viewer.person_id
    if person_id is None:
        return Introduction.objects.none()
    mine = Q(plan__membership__person_id=person_id)
    asked = Q(target_membership__person_id=person_id, person_agreed_at__isnull=False)
    coordinating = Q(
        plan__coordinator__person_id=person_id,
        organisation_id__in=viewer.organisation_ids("coordination.coordinate"),
    ) | Q(organisation_id__in=viewer.organisation_ids("coordination.manage"))
    wanted = {
        "all": mine | asked | coordinating,
        "mine": mine,
        "asked": asked,
        "coordinating": coordinating,
    }[view]
    queryset = Introduction.objects.filter(wanted)
    if status:
        queryset = queryset.filter(status=status)
    if plan is not None:
        queryset = queryset.filter(plan=plan)
    return _named(queryset.select_related("organisation")).order_by("-created_at", "-pk")


def introductions_needing_follow_up(
    coordinator_membership_ids: list[int] | tuple[int, ...] | set[int], on: date
) -> QuerySet[Introduction]:
    """Introductions on the active plans these coordinators hold whose follow-up date is on
    or before ``on`` and which are still open; soonest first, ``person_name`` and
    ``target_name`` annotated and the plan loaded, so it costs one query. No permission check:
    the caller has authorised the coordinators (the caseload page, the reminders)."""
    return _named(
        Introduction.objects.filter(
            plan__coordinator_id__in=list(coordinator_membership_ids),
            plan__status=PlanStatus.ACTIVE,
            follow_up_on__lte=on,
            status__in=OPEN_STATUSES,
        ).select_related("plan")
    ).order_by("follow_up_on", "pk")


def follow_ups_due(
    *,
    viewer: Viewer,
    organisation_id: int,
    on: date | None = None,
    coordinator_membership_id: int | None = None,
) -> QuerySet[Introduction]:
    """The viewer's own introductions needing a follow-up in ``organisation_id`` (a
    manager may name another coordinator), on ``on`` (today)."""
    from coproduce.coordination.selectors.caseloads import caseload_coordinator

    coordinator = caseload_coordinator(
        viewer=viewer,
        organisation_id=organisation_id,
        coordinator_membership_id=coordinator_membership_id,
    )
    return introductions_needing_follow_up([coordinator.pk], on or timezone.localdate())


# --- What the target chooser offers (the service checks again on submit) ------------------


def _consented_to_be_found() -> QuerySet[Consent]:
    return Consent.objects.filter(purpose=ConsentPurpose.BE_FOUND, withdrawn_at__isnull=True)


def person_choices(*, plan: Plan, goal: Goal | None, text: str = "") -> list[Membership]:
    """A short list of people the plan's person may be introduced to: active members of the
    plan's organisation who consented to be found, not the person themselves, and only
    people with a current vetting record when the goal needs a vetted helper."""
    candidates = (
        Membership.objects.filter(
            organisation_id=plan.organisation_id,
            status=MembershipStatus.ACTIVE,
            person__erased_at__isnull=True,
            person_id__in=_consented_to_be_found().values("person_id"),
        )
        .exclude(person_id=plan.membership.person_id)
        .select_related("person")
        .order_by("person__full_name", "pk")
    )
    if text:
        candidates = candidates.filter(
            Q(person__full_name__icontains=text) | Q(person__preferred_name__icontains=text)
        )
    if goal is None or not goal.needs_vetted_helper:
        return list(candidates[:SHORT_LIST])
    # Look at ten times the short list and keep the vetted: a search narrows it further.
    pool = list(candidates[: SHORT_LIST * 10])
    vetted = vetted_person_ids(m.person_id for m in pool)
    return [m for m in pool if m.person_id in vetted][:SHORT_LIST]


def group_choices(*, plan: Plan, text: str = "") -> list[PeerGroup]:
    """The organisation's peer groups open to new members with room, ``members_now``
    annotated."""
    groups = (
        PeerGroup.objects.filter(organisation_id=plan.organisation_id, is_open=True)
        .annotate(members_now=Count("members", filter=Q(members__left_at__isnull=True)))
        .filter(Q(capacity__isnull=True) | Q(capacity__gt=F("members_now")))
        .order_by("name", "pk")
    )
    if text:
        groups = groups.filter(name__icontains=text)
    return list(groups[: SHORT_LIST * 2])


def assets_visible_to(organisation_id: int) -> QuerySet[Asset]:
    """The directory assets an organisation's coordinators may introduce people to: its own
    and every public asset of a public organisation."""
    return Asset.objects.filter(
        Q(is_public=True, organisation__is_public=True) | Q(organisation_id=organisation_id)
    )


def asset_choices(*, plan: Plan, text: str = "") -> list[Asset]:
    """Open assets visible to the plan's organisation: its own first, then by name."""
    assets = (
        assets_visible_to(plan.organisation_id)
        .filter(status=AssetStatus.ACTIVE)
        .annotate(
            own=Case(
                When(organisation_id=plan.organisation_id, then=Value(0)),
                default=Value(1),
            )
        )
        .only("id", "name", "town", "organisation_id")
        .order_by("own", "name", "pk")
    )
    if text:
        assets = assets.filter(name__icontains=text)
    return list(assets[:SHORT_LIST])


def goal_choices(*, plan: Plan) -> list[Goal]:
    return list(plan.goals.filter(status=GoalStatus.ACTIVE).order_by("pk"))


def chosen_target(*, plan: Plan, kind: str, target: str) -> Membership | PeerGroup | Asset:
    """The record a link's ``?kind=…&target=…`` names, looked up within what the plan's
    organisation may reach (a membership id, a group id or an asset's id): 404 otherwise.
    It is only preselected; the service decides on submit."""
    if kind == TargetKind.ASSET:
        try:
            asset_id = uuid.UUID(target)
        except ValueError as error:
            raise InvalidInput(
                "target", "The place or service in the link is not valid."
            ) from error
        asset = assets_visible_to(plan.organisation_id).filter(pk=asset_id).first()
        if asset is None:
            raise NotFound()
        return asset
    if not target.isdigit() or not 1 <= int(target) <= 2**63 - 1:
        raise InvalidInput("target", "The person or group in the link is not valid.")
    found: Membership | PeerGroup | None
    if kind == TargetKind.PERSON:
        found = (
            Membership.objects.select_related("person")
            .filter(pk=int(target), organisation_id=plan.organisation_id)
            .first()
        )
    else:
        found = PeerGroup.objects.filter(
            pk=int(target), organisation_id=plan.organisation_id
        ).first()
    if found is None:
        raise NotFound()
    return found


def group_has_member(group: PeerGroup, membership_id: int) -> bool:
    return GroupMember.objects.filter(
        group=group, membership_id=membership_id, left_at__isnull=True
    ).exists()
