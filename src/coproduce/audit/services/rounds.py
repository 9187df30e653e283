"""Rounds: a manager (``audit.run``) opens a round for a service with the organisation's
instrument; it is answered from ``opens_on`` to ``closes_on`` inclusive."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Iterable
from datetime import date, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from coproduce.audit import scoring
from coproduce.audit.models import Answer, Group, Respondent, Round, Source
from coproduce.audit.notices import ROUND_INVITED
from coproduce.audit.selectors.rounds import access_round, round_instrument
from coproduce.audit.services.instruments import instrument_for_round
from coproduce.directory.models import Asset
from coproduce.errors import Conflict, InvalidInput
from coproduce.notifications.services import notification_send
from coproduce.people import permissions
from coproduce.people.history import history_record
from coproduce.people.models import Membership, MembershipStatus, Organisation, Role
from coproduce.people.permissions import Viewer

TEXT_LIMIT = 200
# A manager may enter last year's paper round: dates up to three years back.
EARLIEST_DAYS = 3 * 366
LATEST_DAYS = 2 * 366


def _text(value: str, *, field: str, label: str) -> str:
    value = value.strip()
    if not value:
        raise InvalidInput(field, f"Give the round's {label}.")
    if len(value) > TEXT_LIMIT:
        raise InvalidInput(field, f"The {label} can be at most {TEXT_LIMIT} characters.")
    return value


@transaction.atomic
def round_open(
    *,
    viewer: Viewer,
    organisation_id: int,
    service: str,
    title: str,
    opens_on: date,
    closes_on: date,
    instrument_id: int | None = None,
    asset_id: uuid.UUID | str | None = None,
    threshold: int = 5,
) -> Round:
    """Open a round of the organisation's instrument (the default copy unless one is given)."""
    permissions.check(viewer, "audit.run", organisation_id, action="open an audit round")
    service = _text(service, field="service", label="service")
    title = _text(title, field="title", label="title")
    today = timezone.localdate()
    if opens_on < today - timedelta(days=EARLIEST_DAYS):
        raise InvalidInput("opens_on", "A round can open at most three years back.")
    if closes_on > today + timedelta(days=LATEST_DAYS):
        raise InvalidInput("closes_on", "A round can close at most two years ahead.")
    if closes_on < opens_on:
        raise InvalidInput("closes_on", "The round must close on or after the day it opens.")
    if not 1 <= threshold <= 100:
        raise InvalidInput("threshold", "The threshold must be between 1 and 100.")
    organisation = Organisation.objects.get(pk=organisation_id)
    asset = None
    if asset_id is not None:
        asset = Asset.objects.filter(pk=asset_id, organisation_id=organisation_id).first()
        if asset is None:
            raise InvalidInput("asset_id", "Choose a place from this organisation's directory.")
    instrument = instrument_for_round(organisation=organisation, instrument_id=instrument_id)
    actor = viewer.person
    opened = Round.objects.create(
        organisation=organisation,
        instrument=instrument,
        service=service,
        asset=asset,
        title=title,
        opens_on=opens_on,
        closes_on=closes_on,
        threshold=threshold,
        created_by=actor,
    )
    history_record(
        actor=actor,
        action="audit.round_opened",
        subject=opened,
        organisation=organisation,
        detail={"service": service, "opens_on": str(opens_on), "closes_on": str(closes_on)},
    )
    return opened


MAX_LINKS = 200


def token_hash(token: str) -> str:
    """The SHA-256 hex of a link's token: the only form of it that is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def round_close(*, viewer: Viewer, round_id: int, today: date | None = None) -> Round:
    """Close the round now (managers); closing a closed round is a conflict."""
    found = access_round(viewer, round_id=round_id, ability="audit.run")
    found = Round.objects.select_for_update().get(pk=found.pk)
    if found.closed_at is not None:
        raise Conflict("This round is already closed.")
    found.closed_at = timezone.now()
    found.save(update_fields=["closed_at"])
    history_record(
        actor=viewer.person,
        action="audit.round_closed",
        subject=found,
        organisation=found.organisation,
        detail={"today": str(today or timezone.localdate())},
    )
    return found


@transaction.atomic
def round_invite(
    *, viewer: Viewer, round_id: int, person_ids: Iterable[int], group: str | None = None
) -> int:
    """Invite active members of the round's organisation to answer (managers). The group is
    ``group`` or from each one's role (member: members; others: staff). People already
    invited are skipped; the count of new invitations comes back."""
    found = access_round(viewer, round_id=round_id, ability="audit.run")
    if group is not None and group not in Group.values:
        raise InvalidInput("group", "Choose staff or members.")
    wanted = {int(pk) for pk in person_ids}
    memberships = Membership.objects.filter(
        organisation_id=found.organisation_id,
        status=MembershipStatus.ACTIVE,
        person_id__in=wanted,
        person__erased_at__isnull=True,
    ).select_related("person")
    found_ids = {m.person_id for m in memberships}
    if wanted - found_ids:
        raise InvalidInput("person_ids", "Choose people who are active in this organisation.")
    already = set(
        Respondent.objects.filter(round=found, person_id__in=found_ids).values_list(
            "person_id", flat=True
        )
    )
    new = [
        Respondent(
            round=found,
            source=Source.LOGIN,
            person=m.person,
            group=group or (Group.MEMBER if m.role == Role.MEMBER else Group.STAFF),
        )
        for m in memberships
        if m.person_id not in already
    ]
    Respondent.objects.bulk_create(new)
    if new:
        notification_send(
            user_ids=[r.person.user_id for r in new if r.person is not None],
            event=ROUND_INVITED,
            title=f"Please answer: {found.title}",
            body=f"A co-production self-assessment of {found.service}, open until "
            f"{found.closes_on:%-d %B %Y}.",
            url=reverse("audit:respond", args=[found.pk]),
        )
        history_record(
            actor=viewer.person,
            action="audit.round_invited",
            subject=found,
            organisation=found.organisation,
            detail={"invited": len(new)},
        )
    return len(new)


@transaction.atomic
def round_links_create(
    *, viewer: Viewer, round_id: int, group: str, count: int
) -> list[tuple[Respondent, str]]:
    """Make ``count`` single-use anonymous links (managers): each respondent with the token
    to show once; only the token's hash is stored."""
    found = access_round(viewer, round_id=round_id, ability="audit.run")
    if found.closed_at is not None:
        raise Conflict("This round is closed: no new links.")
    if group not in Group.values:
        raise InvalidInput("group", "Choose staff or members.")
    if not 1 <= count <= MAX_LINKS:
        raise InvalidInput("count", f"Make from 1 to {MAX_LINKS} links at a time.")
    made = []
    for _ in range(count):
        token = secrets.token_urlsafe(24)
        respondent = Respondent.objects.create(
            round=found, group=group, source=Source.LINK, token_hash=token_hash(token)
        )
        made.append((respondent, token))
    history_record(
        actor=viewer.person,
        action="audit.round_links_made",
        subject=found,
        organisation=found.organisation,
        detail={"group": group, "count": count},
    )
    return made


@transaction.atomic
def round_csv_import(
    *, viewer: Viewer, round_id: int, text: str, today: date | None = None
) -> list[Respondent]:
    """Save a paper CSV (respondent, group, item, answer) as submitted paper respondents
    (managers). Any bad row, or a respondent label already in the round, saves nothing."""
    found = access_round(viewer, round_id=round_id, ability="audit.run")
    responses, errors = scoring.responses_from_csv(text, round_instrument(found))
    if errors:
        shown = "; ".join(str(e) for e in errors[:20])
        more = f" (and {len(errors) - 20} more)" if len(errors) > 20 else ""
        raise InvalidInput("text", f"Nothing was saved. Fix these rows: {shown}{more}.")
    if not responses:
        raise InvalidInput("text", "The file has no answers.")
    labels = [r.respondent[:120] for r in responses]
    taken = list(
        Respondent.objects.filter(round=found, label__in=labels).values_list("label", flat=True)
    )
    if taken:
        raise Conflict(
            f"Respondent {', '.join(sorted(taken)[:10])} is already in this round; nothing saved."
        )
    now = timezone.now()
    saved = []
    for response in responses:
        respondent = Respondent.objects.create(
            round=found,
            group=response.group,
            source=Source.PAPER,
            label=response.respondent[:120],
            ladder_rung=response.ladder or "",
            started_at=now,
            submitted_at=now,
            entered_by=viewer.person,
        )
        Answer.objects.bulk_create(
            Answer(respondent=respondent, item_code=code, value=value)
            for code, value in response.answers.items()
        )
        saved.append(respondent)
    history_record(
        actor=viewer.person,
        action="audit.csv_imported",
        subject=found,
        organisation=found.organisation,
        detail={"respondents": len(saved), "today": str(today or timezone.localdate())},
    )
    return saved
