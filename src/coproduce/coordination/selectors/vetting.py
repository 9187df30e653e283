"""Who holds a current vetting record: safeguarding for introductions and matching. A record
is current when its DBS check is no older than ``VETTING_VALID_DAYS`` (the three-year renewal
most volunteering organisations use) and at least one reference was taken."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

from django.utils import timezone

from coproduce.people.models import Vetting

VETTING_VALID_DAYS = 3 * 365


def vetted_person_ids(person_ids: Iterable[int], *, on: date | None = None) -> set[int]:
    """The people among ``person_ids`` with a current vetting record on ``on`` (today)."""
    today = on or timezone.localdate()
    return set(
        Vetting.objects.filter(
            person_id__in=list(person_ids),
            dbs_checked_on__gte=today - timedelta(days=VETTING_VALID_DAYS),
            dbs_checked_on__lte=today,
            references_taken__gte=1,
        ).values_list("person_id", flat=True)
    )
