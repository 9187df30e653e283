"""Synthetic people at any size, for benchmarks. Bulk inserts, not the services: a county's
100,000 members would take hours one service call at a time. Nothing here runs in production
paths; the data it writes obeys the same constraints as the services' own."""

from __future__ import annotations

import random
from collections.abc import Iterator
from io import TextIOBase
from typing import TextIO

from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from coproduce.people.activation import memberships_activated
from coproduce.people.demo import FIRST, LAST, OFFERS
from coproduce.people.models import (
    Membership,
    MembershipStatus,
    Organisation,
    OrganisationKind,
    Person,
    Role,
    Skill,
    SkillKind,
)

BATCH = 2000


def _batches(total: int) -> Iterator[range]:
    for start in range(0, total, BATCH):
        yield range(start, min(total, start + BATCH))


def seed_people(
    *, people: int, organisations: int = 1, stderr: TextIO | TextIOBase, seed: int = 1
) -> list[Organisation]:
    """Create ``organisations`` time banks with ``people`` active members between them."""
    rng = random.Random(seed)
    now = timezone.now()
    run = Organisation.objects.filter(slug__startswith="seed-").count()
    orgs = [
        Organisation.objects.create(
            name=f"Seed Time Bank {run + i + 1}",
            slug=f"seed-{run + i + 1}",
            kind=OrganisationKind.TIME_BANK,
        )
        for i in range(organisations)
    ]
    progress = tqdm(total=people, desc="Seeding people", unit="person", file=stderr)
    for batch in _batches(people):
        with transaction.atomic():
            created = Person.objects.bulk_create(
                [
                    Person(
                        full_name=f"{rng.choice(FIRST)} {rng.choice(LAST)} {i}",
                        email=f"seed{run}-{i}@example.net",
                    )
                    for i in batch
                ]
            )
            memberships = Membership.objects.bulk_create(
                [
                    Membership(
                        person=person,
                        organisation=orgs[i % len(orgs)],
                        role=Role.STAFF if i % 20 == 0 else Role.MEMBER,
                        status=MembershipStatus.ACTIVE,
                        number=f"S{i:07d}",
                        decided_at=now,
                    )
                    for i, person in zip(batch, created, strict=True)
                ]
            )
            # The same promise as the membership door: active means the apps' records exist.
            memberships_activated(memberships)
            Skill.objects.bulk_create(
                [
                    Skill(person=person, kind=SkillKind.OFFER, label=rng.choice(OFFERS))
                    for person in created
                ]
            )
        progress.update(len(batch))
    progress.close()
    return orgs
