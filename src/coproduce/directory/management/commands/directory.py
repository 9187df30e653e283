"""``coproduce directory export --format openreferral-uk --out FILE`` and
``coproduce directory import FILE`` (a path or a feed URL), with a progress bar on stderr."""

from __future__ import annotations

import contextlib
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from coproduce.directory import openreferral, services
from coproduce.directory.importing import ImportRejected
from coproduce.errors import CoproduceError
from coproduce.people.permissions import ANONYMOUS


class Command(BaseCommand):
    help = "Export or import the directory as Open Referral UK 3.0."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        export = sub.add_parser("export", help="Write the public directory to a file.")
        export.add_argument("--format", choices=["openreferral-uk"], default="openreferral-uk")
        export.add_argument(
            "--form",
            choices=["package", "list"],
            default="package",
            help="package: fully nested services; list: their one-to-one fields.",
        )
        export.add_argument("--out", required=True, help="File to write ('-' for stdout).")
        export.add_argument("--no-progress", action="store_true")
        imp = sub.add_parser("import", help="Import services from a file or a feed URL.")
        imp.add_argument("source", help="A JSON file, or the /services URL of a feed.")
        imp.add_argument("--no-progress", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "export":
            self._export(options)
        else:
            self._import(options)

    def _export(self, options: dict[str, Any]) -> None:
        queryset = openreferral.export_assets(viewer=ANONYMOUS)
        total = queryset.count()
        progress = tqdm(
            total=total, unit="service", file=sys.stderr, disable=options["no_progress"]
        )
        out = options["out"]
        with contextlib.ExitStack() as stack:
            handle: TextIO = (
                sys.stdout
                if out == "-"
                else stack.enter_context(Path(out).open("w", encoding="utf-8"))
            )
            stack.callback(progress.close)
            for chunk in openreferral.stream_array(
                openreferral.iterate(queryset), form=options["form"], progress=progress
            ):
                handle.write(chunk)
        self.stderr.write(f"Exported {total} services to {out}.")

    def _import(self, options: dict[str, Any]) -> None:
        try:
            items = openreferral.read_source(options["source"])
        except (OSError, ValueError) as error:
            raise CommandError(str(error)) from error
        progress = tqdm(
            total=len(items), unit="service", file=sys.stderr, disable=options["no_progress"]
        )
        try:
            result = services.openreferral_import(viewer=None, items=items, progress=progress)
        except ImportRejected as error:
            lines = "\n".join(str(row) for row in error.rows)
            raise CommandError(f"{error.message}\n{lines}") from error
        except CoproduceError as error:
            raise CommandError(error.message) from error
        finally:
            progress.close()
        self.stdout.write(f"Imported {result.created} new and {result.updated} updated services.")
        if result.warnings:
            count = len(result.warnings)
            flagged = result.flagged
            self.stdout.write(
                f"{count} warning{'s' if count != 1 else ''}, where the import differs from the "
                "feed"
                + (
                    f" ({flagged} service{' is' if flagged == 1 else 's are'} not on the map, "
                    "flagged for someone to place)"
                    if flagged
                    else ""
                )
                + ":"
            )
            for warning in result.warnings:
                self.stdout.write(f"  {warning}")
