"""The demo neighbourhood's asset map: about a hundred places, groups and services across
Riverside, Northgate and Old Town, with rooms, a kitchen and a minibus to book.
Loading twice changes nothing (the Holy Cross Centre's building is the marker)."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta
from typing import TextIO

from django.db import transaction
from django.utils import timezone

from coproduce.people.models import Area, Organisation
from coproduce.people.permissions import Viewer, viewer_for

from . import services
from .models import Asset
from .schedules import ScheduleSpec

MARKER = "Holy Cross Centre"
TAXONOMY = "Coproduce activities"
TERMS = [
    ("Social contact", "Meeting people, making friends"),
    ("Physical activity", "Walking, swimming, sport and dance"),
    ("Food", "Cooking, eating together, food banks"),
    ("Learning", "Classes, reading, computers"),
    ("Money and work", "Advice, volunteering, job clubs"),
    ("Arts and culture", "Music, film, craft and local history"),
    ("Nature", "Gardens, parks and allotments"),
    ("Care and support", "Support for people and their carers"),
]
OUTWARD = {"Riverside": "LS1", "Northgate": "LS6", "Old Town": "LS2"}
STREETS = {
    "Riverside": ["River Street", "Wharf Lane", "Mill Road", "Canal Walk", "Bridge Street"],
    "Northgate": ["North Road", "Chapel Lane", "Victoria Terrace", "Park View", "Mount Street"],
    "Old Town": ["Market Street", "Kirkgate", "Briggate", "Vicar Lane", "Church Row"],
}
# (name, category, owner slug, terms, cost in pence, description)
ASSETS: list[tuple[str, str, str, list[str], int, str]] = [
    (
        MARKER,
        "physical_space",
        "holy-cross-centre",
        ["Social contact", "Care and support"],
        0,
        "A mental-health day service run with its members, home of the Holy Cross time bank.",
    ),
    (
        "Palace Cinema",
        "culture",
        "palace-cinema",
        ["Arts and culture"],
        650,
        "Independent cinema; accepts time credits for matinees.",
    ),
    (
        "Northgate Pool",
        "physical_space",
        "northgate-pool",
        ["Physical activity"],
        420,
        "25-metre pool with quiet lane sessions and a hoist.",
    ),
    (
        "Central Library",
        "institution",
        "central-library",
        ["Learning", "Social contact"],
        0,
        "Books, computers, a reading group and a warm space.",
    ),
    (
        "Riverside Allotments",
        "physical_space",
        "allotment-society",
        ["Nature", "Food"],
        0,
        "Forty plots and a shared polytunnel; new growers welcome.",
    ),
    (
        "Knit and Natter",
        "association",
        "knit-and-natter",
        ["Social contact", "Arts and culture"],
        0,
        "Knitting, crochet and conversation over tea.",
    ),
    (
        "Riverside Tenants Association",
        "association",
        "riverside-tenants-association",
        ["Social contact", "Money and work"],
        0,
        "Tenants meeting about repairs and the estate.",
    ),
    (
        "Adult social care front door",
        "institution",
        "riverside-adult-social-care",
        ["Care and support"],
        0,
        "Local Area Co-ordinators: help to find a good life nearby.",
    ),
]
GENERATED = [
    (
        "{street} Community Garden",
        "physical_space",
        ["Nature", "Food"],
        "A volunteer-run garden with raised beds",
    ),
    (
        "{area} Walking Group",
        "association",
        ["Physical activity", "Social contact"],
        "A gentle weekly walk that starts and ends with tea",
    ),
    (
        "{area} Food Bank",
        "institution",
        ["Food", "Care and support"],
        "Emergency food parcels with a referral or by dropping in",
    ),
    (
        "{street} Repair Cafe",
        "association",
        ["Money and work", "Social contact"],
        "Bring broken things; volunteers help you mend them",
    ),
    ("{area} Credit Union", "economic", ["Money and work"], "Savings and fair loans"),
    (
        "{street} Methodist Church Hall",
        "physical_space",
        ["Social contact"],
        "A hall and kitchen used by many groups",
    ),
    (
        "{area} Men's Shed",
        "association",
        ["Learning", "Social contact"],
        "Woodwork, tools and company",
    ),
    (
        "{area} Heritage Trail",
        "culture",
        ["Arts and culture", "Physical activity"],
        "Blue plaques and the story of the mills",
    ),
    (
        "{street} Job Club",
        "economic",
        ["Money and work", "Learning"],
        "CVs, applications and interview practice",
    ),
    (
        "{area} Youth Club",
        "association",
        ["Social contact", "Learning"],
        "Games, music and cooking for young people",
    ),
    (
        "{area} Choir",
        "culture",
        ["Arts and culture", "Social contact"],
        "Everyone welcome; no auditions",
    ),
    (
        "{street} Park",
        "physical_space",
        ["Nature", "Physical activity"],
        "A green space with a playground and outdoor gym",
    ),
    (
        "{area} Carers' Cafe",
        "institution",
        ["Care and support", "Social contact"],
        "A break and a chat for unpaid carers",
    ),
]
OWNERS = [
    "allotment-society",
    "knit-and-natter",
    "riverside-tenants-association",
    "central-library",
    "holy-cross-centre",
    "northgate-time-bank",
]
LANGUAGES = [["en"], ["en"], ["en", "pl"], ["en", "ur"], ["en", "pa"]]
DAY_SETS = ["MO", "TU", "WE", "TH", "FR", "SA", "MO,WE", "TU,TH", "SA,SU", "MO,TU,WE,TH,FR"]


def _organisation(slug: str) -> Organisation:
    """By the people demo's slug; its organisations' real slugs come from their names, so
    fall back to the name that demo gives the slug."""
    from coproduce.people.demo import ORGANISATIONS

    found = Organisation.objects.filter(slug=slug).first()
    if found is not None:
        return found
    names = {row[0]: row[1] for row in ORGANISATIONS}
    return Organisation.objects.get(name=names[slug])


def _admin() -> Viewer:
    from coproduce.people.demo import person

    user = person("admin@example.org").user
    assert user is not None
    return viewer_for(user)


def _postcode(rng: random.Random, area: str) -> str:
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    return f"{OUTWARD[area]} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"


def _point(rng: random.Random, area: Area) -> tuple[float, float]:
    assert area.latitude is not None and area.longitude is not None
    radius = (area.radius_km or 1.0) / 111.0
    return (
        round(area.latitude + rng.uniform(-radius, radius), 5),
        round(area.longitude + rng.uniform(-radius, radius) * 1.7, 5),
    )


def _schedules(rng: random.Random) -> list[ScheduleSpec]:
    opens = rng.choice([8, 9, 10, 13, 18])
    hours = rng.choice([2, 3, 4, 8])
    specs = [
        ScheduleSpec(
            freq="WEEKLY",
            interval=1,
            byday=rng.choice(DAY_SETS),
            opens_at=time(opens),
            closes_at=time(min(23, opens + hours)),
        )
    ]
    if rng.random() < 0.3:
        specs.append(
            ScheduleSpec(
                freq="WEEKLY", interval=1, byday="SA", opens_at=time(9), closes_at=time(12)
            )
        )
    return specs


@transaction.atomic
def load(*, stdout: TextIO) -> None:
    if Asset.objects.filter(name=MARKER).exists():
        stdout.write("Directory: already loaded.\n")
        return
    rng = random.Random(4)
    admin = _admin()
    areas = {area.name: area for area in Area.objects.filter(name__in=OUTWARD)}
    terms = {
        name: services.taxonomy_term_create(
            name=name, description=description, taxonomy_name=TAXONOMY
        )
        for name, description in TERMS
    }
    created: list[Asset] = []

    def add(
        name: str,
        category: str,
        slug: str,
        term_names: list[str],
        cost: int,
        description: str,
        area_name: str,
    ) -> Asset:
        area = areas[area_name]
        latitude, longitude = _point(rng, area)
        street = rng.choice(STREETS[area_name])
        asset = services.asset_create(
            viewer=admin,
            organisation=_organisation(slug),
            data=services.AssetData(
                name=name,
                category=category,
                description=description,
                address=f"{rng.randint(1, 120)} {street}",
                town="Leeds",
                postcode=_postcode(rng, area_name),
                latitude=latitude,
                longitude=longitude,
                area_id=area.pk,
                cost_pence=cost,
                minimum_age=rng.choice([None, None, 16, 18]),
                accessibility=rng.choice(
                    ["", "Level access from the street", "Lift to all floors"]
                ),
                features=rng.sample(
                    ["step_free", "accessible_toilet", "hearing_loop", "quiet_space"],
                    rng.randint(0, 3),
                ),
                languages=rng.choice(LANGUAGES),
                taxonomy_term_ids=[terms[t].pk for t in term_names],
                schedules=_schedules(rng),
            ),
        )
        created.append(asset)
        return asset

    for index, (name, category, slug, term_names, cost, description) in enumerate(ASSETS):
        add(name, category, slug, term_names, cost, description, list(OUTWARD)[index % 3])
    for area_name in OUTWARD:
        for template, category, term_names, description in GENERATED:
            for street in rng.sample(STREETS[area_name], 4 if "{street}" in template else 1):
                name = template.format(area=area_name, street=street)
                if "{street}" not in template and any(a.name == name for a in created):
                    continue
                cost = 0 if rng.random() < 0.7 else rng.choice([100, 250, 300, 500])
                add(
                    name,
                    category,
                    rng.choice(OWNERS),
                    term_names,
                    cost,
                    f"{description}.",
                    area_name,
                )
    # A few entries nobody has checked for over a year, so the stale flag shows.
    for asset in rng.sample(created, 6):
        Asset.objects.filter(pk=asset.pk).update(
            last_checked_at=timezone.now() - timedelta(days=400)
        )

    centre = Asset.objects.get(name=MARKER)
    hall = Asset.objects.filter(name__endswith="Methodist Church Hall").first() or centre
    resources = [
        services.resource_create(
            viewer=admin,
            asset=centre,
            name="Garden room",
            kind="room",
            capacity=20,
            available_from=time(9),
            available_until=time(21),
            available_days="MO,TU,WE,TH,FR,SA",
            description="Bright room opening onto the garden.",
        ),
        services.resource_create(
            viewer=admin,
            asset=centre,
            name="Training kitchen",
            kind="kitchen",
            capacity=8,
            available_from=time(9),
            available_until=time(17),
            available_days="MO,TU,WE,TH,FR",
            description="Domestic kitchen used for cooking sessions.",
        ),
        services.resource_create(
            viewer=admin,
            asset=centre,
            name="Community minibus",
            kind="vehicle",
            capacity=14,
            available_from=time(8),
            available_until=time(20),
            description="Fourteen seats and a wheelchair lift; D1 licence.",
        ),
        services.resource_create(
            viewer=admin,
            asset=hall,
            name="Main hall",
            kind="room",
            capacity=80,
            available_from=time(9),
            available_until=time(22),
        ),
        services.resource_create(
            viewer=admin,
            asset=hall,
            name="Projector and screen",
            kind="equipment",
            available_from=time(9),
            available_until=time(22),
        ),
    ]
    from coproduce.people.demo import person

    member_user = person("member@example.org").user
    assert member_user is not None
    day = timezone.localdate() + timedelta(days=10)
    while day.weekday() != 2:
        day += timedelta(days=1)
    start = timezone.make_aware(datetime.combine(day, time(10)))
    services.booking_request(
        viewer=viewer_for(member_user),
        resource=resources[2],
        starts_at=start,
        ends_at=start + timedelta(hours=4),
        purpose="Members' trip to the coast",
    )
    session = services.mapping_session_create(
        viewer=admin,
        organisation=_organisation("holy-cross-centre"),
        title="Riverside walkabout with residents",
        held_on=date(2026, 4, 18),
        area=areas["Riverside"],
    )
    stdout.write(
        f"Directory: {len(created)} assets, {len(resources)} bookable resources, "
        f"mapping session “{session.title}”.\n"
    )
