"""The live search: the database's full-text index, then the engine's ranking."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, OuterRef, Q

from coproduce.coordination.matching.engine import (
    KINDS,
    Candidate,
    MatchQuery,
    Suggestion,
    query_text_scores,
    rank_hits,
)
from coproduce.coordination.models import MatchDocument, PeerGroup
from coproduce.coordination.selectors.introductions import assets_visible_to
from coproduce.coordination.selectors.vetting import vetted_person_ids
from coproduce.directory.models import AssetStatus
from coproduce.people.models import Consent, ConsentPurpose, MembershipStatus
from coproduce.timebank.models import Listing, ListingStatus

# How many text hits are re-ranked (by distance, days and places).
POOL = 100


Row = tuple[Any, ...]


def _still_open(rows: list[Row], organisation_id: int) -> list[Row]:
    """The hits whose source still qualifies, read now rather than trusted from the index
    (which may be a few minutes stale): listings still active, groups still open with room
    (places left counted now), assets still active and visible to the organisation."""
    ids: dict[str, list[str]] = defaultdict(list)
    for row in rows:
        ids[row[2]].append(row[1].split(":", 1)[1])
    listing_ids = [int(pk) for kind in ("offer", "request") for pk in ids[kind]]
    active = set()
    if listing_ids:
        active = {
            f"{kind}:{pk}"
            for pk, kind in Listing.objects.filter(
                pk__in=listing_ids, status=ListingStatus.ACTIVE
            ).values_list("pk", "kind")
        }
    room: dict[str, int | None] = {}
    if ids["group"]:
        for pk, capacity, current in (
            PeerGroup.objects.filter(pk__in=[int(pk) for pk in ids["group"]], is_open=True)
            .annotate(current=Count("members", filter=Q(members__left_at__isnull=True)))
            .values_list("pk", "capacity", "current")
        ):
            room[f"group:{pk}"] = None if capacity is None else max(0, capacity - current)
    if ids["asset"]:
        active |= {
            f"asset:{pk}"
            for pk in assets_visible_to(organisation_id)
            .filter(pk__in=ids["asset"], status=AssetStatus.ACTIVE)
            .values_list("pk", flat=True)
        }
    kept = []
    for row in rows:
        if row[2] == "group":
            if row[1] in room:
                kept.append((*row[:8], room[row[1]], *row[9:]))
        elif row[2] == "person" or row[1] in active:
            kept.append(row)
    return kept


def search(*, organisation_id: int, query: MatchQuery, limit: int = 10) -> list[Suggestion]:
    """The best ``limit`` suggestions in one organisation's index, with the public assets
    of public organisations (the ones introductions may reach). Everything that keeps a
    suggestion private or honest is checked at read time, not trusted from the index: a
    person's consent, membership and erasure (so a withdrawal counts at once), their vetting
    when ``query.vetted_only``, and whether the listing, group or asset is still open."""
    kinds = tuple(query.kinds) or KINDS
    with connection.cursor() as cursor:
        scores = query_text_scores(
            cursor,
            vendor=connection.vendor,
            organisation_id=organisation_id,
            text=query.text,
            expand=query.expand,
            # Narrowed inside the index only to one kind (a rare one, like requests); a
            # broad set costs the index more than filtering the few hundred hits after.
            kinds=kinds if len(kinds) == 1 else (),
            pool=POOL,
            public="asset" in kinds,
        )
    if not scores:
        return []
    consented = Consent.objects.filter(
        person_id=OuterRef("membership__person_id"),
        purpose=ConsentPurpose.BE_FOUND,
        withdrawn_at__isnull=True,
    )
    documents = (
        MatchDocument.objects.filter(pk__in=list(scores))
        .filter(Q(organisation_id=organisation_id) | Q(kind="asset", is_public=True))
        .filter(kind__in=kinds)
        .exclude(membership_id__in=list(query.exclude_membership_ids))
        .filter(
            Q(membership__isnull=True)
            | Q(
                membership__status=MembershipStatus.ACTIVE,
                membership__person__erased_at__isnull=True,
            )
        )
        .filter(~Q(kind="person") | Exists(consented))
        .values_list(
            "pk",
            "key",
            "kind",
            "title",
            "text",
            "latitude",
            "longitude",
            "days",
            "places_left",
            "membership_id",
            "membership__person_id",
        )
    )
    rows = _still_open(list(documents), organisation_id)
    if query.vetted_only:
        helpers = {row[10] for row in rows if row[2] in ("person", "offer")}
        vetted = vetted_person_ids(helpers)
        rows = [row for row in rows if row[2] not in ("person", "offer") or row[10] in vetted]
    candidates = [
        Candidate(
            key=key,
            kind=kind,
            title=title,
            text=text,
            text_score=scores[pk],
            latitude=lat,
            longitude=lon,
            days=days,
            places_left=places_left,
            membership_id=membership_id,
        )
        for pk, key, kind, title, text, lat, lon, days, places_left, membership_id, _ in rows
    ]
    return rank_hits(candidates, query, limit)
