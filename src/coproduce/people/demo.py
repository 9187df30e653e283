"""The demo neighbourhood's people: a mental-health day service running a time bank (after
the report's Holy Cross Centre), a council adult-social-care team, partners and groups."""

from __future__ import annotations

import random
import sys
from datetime import date
from typing import TextIO

from django.db import transaction
from tqdm import tqdm

from coproduce.people import services
from coproduce.people.models import (
    MembershipStatus,
    Organisation,
    OrganisationKind,
    Person,
    Role,
    SkillKind,
)
from coproduce.people.permissions import Viewer, viewer_for

DEMO_PASSWORD = "coproduce-demo"  # noqa: S105 - printed for the demo on purpose
HOME = "holy-cross-centre"

LOGINS = [
    ("admin@example.org", "Amara Okafor", Role.ADMIN, HOME),
    ("coordinator@example.org", "Colin Reyes", Role.COORDINATOR, HOME),
    ("manager@example.org", "Margaret Lind", Role.MANAGER, HOME),
    ("staff@example.org", "Sunita Patel", Role.STAFF, HOME),
    ("member@example.org", "Mo Hassan", Role.MEMBER, HOME),
    ("commissioner@example.org", "Clare Whitfield", Role.COMMISSIONER, HOME),
    ("partner@example.org", "Pat Doyle", Role.STAFF, "palace-cinema"),
]

AREAS = [
    ("Riverside", 53.8008, -1.5491, 1.5),
    ("Northgate", 53.8170, -1.5600, 1.5),
    ("Old Town", 53.7950, -1.5300, 1.2),
]

ORGANISATIONS = [
    (
        HOME,
        "Holy Cross Centre",
        OrganisationKind.TIME_BANK,
        "mental_health",
        "Riverside",
        "A day centre for people with mental-health needs, run with its members. Members and "
        "staff give and earn hours in the centre's time bank: cooking, gardening, IT help, "
        "befriending. Staff give at least a tenth of their week to it.",
    ),
    (
        "riverside-adult-social-care",
        "Riverside Adult Social Care",
        OrganisationKind.PUBLIC_SERVICE,
        "adult_social_care",
        "Riverside",
        "The council's adult social care team, with Local Area Co-ordinators who help people "
        "find the life they want through people, groups and places nearby.",
    ),
    (
        "northgate-time-bank",
        "Northgate Time Bank",
        OrganisationKind.TIME_BANK,
        "",
        "Northgate",
        "A neighbourhood time bank: an hour given is an hour earned.",
    ),
    (
        "palace-cinema",
        "Palace Cinema",
        OrganisationKind.PARTNER,
        "",
        "Old Town",
        "Accepts time credits for off-peak screenings.",
    ),
    (
        "northgate-pool",
        "Northgate Swimming Pool",
        OrganisationKind.PARTNER,
        "",
        "Northgate",
        "Off-peak swims for time credits: a mark of thanks, not a payment.",
    ),
    (
        "central-library",
        "Central Library",
        OrganisationKind.PARTNER,
        "",
        "Old Town",
        "Rooms and computers open to community groups.",
    ),
    (
        "allotment-society",
        "Riverside Allotment Society",
        OrganisationKind.COMMUNITY_GROUP,
        "",
        "Riverside",
        "Growing food together; plots shared with the day centre.",
    ),
    (
        "knit-and-natter",
        "Knit and Natter",
        OrganisationKind.COMMUNITY_GROUP,
        "",
        "Old Town",
        "A peer-support group that meets weekly in the library.",
    ),
    (
        "riverside-tenants-association",
        "Riverside Tenants' Association",
        OrganisationKind.COMMUNITY_GROUP,
        "",
        "Riverside",
        "Tenants organising for better homes.",
    ),
    (
        "riverside-council-commissioning",
        "Riverside Council Commissioning",
        OrganisationKind.COMMISSIONER,
        "",
        "Riverside",
        "Commissions adult social care and mental-health services for outcomes.",
    ),
]

FIRST = [
    "Aisha",
    "Ben",
    "Chloe",
    "Dev",
    "Ewa",
    "Femi",
    "Grace",
    "Hamza",
    "Iris",
    "Jack",
    "Kemi",
    "Liam",
    "Maya",
    "Niall",
    "Olu",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tariq",
    "Uma",
    "Vik",
    "Wen",
    "Xavier",
    "Yara",
    "Zoe",
    "Ada",
    "Bilal",
    "Cara",
    "Dan",
    "Efe",
    "Finn",
    "Gita",
    "Hugo",
    "Ines",
    "Joe",
    "Kai",
    "Lena",
    "Marek",
    "Nia",
    "Omar",
    "Pia",
    "Rhys",
    "Sade",
    "Tom",
    "Una",
    "Vera",
    "Will",
    "Yusuf",
    "Zain",
]
LAST = [
    "Adams",
    "Begum",
    "Clarke",
    "Davies",
    "Evans",
    "Fraser",
    "Green",
    "Hughes",
    "Iqbal",
    "Jones",
    "Khan",
    "Lewis",
    "Murphy",
    "Nowak",
    "Owen",
    "Patel",
    "Quinn",
    "Roberts",
    "Smith",
    "Taylor",
    "Usman",
    "Walker",
    "Wright",
    "Young",
    "Ahmed",
    "Brown",
    "Cooper",
    "Hill",
    "Kowalski",
    "Mensah",
    "O'Brien",
    "Shah",
    "Thomas",
    "Ward",
    "Wilson",
]
OFFERS = [
    "Gardening",
    "Cooking",
    "Befriending",
    "IT help",
    "Dog walking",
    "DIY",
    "Reading aloud",
    "Form filling",
    "Knitting",
    "Bike repair",
    "Shopping",
    "Listening",
    "Art",
    "Music",
    "English conversation",
    "Lifts to appointments",
    "Cleaning",
    "Baking",
    "Sewing",
    "Tutoring",
]
POSTCODES = {"Riverside": "LS1 4AP", "Northgate": "LS6 2AB", "Old Town": "LS2 7EW"}


def organisation(slug: str) -> Organisation:
    return Organisation.objects.get(slug=slug)


def person(email: str) -> Person:
    found = Person.objects.filter(user__email=email).first()
    return found if found is not None else Person.objects.get(email=email)


def is_loaded() -> bool:
    return Organisation.objects.filter(slug=HOME).exists()


def _viewer(email: str) -> Viewer:
    user = person(email).user
    assert user is not None
    return viewer_for(user)


@transaction.atomic
def load(*, stdout: TextIO, people: int = 300) -> None:
    if is_loaded():
        stdout.write("People: already loaded.\n")
        return
    rng = random.Random(2010)
    areas = {
        name: services.area_create(name=name, latitude=lat, longitude=lon, radius_km=radius)
        for name, lat, lon, radius in AREAS
    }
    logins: dict[str, Person] = {}
    for email, name, _role, _org in LOGINS:
        logins[email] = services.person_register(
            full_name=name,
            email=email,
            password=DEMO_PASSWORD,
            postcode=POSTCODES["Riverside"],
            area=areas["Riverside"],
        )
    admin = logins["admin@example.org"]
    organisations = {
        slug: services.organisation_create(
            name=name,
            kind=kind,
            sector=sector,
            area=areas[area],
            description=description,
            founder=admin,
            slug=slug,
        )
        for slug, name, kind, sector, area, description in ORGANISATIONS
    }
    admin_viewer = _viewer("admin@example.org")
    for email, _name, role, slug in LOGINS:
        if email == "admin@example.org":
            continue
        membership = services.membership_apply(
            viewer=_viewer(email), organisation=organisations[slug], note="Demo login."
        )
        services.membership_decide(viewer=admin_viewer, membership_id=membership.pk, approve=True)
        if role != Role.MEMBER:
            services.membership_role_set(
                viewer=admin_viewer, membership_id=membership.pk, role=role
            )
    commissioner_org = organisations["riverside-council-commissioning"]
    membership = services.membership_apply(
        viewer=_viewer("commissioner@example.org"), organisation=commissioner_org
    )
    services.membership_decide(viewer=admin_viewer, membership_id=membership.pk, approve=True)
    services.membership_role_set(
        viewer=admin_viewer, membership_id=membership.pk, role=Role.COMMISSIONER
    )
    staff_membership = organisations[HOME].memberships.get(person=logins["staff@example.org"])
    services.membership_contracted_hours_set(
        viewer=admin_viewer, membership_id=staff_membership.pk, minutes_per_week=37 * 60
    )
    coordinator = _viewer("coordinator@example.org")
    home = organisations[HOME]
    others = [
        organisations[slug]
        for slug in (
            "riverside-adult-social-care",
            "allotment-society",
            "knit-and-natter",
            "riverside-tenants-association",
            "northgate-time-bank",
        )
    ]
    used_names: set[str] = set()
    for index in tqdm(range(people), desc="People", unit="person", file=sys.stderr, leave=False):
        while True:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            if name not in used_names:
                used_names.add(name)
                break
        area_name = rng.choice(list(areas))
        role = Role.STAFF if index % 15 == 0 else Role.MEMBER
        new_person = services.person_create_for(
            viewer=coordinator,
            organisation=home,
            full_name=name,
            email=f"{name.lower().replace(' ', '.').replace(chr(39), '')}@example.net"
            if index % 3
            else "",
            phone=f"0113 496 {index:04d}" if index % 4 else "",
            postcode=POSTCODES[area_name],
            date_of_birth=date(rng.randint(1940, 2006), rng.randint(1, 12), rng.randint(1, 28)),
            contact_by=rng.choice(["email", "phone", "in_person"]),
            role=role,
            area=areas[area_name],
        )
        services.person_update(
            viewer=coordinator,
            person=new_person,
            full_name=new_person.full_name,
            email=new_person.email,
            phone=new_person.phone,
            postcode=new_person.postcode,
            contact_by=new_person.contact_by,
            email_visibility=rng.choice(["members", "coordinators", "only_me"]),
            phone_visibility=rng.choice(["members", "coordinators", "only_me"]),
            address_visibility="only_me",
        )
        for label in rng.sample(OFFERS, rng.randint(1, 3)):
            services.skill_add(
                viewer=coordinator, person=new_person, kind=SkillKind.OFFER, label=label
            )
        services.skill_add(
            viewer=coordinator,
            person=new_person,
            kind=SkillKind.INTEREST,
            label=rng.choice(OFFERS),
        )
        if rng.random() < 0.35:
            services.membership_add(
                viewer=admin_viewer, person=new_person, organisation=rng.choice(others)
            )
    # a few applications waiting, so the coordinator's queue is not empty
    for index in range(4):
        applicant = services.person_register(
            full_name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
            email=f"applicant{index + 1}@example.org",
            password=DEMO_PASSWORD,
            area=areas["Riverside"],
        )
        services.membership_apply(
            viewer=viewer_for(applicant.user),
            organisation=home,
            note="I heard about the time bank from my GP.",
        )
    active = home.memberships.filter(status=MembershipStatus.ACTIVE).count()
    stdout.write(
        f"People: {Person.objects.count()} people, {Organisation.objects.count()} organisations, "
        f"{active} active members of {home.name}.\n"
    )
