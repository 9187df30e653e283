"""The network measures of time banks' ledgers: who paid whom, read from the database.

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

How it is read, for a county's two million transfers: one query pairs every debited leg with
every credited leg of the same transfer and returns them ungrouped, each column as one
comma-separated string, which numpy reads and groups. SQLite's GROUP BY over two million
distinct pairs spills its sorter to disk (tens of seconds), and two million rows cost more to
fetch one by one than the join takes to run. That query joins no account, membership or
person, and reads every bank's legs: which member accounts are in the banks asked about, and
whose they are, comes from a second, small query (the memberships', or for ``ledger_pairs``
the member accounts'), and a leg on any other account (an agency's, a clearing account,
another bank's member) is dropped in numpy.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    Aggregate,
    BigIntegerField,
    Case,
    Count,
    F,
    FilteredRelation,
    Func,
    Q,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Abs, Least
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from coproduce.errors import InvalidInput
from coproduce.impact.network import (
    DirectedPair,
    NetworkError,
    Numbers,
    TieArrays,
    earliest_per_tie,
    pair_totals,
    ties_per_quarter,
)
from coproduce.people import permissions
from coproduce.people.models import Membership, MembershipStatus, Role
from coproduce.people.permissions import Viewer
from coproduce.timebank.models import Account, AccountKind, Transfer, Unit
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


class _Joined(Aggregate):
    """An integer expression's value on every row, comma-separated, in one string. Several
    in one query list the rows in the same order: the database feeds each row to every
    aggregate of the query before the next row (PostgreSQL's parallel workers too, whose
    partial strings are joined in one order for all of them)."""

    function = "GROUP_CONCAT"
    output_field = TextField()

    def as_postgresql(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> Any:
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s((%(expressions)s)::text, ',')",
            **extra_context,
        )


class _Seconds(Func):
    """A datetime as whole seconds since 1970, UTC."""

    output_field = BigIntegerField()
    template = "FLOOR(EXTRACT(EPOCH FROM %(expressions)s))::bigint"

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> Any:
        # Django keeps an aware datetime as UTC text. unixepoch() (SQLite 3.38) reads it in a
        # fraction of the time strftime() takes.
        if connection.Database.sqlite_version_info >= (3, 38):  # type: ignore[attr-defined]
            template = "unixepoch(%(expressions)s)"
        else:
            template = "CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)"
        return self.as_sql(compiler, connection, template=template, **extra_context)


@dataclass(frozen=True)
class _Legs:
    """Every debited leg paired with every credited leg of the same transfer, one element
    each: the accounts, the pair's minutes and, when dated, ``2 * seconds + in_window``
    (seconds since 1970 of the transfer; ``in_window`` 1 at or after the window's start)."""

    payer_accounts: Numbers
    payee_accounts: Numbers
    minutes: Numbers
    times: Numbers | None


def _numbers(text: str | None, count: int) -> Numbers:
    if not count:
        return np.empty(0, dtype=np.int64)
    values = np.fromstring(text or "", dtype=np.int64, sep=",")
    if values.size != count:
        raise RuntimeError(f"read {values.size} values of {count} legs")
    return values


def _legs(
    start: datetime | None,
    end: datetime | None,
    *,
    dated: bool = False,
) -> _Legs:
    """The legs in [start, end), in one query. ``dated``: every leg before ``end``, however
    long before ``start``, each with its time (``_Legs.times``)."""
    window = Q()
    if end is not None:
        window &= Q(occurred_at__lt=end)
    if start is not None and not dated:
        window &= Q(occurred_at__gte=start)
    reversed_ids = Transfer.objects.filter(reverses__isnull=False).values("reverses_id")
    # Asking for a debit and a credit makes both joins inner: a NULL would be skipped by the
    # string aggregates and the columns would no longer line up. NOT IN the few reversed
    # transfers is a lookup in a small list, made before either leg is read;
    # ``reversed_by__isnull`` would be an outer join on every transfer.
    legs = Transfer.objects.annotate(
        debit=FilteredRelation("entries", condition=Q(entries__amount__lt=0)),
        credit=FilteredRelation("entries", condition=Q(entries__amount__gt=0)),
    ).filter(
        window,
        ~Q(pk__in=reversed_ids),
        kind__in=EXCHANGE_KINDS,
        unit=Unit.MINUTES,
        debit__isnull=False,
        credit__isnull=False,
    )
    # Every transfer here has one payer or one payee (module docstring): the smaller leg is
    # what went between this payer and this payee.
    columns: dict[str, Any] = {
        "count": Count("pk"),
        "payers": _Joined("debit__account_id"),
        "payees": _Joined("credit__account_id"),
        "minutes": _Joined(Least(Abs("debit__amount"), F("credit__amount"))),
    }
    if dated:
        in_window = (
            Case(
                When(occurred_at__gte=start, then=Value(1)),
                default=Value(0),
                output_field=BigIntegerField(),
            )
            if start is not None
            else Value(1, output_field=BigIntegerField())
        )
        columns["times"] = _Joined(
            _Seconds("occurred_at") * Value(2, output_field=BigIntegerField()) + in_window
        )
    found = legs.aggregate(**columns)
    count = int(found["count"])
    return _Legs(
        payer_accounts=_numbers(found["payers"], count),
        payee_accounts=_numbers(found["payees"], count),
        minutes=_numbers(found["minutes"], count),
        times=_numbers(found["times"], count) if dated else None,
    )


@dataclass(frozen=True)
class _Numbering:
    """People numbered 0, 1, … in order of their ids, and each member account's number."""

    person_ids: list[int]
    by_account: Numbers  # account id → its person's number; -1 for an account of no one here

    @classmethod
    def of(cls, person_ids: list[int], accounts: Numbers, numbers: Numbers) -> _Numbering:
        """``person_ids`` ascending; ``accounts`` and their people's ``numbers``."""
        by_account = np.full(int(accounts.max()) + 1 if accounts.size else 0, -1, np.int64)
        by_account[accounts] = numbers
        return cls(person_ids=person_ids, by_account=by_account)

    def people(self, accounts: Numbers) -> Numbers:
        """Each account's person number, -1 for an account that is not a member account in
        the banks asked about."""
        known = accounts < self.by_account.size
        if known.all():
            return self.by_account[accounts]
        found = np.full(accounts.size, -1, dtype=np.int64)
        found[known] = self.by_account[accounts[known]]
        return found


@dataclass(frozen=True)
class _Paid:
    """The legs between two members of the banks asked about, as person numbers."""

    payer: Numbers
    payee: Numbers
    minutes: Numbers
    times: Numbers | None

    @classmethod
    def of(cls, legs: _Legs, numbering: _Numbering) -> _Paid:
        payer = numbering.people(legs.payer_accounts)
        payee = numbering.people(legs.payee_accounts)
        paid = cls(payer, payee, legs.minutes, legs.times)
        return paid.where((payer >= 0) & (payee >= 0))

    def where(self, keep: npt.NDArray[np.bool_]) -> _Paid:
        if keep.all():
            return self
        return _Paid(
            self.payer[keep],
            self.payee[keep],
            self.minutes[keep],
            self.times[keep] if self.times is not None else None,
        )

    def in_window(self) -> _Paid:
        """The legs at or after the window's start (every leg, when not dated)."""
        if self.times is None:
            return self
        inside = self.where((self.times & 1) == 1)
        return _Paid(inside.payer, inside.payee, inside.minutes, None)

    def refuse_self_payment(self, numbering: _Numbering) -> None:
        """Two of a person's accounts paying each other (an exchange across an agreement
        between their memberships of two banks) is refused, as ``measures`` refuses it."""
        same = np.flatnonzero(self.payer == self.payee)
        if same.size:
            person = numbering.person_ids[int(self.payer[same[0]])]
            raise NetworkError(f"a person cannot pay themselves ({person})")

    def total_minutes(self) -> int:
        # Exact: int64 holds the sum unless the legs could pass 2**63 between them.
        if not self.minutes.size:
            return 0
        if int(self.minutes.max()) * self.minutes.size < 2**63:
            return int(self.minutes.sum())
        return sum(self.minutes.tolist())


def ledger_pairs(
    *,
    organisation_ids: Collection[int],
    start: datetime | None = None,
    end: datetime | None = None,
) -> list[DirectedPair]:
    """Who paid whom among the members of these banks in [start, end), in two queries (the
    legs, the member accounts' people): a ``DirectedPair`` per ordered pair of person ids (as
    strings), in order of payer and payee. Unscoped: the caller has authorised the viewer for
    every bank in ``organisation_ids``."""
    legs = _legs(start, end)
    accounts = list(
        Account.objects.filter(
            kind=AccountKind.MEMBER, organisation_id__in=organisation_ids
        ).values_list("pk", "membership__person_id")
    )
    person_ids = sorted({person_id for _, person_id in accounts})
    number = {person_id: n for n, person_id in enumerate(person_ids)}
    numbering = _Numbering.of(
        person_ids,
        np.array([pk for pk, _ in accounts], dtype=np.int64),
        np.array([number[person_id] for _, person_id in accounts], dtype=np.int64),
    )
    paid = _Paid.of(legs, numbering)
    payers, payees, counts, minutes = pair_totals(paid.payer, paid.payee, paid.minutes)
    return [
        DirectedPair(
            payer=str(person_ids[payer]),
            payee=str(person_ids[payee]),
            transfers=count,
            minutes=total,
        )
        for payer, payee, count, total in zip(
            payers.tolist(), payees.tolist(), counts.tolist(), minutes.tolist(), strict=True
        )
    ]


@dataclass(frozen=True)
class _Memberships:
    """Every membership of the banks asked about, an element per row of the query (a
    membership with two accounts is two): its person's number, area and role."""

    numbering: _Numbering
    person: Numbers
    area: Numbers  # a number for each area, NO_AREA included: ``area_names[area]``
    area_names: list[str]
    staff: npt.NDArray[np.bool_]  # staff, coordinator, manager or administrator
    member: npt.NDArray[np.bool_]
    taking_part: npt.NDArray[np.bool_]  # active, and a member or staff

    @classmethod
    def of(cls, organisation_ids: Collection[int]) -> _Memberships:
        """One query. A member account is in its membership's bank
        (``timebank.ledger.member_account``): these are the banks' member accounts."""
        rows = list(
            Membership.objects.filter(organisation_id__in=organisation_ids)
            .values_list(
                "person_id", "person__area__name", "role", "status", "timebank_accounts__id"
            )
            .order_by("person_id")
        )
        person_ids, areas, roles, statuses, accounts = list(zip(*rows, strict=True)) or [()] * 5
        ids = np.array(person_ids, dtype=np.int64)
        # Rows come in order of person: a new person wherever the id changes.
        first_row = np.r_[True, ids[1:] != ids[:-1]] if ids.size else np.zeros(0, dtype=bool)
        person = np.cumsum(first_row) - 1
        area_numbers: dict[str, int] = {}
        area = [area_numbers.setdefault(name or NO_AREA, len(area_numbers)) for name in areas]
        size = len(rows)
        staff = np.fromiter((role in STAFF_ROLES for role in roles), dtype=bool, count=size)
        member = np.fromiter((role == Role.MEMBER for role in roles), dtype=bool, count=size)
        taking_part = np.fromiter(
            (
                status == MembershipStatus.ACTIVE and role in TAKING_PART_ROLES
                for role, status in zip(roles, statuses, strict=True)
            ),
            dtype=bool,
            count=size,
        )
        account = np.fromiter(
            (pk if pk is not None else -1 for pk in accounts), dtype=np.int64, count=size
        )
        has_account = account >= 0
        return cls(
            numbering=_Numbering.of(
                ids[first_row].tolist(), account[has_account], person[has_account]
            ),
            person=person,
            area=np.array(area, dtype=np.int64),
            area_names=list(area_numbers),
            staff=staff,
            member=member,
            taking_part=taking_part,
        )


# The role groups, in the order of the numbers ``_Roster.role`` holds.
_ROLE_GROUPS = (STAFF, MEMBER, COMMISSIONER)


@dataclass(frozen=True)
class _Roster:
    """Every active member and staff, and everyone in the pairs whatever their membership:
    by person number, their area's and their role group's numbers, -1 off the roster."""

    memberships: _Memberships
    area: Numbers
    role: Numbers

    @classmethod
    def of(cls, memberships: _Memberships, paid: _Paid) -> _Roster:
        size = len(memberships.numbering.person_ids)
        in_pairs = np.zeros(size, dtype=bool)
        in_pairs[paid.payer] = True
        in_pairs[paid.payee] = True
        # A membership that counts puts its person on the roster, with their roles in the
        # banks asked about.
        counts = in_pairs[memberships.person] | memberships.taking_part
        area = np.full(size, -1, dtype=np.int64)
        area[memberships.person[counts]] = memberships.area[counts]
        # Staff in any bank is staff; then a member; else a commissioner.
        staff = np.zeros(size, dtype=bool)
        staff[memberships.person[counts & memberships.staff]] = True
        member = np.zeros(size, dtype=bool)
        member[memberships.person[counts & memberships.member]] = True
        role = np.where(staff, 0, np.where(member, 1, 2))
        role[area < 0] = -1
        return cls(memberships=memberships, area=area, role=role)

    @property
    def size(self) -> int:
        return int(np.count_nonzero(self.area >= 0))

    def _by(self, numbers: Numbers, names: Sequence[str]) -> dict[str, str]:
        person_ids = self.memberships.numbering.person_ids
        return {
            str(person_ids[n]): names[numbers[n]] for n in np.flatnonzero(numbers >= 0).tolist()
        }

    def by_area(self) -> dict[str, str]:
        return self._by(self.area, self.memberships.area_names)

    def by_role(self) -> dict[str, str]:
        return self._by(self.role, _ROLE_GROUPS)


def ledger_roster(
    *,
    organisation_ids: Collection[int],
    by: Literal["area", "role"] = "area",
    start: datetime | None = None,
    end: datetime | None = None,
) -> dict[str, str]:
    """The population of these banks for the network measures, person id (as a string) →
    group, in two queries (the legs, the memberships): every active member and staff (not
    commissioners), and everyone in the pairs of [start, end) whatever their membership now
    (someone who has since left still made their ties). ``by="area"``: their area's name, or
    "no area". ``by="role"``: "staff" (staff, coordinator, manager or administrator in any of
    the banks) or "member". Unscoped, as ``ledger_pairs``."""
    if by not in ("area", "role"):
        raise ValueError(f"a roster is by area or by role, not {by!r}")
    legs = _legs(start, end)
    memberships = _Memberships.of(organisation_ids)
    roster = _Roster.of(memberships, _Paid.of(legs, memberships.numbering))
    return roster.by_area() if by == "area" else roster.by_role()


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
    memberships = _Memberships.of([organisation_id])
    ever = _Paid.of(_legs(start, end, dated=True), memberships.numbering)
    paid = ever.in_window()
    paid.refuse_self_payment(memberships.numbering)
    roster = _Roster.of(memberships, paid)

    ties = TieArrays.of(paid.payer, paid.payee)
    result = ties.measures(
        transfers=int(paid.payer.size),
        minutes=paid.total_minutes(),
        people=roster.size,
        groups=roster.area,
    ).as_json()
    staff_members = ties.ei_index(roster.role)
    result["ei_index_staff_members"] = float(staff_members) if staff_members is not None else None

    # A tie is new in the window when its first transfer ever is in it: the earliest time
    # of a tie with a transfer before the window is one of those, with in_window 0. Someone
    # paying themselves before the window is no tie (in it, it was refused above).
    ever = ever.where(ever.payer != ever.payee)
    assert ever.times is not None
    first = earliest_per_tie(ever.payer, ever.payee, ever.times)
    new = first[(first & 1) == 1] >> 1
    result["new_ties_per_quarter"] = ties_per_quarter(new, timezone.get_current_timezone())
    return result
