"""Keeping ``MatchDocument`` in step with its sources.

The lower apps cannot know about coordination (the layers in pyproject), so coordination
pulls: ``index_freshen(organisation_id)`` brings one organisation's documents up to date;
``index_freshen_if_due(organisation_id)`` runs before a match is read and does that at most
once every ``COORDINATION_MATCH_FRESHEN_SECONDS`` (a setting; default 300 s, five minutes)
per organisation, the time kept in ``MatchIndexState`` so every process shares it; a page
view in between costs one primary-key read. ``coproduce coordination freshen`` (for cron,
e.g. every few minutes) freshens every organisation; ``index_rebuild()`` (``coproduce
coordination reindex``) does every organisation from scratch. The full-text table beside the
documents follows by itself (SQLite triggers, a PostgreSQL generated column: migrations
0002, 0003).

Freshness is never what keeps anyone private: ``search`` checks consent, membership,
erasure, the listing's status, the group's room and the asset's status and visibility at
read time, so a stale index can only miss a new source (until the next freshen), never show
one that has gone.

Sources, one document each:

* ``person:<membership id>`` — an active member with a current ``BE_FOUND`` consent and at
  least one skill: their offers and interests, the place of their area, the days their open
  listings say they are free, whether they hold a current vetting record.
* ``offer:<listing id>`` / ``request:<listing id>`` — an active listing of an active member.
* ``group:<peer group id>`` — a peer group open to new members; places left is the capacity
  less its current members (full groups are kept with 0 and never suggested).
* ``asset:<asset uuid>`` — an active directory asset with the days its schedules open. Kept
  under its own organisation; a public asset of a public organisation is marked
  ``is_public`` and every organisation's freshen keeps it (one document, searched by all,
  as ``assets_visible_to`` lets introductions reach it).

Listings and assets carry ``updated_at``, so only those changed since the newest document of
their kind are rebuilt (the rest are only checked to still qualify, by id); people (consent,
skills and vetting have no single change time) and groups (members come and go) are compared
in full, which is one query each per organisation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from coproduce.coordination.matching.engine import days_code, days_in_text, days_of
from coproduce.coordination.models import MatchDocument, MatchIndexState, PeerGroup
from coproduce.coordination.selectors.introductions import assets_visible_to
from coproduce.coordination.selectors.vetting import vetted_person_ids
from coproduce.directory.models import AssetStatus, Schedule
from coproduce.people.models import (
    Consent,
    ConsentPurpose,
    Membership,
    MembershipStatus,
    Organisation,
    Skill,
    SkillKind,
)
from coproduce.timebank.models import Category, Listing, ListingStatus

OPTIMIZE_SQL = "INSERT INTO coordination_match_fts (coordination_match_fts) VALUES ('optimize')"

FIELDS = (
    "kind",
    "title",
    "text",
    "latitude",
    "longitude",
    "days",
    "places_left",
    "vetted",
    "membership_id",
    "is_public",
)


@dataclass(frozen=True)
class Doc:
    kind: str
    title: str
    text: str
    latitude: float | None
    longitude: float | None
    days: str
    places_left: int | None
    vetted: bool
    membership_id: int | None
    updated_at: datetime | None = None
    is_public: bool = False
    organisation_id: int | None = None  # when not the organisation being freshened

    def values(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in FIELDS)


@dataclass(frozen=True)
class Freshened:
    added: int
    changed: int
    removed: int


def _listing_days(organisation_id: int, membership_ids: Iterable[int]) -> dict[int, set[str]]:
    days: dict[int, set[str]] = defaultdict(set)
    for membership_id, availability in Listing.objects.filter(
        organisation_id=organisation_id,
        membership_id__in=list(membership_ids),
        status=ListingStatus.ACTIVE,
    ).values_list("membership_id", "availability"):
        days[membership_id] |= days_in_text(availability)
    return days


def person_docs(organisation_id: int) -> dict[str, Doc]:
    """Every member of the organisation who may be found, as documents."""
    consented = Consent.objects.filter(
        purpose=ConsentPurpose.BE_FOUND, withdrawn_at__isnull=True
    ).values("person_id")
    memberships = list(
        Membership.objects.filter(
            organisation_id=organisation_id,
            status=MembershipStatus.ACTIVE,
            person__erased_at__isnull=True,
            person_id__in=consented,
        ).values_list(
            "pk",
            "person_id",
            "person__preferred_name",
            "person__full_name",
            "person__area__latitude",
            "person__area__longitude",
        )
    )
    person_ids = [row[1] for row in memberships]
    skills: dict[int, list[str]] = defaultdict(list)
    for person_id, kind, label, description in (
        Skill.objects.filter(person_id__in=person_ids)
        .order_by("person_id", "kind", "label")
        .values_list("person_id", "kind", "label", "description")
    ):
        verb = "offers" if kind == SkillKind.OFFER else "likes"
        line = f"{verb} {label}"
        if description:
            line += f". {description}"
        skills[person_id].append(line.replace("\n", " "))
    vetted = vetted_person_ids(person_ids)
    days = _listing_days(organisation_id, [row[0] for row in memberships])
    docs = {}
    for membership_id, person_id, preferred, full, lat, lon in memberships:
        if not skills[person_id]:
            continue
        docs[f"person:{membership_id}"] = Doc(
            kind="person",
            title=(preferred or full)[:200],
            text="\n".join(skills[person_id]),
            latitude=lat,
            longitude=lon,
            days=days_code(days.get(membership_id, ())),
            places_left=None,
            vetted=person_id in vetted,
            membership_id=membership_id,
        )
    return docs


def _open_listings(organisation_id: int) -> Any:
    return Listing.objects.filter(
        organisation_id=organisation_id,
        status=ListingStatus.ACTIVE,
        membership__status=MembershipStatus.ACTIVE,
        membership__person__erased_at__isnull=True,
    )


def listing_docs(
    organisation_id: int, since: datetime | None, also: Iterable[int] = ()
) -> dict[str, Doc]:
    """Open listings changed after ``since`` (all of them when None), and those with the
    ids ``also``."""
    listings = _open_listings(organisation_id)
    if since is not None:
        listings = listings.filter(Q(updated_at__gt=since) | Q(pk__in=list(also)))
    rows = list(
        listings.values_list(
            "pk",
            "kind",
            "title",
            "description",
            "category",
            "availability",
            "membership_id",
            "membership__person_id",
            "area__latitude",
            "area__longitude",
            "membership__person__area__latitude",
            "membership__person__area__longitude",
            "updated_at",
        )
    )
    vetted = vetted_person_ids({row[7] for row in rows})
    labels = dict(Category.choices)
    docs = {}
    for (
        pk,
        kind,
        title,
        description,
        category,
        availability,
        membership_id,
        person_id,
        *rest,
    ) in rows:
        lat, lon, person_lat, person_lon, updated_at = rest
        text = "\n".join(
            part for part in (description, str(labels.get(category, "")), availability) if part
        )
        docs[f"{kind}:{pk}"] = Doc(
            kind=kind,
            title=title[:200],
            text=text,
            latitude=lat if lat is not None else person_lat,
            longitude=lon if lon is not None else person_lon,
            days=days_code(days_in_text(availability)),
            places_left=None,
            vetted=person_id in vetted,
            membership_id=membership_id,
            updated_at=updated_at,
        )
    return docs


def group_docs(organisation_id: int) -> dict[str, Doc]:
    groups = (
        PeerGroup.objects.filter(organisation_id=organisation_id, is_open=True)
        .annotate(current=Count("members", filter=Q(members__left_at__isnull=True)))
        .values_list(
            "pk",
            "name",
            "purpose",
            "meets",
            "meets_on",
            "capacity",
            "current",
            "latitude",
            "longitude",
            "area__latitude",
            "area__longitude",
        )
    )
    docs = {}
    for (
        pk,
        name,
        purpose,
        meets,
        meets_on,
        capacity,
        current,
        lat,
        lon,
        area_lat,
        area_lon,
    ) in groups:
        docs[f"group:{pk}"] = Doc(
            kind="group",
            title=name[:200],
            text="\n".join(part for part in (purpose, meets) if part),
            latitude=lat if lat is not None else area_lat,
            longitude=lon if lon is not None else area_lon,
            days=days_code(days_of(meets_on) | days_in_text(meets)),
            places_left=None if capacity is None else max(0, capacity - current),
            vetted=False,
            membership_id=None,
        )
    return docs


def _open_assets(organisation_id: int) -> Any:
    return assets_visible_to(organisation_id).filter(status=AssetStatus.ACTIVE)


def asset_docs(
    organisation_id: int, since: datetime | None, also: Iterable[Any] = ()
) -> dict[str, Doc]:
    """Open assets the organisation may be introduced to (its own and public ones) changed
    after ``since`` (all when None), and those with the ids ``also``."""
    assets = _open_assets(organisation_id)
    if since is not None:
        assets = assets.filter(Q(updated_at__gt=since) | Q(pk__in=list(also)))
    rows = list(
        assets.values_list(
            "pk",
            "organisation_id",
            "is_public",
            "organisation__is_public",
            "name",
            "description",
            "town",
            "latitude",
            "longitude",
            "area__latitude",
            "area__longitude",
            "updated_at",
        )
    )
    days: dict[Any, set[str]] = defaultdict(set)
    for asset_id, byday in Schedule.objects.filter(
        asset_id__in=[row[0] for row in rows]
    ).values_list("asset_id", "byday"):
        days[asset_id] |= days_of(byday)
    docs = {}
    for pk, owner, public, owner_public, name, description, town, *rest in rows:
        lat, lon, area_lat, area_lon, updated_at = rest
        docs[f"asset:{pk}"] = Doc(
            kind="asset",
            title=name[:200],
            text="\n".join(part for part in (description, town) if part),
            latitude=lat if lat is not None else area_lat,
            longitude=lon if lon is not None else area_lon,
            days=days_code(days.get(pk, ())),
            places_left=None,
            vetted=False,
            membership_id=None,
            updated_at=updated_at,
            is_public=bool(public and owner_public),
            organisation_id=owner,
        )
    return docs


def _mine(organisation_id: int) -> Q:
    """This organisation's documents and the public assets every organisation keeps."""
    return Q(organisation_id=organisation_id) | Q(kind="asset", is_public=True)


def _existing(organisation_id: int) -> dict[str, tuple[int, tuple[Any, ...]]]:
    return {
        row[0]: (row[1], tuple(row[2:]))
        for row in MatchDocument.objects.filter(_mine(organisation_id)).values_list(
            "key", "pk", *FIELDS
        )
    }


def freshen_interval() -> timedelta:
    """How stale a page view lets an organisation's index get (default five minutes)."""
    return timedelta(seconds=getattr(settings, "COORDINATION_MATCH_FRESHEN_SECONDS", 300))


def index_freshen_if_due(organisation_id: int, *, now: datetime | None = None) -> Freshened | None:
    """Freshen the organisation's documents unless that was done within
    ``freshen_interval()`` of ``now``; None when it was not due. The claim is one
    conditional update, so two requests at once do not both freshen."""
    now = now or timezone.now()
    last = (
        MatchIndexState.objects.filter(organisation_id=organisation_id)
        .values_list("freshened_at", flat=True)
        .first()
    )
    if last is not None and now - last < freshen_interval():
        return None
    with transaction.atomic():
        if last is None:
            _, claimed = MatchIndexState.objects.get_or_create(
                organisation_id=organisation_id, defaults={"freshened_at": now}
            )
        else:
            claimed = bool(
                MatchIndexState.objects.filter(
                    organisation_id=organisation_id, freshened_at=last
                ).update(freshened_at=now)
            )
        if not claimed:
            return None
        return index_freshen(organisation_id, now=now)


@transaction.atomic
def index_freshen(organisation_id: int, *, now: datetime | None = None) -> Freshened:
    """Bring one organisation's documents up to date with their sources."""
    now = now or timezone.now()
    existing = _existing(organisation_id)
    # The newest source change already indexed, per source table (documents of listings
    # and assets carry their source's updated_at).
    listing_since = (
        MatchDocument.objects.filter(organisation_id=organisation_id, kind__in=["offer", "request"])
        .aggregate(newest=Max("updated_at"))
        .get("newest")
    )
    asset_since = (
        MatchDocument.objects.filter(_mine(organisation_id), kind="asset")
        .aggregate(newest=Max("updated_at"))
        .get("newest")
    )
    # What still qualifies, by id only, for the kinds read incrementally; a source that
    # qualifies without a document (an import keeps its feed's older updated_at) is read too.
    open_listings = dict(_open_listings(organisation_id).values_list("pk", "kind"))
    open_assets = set(_open_assets(organisation_id).values_list("pk", flat=True))
    still = {f"{kind}:{pk}" for pk, kind in open_listings.items()}
    still |= {f"asset:{pk}" for pk in open_assets}
    wanted: dict[str, Doc] = {}
    wanted.update(person_docs(organisation_id))
    wanted.update(group_docs(organisation_id))
    wanted.update(
        listing_docs(
            organisation_id,
            listing_since,
            also=[pk for pk, kind in open_listings.items() if f"{kind}:{pk}" not in existing],
        )
    )
    wanted.update(
        asset_docs(
            organisation_id,
            asset_since,
            also=[pk for pk in open_assets if f"asset:{pk}" not in existing],
        )
    )
    # An asset that has just become public may still be another organisation's document.
    missing = [key for key in wanted if key not in existing and key.startswith("asset:")]
    if missing:
        existing.update(
            {
                row[0]: (row[1], tuple(row[2:]))
                for row in MatchDocument.objects.filter(key__in=missing).values_list(
                    "key", "pk", *FIELDS
                )
            }
        )
    gone = [
        pk
        for key, (pk, _) in existing.items()
        if key not in wanted
        and not (key.split(":", 1)[0] in {"offer", "request", "asset"} and key in still)
    ]
    add, change = [], []
    for key, doc in wanted.items():
        stamp = doc.updated_at or now
        owner = doc.organisation_id or organisation_id
        if key not in existing:
            add.append(
                MatchDocument(
                    organisation_id=owner,
                    key=key,
                    updated_at=stamp,
                    **dict(zip(FIELDS, doc.values(), strict=True)),
                )
            )
        elif existing[key][1] != doc.values() or doc.updated_at is not None:
            change.append(
                MatchDocument(
                    pk=existing[key][0],
                    organisation_id=owner,
                    key=key,
                    updated_at=stamp,
                    **dict(zip(FIELDS, doc.values(), strict=True)),
                )
            )
    if gone:
        MatchDocument.objects.filter(pk__in=gone).delete()
    MatchDocument.objects.bulk_create(add, batch_size=500, ignore_conflicts=True)
    MatchDocument.objects.bulk_update(
        change, [*FIELDS, "organisation_id", "updated_at"], batch_size=500
    )
    MatchIndexState.objects.update_or_create(
        organisation_id=organisation_id, defaults={"freshened_at": now}
    )
    return Freshened(added=len(add), changed=len(change), removed=len(gone))


def index_remove_person(membership_id: int) -> None:
    """Drop a person at once (their consent was withdrawn)."""
    MatchDocument.objects.filter(key=f"person:{membership_id}").delete()


def index_optimize() -> None:
    """Merge SQLite's full-text index into one b-tree (after a rebuild or a cron freshen):
    many small segments, as bulk inserts leave them, make every search slower. Nothing to
    do on PostgreSQL (GIN keeps itself)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(OPTIMIZE_SQL)


def index_rebuild(organisation_ids: Iterable[int] | None = None) -> int:
    """Rebuild from scratch, then optimise the full-text index; returns the number of
    documents."""
    ids = (
        list(organisation_ids)
        if organisation_ids is not None
        else list(Organisation.objects.values_list("pk", flat=True))
    )
    total = 0
    for organisation_id in ids:
        with transaction.atomic():
            MatchDocument.objects.filter(organisation_id=organisation_id).delete()
            index_freshen(organisation_id)
        total += MatchDocument.objects.filter(organisation_id=organisation_id).count()
    index_optimize()
    return total


def index_freshen_all(now: datetime | None = None) -> Freshened:
    """Freshen every organisation, then optimise the full-text index (cron: ``coproduce
    coordination freshen``)."""
    added = changed = removed = 0
    for organisation_id in Organisation.objects.values_list("pk", flat=True):
        done = index_freshen(organisation_id, now=now)
        added, changed, removed = (
            added + done.added,
            changed + done.changed,
            removed + done.removed,
        )
    index_optimize()
    return Freshened(added=added, changed=changed, removed=removed)


def index_freshen_command(command: BaseCommand) -> None:
    done = index_freshen_all()
    command.stdout.write(
        f"Matching index freshened: {done.added} added, {done.changed} changed, "
        f"{done.removed} removed."
    )


def index_rebuild_command(command: BaseCommand) -> None:
    count = index_rebuild()
    command.stdout.write(f"Matching index rebuilt: {count} documents.")
