"""``coproduce coordination match-eval|reindex|reviews-due``: rank a labelled set offline,
rebuild the matching index, tell coordinators about reviews and follow-ups that are due."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = "Coordination: evaluate matching offline, rebuild its index, send due reminders."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        evaluate = sub.add_parser(
            "match-eval", help="Rank labelled candidates for labelled goals; print hit@5, recall@5."
        )
        evaluate.add_argument("--candidates", required=True, help="Candidates, one JSON per line.")
        evaluate.add_argument("--queries", required=True, help="Queries, one JSON per line.")
        evaluate.add_argument(
            "--semantic",
            action="store_true",
            help="Add sentence-embedding similarity (needs the [semantic] extra).",
        )
        evaluate.add_argument(
            "--baseline", action="store_true", help="Plain BM25 only: no distance, no semantics."
        )
        evaluate.add_argument("--json", action="store_true", help="Print one JSON object.")
        sub.add_parser("reindex", help="Rebuild the matching index from every source.")
        sub.add_parser(
            "reviews-due",
            help="Notify coordinators of reviews and follow-ups due today or already overdue.",
        )

    def handle(self, *args: object, **options: object) -> None:
        action = options["action"]
        if action == "match-eval":
            from coproduce.coordination.matching.evaluation import match_eval_command

            match_eval_command(self, options)
        elif action == "reindex":
            from coproduce.coordination.matching.index import index_rebuild_command

            index_rebuild_command(self)
        else:
            from coproduce.coordination.services.caseloads import reviews_due_notify_command

            reviews_due_notify_command(self)
