"""Evaluation reports and the time-bank figures they carry: reads, for those who read reports
(``impact.report``: coordinators, managers, commissioners and administrators). A report is
aggregates only; another organisation's report is not found."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import (
    BigIntegerField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    When,
)
from django.db.models.functions import TruncMonth
from django.db.models.sql.compiler import SQLCompiler
from django.utils import timezone

from coproduce.errors import InvalidInput, NotFound
from coproduce.impact.models import EvaluationReport
from coproduce.people import permissions
from coproduce.people.permissions import Viewer
from coproduce.timebank.models import AccountKind, Entry, Transfer, TransferKind, Unit
from coproduce.timebank.selectors import EXCHANGE_KINDS

REPORT = "impact.report"


def report_list(*, viewer: Viewer, organisation_id: int) -> QuerySet[EvaluationReport]:
    """The organisation's reports, newest first, without their figures (a page lists many)."""
    permissions.check(viewer, REPORT, organisation_id, action="see its evaluation reports")
    return (
        EvaluationReport.objects.filter(organisation_id=organisation_id)
        .select_related("area")
        .defer("figures")
        .order_by("-requested_at", "-pk")
    )


def report_get(*, viewer: Viewer, report_id: int) -> EvaluationReport:
    """One report with its figures: NotFound when the viewer is not active in its organisation,
    PermissionDenied when their role does not read reports."""
    found = (
        EvaluationReport.objects.select_related("organisation", "area").filter(pk=report_id).first()
    )
    if found is None or viewer.role_in(found.organisation_id) is None:
        raise NotFound("No such report.")
    permissions.check(viewer, REPORT, found.organisation_id, action="see this report")
    return found


def report_window(period_start: date, period_end: date) -> tuple[datetime, datetime]:
    """The period's days, first to last inclusive, as [start, end) in local time."""
    start = timezone.make_aware(datetime.combine(period_start, time.min))
    end = timezone.make_aware(datetime.combine(period_end + timedelta(days=1), time.min))
    return start, end


class _UtcHour(Func):
    """The UTC hour a datetime falls in, as text "YYYY-MM-DD HH". Grouping a county's two
    million transfers by it is cheap on both databases, where Django's TruncMonth calls a
    Python function per row on SQLite."""

    output_field = CharField()
    template = "to_char(%(expressions)s AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24')"

    def as_sqlite(
        self, compiler: SQLCompiler, connection: BaseDatabaseWrapper, **extra_context: Any
    ) -> Any:
        # Django keeps an aware datetime on SQLite as UTC text, "YYYY-MM-DD HH:MM:SS[.ffffff]".
        return self.as_sql(
            compiler, connection, template="substr(%(expressions)s, 1, 13)", **extra_context
        )


def _whole_hours(start: datetime, end: datetime) -> bool:
    """Whether local time is a whole number of hours from UTC across [start, end], so that a
    local month begins on a UTC hour (true of the UK and most zones)."""
    zone = timezone.get_current_timezone()
    probe = start
    while probe <= end:
        offset = probe.astimezone(zone).utcoffset()
        if offset is None or offset.total_seconds() % 3600:
            return False
        probe += timedelta(days=30)
    offset = end.astimezone(zone).utcoffset()
    return offset is not None and not offset.total_seconds() % 3600


def _by_month(
    transfers: QuerySet[Transfer], minutes: Any, start: datetime, end: datetime
) -> dict[date, tuple[int, int]]:
    """(minutes, transfers) per local month: summed per UTC hour in the database, then each
    hour put in its local month here; by TruncMonth where the zone is not whole hours."""
    months: dict[date, tuple[int, int]] = {}
    if not _whole_hours(start, end):
        for row in (
            transfers.annotate(month=TruncMonth("occurred_at"))
            .values("month")
            .annotate(minutes=Sum(minutes), count=Count("pk"))
            .order_by("month")
        ):
            months[timezone.localtime(row["month"]).date()] = (
                int(row["minutes"] or 0),
                int(row["count"]),
            )
        return months
    rows = (
        transfers.annotate(hour=_UtcHour("occurred_at"))
        .values("hour")
        .annotate(minutes=Sum(minutes), count=Count("pk"))
        .order_by("hour")
    )
    for row in rows:
        # A bulk load may have written the ISO "T" where Django writes a space.
        utc = datetime.strptime(row["hour"].replace("T", " "), "%Y-%m-%d %H").replace(tzinfo=UTC)
        month = timezone.localtime(utc).date().replace(day=1)
        before = months.get(month, (0, 0))
        months[month] = (before[0] + int(row["minutes"] or 0), before[1] + int(row["count"]))
    return months


def _months(first: date, last: date) -> list[date]:
    months = []
    month = first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def report_hours(
    *,
    viewer: Viewer,
    organisation_id: int,
    area_id: int | None = None,
    start: datetime,
    end: datetime,
) -> dict[str, Any]:
    """Hours exchanged, exchanges and active members of a bank in [start, end), in two
    aggregate queries, with the hours of each local month of the window.

    Exchanges are counted as the time bank's statistics count them: exchanges, group sessions
    and exchanges across an agreement, in hours, leaving out a reversed transfer and its
    reversal. A transfer counts for the bank when one of its members (living in the area, when
    one is given) has a leg in it; an exchange across an agreement counts its minutes once,
    not once per bank's books. Active members are the members with a leg in one of them.

    Every figure is suppressed (None) when fewer active members than the suppression
    threshold took part: a few people's hours are theirs, not an aggregate."""
    permissions.check(viewer, REPORT, organisation_id, action="see the hours exchanged")
    if start >= end:
        raise InvalidInput("period_end", "The end of the period must be after its start.")
    member_leg = Q(account__kind=AccountKind.MEMBER, account__organisation_id=organisation_id)
    if area_id is not None:
        member_leg &= Q(account__membership__person__area_id=area_id)
    transfers = Transfer.objects.filter(
        Exists(Entry.objects.filter(member_leg, transfer=OuterRef("pk"))),
        unit=Unit.MINUTES,
        kind__in=EXCHANGE_KINDS,
        reversed_by__isnull=True,
        occurred_at__gte=start,
        occurred_at__lt=end,
    )
    # Across an agreement, the posted amount is the sum of the credits: the provider's leg
    # and the receiver's bank's clearing leg, twice what was exchanged.
    minutes = Case(
        When(kind=TransferKind.CROSS_BANK, then=F("amount") / 2),
        default=F("amount"),
        output_field=BigIntegerField(),
    )
    by_month = _by_month(transfers, minutes, start, end)
    active = Entry.objects.filter(
        member_leg,
        transfer__unit=Unit.MINUTES,
        transfer__kind__in=EXCHANGE_KINDS,
        transfer__reversed_by__isnull=True,
        transfer__occurred_at__gte=start,
        transfer__occurred_at__lt=end,
        # A person has one hours account per membership, and one membership of a bank: distinct
        # accounts are distinct people, counted without joining memberships.
    ).aggregate(people=Count("account_id", distinct=True))["people"]
    threshold = settings.COPRODUCE_SUPPRESSION_THRESHOLD
    suppressed = active < threshold
    total_minutes = sum(minutes for minutes, _ in by_month.values())
    last_day = timezone.localtime(end - timedelta(microseconds=1)).date()
    months = _months(timezone.localtime(start).date(), last_day)

    def shown(value: int) -> int | None:
        return None if suppressed else value

    return {
        "minutes": shown(total_minutes),
        "hours": None if suppressed else round(total_minutes / 60, 2),
        "exchanges": shown(sum(count for _, count in by_month.values())),
        "active_members": shown(active),
        "suppressed": suppressed,
        "by_month": [
            {
                "month": month.strftime("%Y-%m"),
                "label": month.strftime("%b %Y"),
                "minutes": shown(by_month.get(month, (0, 0))[0]),
                "exchanges": shown(by_month.get(month, (0, 0))[1]),
            }
            for month in months
        ],
    }
