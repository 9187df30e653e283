"""The access log of special-category data (DESIGN invariant 5): plans, referrals and
vetting. Every selector that returns such a record calls ``access_record`` in the same
request; managers read the log through ``access_log``."""

from __future__ import annotations

from django.db.models import QuerySet

from coproduce.people import permissions
from coproduce.people.models import Person, SensitiveAccess
from coproduce.people.permissions import Viewer


def access_record(
    *,
    viewer: Viewer,
    subject: Person | None,
    what: str,
    organisation_id: int,
    object_ref: str = "",
) -> None:
    """Write that ``viewer`` read ``what`` of ``subject`` (a person reading their own record
    is not logged: it is theirs). ``subject`` is None for a record not yet linked to anyone;
    ``object_ref`` must then name the record."""
    if viewer.person is None or (subject is not None and viewer.person.pk == subject.pk):
        return
    if subject is None and not object_ref:
        raise ValueError("A read of a record linked to no one must name the record.")
    SensitiveAccess.objects.create(
        viewer=viewer.person,
        subject=subject,
        what=what,
        organisation_id=organisation_id,
        object_ref=object_ref,
    )


def access_log(*, viewer: Viewer, organisation_id: int) -> QuerySet[SensitiveAccess]:
    """Who read which special-category record of ``organisation_id``, newest first."""
    permissions.check(viewer, "coordination.manage", organisation_id, action="read the access log")
    return (
        SensitiveAccess.objects.filter(organisation_id=organisation_id)
        .select_related("viewer", "subject")
        .order_by("-at", "-pk")
    )
