"""The live search: the database's full-text index, then the engine's ranking."""

from __future__ import annotations

from django.db import connection
from django.db.models import Exists, OuterRef, Q

from coproduce.coordination.matching.engine import (
    KINDS,
    Candidate,
    MatchQuery,
    Suggestion,
    query_text_scores,
    rank_hits,
)
from coproduce.coordination.models import MatchDocument
from coproduce.coordination.selectors.vetting import vetted_person_ids
from coproduce.people.models import Consent, ConsentPurpose, MembershipStatus

# How many text hits are re-ranked (by distance, days and places).
POOL = 100


def search(*, organisation_id: int, query: MatchQuery, limit: int = 10) -> list[Suggestion]:
    """The best ``limit`` suggestions in one organisation's index. People are checked
    against their consent at read time as well, so a withdrawn consent counts at once, and
    against their vetting when ``query.vetted_only``."""
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
        )
    if not scores:
        return []
    consented = Consent.objects.filter(
        person_id=OuterRef("membership__person_id"),
        purpose=ConsentPurpose.BE_FOUND,
        withdrawn_at__isnull=True,
    )
    documents = (
        MatchDocument.objects.filter(pk__in=list(scores), organisation_id=organisation_id)
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
    rows = list(documents)
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
