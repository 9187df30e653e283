"""Benchmark: the time-bank ledger.

1. Transfers per second through the posting service (``transfer_post``) against a raw
   ``sqlite3`` loop doing the same inserts and balance updates, with the same durability
   (WAL, synchronous=NORMAL, one transaction per transfer) on the same database file.
   Target: ratio >= 0.25. The same against a raw psycopg loop on PostgreSQL.
2. Member dashboard and offer search p95 with 100k people and 2M transfers seeded (bulk
   inserts), under 16 concurrent clients, against a trivial page: target <= 3x. Each is
   measured in rounds alternating with the trivial page (5 rounds; 3 with --quick) and the
   median round of each is reported. The server is waitress with 16 threads and the
   shipped settings. On PostgreSQL the seed ends with VACUUM ANALYZE, the state autovacuum
   leaves a bulk-loaded table in.

    python bench/ledger.py            # full size: 100,000 people, 2,000,000 transfers
    python bench/ledger.py --quick    # 2,000 people, 20,000 transfers, under a minute
    python bench/ledger.py --quick --posting-only --skip-postgres   # part 1 on SQLite only

The posting rate is measured the same way in both modes (rounds of 400 transfers through
each loop, alternating, after the same warm-up); --quick runs 3 rounds instead of 7.

Each backend runs in its own child process (Django settings are per process) on its own
database: a temporary SQLite file, and the PostgreSQL database ``bench_ledger``. Prints one
JSON object per result line.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

POSTING_TARGET = 0.25
# Transfers per measured round of the posting loop, in both modes.
POSTING_PER_ROUND = 400
POSTING_WARM_UP = 200
POSTING_ROUNDS = 7
POSTING_ROUNDS_QUICK = 3
LATENCY_TARGET = 3.0
CLIENTS = 16
ROUNDS = 5
WORDS = [
    *("garden gardening lift shopping cooking befriending knitting computer forms walking",),
    *("dog repairs painting reading english maths music hospital lunch club allotment tea",),
]
WORDS = [word for phrase in WORDS for word in phrase.split(" ")]


def emit(metric: str, value: float, unit: str, baseline: float, target: float, *, lower: bool):
    ratio = value / baseline if baseline else float("inf")
    met = ratio <= target if lower else ratio >= target
    line = {
        "metric": metric,
        "value": round(value, 3),
        "unit": unit,
        "baseline": round(baseline, 3),
        "ratio": round(ratio, 3),
        "target": target,
        "met": met,
    }
    print(json.dumps(line), flush=True)


# --- in the child process ---------------------------------------------------------------------


def _setup(url: str, var_dir: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["COPRODUCE_VAR_DIR"] = var_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "coproduce.settings"
    os.environ.setdefault("CONN_MAX_AGE", "0")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _small_bank(tag: str) -> tuple[Any, list[Any]]:
    from django.db import transaction

    from coproduce.people import services as people
    from coproduce.people.permissions import viewer_for
    from coproduce.timebank import ledger

    founder = people.person_register(
        full_name=f"Bench {tag}", email=f"bench-{tag}@example.org", password="bench-password-42"
    )
    bank = people.organisation_create(name=f"Bench {tag}", kind="time_bank", founder=founder)
    viewer = viewer_for(founder.user)
    ledger.limits_set_for_organisation(
        viewer=viewer, organisation=bank, floor=None, ceiling=None, reason="Benchmark"
    )
    accounts = []
    for n in range(10):
        person = people.person_create_for(viewer=viewer, organisation=bank, full_name=f"P{n}")
        with transaction.atomic():
            accounts.append(ledger.member_account(person.memberships.get()))
    return bank, accounts


def _orm_rate(accounts: list[Any], count: int, seed: int) -> float:
    from coproduce.timebank import ledger
    from coproduce.timebank.ledger import Leg

    rng = random.Random(seed)
    pairs = [rng.sample(range(len(accounts)), 2) for _ in range(count)]
    books = {accounts[0].organisation_id}
    started = time.perf_counter()
    for a, b in pairs:
        ledger.transfer_post(
            legs=[Leg(accounts[a], -1), Leg(accounts[b], 1)],
            kind="exchange",
            reason="bench",
            operator=None,
            books=books,
        )
    return count / (time.perf_counter() - started)


TRANSFER_COLUMNS = (
    "organisation_id, kind, unit, amount, operator_id, on_behalf_of_id, reason, exchange_id, "
    "listing_id, group_id, reverses_id, occurred_at, created_at"
)


def _raw_sqlite_rate(path: str, bank_id: int, ids: list[int], count: int, seed: int) -> float:
    import sqlite3

    rng = random.Random(seed)
    pairs = [rng.sample(ids, 2) for _ in range(count)]
    db = sqlite3.connect(path, isolation_level=None, timeout=30)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    started = time.perf_counter()
    for a, b in pairs:
        now = time.strftime("%Y-%m-%d %H:%M:%S")
        db.execute("BEGIN IMMEDIATE")
        rows = db.execute(
            "SELECT id, balance, floor, ceiling FROM timebank_account WHERE id IN (?, ?) "
            "ORDER BY id",
            (a, b),
        ).fetchall()
        assert len(rows) == 2
        cursor = db.execute(
            f"INSERT INTO timebank_transfer ({TRANSFER_COLUMNS}) "
            "VALUES (?, 'exchange', 'minutes', 1, NULL, NULL, 'raw', NULL, NULL, NULL, NULL, ?, ?)",
            (bank_id, now, now),
        )
        transfer_id = cursor.lastrowid
        db.execute(
            "INSERT INTO timebank_entry (transfer_id, account_id, amount) VALUES (?, ?, -1), "
            "(?, ?, 1)",
            (transfer_id, a, transfer_id, b),
        )
        db.execute("UPDATE timebank_account SET balance = balance - 1 WHERE id = ?", (a,))
        db.execute("UPDATE timebank_account SET balance = balance + 1 WHERE id = ?", (b,))
        db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    db.close()
    return count / elapsed


def _raw_postgres_rate(url: str, bank_id: int, ids: list[int], count: int, seed: int) -> float:
    import psycopg

    rng = random.Random(seed)
    pairs = [rng.sample(ids, 2) for _ in range(count)]
    with psycopg.connect(url) as db:
        started = time.perf_counter()
        for a, b in pairs:
            with db.transaction(), db.cursor() as cursor:
                cursor.execute(
                    "SELECT id, balance, floor, ceiling FROM timebank_account "
                    "WHERE id IN (%s, %s) ORDER BY id FOR UPDATE",
                    (a, b),
                )
                assert len(cursor.fetchall()) == 2
                cursor.execute(
                    f"INSERT INTO timebank_transfer ({TRANSFER_COLUMNS}) VALUES (%s, 'exchange', "
                    "'minutes', 1, NULL, NULL, 'raw', NULL, NULL, NULL, NULL, now(), now()) "
                    "RETURNING id",
                    (bank_id,),
                )
                row = cursor.fetchone()
                assert row is not None
                cursor.execute(
                    "INSERT INTO timebank_entry (transfer_id, account_id, amount) "
                    "VALUES (%s, %s, -1), (%s, %s, 1)",
                    (row[0], a, row[0], b),
                )
                cursor.execute(
                    "UPDATE timebank_account SET balance = balance - 1 WHERE id = %s", (a,)
                )
                cursor.execute(
                    "UPDATE timebank_account SET balance = balance + 1 WHERE id = %s", (b,)
                )
        return count / (time.perf_counter() - started)


def _seed(bank: Any, people: int, transfers: int, seed: int) -> tuple[Any, int]:
    """Bulk-insert people, memberships, accounts, listings and transfers with their entries;
    then set each cached balance from its entries (so ``ledger verify`` passes)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from coproduce.people import services as people_services
    from coproduce.people.models import Membership, Person
    from coproduce.timebank.models import Account, Listing

    rng = random.Random(seed)
    now = timezone.now()
    me = people_services.person_register(
        full_name="Bench Member", email="bench-member@example.org", password="bench-password-42"
    )
    with transaction.atomic():
        persons = Person.objects.bulk_create(
            [Person(full_name=f"Person {n}") for n in range(people)], batch_size=5000
        )
        persons.append(me)
        memberships = Membership.objects.bulk_create(
            [
                Membership(person=p, organisation=bank, status="active", number=f"B{n:07d}")
                for n, p in enumerate(persons)
            ],
            batch_size=5000,
        )
        accounts = Account.objects.bulk_create(
            [
                Account(organisation=bank, kind="member", membership=m, name=f"A{m.pk}")
                for m in memberships
            ],
            batch_size=5000,
        )
        Listing.objects.bulk_create(
            [
                Listing(
                    membership=memberships[n * 10],
                    organisation=bank,
                    kind=rng.choice(["offer", "request"]),
                    title=" ".join(rng.sample(WORDS, 3)).capitalize(),
                    description=" ".join(rng.sample(WORDS, 8)),
                    category="other",
                    created_at=now - timedelta(days=rng.randint(0, 700)),
                )
                for n in range(max(1, people // 10))
            ],
            batch_size=5000,
        )
    ids = [account.pk for account in accounts]
    my_account = accounts[-1].pk
    cursor = connection.cursor()
    start_id = (Account.objects.count() and _max_id(cursor, "timebank_transfer")) + 1
    batch = 50_000
    every = max(1, transfers // 200)
    two_years = 730 * 24 * 3600
    with transaction.atomic():
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE timebank_entry DISABLE TRIGGER USER")
        for offset in range(0, transfers, batch):
            size = min(batch, transfers - offset)
            transfer_rows = []
            entry_rows = []
            for k in range(size):
                pk = start_id + offset + k
                # The bench member takes part in about 200 transfers, as a busy member would.
                a = my_account if (offset + k) % every == 0 else rng.choice(ids)
                b = rng.choice(ids)
                if a == b:
                    b = ids[(ids.index(b) + 1) % len(ids)]
                amount = rng.choice((30, 60, 60, 90, 120))
                when = now - timedelta(seconds=rng.randint(0, two_years))
                transfer_rows.append(
                    (pk, bank.pk, "exchange", "minutes", amount, "Seeded exchange", when, when)
                )
                entry_rows.append((pk, a, -amount))
                entry_rows.append((pk, b, amount))
            _bulk(connection, transfer_rows, entry_rows)
        cursor.execute(
            "UPDATE timebank_account SET balance = COALESCE((SELECT SUM(e.amount) FROM "
            "timebank_entry e WHERE e.account_id = timebank_account.id), 0) "
            "WHERE organisation_id = %s",
            [bank.pk],
        )
    if connection.vendor == "postgresql":
        # The seeded transfers balance by construction; the trigger guards what follows.
        cursor.execute("ALTER TABLE timebank_entry ENABLE TRIGGER USER")
        # What autovacuum does within a minute of a bulk load on a live server. Without it
        # every seeded listing still sits in the full-text index's pending list, which each
        # search reads from end to end (measured: the count took 8 ms instead of 4 ms).
        cursor.execute("VACUUM ANALYZE")
    else:
        cursor.execute("ANALYZE")
    return me, my_account


def _max_id(cursor: Any, table: str) -> int:
    cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
    return int(cursor.fetchone()[0])


def _bulk(connection: Any, transfer_rows: list[tuple[Any, ...]], entry_rows: list[Any]) -> None:
    if connection.vendor == "postgresql":
        raw = connection.connection
        with raw.cursor() as cursor:
            with cursor.copy(
                "COPY timebank_transfer (id, organisation_id, kind, unit, amount, reason, "
                "occurred_at, created_at) FROM STDIN"
            ) as copy:
                for row in transfer_rows:
                    copy.write_row(row)
            with cursor.copy(
                "COPY timebank_entry (transfer_id, account_id, amount) FROM STDIN"
            ) as copy:
                for row in entry_rows:
                    copy.write_row(row)
        return
    with connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO timebank_transfer (id, organisation_id, kind, unit, amount, reason, "
            "occurred_at, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
            [(*row[:6], row[6].isoformat(), row[7].isoformat()) for row in transfer_rows],
        )
        cursor.executemany(
            "INSERT INTO timebank_entry (transfer_id, account_id, amount) VALUES (%s, %s, %s)",
            entry_rows,
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _p95(port: int, path: str, cookie: str, requests_each: int) -> float:
    latencies: list[float] = []
    lock = threading.Lock()
    failures: list[str] = []

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for _ in range(requests_each):
            started = time.perf_counter()
            conn.request("GET", path, headers={"Cookie": f"sessionid={cookie}"})
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            if response.status != 200:
                failures.append(f"{path}: {response.status}")
            with lock:
                latencies.append(elapsed)
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(failures[0])
    return statistics.quantiles(latencies, n=20)[-1] * 1000


def child(backend: str, url: str, var_dir: str, quick: bool, posting_only: bool = False) -> None:
    _setup(url, var_dir)
    from django.db import connection
    from django.test import Client

    bank, accounts = _small_bank("posting")
    ids = [account.pk for account in accounts]
    # Both modes measure the same loop (the same transfers per round, after the same warm-up
    # of both loops); --quick only runs fewer rounds. Rounds alternate between the two loops
    # so a noisy neighbour slows both alike; the median round of each is reported.
    orm_rounds, raw_rounds = [], []
    path = connection.settings_dict["NAME"]

    def raw_rate(count: int, seed: int) -> float:
        if backend == "sqlite":
            return _raw_sqlite_rate(path, bank.pk, ids, count, seed)
        return _raw_postgres_rate(url, bank.pk, ids, count, seed)

    _orm_rate(accounts, POSTING_WARM_UP, 0)
    raw_rate(POSTING_WARM_UP, 0)
    for round_ in range(POSTING_ROUNDS_QUICK if quick else POSTING_ROUNDS):
        orm_rounds.append(_orm_rate(accounts, POSTING_PER_ROUND, round_))
        raw_rounds.append(raw_rate(POSTING_PER_ROUND, round_))
    emit(
        f"{backend}_transfers_per_second",
        statistics.median(orm_rounds),
        "transfers/s",
        statistics.median(raw_rounds),
        POSTING_TARGET,
        lower=False,
    )
    if posting_only:
        return

    people, transfers = (2_000, 20_000) if quick else (100_000, 2_000_000)
    started = time.perf_counter()
    big_bank, _ = _small_bank("scale")
    me, _account = _seed(big_bank, people, transfers, 7)
    seed_seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "note": f"{backend}: seeded {people} people, {transfers} transfers "
                f"in {seed_seconds:.0f} s"
            }
        ),
        file=sys.stderr,
        flush=True,
    )
    client = Client()
    client.force_login(me.user)
    cookie = client.cookies["sessionid"].value
    connection.close()

    port = _free_port()
    env = dict(os.environ, COPRODUCE_SECURE_COOKIES="false")
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "waitress-serve"),
            f"--listen=127.0.0.1:{port}",
            f"--threads={CLIENTS}",
            "coproduce.wsgi:application",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        # Rounds alternate between the trivial page and the measured one, so a noisy
        # neighbour slows both alike; the median round of each is reported.
        each, rounds = (3, 3) if quick else (10, 5)
        trivial = "/accessibility/"
        pages = {
            "dashboard": f"/timebank/{big_bank.pk}/",
            "offer_search": f"/timebank/{big_bank.pk}/listings/?q=garden+lunch",
        }
        for path in (trivial, *pages.values()):
            _p95(port, path, cookie, 2)  # warm up each path
        for name, path in pages.items():
            values, bases = [], []
            for _ in range(rounds):
                bases.append(_p95(port, trivial, cookie, each))
                values.append(_p95(port, path, cookie, each))
            emit(
                f"{backend}_{name}_p95",
                statistics.median(values),
                "ms",
                statistics.median(bases),
                LATENCY_TARGET,
                lower=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=10)


# --- the parent process ----------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="scaled down, under a minute")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432"),
        help="PostgreSQL server URL (the bench creates and drops bench_ledger)",
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument(
        "--posting-only", action="store_true", help="measure only the posting rate (part 1)"
    )
    parser.add_argument("--child", nargs=3, metavar=("BACKEND", "URL", "VAR_DIR"))
    args = parser.parse_args()
    if args.child:
        child(*args.child, quick=args.quick, posting_only=args.posting_only)
        return 0

    quick = ["--quick"] if args.quick else []
    if args.posting_only:
        quick.append("--posting-only")
    status = 0
    with tempfile.TemporaryDirectory(prefix="bench-ledger-") as var_dir:
        url = f"sqlite:///{Path(var_dir) / 'bench.sqlite3'}"
        status |= subprocess.call(
            [sys.executable, __file__, *quick, "--child", "sqlite", url, var_dir]
        )
        if not args.skip_postgres:
            status |= _postgres(args.postgres, quick, var_dir)
    return status


def _postgres(server: str, quick: list[str], var_dir: str) -> int:
    import psycopg

    try:
        admin = psycopg.connect(f"{server}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as error:
        print(json.dumps({"note": f"PostgreSQL skipped: {error}"}), file=sys.stderr)
        return 0
    with admin:
        admin.execute("DROP DATABASE IF EXISTS bench_ledger WITH (FORCE)")
        admin.execute("CREATE DATABASE bench_ledger")
        try:
            return subprocess.call(
                [
                    sys.executable,
                    __file__,
                    *quick,
                    "--child",
                    "postgresql",
                    f"{server}/bench_ledger",
                    var_dir,
                ]
            )
        finally:
            admin.execute("DROP DATABASE IF EXISTS bench_ledger WITH (FORCE)")


if __name__ == "__main__":
    sys.exit(main())
