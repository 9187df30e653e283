"""What each role sees first: one section per organisation, shaped by the viewer's role there."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Q

from coproduce.people import permissions, selectors
from coproduce.people.models import Membership, MembershipStatus, Organisation, Role
from coproduce.people.permissions import Viewer


@dataclass
class Section:
    organisation: Organisation
    role: str
    role_label: str
    figures: dict[str, int | str] = field(default_factory=dict)
    applications_waiting: int = 0
    may_coordinate: bool = False
    may_invite: bool = False
    may_view_members: bool = False
    is_commissioner: bool = False


def _suppressed(value: int) -> int | str:
    """Commissioners never see a group smaller than the threshold (DESIGN invariant 3)."""
    threshold = settings.COPRODUCE_SUPPRESSION_THRESHOLD
    return f"fewer than {threshold}" if 0 < value < threshold else value


def dashboard_sections(*, viewer: Viewer) -> list[Section]:
    """One query for the organisations, one for all their membership counts."""
    organisation_ids = viewer.organisation_ids()
    organisations = Organisation.objects.filter(pk__in=organisation_ids).order_by("name")
    aggregate_ids = viewer.organisation_ids("people.view_aggregates")
    counts = {
        row["organisation_id"]: row
        for row in Membership.objects.filter(organisation_id__in=aggregate_ids)
        .values("organisation_id")
        .annotate(
            active=Count("pk", filter=Q(status=MembershipStatus.ACTIVE)),
            applied=Count("pk", filter=Q(status=MembershipStatus.APPLIED)),
            staff=Count("pk", filter=Q(status=MembershipStatus.ACTIVE, role=Role.STAFF)),
            paused=Count("pk", filter=Q(status=MembershipStatus.PAUSED)),
        )
    }
    sections = []
    for organisation in organisations:
        role = viewer.roles[organisation.pk]
        section = Section(
            organisation=organisation,
            role=role,
            role_label=str(Role(role).label),
            may_coordinate=permissions.may(viewer, "people.decide_application", organisation.pk),
            may_invite=permissions.may(viewer, "people.invite", organisation.pk),
            may_view_members=permissions.may(viewer, "people.view_members", organisation.pk),
            is_commissioner=role == Role.COMMISSIONER,
        )
        row = counts.get(organisation.pk)
        if row is not None:
            figures: dict[str, int | str] = {
                "Active members": row["active"],
                "Staff taking part": row["staff"],
                "Paused": row["paused"],
            }
            if section.is_commissioner:
                figures = {label: _suppressed(int(value)) for label, value in figures.items()}
            else:
                section.applications_waiting = row["applied"]
            section.figures = figures
        sections.append(section)
    return sections


def pending_applications(*, viewer: Viewer) -> list[Membership]:
    """The viewer's own applications still waiting for a decision: until one is decided the
    person has no section on the dashboard, so without this it would look as if nothing
    had been sent."""
    if viewer.person is None:
        return []
    return list(
        selectors.membership_list_for_person(viewer=viewer, person=viewer.person)
        .filter(status=MembershipStatus.APPLIED)
        .order_by("applied_at", "pk")
    )
