"""Evaluation reports and the time-bank figures they carry: reads, for those who read reports
(``impact.report``: coordinators, managers, commissioners and administrators). A report is
aggregates only; another organisation's report is not found."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    BigIntegerField,
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    When,
)
from django.db.models.functions import TruncMonth
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
    by_month = {
        timezone.localtime(row["month"]).date(): (int(row["minutes"] or 0), int(row["count"]))
        for row in transfers.annotate(month=TruncMonth("occurred_at"))
        .values("month")
        .annotate(minutes=Sum(minutes), count=Count("pk"))
        .order_by("month")
    }
    active = Entry.objects.filter(
        member_leg,
        transfer__unit=Unit.MINUTES,
        transfer__kind__in=EXCHANGE_KINDS,
        transfer__reversed_by__isnull=True,
        transfer__occurred_at__gte=start,
        transfer__occurred_at__lt=end,
    ).aggregate(people=Count("account__membership__person_id", distinct=True))["people"]
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
