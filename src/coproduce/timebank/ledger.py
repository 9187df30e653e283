"""Checking the ledger against itself: what ``coproduce ledger verify`` runs."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Sum

from coproduce.timebank.models import Account, Entry


@dataclass(frozen=True)
class Difference:
    what: str
    id: int
    expected: int
    found: int

    def __str__(self) -> str:
        return f"{self.what} {self.id}: expected {self.expected}, found {self.found}"


def ledger_differences() -> list[Difference]:
    """Every cached balance that differs from the sum of its entries, and every transfer
    whose entries do not sum to zero in each bank's books. Empty when the ledger is whole."""
    differences: list[Difference] = []
    sums = dict(
        Entry.objects.values("account_id")
        .annotate(total=Sum("amount"))
        .values_list("account_id", "total")
    )
    for account_id, balance in Account.objects.values_list("pk", "balance").order_by("pk"):
        expected = int(sums.get(account_id) or 0)
        if balance != expected:
            differences.append(Difference("account", account_id, expected, balance))
    unbalanced = (
        Entry.objects.values("transfer_id", "account__organisation_id")
        .annotate(total=Sum("amount"), legs=Count("pk"))
        .exclude(total=0)
        .order_by("transfer_id")
    )
    for row in unbalanced:
        differences.append(Difference("transfer", row["transfer_id"], 0, int(row["total"])))
    return differences
