"""Directory benchmark (issue 4).

Seeds 20k assets with bulk inserts into a fresh database, then measures:

* p95 latency of the directory page answering "near a postcode within 2 km, open Saturday
  morning, free" against the p95 of a primary-key lookup page (one asset's page), both under
  the same concurrent load (threads with Django's test client, requests of both kinds mixed);
  target: ratio ≤ 3;
* the full Open Referral UK export of every service: seconds (target ≤ 30) and peak traced
  memory, compared with exporting the first 2,000 (flat memory: ratio ≤ 1.5).

Runs on a temporary SQLite file, and on PostgreSQL database ``bench_directory`` when a server
answers at 127.0.0.1:5432 (or $BENCH_POSTGRES_URL). Prints one JSON object per result line.

    python bench/directory.py            # 20k assets
    python bench/directory.py --quick    # 5k assets, fewer requests: under a minute
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import uuid
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CENTRE = (53.80, -1.55)
POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")


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


# --- the child: one database -------------------------------------------------------------------


def _setup(database_url: str, var_dir: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "coproduce.settings"
    os.environ["DATABASE_URL"] = database_url
    os.environ["COPRODUCE_VAR_DIR"] = var_dir
    os.environ.setdefault("COPRODUCE_SECURE_COOKIES", "false")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def _seed(count: int) -> tuple[str, list[uuid.UUID]]:
    from django.utils import timezone

    from coproduce.directory import services as directory_services
    from coproduce.directory.models import Asset, PostcodeCentroid, Schedule
    from coproduce.people import services as people_services

    founder = people_services.person_register(
        full_name="Bench Admin", email="bench@example.org", password="bench-password-42x"
    )
    organisation = people_services.organisation_create(
        name="Bench Borough", kind="public_service", founder=founder
    )
    rng = random.Random(20)
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    postcodes: list[tuple[str, float, float]] = []
    seen: set[str] = set()
    while len(postcodes) < max(200, count // 10):
        code = (
            f"LS{rng.randint(1, 29)} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
        )
        if code in seen:
            continue
        seen.add(code)
        # a 30 km square around the centre
        postcodes.append(
            (code, CENTRE[0] + rng.uniform(-0.135, 0.135), CENTRE[1] + rng.uniform(-0.23, 0.23))
        )
    PostcodeCentroid.objects.bulk_create(
        [PostcodeCentroid(postcode=c, latitude=lat, longitude=lon) for c, lat, lon in postcodes],
        batch_size=1000,
    )
    now = timezone.now()
    categories = ["association", "institution", "physical_space", "economic", "culture"]
    assets: list[Asset] = []
    schedules: list[Schedule] = []
    for n in range(count):
        code, lat, lon = rng.choice(postcodes)
        asset = Asset(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            organisation=organisation,
            category=rng.choice(categories),
            name=f"{rng.choice(['Community', 'Riverside', 'Northgate', 'Old Town'])} "
            f"{rng.choice(['Hall', 'Cafe', 'Garden', 'Club', 'Library', 'Choir'])} {n}",
            description="A place for neighbours to meet, learn and help each other.",
            postcode=code,
            latitude=lat + rng.uniform(-0.003, 0.003),
            longitude=lon + rng.uniform(-0.005, 0.005),
            cost_pence=0 if rng.random() < 0.6 else rng.choice([100, 250, 500]),
            updated_at=now,
            last_checked_at=now,
        )
        assets.append(asset)
        opens = rng.choice([8, 9, 10, 13, 18])
        schedules.append(
            Schedule(
                asset=asset,
                byday=rng.choice(["MO,WE", "TU,TH", "FR", "SU"]),
                opens_at=clock(opens),
                closes_at=clock(min(23, opens + 3)),
            )
        )
        if rng.random() < 0.3:
            schedules.append(
                Schedule(asset=asset, byday="SA", opens_at=clock(9), closes_at=clock(12))
            )
    Asset.objects.bulk_create(assets, batch_size=1000)
    Schedule.objects.bulk_create(schedules, batch_size=1000)
    directory_services.search_index_rebuild()
    return postcodes[0][0], [asset.pk for asset in assets]


def _load(
    postcode: str, ids: list[uuid.UUID], *, threads: int, per_thread: int
) -> dict[str, list[float]]:
    from django.db import connections
    from django.test import Client

    query = {
        "postcode": postcode,
        "within_km": "2",
        "day": "SA",
        "time": "10:00",
        "free": "on",
    }
    timings: dict[str, list[float]] = {"query": [], "pk": []}
    lock = threading.Lock()
    errors: list[str] = []

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        client = Client()
        local: dict[str, list[float]] = {"query": [], "pk": []}
        try:
            for _ in range(per_thread):
                kind = "query" if rng.random() < 0.5 else "pk"
                started = time.perf_counter()
                if kind == "query":
                    response = client.get("/directory/", query)
                else:
                    response = client.get(f"/directory/assets/{rng.choice(ids)}/")
                elapsed = time.perf_counter() - started
                if response.status_code != 200:
                    errors.append(f"{kind}: {response.status_code}")
                local[kind].append(elapsed)
        finally:
            connections.close_all()
        with lock:
            for kind, values in local.items():
                timings[kind].extend(values)

    # warm up both views once (template loading, connection)
    warm = Client()
    assert warm.get("/directory/", query).status_code == 200
    assert warm.get(f"/directory/assets/{ids[0]}/").status_code == 200
    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    if errors:
        raise SystemExit(f"requests failed: {errors[:5]}")
    return timings


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18]


def _export(limit: int | None) -> tuple[float, float, int]:
    from coproduce.directory import openreferral
    from coproduce.people.permissions import ANONYMOUS

    def run() -> int:
        written = 0
        queryset = openreferral.export_assets(viewer=ANONYMOUS)
        with open(os.devnull, "w", encoding="utf-8") as sink:
            items = openreferral.iterate(queryset, limit=limit)
            for chunk in openreferral.stream_array(items, form="package"):
                sink.write(chunk)
                written += 1
        return written - 2

    # Timed without tracing (tracemalloc slows Python down several times), then traced.
    started = time.perf_counter()
    written = run()
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    run()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak / 1_000_000, written


def child(database_url: str, label: str, quick: bool) -> None:
    with tempfile.TemporaryDirectory() as var_dir:
        _setup(database_url, var_dir)
        count = 5_000 if quick else 20_000
        started = time.perf_counter()
        postcode, ids = _seed(count)
        seed_seconds = time.perf_counter() - started
        emit(f"{label}.seed_{count}_assets", seed_seconds, "s", None, "informational", True)
        per_thread = 15 if quick else 100
        timings = _load(postcode, ids, threads=8, per_thread=per_thread)
        query_p95, pk_p95 = _p95(timings["query"]), _p95(timings["pk"])
        emit(
            f"{label}.near_2km_open_saturday_morning_free_p95",
            query_p95 * 1000,
            "ms",
            pk_p95 * 1000,
            "ratio <= 3 (vs primary-key page p95, same load, 8 threads)",
            query_p95 <= 3 * pk_p95,
        )
        _, small_peak, _ = _export(2000)
        seconds, peak, exported = _export(None)
        assert exported == count, (exported, count)
        emit(
            f"{label}.openreferral_export_{count}_services",
            seconds,
            "s",
            None,
            "<= 30 s",
            seconds <= 30,
        )
        emit(
            f"{label}.openreferral_export_peak_memory",
            peak,
            "MB",
            small_peak,
            "ratio <= 1.5 (vs exporting the first 2000: memory flat)",
            peak <= 1.5 * small_peak,
        )


# --- the parent: one child process per database ------------------------------------------------


def _postgres_url() -> str | None:
    try:
        import psycopg
    except ImportError:
        return None
    try:
        with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3) as connection:
            connection.execute("DROP DATABASE IF EXISTS bench_directory")
            connection.execute("CREATE DATABASE bench_directory")
    except psycopg.Error:
        return None
    return POSTGRES_URL.rsplit("/", 1)[0] + "/bench_directory"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="5k assets; under a minute")
    parser.add_argument(
        "--child", nargs=2, metavar=("DATABASE_URL", "LABEL"), help=argparse.SUPPRESS
    )
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    if args.child:
        child(args.child[0], args.child[1], args.quick)
        return
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        runs.append((f"sqlite:///{Path(tmp) / 'bench.sqlite3'}", "sqlite"))
        postgres = None if args.no_postgres else _postgres_url()
        if postgres:
            runs.append((postgres, "postgresql"))
        else:
            print(json.dumps({"note": "PostgreSQL not reachable: SQLite only"}), flush=True)
        failed = False
        for url, label in runs:
            command = [sys.executable, __file__, "--child", url, label]
            if args.quick:
                command.append("--quick")
            result = subprocess.run(command, cwd=ROOT, check=False)
            failed = failed or result.returncode != 0
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
