"""``coproduce seed --people N``: synthetic data at any size, for benchmarks."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coproduce.people.seeding import seed_people


class Command(BaseCommand):
    help = "Generate synthetic people and memberships (with a progress bar) for benchmarks."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, required=True, help="How many people.")
        parser.add_argument(
            "--organisations", type=int, default=1, help="Spread them over this many time banks."
        )
        parser.add_argument("--seed", type=int, default=1, help="Random seed.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["people"] < 1:
            raise CommandError("--people must be at least 1.")
        if options["organisations"] < 1:
            raise CommandError("--organisations must be at least 1.")
        orgs = seed_people(
            people=options["people"],
            organisations=options["organisations"],
            stderr=self.stderr,
            seed=options["seed"],
        )
        self.stdout.write(f"Seeded {options['people']} people in {len(orgs)} organisation(s).")
