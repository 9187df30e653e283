"""The demo's coordination: Local Area Co-ordinators at the Holy Cross Centre with full
caseloads of person-centred plans in people's own words, and a year of their work —
contacts, reviews, introductions, peer groups, a pooled budget and referrals."""

from __future__ import annotations

import random
import sys
from datetime import timedelta
from typing import TextIO

from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from coproduce.coordination import demo_introductions, demo_pools, demo_referrals
from coproduce.coordination.demo_groups import demo_groups
from coproduce.coordination.models import Contact, Goal, GoalArea, Plan, Review
from coproduce.coordination.services import plans
from coproduce.people import services as people_services
from coproduce.people.demo import DEMO_PASSWORD, HOME, organisation, person
from coproduce.people.models import Membership, MembershipStatus, Role
from coproduce.people.permissions import Viewer, viewer_for

# Colin (the demo coordinator) holds 57 of 60: his caseload page shows the warning.
CASELOADS = [("coordinator@example.org", 57)]
# Two more Local Area Co-ordinators (they sign in with the demo password too).
EXTRA_COORDINATORS = [
    ("Lena Ward", "lena.ward@example.org"),
    ("Tomasz Byrne", "tomasz.byrne@example.org"),
]
EXTRA_CASELOAD = 48

LIVES = [
    "I want to have a few friends I can call on, and not spend every day indoors.",
    "A proper job again — something with my hands, where people count on me.",
    "To live in my own flat and manage my own money.",
    "I'd like to feel part of the neighbourhood, and give something back.",
    "Get fit enough to walk my grandchildren to school.",
    "Learn to read better so I can help my son with his homework.",
    "To cook for other people again; I used to run a café.",
    "Not to feel so lonely since my wife died.",
]
STRENGTHS = [
    "Good with plants; patient; a good listener.",
    "Fixes bikes, anything mechanical. Makes people laugh.",
    "Was a cook for twenty years. Speaks Urdu and Punjabi.",
    "Knows everyone on the estate. Reliable.",
    "Good with computers and phones; calm in a crisis.",
    "Sews and knits; taught at Sunday school.",
    "Plays guitar; used to run a five-a-side team.",
]
MATTERS = [
    "My dog, and being near my sister.",
    "My faith, and my allotment.",
    "Being treated like an adult, not a case.",
    "My kids. Keeping my tenancy.",
    "Music, and getting out every day.",
]
GOALS = [
    (GoalArea.FRIENDSHIP, "Meet people who like gardening and have a cup of tea with them."),
    (GoalArea.FRIENDSHIP, "Find someone to go to the football with on Saturdays."),
    (GoalArea.WORK, "Get back to work, maybe something with computers."),
    (GoalArea.WORK, "Try volunteering in a kitchen to see if I could work in one again."),
    (GoalArea.LEARNING, "Learn to use a smartphone so I can video-call my family."),
    (GoalArea.LEARNING, "Improve my English and reading."),
    (GoalArea.HOME, "Move into my own flat and keep it nice."),
    (GoalArea.HOME, "Sort out my benefits and bills so I'm not worried about letters."),
    (GoalArea.HEALTH, "Walk a bit further every week; join a walking group."),
    (GoalArea.HEALTH, "Cook proper meals instead of takeaways."),
    (GoalArea.CONTRIBUTING, "Teach other people to fix their bikes."),
    (GoalArea.CONTRIBUTING, "Help out at the food bank on Fridays."),
]
STEPS = [
    ("Visit the community garden on a Tuesday morning", "Colin comes along the first time"),
    ("Go to the library's Get Online session", "the librarian"),
    ("Phone the housing officer about the bidding list", ""),
    ("Try one walk with the Riverside walkers", "Sunita"),
    ("Write down what I'm good at", "my coordinator"),
    ("Ask at the café about a trial shift", ""),
]


def _as(who: object) -> Viewer:
    user = who.user  # type: ignore[attr-defined]
    assert user is not None
    return viewer_for(user)


def _coordinators(home_admin: Viewer) -> list[tuple[Membership, int]]:
    home = organisation(HOME)
    held = [
        (Membership.objects.get(organisation=home, person=person(email)), size)
        for email, size in CASELOADS
    ]
    for name, email in EXTRA_COORDINATORS:
        registered = people_services.person_register(
            full_name=name, email=email, password=DEMO_PASSWORD, area=home.area
        )
        applied = people_services.membership_apply(
            viewer=_as(registered), organisation=home, note="Local Area Co-ordinator."
        )
        people_services.membership_decide(viewer=home_admin, membership_id=applied.pk, approve=True)
        people_services.membership_role_set(
            viewer=home_admin, membership_id=applied.pk, role=Role.COORDINATOR
        )
        applied.refresh_from_db()
        held.append((applied, EXTRA_CASELOAD))
    return held


def _plans(rng: random.Random, coordinators: list[tuple[Membership, int]]) -> list[Plan]:
    home = organisation(HOME)
    now = timezone.now()
    today = timezone.localdate()
    members = list(
        Membership.objects.filter(
            organisation=home, status=MembershipStatus.ACTIVE, role=Role.MEMBER
        )
        .exclude(person__user__email="member@example.org")
        .select_related("person")
        .order_by("pk")
    )
    rng.shuffle(members)
    made: list[Plan] = []
    wanted = sum(size for _, size in coordinators)
    if wanted > len(members) + 1:  # a small demo (the tests load 20 people): scale down
        coordinators = [
            (c, max(1, size * (len(members) + 1) // wanted)) for c, size in coordinators
        ]
        wanted = sum(size for _, size in coordinators)
    bar = tqdm(total=wanted, desc="Plans", unit="plan", file=sys.stderr, leave=False)
    # Mo Hassan (member@example.org) has his own plan with Colin, so he can read it.
    mo = Membership.objects.get(organisation=home, person=person("member@example.org"))
    queue = [mo, *members]
    for coordinator, size in coordinators:
        viewer = _as(coordinator.person)
        for _ in range(size):
            membership = queue.pop(0)
            started = now - timedelta(days=rng.randint(20, 365))
            plan = plans.plan_create(
                viewer=viewer,
                membership_id=membership.pk,
                life_wanted=rng.choice(LIVES),
                strengths=rng.choice(STRENGTHS),
                what_matters=rng.choice(MATTERS),
            )
            for area, text in rng.sample(GOALS, rng.randint(1, 3)):
                goal = plans.plan_goal_add(
                    viewer=viewer,
                    plan_id=plan.pk,
                    area=area,
                    text=text,
                    review_on=today + timedelta(days=rng.randint(-20, 120)),
                    needs_vetted_helper=rng.random() < 0.15,
                )
                for step_text, who in rng.sample(STEPS, rng.randint(1, 2)):
                    step = plans.plan_step_add(
                        viewer=viewer, goal_id=goal.pk, text=step_text, who_helps=who
                    )
                    if rng.random() < 0.4:
                        plans.plan_step_done(viewer=viewer, step_id=step.pk)
            _history(rng, plan, coordinator, started)
            made.append(plan)
            bar.update(1)
    bar.close()
    return made


def _history(rng: random.Random, plan: Plan, coordinator: Membership, started: object) -> None:
    """Backdate the plan and give it the contacts and reviews of its months so far: some
    people are overdue a review, some have had no contact for a while."""
    now = timezone.now()
    assert isinstance(started, type(now))
    Plan.objects.filter(pk=plan.pk).update(created_at=started)
    Goal.objects.filter(plan=plan).update(created_at=started)
    contacts = []
    at = started
    while True:
        at = at + timedelta(days=rng.randint(7, 40))
        if at >= now:
            break
        contacts.append(
            Contact(
                plan=plan,
                by=coordinator.person,
                at=at,
                how=rng.choice(["visit", "meeting", "phone", "message"]),
            )
        )
    # one in seven has gone quiet: no contact for two months or more
    if contacts and rng.random() < 1 / 7:
        contacts = [c for c in contacts if c.at < now - timedelta(days=60)]
    Contact.objects.bulk_create(contacts)
    reviews = []
    held = started.date() + timedelta(days=90)
    while held < timezone.localdate():
        reviews.append(
            Review(
                plan=plan,
                held_on=held,
                by=coordinator.person,
                summary="Looked at each goal together.",
                next_review_on=held + timedelta(days=90),
            )
        )
        held = held + timedelta(days=90)
    Review.objects.bulk_create(reviews)
    next_review = reviews[-1].next_review_on if reviews else started.date() + timedelta(days=90)
    # a few reviews slip: about one in eight is overdue
    if rng.random() < 1 / 8:
        next_review = timezone.localdate() - timedelta(days=rng.randint(1, 30))
    Plan.objects.filter(pk=plan.pk).update(
        last_contact_at=contacts[-1].at if contacts else None, next_review_on=next_review
    )


@transaction.atomic
def load(*, stdout: TextIO) -> None:
    home = organisation(HOME)
    if Plan.objects.filter(organisation=home).exists():
        stdout.write("Coordination: already loaded.\n")
        return
    rng = random.Random(2012)
    admin = _as(person("admin@example.org"))
    coordinators = _coordinators(admin)
    made = _plans(rng, coordinators)
    stdout.write(f"Coordination: {len(made)} plans on {len(coordinators)} caseloads.\n")
    active = (
        Membership.objects.filter(organisation=home, status=MembershipStatus.ACTIVE)
        .select_related("person")
        .order_by("pk")
    )
    made_groups = demo_groups(
        home,
        list(active.filter(role=Role.MEMBER)),
        list(active.filter(role=Role.STAFF)),
        active.get(person=person("coordinator@example.org")),
        rng,
        founder=active.get(person=person("member@example.org")),
    )
    stdout.write(f"Coordination: {len(made_groups)} peer support groups with a year of meetings.\n")
    findable = demo_introductions.consents_give(rng, home.pk, _as(coordinators[0][0].person))
    introduced = demo_introductions.load_introductions(rng, made, findable)
    stdout.write(
        f"Coordination: {len(findable)} people agree to be suggested; "
        f"{introduced} introductions over the year.\n"
    )
    pooled = demo_pools.load_pools(rng, home.pk, _as(coordinators[0][0].person))
    stdout.write(f"Coordination: {pooled} pooled budgets with a year of spending.\n")
    referred = demo_referrals.load_referrals(
        organisation_id=home.pk, coordinator=coordinators[0][0]
    )
    stdout.write(f"Coordination: {referred} social-prescribing referrals.\n")
