"""Checking the ledger against itself: what ``coproduce ledger verify`` runs."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.db import DatabaseError, connection, transaction
from django.db.models import Count, Sum

from coproduce.timebank.models import Account, Entry


@dataclass(frozen=True)
class Difference:
    what: str
    id: int
    expected: int | None = None
    found: object = None
    note: str = ""

    def __str__(self) -> str:
        if self.note:
            return f"{self.what} {self.id}: {self.note}"
        return f"{self.what} {self.id}: expected {self.expected}, found {self.found}"


def ledger_differences() -> list[Difference]:
    """Every cached balance that differs from the sum of its entries, every balance or
    entry not stored as a whole number, and every transfer whose entries do not sum to zero
    in each bank's books. Empty when the ledger is whole. A check the database cannot run
    is itself a difference: verifying never stops at the first surprise."""
    differences: list[Difference] = []
    checks: list[tuple[str, Callable[[], Iterable[Difference]]]] = [
        ("whole numbers", _not_whole_numbers),
        ("balances", _balance_differences),
        ("transfers", _unbalanced_transfers),
    ]
    for number, (name, check) in enumerate(checks, start=1):
        try:
            with transaction.atomic():
                differences.extend(check())
        except (DatabaseError, OverflowError, ValueError) as error:
            differences.append(Difference("check", number, note=f"{name} could not run: {error}"))
    return differences


def _not_whole_numbers() -> list[Difference]:
    # A SQLite column takes any type; PostgreSQL's bigint columns hold only integers.
    if connection.vendor != "sqlite":
        return []
    found = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, balance FROM timebank_account WHERE typeof(balance) <> 'integer' "
            "ORDER BY id"
        )
        for pk, balance in cursor.fetchall():
            found.append(
                Difference("account", pk, note=f"balance {balance!r} is not a whole number")
            )
        cursor.execute(
            "SELECT id, transfer_id, amount FROM timebank_entry "
            "WHERE typeof(amount) <> 'integer' ORDER BY id"
        )
        for pk, transfer_id, amount in cursor.fetchall():
            found.append(
                Difference(
                    "entry",
                    pk,
                    note=f"amount {amount!r} in transfer {transfer_id} is not a whole number",
                )
            )
    return found


def _balance_differences() -> list[Difference]:
    sums = _entry_sums_by_account()
    found = []
    for account_id, balance in Account.objects.values_list("pk", "balance").order_by("pk"):
        if not isinstance(balance, int):
            continue  # reported as not a whole number
        expected = sums.get(account_id, 0)
        if balance != expected:
            found.append(Difference("account", account_id, expected, balance))
    return found


def _entry_sums_by_account() -> dict[int, int]:
    try:
        with transaction.atomic():
            rows = (
                Entry.objects.values("account_id")
                .annotate(total=Sum("amount"))
                .values_list("account_id", "total")
            )
            return {account_id: int(total or 0) for account_id, total in rows}
    except (DatabaseError, OverflowError):
        # SQLite's SUM stops at 64 bits ("integer overflow"); Python's integers do not.
        totals: dict[int, int] = defaultdict(int)
        for account_id, _bank, _transfer, amount in _whole_entries():
            totals[account_id] += amount
        return dict(totals)


def _unbalanced_transfers() -> list[Difference]:
    try:
        with transaction.atomic():
            rows = list(
                Entry.objects.values("transfer_id", "account__organisation_id")
                .annotate(total=Sum("amount"), legs=Count("pk"))
                .exclude(total=0)
                .order_by("transfer_id")
                .values_list("transfer_id", "total")
            )
        return [Difference("transfer", pk, 0, int(total)) for pk, total in rows]
    except (DatabaseError, OverflowError):
        totals: dict[tuple[int, int], int] = defaultdict(int)
        for _account, bank, transfer_id, amount in _whole_entries():
            totals[(transfer_id, bank)] += amount
        return [
            Difference("transfer", transfer_id, 0, total)
            for (transfer_id, _bank), total in sorted(totals.items())
            if total != 0
        ]


def _whole_entries() -> Iterator[tuple[int, int, int, int]]:
    """Each entry's account, bank, transfer and amount, leaving out amounts that are not
    whole numbers (they are reported on their own)."""
    rows = Entry.objects.values_list(
        "account_id", "account__organisation_id", "transfer_id", "amount"
    ).iterator(chunk_size=10_000)
    for account_id, bank, transfer_id, amount in rows:
        if isinstance(amount, int):
            yield account_id, bank, transfer_id, amount
