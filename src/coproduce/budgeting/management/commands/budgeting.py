"""``coproduce budgeting tally|export|import|verify``: count a pabulib file, write a budget as
an anonymised ``.pb`` file, load one as a round, check the ledger."""

from __future__ import annotations

import json
import sys
from fractions import Fraction
from pathlib import Path
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser

from coproduce.budgeting import pabulib, pabulib_io, services
from coproduce.budgeting.models import Budget, Rule
from coproduce.errors import CoproduceError
from coproduce.people.models import Organisation, User
from coproduce.people.permissions import viewer_for


def _threshold(text: str) -> int | Fraction:
    """``3`` (voters) or ``0.1`` / ``1/10`` (a share of the voters)."""
    try:
        if "/" in text or "." in text:
            return Fraction(text)
        return int(text)
    except (ValueError, ZeroDivisionError) as error:
        raise CommandError(
            f"--threshold: “{text}” is not a number of voters or a share."
        ) from error


def _read(path: str) -> str:
    try:
        return sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as error:
        raise CommandError(f"Cannot read {path}: {error.strerror}.") from error
    except UnicodeDecodeError as error:
        raise CommandError(f"{path} is not UTF-8 text.") from error


class Command(BaseCommand):
    help = "Participatory budgeting: count .pb files, export and import rounds, verify money."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        tally = sub.add_parser("tally", help="Print the project ids a rule selects.")
        tally.add_argument("file", help="A pabulib .pb file, or - for standard input.")
        tally.add_argument(
            "--rule",
            choices=pabulib_io.TALLY_RULES,
            help="The counting rule (default: the rule the file's META names).",
        )
        tally.add_argument(
            "--threshold",
            help=(
                "For the greedy rules: the score a project needs (3), or a share of the voters "
                "(0.1); default: the file's min_project_score_threshold."
            ),
        )
        tally.add_argument("--json", action="store_true", help="Print JSON with explanations.")
        export = sub.add_parser("export", help="Write a budget as an anonymised .pb file.")
        export.add_argument("budget", type=int, help="The budget's id.")
        export.add_argument("-o", "--output", default="-", help="File to write (default: stdout).")
        load = sub.add_parser("import", help="Load a .pb election as a counted round.")
        load.add_argument("file")
        load.add_argument("--organisation", required=True, help="Slug of the organisation.")
        load.add_argument("--by", required=True, help="Email of a manager there.")
        load.add_argument("--title", default="")
        load.add_argument(
            "--rule", choices=Rule.values, help="Default: the file's own rule, where we have it."
        )
        sub.add_parser("verify", help="Check the ledger (the same as `coproduce ledger verify`).")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "tally":
            self._tally(options)
        elif action == "export":
            self._export(options)
        elif action == "import":
            self._import(options)
        else:
            self._verify()

    def _tally(self, options: dict[str, Any]) -> None:
        text = _read(options["file"])
        threshold = options["threshold"]
        try:
            counted = pabulib_io.tally_text(
                text,
                rule=options["rule"],
                threshold=None if threshold is None else _threshold(threshold),
            )
        except pabulib.PabulibError as error:
            raise CommandError(f"{options['file']}: {error}") from error
        except (ValueError, TypeError) as error:
            raise CommandError(str(error)) from error
        result = counted.result
        if options["json"]:
            payload = {
                "rule": counted.rule,
                "selected": result.selected,
                "spent": str(result.spent),
                "spent_text": counted.money(Fraction(result.spent)),
                "explanation": {item.project_id: item.reason for item in result.explanation},
            }
            self.stdout.write(json.dumps(payload, indent=2, ensure_ascii=False))
        else:
            for project_id in result.selected:
                self.stdout.write(project_id)

    def _export(self, options: dict[str, Any]) -> None:
        budget = Budget.objects.select_related("round").filter(pk=options["budget"]).first()
        if budget is None:
            raise CommandError(f"There is no budget {options['budget']}.")
        text = pabulib_io.export_budget(budget)
        if options["output"] == "-":
            self.stdout.write(text, ending="")
        else:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {options['output']}.")

    def _import(self, options: dict[str, Any]) -> None:
        user = User.objects.filter(email__iexact=options["by"]).first()
        if user is None:
            raise CommandError(f"No user has the email address {options['by']}.")
        organisation = Organisation.objects.filter(slug=options["organisation"]).first()
        if organisation is None:
            raise CommandError(f"No organisation has the slug {options['organisation']}.")
        text = _read(options["file"])
        rule = options["rule"] or pabulib_io.round_rule(text)
        try:
            round_ = services.election_import(
                viewer=viewer_for(user),
                organisation_id=organisation.pk,
                text=text,
                title=options["title"],
                rule=rule,
            )
        except CoproduceError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"Imported round {round_.pk}: {round_.title}")

    def _verify(self) -> None:
        # Money is in the time-bank ledger (in pence): one check covers hours and money.
        call_command("ledger", "verify", stdout=self.stdout, stderr=self.stderr)
