"""``coproduce impact sroi|network``: the SROI of a value map, the network measures of a
file of transfers. Each subcommand lives in its own module (``coproduce.impact.cli_<name>``)
with ``add_parser(subparsers)`` and ``run(options, stdout)``."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

SUBCOMMANDS = ("sroi", "network")


class Command(BaseCommand):
    help = "Impact: SROI from a value map, network measures from transfers."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        for name in SUBCOMMANDS:
            try:
                module = import_module(f"coproduce.impact.cli_{name}")
            except ModuleNotFoundError:
                continue
            module.add_parser(sub)

    def handle(self, *args: Any, **options: Any) -> None:
        module = import_module(f"coproduce.impact.cli_{options['action']}")
        module.run(options, self.stdout)
