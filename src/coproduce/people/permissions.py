"""The one place that answers "may this viewer do X in this organisation?".

Every selector and service calls ``check`` (or ``may``) with a ``Viewer``. An organisation the
viewer has no active membership of is a 404 (they may not learn it holds the record); a role
too low for the ability is a 403. Abilities are named ``<app>.<verb>``; add new ones to
ABILITIES below, never a role test of your own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from coproduce.errors import NotFound, PermissionDenied
from coproduce.people.models import MembershipStatus, Role

if TYPE_CHECKING:
    from django.http import HttpRequest

    from coproduce.people.models import Person, User

EVERYONE_ACTIVE = frozenset(
    {Role.MEMBER, Role.STAFF, Role.COORDINATOR, Role.MANAGER, Role.COMMISSIONER, Role.ADMIN}
)
MEMBERS_UP = frozenset({Role.MEMBER, Role.STAFF, Role.COORDINATOR, Role.MANAGER, Role.ADMIN})
STAFF_UP = frozenset({Role.STAFF, Role.COORDINATOR, Role.MANAGER, Role.ADMIN})
COORDINATORS_UP = frozenset({Role.COORDINATOR, Role.MANAGER, Role.ADMIN})
MANAGERS_UP = frozenset({Role.MANAGER, Role.ADMIN})
ADMINS = frozenset({Role.ADMIN})
# Commissioners see aggregates only (DESIGN invariant 3), never a personal record.
AGGREGATES = frozenset({Role.COORDINATOR, Role.MANAGER, Role.COMMISSIONER, Role.ADMIN})

ABILITIES: dict[str, frozenset[str]] = {
    # people
    "people.view_organisation": EVERYONE_ACTIVE,
    "people.view_members": MEMBERS_UP,
    "people.view_member_record": COORDINATORS_UP,
    "people.create_person": COORDINATORS_UP,
    "people.decide_application": COORDINATORS_UP,
    "people.set_status": COORDINATORS_UP,
    "people.view_vetting": COORDINATORS_UP,
    "people.record_vetting": COORDINATORS_UP,
    "people.record_consent": COORDINATORS_UP,
    "people.invite": ADMINS,
    "people.set_role": ADMINS,
    "people.erase_person": ADMINS,
    "people.view_history": MANAGERS_UP,
    "people.view_aggregates": AGGREGATES,
    # time bank
    "timebank.take_part": MEMBERS_UP,
    "timebank.broker": STAFF_UP,
    "timebank.coordinate": COORDINATORS_UP,
    "timebank.set_limits": COORDINATORS_UP,
    "timebank.view_statistics": COORDINATORS_UP,
    "timebank.manage_rewards": STAFF_UP,
    "timebank.redeem": STAFF_UP,
    "timebank.agreements": ADMINS,
    # directory
    "directory.view": EVERYONE_ACTIVE,
    "directory.edit": STAFF_UP,
    "directory.map_assets": COORDINATORS_UP,
    "directory.manage_bookings": STAFF_UP,
    "directory.book": MEMBERS_UP,
    # coordination (plans and referrals are special-category: coordinators and managers)
    "coordination.take_part": MEMBERS_UP,
    "coordination.coordinate": COORDINATORS_UP,
    "coordination.manage": MANAGERS_UP,
    "coordination.run_groups": STAFF_UP,
    # audit (results are aggregates, suppressed below the round's threshold)
    "audit.view": EVERYONE_ACTIVE,
    "audit.enter_paper": STAFF_UP,
    "audit.run": MANAGERS_UP,
    # impact (indicators are defined with members; reports are aggregates, suppressed below
    # the threshold, so commissioners read them; a person's wellbeing scores are personal)
    "impact.view": EVERYONE_ACTIVE,
    "impact.propose": MEMBERS_UP,
    "impact.record": STAFF_UP,
    "impact.verify": COORDINATORS_UP,
    "impact.view_wellbeing": COORDINATORS_UP,
    "impact.manage": MANAGERS_UP,
    "impact.report": AGGREGATES,
    # budgeting
    "budgeting.view": EVERYONE_ACTIVE,
    "budgeting.propose": MEMBERS_UP,
    "budgeting.vote": MEMBERS_UP,
    "budgeting.review": STAFF_UP,
    "budgeting.run_round": MANAGERS_UP,
    "budgeting.approve_dividend": MANAGERS_UP,
    "budgeting.enter_paper_ballot": STAFF_UP,
}

ROLE_RANK = {
    Role.COMMISSIONER: 0,
    Role.MEMBER: 1,
    Role.STAFF: 2,
    Role.COORDINATOR: 3,
    Role.MANAGER: 4,
    Role.ADMIN: 5,
}


@dataclass(frozen=True)
class Viewer:
    """Who is asking, with their active roles by organisation id; built once per request."""

    user: User | None = None
    person: Person | None = None
    roles: Mapping[int, str] = field(default_factory=dict)

    @property
    def is_authenticated(self) -> bool:
        return self.user is not None

    @property
    def person_id(self) -> int | None:
        return self.person.pk if self.person is not None else None

    def role_in(self, organisation_id: int) -> str | None:
        return self.roles.get(organisation_id)

    def organisation_ids(self, ability: str | None = None) -> list[int]:
        """The organisations where the viewer holds ``ability`` (any active role if None)."""
        if ability is None:
            return sorted(self.roles)
        allowed = _allowed(ability)
        return sorted(org for org, role in self.roles.items() if role in allowed)

    def highest_role(self) -> str | None:
        if not self.roles:
            return None
        return max(self.roles.values(), key=lambda role: ROLE_RANK[Role(role)])


ANONYMOUS = Viewer()


def viewer_of(request: HttpRequest) -> Viewer:
    """The viewer ``ViewerMiddleware`` (pages) or the API's auth put on this request."""
    viewer: Viewer = getattr(request, "viewer", ANONYMOUS)
    return viewer


def viewer_for(user: User | None) -> Viewer:
    """Load the viewer's person and active memberships in two queries."""
    from coproduce.people.models import Membership, Person

    if user is None or not user.is_authenticated:
        return ANONYMOUS
    person = Person.objects.filter(user=user, erased_at__isnull=True).first()
    if person is None:
        return Viewer(user=user)
    roles = dict(
        Membership.objects.filter(person=person, status=MembershipStatus.ACTIVE).values_list(
            "organisation_id", "role"
        )
    )
    return Viewer(user=user, person=person, roles=roles)


def _allowed(ability: str) -> frozenset[str]:
    try:
        return ABILITIES[ability]
    except KeyError as error:
        raise KeyError(
            f"Unknown ability {ability!r}: add it to people.permissions.ABILITIES"
        ) from error


def may(viewer: Viewer, ability: str, organisation_id: int) -> bool:
    role = viewer.role_in(organisation_id)
    return role is not None and role in _allowed(ability)


def may_anywhere(viewer: Viewer, ability: str) -> bool:
    allowed = _allowed(ability)
    return any(role in allowed for role in viewer.roles.values())


def check(viewer: Viewer, ability: str, organisation_id: int, *, action: str = "do that") -> str:
    """Return the viewer's role, or raise NotFound (no active membership) or PermissionDenied."""
    allowed = _allowed(ability)
    role = viewer.role_in(organisation_id)
    if role is None:
        raise NotFound()
    if role not in allowed:
        needed = _describe(allowed)
        raise PermissionDenied(f"You need to be {needed} of this organisation to {action}.")
    return role


def check_any(viewer: Viewer, ability: str, organisation_ids: Iterable[int], **kw: str) -> str:
    """Pass if the viewer holds ``ability`` in any of ``organisation_ids``."""
    ids = list(organisation_ids)
    for organisation_id in ids:
        if may(viewer, ability, organisation_id):
            return viewer.roles[organisation_id]
    if not any(viewer.role_in(org) for org in ids):
        raise NotFound()
    return check(viewer, ability, ids[0], **kw)


def _describe(roles: frozenset[str]) -> str:
    if Role.COMMISSIONER in roles and len(roles) > 1:
        # Commissioners rank below members (they take no part), so "or above" would not say
        # who: name the commissioner beside the lowest of the rest.
        others = _describe(roles - {Role.COMMISSIONER})
        return f"a commissioner or {others}"
    lowest = min((Role(r) for r in roles), key=lambda role: ROLE_RANK[role])
    label = str(lowest.label).lower()
    article = "an" if label[0] in "aeiou" else "a"
    if len(roles) > 1:
        return f"{article} {label} or above"
    return f"{article} {label}"
