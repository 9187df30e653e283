"""The network measures of time banks' ledgers: who paid whom, aggregated in the database.

A tie comes from a person-to-person transfer in hours: an exchange, a group session or an
exchange across an agreement (``timebank.selectors.EXCHANGE_KINDS``) with a debited leg on a
member account (the payer, who received the time) and a credited leg on a member account (the
payee, who gave it), both in the banks asked about. A reversed transfer and its reversal are
both left out.

Each debited member leg is paired with each credited member leg of the same transfer. An
exchange has one of each. A group session has the host on one side and every participant on
the other, so each participant is paired with the host (a session hosted by the
organisation's agency account has no member on the host's side and makes no tie). An exchange
across an agreement has the receiver's and the provider's legs, and between them two clearing
legs, which are not member accounts. Every such transfer therefore has a single payer or a
single payee, and a pair's minutes are the smaller of its two legs: the whole of an exchange,
one participant's share of a group session.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, Literal

from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Abs, Least
from django.utils import timezone

from coproduce.errors import InvalidInput
from coproduce.impact.network import DirectedPair, ei_index, measures, new_ties_per_quarter
from coproduce.people import permissions
from coproduce.people.models import Membership, MembershipStatus, Role
from coproduce.people.permissions import Viewer
from coproduce.timebank.models import AccountKind, Entry, Unit
from coproduce.timebank.selectors import EXCHANGE_KINDS

NO_AREA = "no area"
STAFF = "staff"
MEMBER = "member"
# A commissioner sees figures and takes no part, so is on no roster; one who nevertheless has
# a tie (someone who took part before becoming a commissioner) is placed in a group of their
# own rather than dropped, because every person in the pairs must be on the roster.
COMMISSIONER = "commissioner"
STAFF_ROLES = (Role.STAFF, Role.COORDINATOR, Role.MANAGER, Role.ADMIN)
TAKING_PART_ROLES = (Role.MEMBER, *STAFF_ROLES)

# The debited leg is the Entry row itself; the credited leg is the transfer's other entry.
_PAYER = "account__membership__person_id"
_PAYEE = "transfer__entries__account__membership__person_id"


def _legs(
    organisation_ids: Collection[int],
    start: datetime | None,
    end: datetime | None,
    *also: Q,
) -> QuerySet[Entry]:
    """Every debited member leg joined to every credited member leg of the same transfer.
    All in one ``filter()`` call: a second call would join ``transfer__entries`` again, and
    its conditions would fall on another row than the credited leg."""
    window = Q()
    if start is not None:
        window &= Q(transfer__occurred_at__gte=start)
    if end is not None:
        window &= Q(transfer__occurred_at__lt=end)
    return Entry.objects.filter(
        window,
        *also,
        amount__lt=0,
        account__kind=AccountKind.MEMBER,
        account__organisation_id__in=organisation_ids,
        transfer__kind__in=EXCHANGE_KINDS,
        transfer__unit=Unit.MINUTES,
        transfer__reversed_by__isnull=True,
        transfer__entries__amount__gt=0,
        transfer__entries__account__kind=AccountKind.MEMBER,
        transfer__entries__account__organisation_id__in=organisation_ids,
    )


def _pair_rows(
    organisation_ids: Collection[int],
    start: datetime | None,
    end: datetime | None,
    *,
    first_ever: bool = False,
) -> QuerySet[Entry, dict[str, Any]]:
    """One row per ordered (payer, payee): transfers and minutes in [start, end). With
    ``first_ever``, also each pair's first transfer before ``end`` however long before
    ``start`` (when its tie was new); pairs with nothing in the window then come back too,
    with ``transfers`` 0."""
    legs = _legs(organisation_ids, None if first_ever else start, end)
    in_window = Q(transfer__occurred_at__gte=start) if first_ever and start is not None else None
    # Every transfer here has one payer or one payee (module docstring): the smaller leg is
    # what went between this payer and this payee.
    minutes = Least(Abs("amount"), F("transfer__entries__amount"))
    # A transfer gives one row per pair: entries are unique per account, and a person has one
    # account in hours per membership.
    totals: dict[str, Any] = {
        "transfers": Count("pk", filter=in_window),
        "minutes": Sum(minutes, filter=in_window),
    }
    if first_ever:
        totals["first"] = Min("transfer__occurred_at")
    return (
        legs.values(payer=F(_PAYER), payee=F(_PAYEE)).annotate(**totals).order_by("payer", "payee")
    )


def _pair(row: Mapping[str, Any]) -> DirectedPair:
    return DirectedPair(
        payer=str(row["payer"]),
        payee=str(row["payee"]),
        transfers=int(row["transfers"]),
        minutes=int(row["minutes"]),
    )


def ledger_pairs(
    *,
    organisation_ids: Collection[int],
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[DirectedPair]:
    """Who paid whom among the members of these banks in [start, end), in one query: a
    ``DirectedPair`` per ordered pair of person ids (as strings). Unscoped: the caller has
    authorised the viewer for every bank in ``organisation_ids``."""
    return [_pair(row) for row in _pair_rows(organisation_ids, start, end)]


def _groups(
    organisation_ids: Collection[int], start: datetime | None, end: datetime | None
) -> tuple[dict[str, str], dict[str, str]]:
    """Everyone on the roster, by area and by role, in one query."""
    in_pairs = _legs(
        organisation_ids,
        start,
        end,
        Q(**{_PAYER: OuterRef("person_id")}) | Q(**{_PAYEE: OuterRef("person_id")}),
    )
    rows = (
        Membership.objects.filter(organisation_id__in=organisation_ids)
        .filter(Q(status=MembershipStatus.ACTIVE, role__in=TAKING_PART_ROLES) | Exists(in_pairs))
        .values_list("person_id", "person__area__name", "role")
        .order_by("person_id")
    )
    by_area: dict[str, str] = {}
    roles: dict[str, set[str]] = {}
    for person_id, area, role in rows:
        person = str(person_id)
        by_area[person] = area or NO_AREA
        roles.setdefault(person, set()).add(role)
    return by_area, {person: _role_group(held) for person, held in roles.items()}


def _role_group(roles: set[str]) -> str:
    """A person's group from their roles in the banks asked about: staff in any is staff."""
    if roles.intersection(STAFF_ROLES):
        return STAFF
    return MEMBER if Role.MEMBER in roles else COMMISSIONER


def ledger_roster(
    *,
    organisation_ids: Collection[int],
    by: Literal["area", "role"] = "area",
    start: datetime | None = None,
    end: datetime | None = None,
) -> dict[str, str]:
    """The population of these banks for the network measures, person id (as a string) →
    group, in one query: every active member and staff (not commissioners), and everyone in
    the pairs of [start, end) whatever their membership now (someone who has since left
    still made their ties). ``by="area"``: their area's name, or "no area". ``by="role"``:
    "staff" (staff, coordinator, manager or administrator in any of the banks) or "member".
    Unscoped, as ``ledger_pairs``."""
    if by not in ("area", "role"):
        raise ValueError(f"a roster is by area or by role, not {by!r}")
    by_area, by_role = _groups(organisation_ids, start, end)
    return by_area if by == "area" else by_role


def ledger_network(
    *,
    viewer: Viewer,
    organisation_id: int,
    start: datetime | None = None,
    end: datetime | None = None,
) -> dict[str, Any]:
    """A bank's network measures in [start, end) (``impact.network.measures`` with the area
    roster), the E-I index between staff and members, and the ties new in each quarter of
    the window: a tie is new in the quarter (local date) of its first transfer ever, so a
    tie made before ``start`` is not new in the window. Figures only, so commissioners see
    them too. Two queries."""
    permissions.check(
        viewer, "people.view_aggregates", organisation_id, action="see the network measures"
    )
    if start is not None and end is not None and start >= end:
        raise InvalidInput("end", "The end of the period must be after its start.")
    banks = [organisation_id]
    by_area, by_role = _groups(banks, start, end)
    rows = list(_pair_rows(banks, start, end, first_ever=True))
    pairs = [_pair(row) for row in rows if row["transfers"]]

    first: dict[tuple[str, str], datetime] = {}
    for row in rows:
        a, b = sorted((str(row["payer"]), str(row["payee"])))
        seen = first.get((a, b))
        if seen is None or row["first"] < seen:
            first[a, b] = row["first"]
    new_ties = [
        (timezone.localdate(at), a, b)
        for (a, b), at in first.items()
        if start is None or at >= start
    ]

    result = measures(pairs, by_area).as_json()
    staff_members = ei_index(pairs, by_role)
    result["ei_index_staff_members"] = float(staff_members) if staff_members is not None else None
    result["new_ties_per_quarter"] = new_ties_per_quarter(new_ties)
    return result
