"""Matching benchmark (issue 10).

Seeds 100k candidates with bulk inserts into a fresh SQLite file: people who consented to be
found (real people, memberships and consents behind them), open offers and requests, peer
groups and directory assets, each a ``MatchDocument`` with its FTS5 row (the triggers of
migration 0002 fill the index as the rows go in). Then measures:

* the p95 latency of the top-10 matches for ~200 realistic goals in people's own words,
  through the live engine (``coordination.matching.search.search``: FTS5 BM25 over the
  organisation, the synonym pass, the consent check, distance, days and places), against
  the p95 of a primary-key lookup of one document in the same run; target: p95 ≤ 50 ms;
* a coordinator's caseload page with a full caseload (60 plans) against a trivial page (the
  coordination home) through Django's test client; target: ratio ≤ 3.

    python bench/matching.py            # 100k candidates
    python bench/matching.py --quick    # 10k candidates, fewer queries: under a minute
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CENTRE = (51.2279, -2.3215)  # Frome

PHRASES = [
    "gardening",
    "growing vegetables on an allotment",
    "weeding and planting",
    "dog walking",
    "cooking for a crowd",
    "baking bread",
    "knitting",
    "crochet",
    "sewing repairs",
    "guitar lessons",
    "singing in a choir",
    "chess and board games",
    "reading aloud",
    "help with computers",
    "setting up a tablet",
    "filling in forms",
    "benefit claims",
    "lifts to hospital",
    "shopping for groceries",
    "putting up shelves",
    "fixing bikes",
    "painting and drawing",
    "photography walks",
    "local history",
    "bird watching",
    "English conversation",
    "Polish lessons",
    "maths tutoring",
    "CV writing",
    "mock interviews",
    "befriending phone calls",
    "visiting people who live alone",
    "pet sitting",
    "yoga",
    "walking football",
    "swimming",
    "carpentry",
    "repair café",
    "litter picking",
    "tree planting",
    "baby and toddler play",
    "carers' break",
    "bereavement support",
    "anxiety peer support",
    "budgeting and debt",
    "housing advice",
    "volunteering at events",
    "cafe work",
    "catering traineeship",
    "job club",
    "mindfulness",
    "choir practice",
]
FILLER = [
    "Happy to help neighbours.",
    "Weekday mornings suit me best.",
    "Friendly and patient.",
    "Beginners very welcome.",
    "No experience needed.",
    "Step-free access.",
    "We meet in the church hall.",
    "Tea and biscuits provided.",
]
GOALS = [
    "I'd like to get out of the house and meet people who like {a}",
    "I want to get back to work in {a}",
    "I'd love to learn {a} with someone patient",
    "Someone to help me with {a}",
    "I used to enjoy {a} and want to start again",
    "I want to make friends through {a} or {b}",
    "I'm lonely and would like company, maybe {a}",
]


def emit(
    metric: str, value: float, unit: str, baseline: float | None, target: str, met: bool
) -> None:
    ratio = round(value / baseline, 3) if baseline else None
    print(
        json.dumps(
            {
                "metric": metric,
                "value": round(value, 4),
                "unit": unit,
                "baseline": round(baseline, 4) if baseline is not None else None,
                "ratio": ratio,
                "target": target,
                "met": met,
            }
        ),
        flush=True,
    )


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(0.95 * len(ordered)) - 1)]


def _setup(var_dir: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "coproduce.settings"
    os.environ["DATABASE_URL"] = f"sqlite:///{var_dir}/bench.sqlite3"
    os.environ["COPRODUCE_VAR_DIR"] = var_dir
    os.environ.setdefault("COPRODUCE_SECURE_COOKIES", "false")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _point(rng: random.Random) -> tuple[float, float]:
    # a 20 km square around the centre
    return CENTRE[0] + rng.uniform(-0.09, 0.09), CENTRE[1] + rng.uniform(-0.14, 0.14)


def _seed(count: int) -> tuple[int, list[int]]:
    from django.utils import timezone

    from coproduce.coordination.models import MatchDocument
    from coproduce.people import services as people_services
    from coproduce.people.models import Consent, Membership, Person

    founder = people_services.person_register(
        full_name="Bench Admin", email="bench@example.org", password="bench-password-42x"
    )
    organisation = people_services.organisation_create(
        name="Bench Coordination", kind="public_service", founder=founder
    )
    rng = random.Random(10)
    now = timezone.now()
    people_count = int(count * 0.4)
    Person.objects.bulk_create(
        [Person(full_name=f"Neighbour {n}") for n in range(people_count)], batch_size=2000
    )
    people = list(
        Person.objects.filter(full_name__startswith="Neighbour ").values_list("pk", flat=True)
    )
    Membership.objects.bulk_create(
        [
            Membership(person_id=pk, organisation=organisation, status="active", number=f"B{pk}")
            for pk in people
        ],
        batch_size=2000,
    )
    Consent.objects.bulk_create(
        [Consent(person_id=pk, purpose="be_found", given_at=now) for pk in people],
        batch_size=2000,
    )
    memberships = list(
        Membership.objects.filter(organisation=organisation, person_id__in=people).values_list(
            "pk", flat=True
        )
    )
    days = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
    docs: list[MatchDocument] = []

    def doc(key: str, kind: str, title: str, text: str, **extra: object) -> None:
        lat, lon = _point(rng)
        docs.append(
            MatchDocument(
                organisation=organisation,
                key=key,
                kind=kind,
                title=title[:200],
                text=text,
                latitude=lat,
                longitude=lon,
                days=",".join(sorted(rng.sample(days, rng.randint(0, 3)), key=days.index)),
                updated_at=now,
                **extra,  # type: ignore[arg-type]
            )
        )

    for membership_id in memberships:
        lines = [
            f"{rng.choice(['offers', 'likes'])} {phrase}"
            for phrase in rng.sample(PHRASES, rng.randint(1, 4))
        ]
        doc(
            f"person:{membership_id}",
            "person",
            f"Neighbour {membership_id}",
            "\n".join(lines),
            membership_id=membership_id,
            vetted=rng.random() < 0.3,
        )
    rest = count - len(docs)
    for n in range(rest):
        kind = rng.choices(["offer", "request", "group", "asset"], [40, 15, 10, 35])[0]
        phrase = rng.choice(PHRASES)
        text = f"{rng.choice(PHRASES)} and {rng.choice(PHRASES)}. {rng.choice(FILLER)}"
        places = rng.choice([None, 0, 1, 2, 5, 10]) if kind == "group" else None
        membership = rng.choice(memberships) if kind in ("offer", "request") else None
        doc(
            f"{kind}:{n}",
            kind,
            f"{phrase.capitalize()} {n}",
            text,
            places_left=places,
            membership_id=membership,
        )
    MatchDocument.objects.bulk_create(docs, batch_size=2000)
    return organisation.pk, list(MatchDocument.objects.values_list("pk", flat=True)[:5000])


def _goals(n: int) -> list[tuple[str, float, float]]:
    rng = random.Random(11)
    labelled = ROOT / "tests" / "coordination" / "data" / "match_queries.jsonl"
    texts = [json.loads(line)["text"] for line in labelled.read_text().splitlines() if line]
    while len(texts) < n:
        a, b = rng.sample(PHRASES, 2)
        texts.append(rng.choice(GOALS).format(a=a, b=b))
    return [(text, *_point(rng)) for text in texts[:n]]


def bench_search(organisation_id: int, doc_ids: list[int], queries: int) -> None:
    from coproduce.coordination.matching.engine import MatchQuery, days_in_text
    from coproduce.coordination.matching.search import search
    from coproduce.coordination.models import MatchDocument

    goals = _goals(queries)
    rng = random.Random(12)
    for text, _lat, _lon in goals[:10]:  # warm the page cache
        search(organisation_id=organisation_id, query=MatchQuery(text=text), limit=10)
    timings, lookups, empty = [], [], 0
    for text, lat, lon in goals:
        query = MatchQuery(
            text=text,
            latitude=lat,
            longitude=lon,
            days=days_in_text(text) | {"TU"},
            kinds=("person", "offer", "group", "asset"),
        )
        started = time.perf_counter()
        found = search(organisation_id=organisation_id, query=query, limit=10)
        timings.append((time.perf_counter() - started) * 1000)
        empty += not found
        started = time.perf_counter()
        MatchDocument.objects.filter(pk=rng.choice(doc_ids)).first()
        lookups.append((time.perf_counter() - started) * 1000)
    value, baseline = p95(timings), p95(lookups)
    emit("matching top-10 p95", value, "ms", baseline, "<= 50 ms", value <= 50)
    if empty:
        print(json.dumps({"note": f"{empty} of {len(goals)} goals found nothing"}), flush=True)


def bench_caseload(requests: int) -> None:
    from django.test import Client
    from django.utils import timezone

    from coproduce.coordination.models import Plan
    from coproduce.people import services as people_services
    from coproduce.people.models import Membership, Person
    from coproduce.people.permissions import viewer_for

    founder = people_services.person_register(
        full_name="Caseload Admin", email="caseload@example.org", password="bench-password-42x"
    )
    organisation = people_services.organisation_create(
        name="Bench Caseloads", kind="public_service", founder=founder
    )
    coordinator = people_services.person_register(
        full_name="Cass Coordinator", email="cass@example.org", password="bench-password-42x"
    )
    admin = viewer_for(founder.user)
    membership = people_services.membership_apply(
        viewer=viewer_for(coordinator.user), organisation=organisation, note=""
    )
    people_services.membership_decide(viewer=admin, membership_id=membership.pk, approve=True)
    people_services.membership_role_set(
        viewer=admin, membership_id=membership.pk, role="coordinator"
    )
    people = Person.objects.bulk_create([Person(full_name=f"Caseload {n}") for n in range(60)])
    members = Membership.objects.bulk_create(
        [
            Membership(person=p, organisation=organisation, status="active", number=f"C{p.pk}")
            for p in people
        ]
    )
    today = timezone.localdate()
    rng = random.Random(13)
    Plan.objects.bulk_create(
        [
            Plan(
                organisation=organisation,
                membership=m,
                coordinator=membership,
                life_wanted="Friends nearby and a job.",
                next_review_on=today + timezone.timedelta(days=rng.randint(-30, 90)),
                last_contact_at=timezone.now() - timezone.timedelta(days=rng.randint(0, 90)),
                created_by=coordinator,
            )
            for m in members
        ]
    )
    client = Client()
    client.force_login(coordinator.user)
    page = f"/coordination/organisations/{organisation.pk}/caseload/"
    trivial = "/coordination/"
    for url in (page, trivial):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    assert b"Caseload 59" in client.get(page).content
    full, light = [], []
    for _ in range(requests):
        started = time.perf_counter()
        client.get(page)
        full.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        client.get(trivial)
        light.append((time.perf_counter() - started) * 1000)
    value, baseline = p95(full), p95(light)
    emit(
        "caseload page (60 people) p95",
        value,
        "ms",
        baseline,
        "ratio <= 3",
        value <= 3 * baseline,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10k candidates: under a minute")
    args = parser.parse_args()
    count, queries, requests = (10_000, 200, 20) if args.quick else (100_000, 200, 40)
    with tempfile.TemporaryDirectory(prefix="bench-matching-") as var_dir:
        _setup(var_dir)
        started = time.perf_counter()
        organisation_id, doc_ids = _seed(count)
        seeded = time.perf_counter() - started
        print(json.dumps({"note": f"seeded {count} candidates in {seeded:.1f} s"}), flush=True)
        bench_search(organisation_id, doc_ids, queries)
        bench_caseload(requests)


if __name__ == "__main__":
    main()
