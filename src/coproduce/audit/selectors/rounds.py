"""Rounds: reads, scoped to the viewer's organisations.

Everyone active in an organisation (``audit.view``) sees its rounds; a round of an
organisation the viewer is not active in is not found."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from coproduce.audit import instruments, scoring
from coproduce.audit.models import Group, Respondent, Round
from coproduce.errors import NotFound
from coproduce.people import permissions
from coproduce.people.models import Membership, MembershipStatus
from coproduce.people.permissions import Viewer


def access_round(viewer: Viewer, *, round_id: int, ability: str = "audit.view") -> Round:
    """The round if the viewer holds ``ability`` in its organisation: NotFound when they are
    not active there, PermissionDenied when their role is too low."""
    found = Round.objects.select_related("instrument", "organisation").filter(pk=round_id).first()
    if found is None or viewer.role_in(found.organisation_id) is None:
        raise NotFound("No such round.")
    permissions.check(viewer, ability, found.organisation_id, action="do that in this round")
    return found


def round_instrument(round: Round) -> instruments.Instrument:
    """The instrument document the round was opened with."""
    return instruments.instrument_from_document(round.instrument.document)


def round_is_open(round: Round, *, today: date | None = None) -> bool:
    """Open from ``opens_on`` to ``closes_on`` inclusive, unless closed early."""
    today = today or timezone.localdate()
    return round.closed_at is None and round.opens_on <= today <= round.closes_on


def round_list(viewer: Viewer) -> QuerySet[Round]:
    """Rounds of every organisation where the viewer holds ``audit.view``, newest first, with
    the number of submitted staff and member questionnaires."""
    submitted = Q(respondents__submitted_at__isnull=False)
    return (
        Round.objects.filter(organisation_id__in=viewer.organisation_ids("audit.view"))
        .select_related("organisation")
        .annotate(
            staff_sent=Count("respondents", filter=submitted & Q(respondents__group="staff")),
            members_sent=Count("respondents", filter=submitted & Q(respondents__group="member")),
        )
        .order_by("-opens_on", "-pk")
    )


def my_questionnaires(viewer: Viewer) -> QuerySet[Respondent]:
    """The viewer's own invitations, in rounds of organisations they are still active in."""
    if viewer.person is None:
        return Respondent.objects.none()
    return (
        Respondent.objects.filter(
            person=viewer.person, round__organisation_id__in=viewer.organisation_ids()
        )
        .select_related("round", "round__organisation")
        .order_by("submitted_at", "-round__closes_on", "-pk")
    )


@dataclass(frozen=True)
class GroupCounts:
    invited: int
    started: int
    sent: int


def round_summary(round: Round) -> dict[str, GroupCounts]:
    """Questionnaires per group: made (invited, links, paper), started and sent."""
    counts = {
        row["group"]: row
        for row in Respondent.objects.filter(round=round)
        .values("group")
        .annotate(
            invited=Count("pk"),
            started=Count("pk", filter=Q(started_at__isnull=False)),
            sent=Count("pk", filter=Q(submitted_at__isnull=False)),
        )
    }
    return {
        group: GroupCounts(
            invited=counts.get(group, {}).get("invited", 0),
            started=counts.get(group, {}).get("started", 0),
            sent=counts.get(group, {}).get("sent", 0),
        )
        for group in Group.values
    }


def round_status(round: Round, *, today: date | None = None) -> str:
    """The round's status in words for the pages: open, closed or not yet open."""
    today = today or timezone.localdate()
    if round.closed_at is not None or today > round.closes_on:
        return "closed"
    if today < round.opens_on:
        return "not yet open"
    return "open"


def invite_candidates(round: Round) -> QuerySet[Membership]:
    """Active memberships of the round's organisation whose person is not yet invited, by name."""
    invited = Respondent.objects.filter(round=round, person__isnull=False).values("person_id")
    return (
        Membership.objects.filter(
            organisation_id=round.organisation_id, status=MembershipStatus.ACTIVE
        )
        .exclude(person_id__in=invited)
        .select_related("person")
        .order_by("person__full_name", "pk")
    )


@dataclass(frozen=True)
class CsvPreview:
    """What a paper CSV would add to a round, before anything is saved."""

    responses: list[scoring.Response]
    errors: list[scoring.RowError]
    taken: list[str]  # respondent labels already in the round

    @property
    def staff(self) -> int:
        return sum(1 for r in self.responses if r.group == Group.STAFF)

    @property
    def members(self) -> int:
        return sum(1 for r in self.responses if r.group == Group.MEMBER)

    @property
    def saveable(self) -> bool:
        return bool(self.responses) and not self.errors and not self.taken


def csv_preview(round: Round, text: str) -> CsvPreview:
    """Parse a paper CSV against the round's instrument: every bad row, and any respondent
    label the round already holds. Nothing is written."""
    responses, errors = scoring.responses_from_csv(text, round_instrument(round))
    labels = [r.respondent[:120] for r in responses]
    taken = sorted(
        Respondent.objects.filter(round=round, label__in=labels).values_list("label", flat=True)
    )
    return CsvPreview(responses=responses, errors=errors, taken=taken)
