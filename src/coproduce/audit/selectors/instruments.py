"""Instruments: an organisation's copies, read by anyone in it with ``audit.view``.

A copy is one row per version; the list shows the latest version of each code, and a copy's
page shows its older versions."""

from __future__ import annotations

from django.db.models import Max, OuterRef, QuerySet, Subquery

from coproduce.audit.models import Instrument
from coproduce.errors import NotFound
from coproduce.people import permissions
from coproduce.people.permissions import Viewer

DEFAULT_CODE = "default"


def instrument_list(*, viewer: Viewer, organisation_id: int) -> QuerySet[Instrument]:
    """The latest version of each of the organisation's instruments, by code."""
    permissions.check(viewer, "audit.view", organisation_id, action="see the audit instruments")
    latest = (
        Instrument.objects.filter(
            organisation_id=OuterRef("organisation_id"), code=OuterRef("code")
        )
        .values("code")
        .annotate(top=Max("version"))
        .values("top")
    )
    return (
        Instrument.objects.filter(organisation_id=organisation_id)
        .filter(version=Subquery(latest))
        .order_by("code", "pk")
    )


def instrument_versions(instrument: Instrument) -> QuerySet[Instrument]:
    """Every version of ``instrument``'s code in its organisation, newest first."""
    return Instrument.objects.filter(
        organisation_id=instrument.organisation_id, code=instrument.code
    ).order_by("-version")


def instrument_latest(instrument: Instrument) -> Instrument:
    latest = instrument_versions(instrument).first()
    assert latest is not None  # the instrument itself is one of them
    return latest


def access_instrument_by_id(
    *, viewer: Viewer, instrument_id: int, ability: str = "audit.view", action: str = "see it"
) -> Instrument:
    """An instrument of one of the viewer's organisations, checked for ``ability``; another
    organisation's is not found."""
    instrument = Instrument.objects.filter(pk=instrument_id).select_related("organisation").first()
    if instrument is None or viewer.role_in(instrument.organisation_id) is None:
        raise NotFound()
    permissions.check(viewer, ability, instrument.organisation_id, action=action)
    return instrument


def may_manage(*, viewer: Viewer, organisation_id: int) -> bool:
    return permissions.may(viewer, "audit.run", organisation_id)
