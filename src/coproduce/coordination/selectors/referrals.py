"""Reading social prescribing referrals. A referral is special-category data: the person it
is about (once linked to their membership), the link worker who holds it and managers of
the service may read it; every read by someone other than the person is logged. Anyone else
in the organisation is refused; anyone outside it gets a 404.

A referral that has no link worker yet is read by the service's managers, who triage it."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from coproduce.coordination import prsb
from coproduce.coordination.models import PeerGroup, Referral, ReferralStatus
from coproduce.coordination.selectors.access import access_record
from coproduce.directory.models import Asset, AssetStatus
from coproduce.errors import InvalidInput, NotFound, PermissionDenied
from coproduce.people import permissions
from coproduce.people.models import HistoryEntry, Membership, MembershipStatus, Role
from coproduce.people.permissions import Viewer

SUBJECT_TYPE = "coordination.referral"
COORDINATING_ROLES = (Role.COORDINATOR, Role.MANAGER, Role.ADMIN)


def referral_reader_kind(viewer: Viewer, referral: Referral) -> str | None:
    """``"person"``, ``"link_worker"`` or ``"manager"``: how the viewer may read the referral
    (None if they may not)."""
    if viewer.person_id is None:
        return None
    if referral.membership is not None and referral.membership.person_id == viewer.person_id:
        return "person"
    if permissions.may(viewer, "coordination.manage", referral.organisation_id):
        return "manager"
    if (
        permissions.may(viewer, "coordination.coordinate", referral.organisation_id)
        and referral.link_worker is not None
        and referral.link_worker.person_id == viewer.person_id
    ):
        return "link_worker"
    return None


def _log_read(viewer: Viewer, referral: Referral) -> None:
    """Write the read to the access log: about the referred person once the referral is
    linked to their membership, and about the referral itself (by its ``object_ref``) until
    then."""
    access_record(
        viewer=viewer,
        subject=referral.membership.person if referral.membership is not None else None,
        what="referral",
        organisation_id=referral.organisation_id,
        object_ref=f"referral:{referral.pk}",
    )


def access_referral_by_id(
    *, viewer: Viewer, referral_id: int, write: bool = False, log: bool = True
) -> Referral:
    """Fetch and authorise a referral in one step (STYLE 5a). ``write`` asks for the right
    to triage and record it (its link worker or a manager). The read is logged unless
    ``log`` is False (a service that writes logs nothing: the history records it)."""
    referral = (
        Referral.objects.select_related(
            "organisation", "membership__person", "link_worker__person", "created_by"
        )
        .filter(pk=referral_id)
        .first()
    )
    if referral is None:
        raise NotFound()
    kind = referral_reader_kind(viewer, referral)
    if kind is None:
        if viewer.role_in(referral.organisation_id) is None:
            raise NotFound()
        raise PermissionDenied(
            "Only the person, their link worker and the service's managers can see this referral."
        )
    if write and kind == "person":
        raise PermissionDenied("Your link worker records the referral with you.")
    if log and kind != "person":
        _log_read(viewer, referral)
    return referral


def referrals_visible(*, viewer: Viewer, status: str = "") -> QuerySet[Referral]:
    """The referrals the viewer may list: their own, the ones they hold as link worker and
    every referral of a service they manage, newest first. A list shows the reference,
    status, dates and link worker; opening a referral is the read that is logged."""
    if viewer.person_id is None:
        return Referral.objects.none()
    if status and status not in ReferralStatus.values:
        raise InvalidInput("status", "Choose one of the statuses listed.")
    managed = viewer.organisation_ids("coordination.manage")
    coordinating = viewer.organisation_ids("coordination.coordinate")
    found = Referral.objects.filter(
        Q(membership__person_id=viewer.person_id)
        | Q(link_worker__person_id=viewer.person_id, organisation_id__in=coordinating)
        | Q(organisation_id__in=managed)
    )
    if status:
        found = found.filter(status=status)
    return found.select_related("organisation", "link_worker__person").order_by(
        "-received_at", "-pk"
    )


def referral_events(referral: Referral) -> prsb.Events:
    """When the referral was accepted, declined (and why) and closed, from its history."""
    entries = HistoryEntry.objects.filter(
        subject_type=SUBJECT_TYPE,
        subject_id=str(referral.pk),
        action__in=(
            "coordination.referral_accept",
            "coordination.referral_decline",
            "coordination.referral_close",
        ),
    ).order_by("at")
    found: dict[str, object] = {}
    for entry in entries:
        day = timezone.localdate(entry.at)
        if entry.action == "coordination.referral_accept":
            found["accepted_on"] = day
        elif entry.action == "coordination.referral_decline":
            found["declined_on"] = day
            found["decline_reason"] = str(entry.detail.get("reason", ""))
        else:
            found["closed_on"] = day
            found["closing_summary"] = str(entry.detail.get("summary", ""))
    return prsb.Events(**found)  # type: ignore[arg-type]


def message_for(referral: Referral) -> dict[str, object]:
    """The message back for a referral already fetched through ``access_referral_by_id``."""
    return prsb.message_back(
        reference=referral.reference,
        service=referral.organisation.name,
        status=referral.status,
        received_on=timezone.localdate(referral.received_at),
        referrer=referral.referrer,
        demographics=referral.demographics,
        link_worker=referral.link_worker.person.display_name if referral.link_worker else None,
        support=referral.support,
        outcomes=referral.outcomes,
        events=referral_events(referral),
        generated_at=timezone.now().replace(microsecond=0),
    )


def referral_message(*, viewer: Viewer, referral_id: int) -> dict[str, object]:
    """The message back to the referrer, as JSON (the read is logged)."""
    return message_for(access_referral_by_id(viewer=viewer, referral_id=referral_id))


def referral_message_csv(*, viewer: Viewer, referral_id: int) -> tuple[str, str]:
    """The message back as CSV, one row per item, and the referral's reference (the read
    is logged)."""
    referral = access_referral_by_id(viewer=viewer, referral_id=referral_id)
    return prsb.message_back_csv(message_for(referral)), referral.reference


def link_worker_choices(referral: Referral) -> list[Membership]:
    """The service's active coordinators and managers, other than the referred person."""
    found = Membership.objects.filter(
        organisation_id=referral.organisation_id,
        status=MembershipStatus.ACTIVE,
        role__in=COORDINATING_ROLES,
    ).select_related("person")
    if referral.membership is not None:
        found = found.exclude(person_id=referral.membership.person_id)
    return list(found.order_by("person__full_name", "pk"))


def support_asset_choices(referral: Referral) -> list[Asset]:
    """The service's active directory assets a piece of support may link to."""
    return list(
        Asset.objects.filter(organisation_id=referral.organisation_id, status=AssetStatus.ACTIVE)
        .only("pk", "name")
        .order_by("name", "pk")[:200]
    )


def support_group_choices(referral: Referral) -> list[PeerGroup]:
    """The service's peer support groups a piece of support may link to."""
    return list(
        PeerGroup.objects.filter(organisation_id=referral.organisation_id)
        .only("pk", "name")
        .order_by("name", "pk")[:200]
    )


def person_name(referral: Referral) -> str:
    """The referred person's name: their member record once linked, else the referral's."""
    if referral.membership is not None:
        return referral.membership.person.display_name
    data = referral.demographics
    return str(data.get("preferred_name") or data.get("full_name", ""))


def referral_message_text(
    *, viewer: Viewer, organisation_slug: str, reference: str, format: str
) -> str:
    """The message back for the referral with this reference in the organisation, as JSON
    or CSV text (for the ``referral-message`` command; the read is logged)."""
    import json

    if format not in ("json", "csv"):
        raise InvalidInput("format", "Choose json or csv.")
    referral_id = (
        Referral.objects.filter(organisation__slug=organisation_slug, reference=reference)
        .values_list("pk", flat=True)
        .first()
    )
    if referral_id is None:
        raise NotFound(f"No referral {reference} at {organisation_slug}.")
    if format == "csv":
        return referral_message_csv(viewer=viewer, referral_id=referral_id)[0]
    return json.dumps(referral_message(viewer=viewer, referral_id=referral_id), indent=2)
