"""``coproduce ledger verify``: recompute every balance and transfer sum from the entries."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from coproduce.timebank.ledger import ledger_differences


class Command(BaseCommand):
    help = "Check the time bank ledger: balances against entries, transfers summing to zero."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser(
            "verify", help="Recompute balances and transfer sums; exit 1 on any difference."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] != "verify":  # pragma: no cover - argparse refuses others
            raise CommandError("Unknown action.")
        differences = ledger_differences()
        for difference in differences:
            self.stdout.write(str(difference))
        if differences:
            raise CommandError(f"The ledger has {len(differences)} difference(s).", returncode=1)
        self.stdout.write("The ledger balances: every balance equals the sum of its entries.")
