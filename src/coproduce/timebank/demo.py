"""The demo time bank: two years of exchanges at the Holy Cross Centre, staff giving a tenth
of their week, credits issued for running groups and spent at the cinema and the pool, and an
agreement with Northgate Time Bank. Everything goes through the services."""

from __future__ import annotations

import random
import sys
from datetime import datetime, timedelta
from typing import TextIO

from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from coproduce.errors import CoproduceError
from coproduce.people.demo import HOME, organisation, person
from coproduce.people.models import Membership, MembershipStatus, Organisation, Person, Role
from coproduce.people.permissions import Viewer
from coproduce.people.services import membership_contracted_hours_set
from coproduce.timebank import ledger, services
from coproduce.timebank.models import Account, AgeGroup, Category, Listing, Transfer
from coproduce.timebank.services import AgencyDirection

MARKER = "Cooking for the Friday lunch club"
EXCHANGES = 700

LISTINGS = [
    ("offer", MARKER, Category.COOKING, "Weekday mornings"),
    ("offer", "Help with the garden", Category.GARDENING, "Weekends"),
    ("offer", "A friendly phone call", Category.COMPANY, "Evenings"),
    ("offer", "Lifts to appointments", Category.TRANSPORT, "Weekdays"),
    ("offer", "Help filling in forms", Category.ADMIN, "Tuesdays"),
    ("offer", "Beginners' knitting", Category.CREATIVE, "Thursday afternoons"),
    ("offer", "Computer help: email and video calls", Category.ADMIN, "Any time"),
    ("offer", "Walking buddy", Category.WELLBEING, "Mornings"),
    ("offer", "Small repairs and flat-pack furniture", Category.PRACTICAL, "Saturdays"),
    ("offer", "English conversation practice", Category.LEARNING, "Wednesdays"),
    ("request", "Someone to walk my dog", Category.PRACTICAL, "Weekday mornings"),
    ("request", "Help planting vegetables", Category.GARDENING, "Spring weekends"),
    ("request", "Company on a trip to the shops", Category.COMPANY, "Fridays"),
    ("request", "Lift to the hospital", Category.TRANSPORT, "Next month"),
    ("request", "Learn to cook on a budget", Category.COOKING, "Evenings"),
]


def _as(who: Person) -> Viewer:
    """Act as a demo person (many have no login: a coordinator keys for them)."""
    roles = dict(
        Membership.objects.filter(person=who, status=MembershipStatus.ACTIVE).values_list(
            "organisation_id", "role"
        )
    )
    return Viewer(user=who.user, person=who, roles=roles)


def _weekday_at(day: datetime, hour: int) -> datetime:
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return day.replace(hour=hour, minute=0, second=0, microsecond=0)


@transaction.atomic
def load(*, stdout: TextIO) -> None:
    home = organisation(HOME)
    if Listing.objects.filter(organisation=home, title=MARKER).exists():
        stdout.write("Time bank: already loaded.\n")
        return
    rng = random.Random(2008)
    now = timezone.now()
    start = now - timedelta(days=730)
    admin = _as(person("admin@example.org"))
    coordinator = _as(person("coordinator@example.org"))
    staff_viewer = _as(person("staff@example.org"))
    ledger.limits_set_for_organisation(
        viewer=coordinator,
        organisation=home,
        floor=-600,
        ceiling=6000,
        reason="Members may owe up to ten hours and save up to a hundred.",
    )
    members = list(
        Membership.objects.filter(organisation=home, status=MembershipStatus.ACTIVE)
        .select_related("person", "organisation")
        .order_by("pk")
    )
    people = [m for m in members if m.role == Role.MEMBER]
    staff = [m for m in members if m.role in {Role.STAFF, Role.COORDINATOR, Role.MANAGER}]
    viewers = {m.pk: _as(m.person) for m in members}

    me = next(m for m in members if m.person.user and m.person.user.email == "member@example.org")
    listings = []
    for index, (kind, title, category, available) in enumerate(LISTINGS):
        owner = me if index in {0, 10} else people[(index * 7) % len(people)]
        listings.append(
            services.listing_create(
                viewer=viewers[owner.pk],
                organisation=home,
                kind=kind,
                title=title,
                category=category,
                description=f"{title}. Get in touch through the time bank.",
                area=owner.person.area,
                availability=available,
                created_at=start + timedelta(days=index),
            )
        )

    refused = 0
    for _ in tqdm(range(EXCHANGES), desc="Exchanges", file=sys.stderr, leave=False):
        listing = rng.choice(listings)
        owner = next(m for m in members if m.pk == listing.membership_id)
        other = rng.choice(people)
        if other.pk == owner.pk:
            continue
        provider, receiver = (owner, other) if listing.kind == "offer" else (other, owner)
        when = start + timedelta(minutes=rng.randint(0, 729 * 24 * 60))
        minutes = rng.choice([30, 60, 60, 90, 120, 180])
        try:
            with transaction.atomic():
                exchange = services.exchange_propose(
                    viewer=viewers[receiver.pk],
                    provider=provider,
                    receiver=receiver,
                    minutes=minutes,
                    description=listing.title,
                    listing=listing,
                    created_at=when,
                )
                services.exchange_accept(viewer=viewers[provider.pk], exchange_id=exchange.pk)
                services.exchange_claim(
                    viewer=viewers[provider.pk],
                    exchange_id=exchange.pk,
                    minutes=minutes,
                    at=when + timedelta(days=2),
                )
                services.exchange_confirm(
                    viewer=viewers[receiver.pk],
                    exchange_id=exchange.pk,
                    at=when + timedelta(days=2),
                )
        except CoproduceError:
            refused += 1  # past a limit: the bank said no, as it would have then

    # Open exchanges for the member login: one to confirm, one upcoming, one disputed.
    helper = people[1] if people[1].pk != me.pk else people[2]
    pending = services.exchange_propose(
        viewer=viewers[me.pk], provider=helper, receiver=me, minutes=60, description="Garden tidy"
    )
    services.exchange_accept(viewer=viewers[helper.pk], exchange_id=pending.pk)
    services.exchange_claim(viewer=viewers[helper.pk], exchange_id=pending.pk, minutes=60)
    services.exchange_propose(
        viewer=viewers[me.pk],
        provider=people[3],
        receiver=me,
        minutes=90,
        description="Lift to the hospital",
        scheduled_for=now + timedelta(days=5),
    )
    disputed = services.exchange_propose(
        viewer=viewers[people[4].pk],
        provider=people[5],
        receiver=people[4],
        minutes=120,
        description="Painting the hallway",
    )
    services.exchange_accept(viewer=viewers[people[5].pk], exchange_id=disputed.pk)
    services.exchange_claim(viewer=viewers[people[5].pk], exchange_id=disputed.pk, minutes=180)
    services.exchange_dispute(
        viewer=viewers[people[4].pk], exchange_id=disputed.pk, reason="It took two hours."
    )

    # A monthly gardening club run by the centre: everyone there earns an hour.
    for month in range(24):
        when = start + timedelta(days=30 * month + 10)
        services.group_exchange_record(
            viewer=staff_viewer,
            organisation=home,
            participants=rng.sample(people, 6),
            minutes_each=60,
            direction="hub_pays",
            description="Gardening club at the allotment",
            occurred_at=when,
        )
        runner = people[month % len(people)]
        services.credit_award(
            viewer=staff_viewer,
            membership=runner,
            minutes=120,
            reason="Ran the Friday lunch club",
            occurred_at=when,
        )

    # Staff give time in the time bank; most keep to the tenth of their week.
    for index, membership in enumerate(staff):
        weekly = [37 * 60, 30 * 60, 22 * 60 + 30][index % 3]
        membership_contracted_hours_set(
            viewer=admin, membership_id=membership.pk, minutes_per_week=weekly
        )
        share = 0.12 if index % 4 else 0.06
        for week in range(12):
            services.agency_time_record(
                viewer=coordinator,
                membership=membership,
                minutes=int(weekly * share),
                direction=AgencyDirection.TO_ORGANISATION,
                reason="Time given in the time bank: cooking, gardening, befriending",
                occurred_at=now - timedelta(weeks=week, days=1),
            )

    # Rewards at the cinema and the pool, spent off-peak.
    cinema = organisation("palace-cinema")
    # The conventions name the pool "northgate-pool"; the people demo slugs its full name.
    pool = Organisation.objects.filter(
        slug__in=["northgate-pool", "northgate-swimming-pool"]
    ).first() or organisation("northgate-pool")
    clerk = _as(person("partner@example.org"))
    film = services.reward_create(
        viewer=clerk,
        partner_id=cinema.pk,
        bank_id=home.pk,
        name="Off-peak film",
        credits=120,
        restrictions="Not for premieres.",
        off_peak_only=True,
        age_group=AgeGroup.ANYONE,
    )
    swim = services.reward_create(
        viewer=admin,
        partner_id=pool.pk,
        bank_id=home.pk,
        name="Off-peak swim",
        credits=60,
        off_peak_only=True,
        monthly_cap=4,
    )
    rich = list(
        Account.objects.filter(membership__in=people, balance__gte=240)
        .select_related("membership__person")
        .order_by("pk")[:40]
    )
    for index, account in enumerate(rich):
        assert account.membership is not None
        at = _weekday_at(now - timedelta(days=3 + index * 9), 11)
        reward, desk = (film, clerk) if index % 2 else (swim, admin)
        try:
            with transaction.atomic():
                # The member shows the desk the one-time code from their time bank page.
                _code, code = services.redemption_code_issue(
                    viewer=_as(account.membership.person), organisation_id=home.pk
                )
                services.reward_redeem(
                    viewer=desk,
                    reward_id=reward.pk,
                    membership_number=account.membership.number,
                    code=code,
                    at=at,
                )
        except CoproduceError:
            refused += 1

    # Holy Cross and Northgate agree to exchange time across the two banks.
    northgate = organisation("northgate-time-bank")
    agreement = services.agreement_propose(viewer=admin, organisation=home, other=northgate)
    services.agreement_sign(viewer=admin, agreement_id=agreement.pk)
    remotes = list(
        Membership.objects.filter(
            organisation=northgate, status=MembershipStatus.ACTIVE, role=Role.MEMBER
        )
        .select_related("person", "organisation")
        .order_by("pk")[:5]
    )
    for index, remote in enumerate(remotes):
        local = next(m for m in people[10 + index :] if m.person_id != remote.person_id)
        exchange = services.exchange_propose(
            viewer=coordinator,
            provider=remote,
            receiver=local,
            minutes=60,
            description="Bike repair, across the two time banks",
        )
        services.exchange_accept(viewer=coordinator, exchange_id=exchange.pk)
        services.exchange_claim(viewer=_as(remote.person), exchange_id=exchange.pk, minutes=60)
        services.exchange_confirm(viewer=coordinator, exchange_id=exchange.pk)

    differences = ledger.ledger_differences()
    if differences:  # pragma: no cover - the services keep the ledger whole
        raise RuntimeError(f"The demo ledger does not balance: {differences[:3]}")
    stdout.write(
        f"Time bank: {Transfer.objects.count()} transfers over two years, "
        f"{len(listings)} offers and requests, {refused} refused at a limit.\n"
    )
