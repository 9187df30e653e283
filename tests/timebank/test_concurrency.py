"""Eight processes post 200 transfers each among ten accounts, on a real SQLite file and a
real PostgreSQL database that the test creates: totals come out exact, nothing is lost."""

from __future__ import annotations

import multiprocessing
import os
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.timebank import concurrency_worker as worker

PROCESSES = 8
PER_PROCESS = 200
POSTGRES_SERVER = os.environ.get("TIMEBANK_TEST_POSTGRES", "postgres://postgres@127.0.0.1:5432")
POSTGRES_NAME = "timebank_concurrency"


def _race(url: str) -> None:
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        prepared = pool.apply(worker.prepare, (url,))
    accounts, user_id = prepared["accounts"], prepared["user_id"]
    with context.Pool(1) as pool:
        before = pool.apply(worker.totals, (url,))
    started = time.monotonic()
    with context.Pool(PROCESSES) as pool:
        results = pool.starmap(
            worker.post_many,
            [(url, seed, accounts, user_id, PER_PROCESS) for seed in range(PROCESSES)],
        )
    elapsed = time.monotonic() - started
    with context.Pool(1) as pool:
        pool_totals = pool.apply(worker.totals, (url,))

    posted = [row for result in results for row in result]
    assert len(posted) == PROCESSES * PER_PROCESS
    expected: Counter[int] = Counter(before["balances"])
    for _pk, source, target, amount in posted:
        expected[source] -= amount
        expected[target] += amount
    assert {pk: pool_totals["balances"][pk] for pk in accounts} == {
        pk: expected[pk] for pk in accounts
    }
    new_transfers = set(pool_totals["transfers"]) - set(before["transfers"])
    assert new_transfers == {row[0] for row in posted}
    assert sum(pool_totals["balances"][pk] for pk in accounts) == worker.ACCOUNTS * (
        worker.START_BALANCE
    )
    assert pool_totals["differences"] == []
    assert elapsed < 60


@pytest.mark.slow
def test_concurrent_transfers_on_a_sqlite_file_are_exact() -> None:
    with tempfile.TemporaryDirectory() as directory:
        _race(f"sqlite:///{Path(directory) / 'race.sqlite3'}")


def _postgres_admin() -> Any:
    try:
        return psycopg.connect(f"{POSTGRES_SERVER}/postgres", autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        pytest.skip("PostgreSQL is not reachable")


@pytest.mark.slow
def test_concurrent_transfers_on_postgresql_are_exact() -> None:
    admin = _postgres_admin()
    with admin:
        admin.execute(f"DROP DATABASE IF EXISTS {POSTGRES_NAME} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {POSTGRES_NAME}")
        try:
            _race(f"{POSTGRES_SERVER}/{POSTGRES_NAME}")
        finally:
            admin.execute(f"DROP DATABASE IF EXISTS {POSTGRES_NAME} WITH (FORCE)")
