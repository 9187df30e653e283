"""``coproduce coordination match-eval|reindex|freshen|reviews-due``: rank a labelled set offline,
rebuild the matching index, tell coordinators about reviews and follow-ups that are due."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser


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
        sub.add_parser("freshen", help="Bring the matching index up to date (for cron).")
        message = sub.add_parser(
            "referral-message",
            help="Print the message back to a referrer (JSON or CSV); the read is logged.",
        )
        message.add_argument("reference", help="The referrer's own reference.")
        message.add_argument("--organisation", required=True, help="The organisation's slug.")
        message.add_argument("--format", choices=["json", "csv"], default="json")
        message.add_argument(
            "--as",
            dest="as_email",
            required=True,
            help="Email of the link worker or manager reading it (the access log names them).",
        )
        sub.add_parser(
            "reviews-due",
            help="Notify coordinators of reviews and follow-ups due today or already overdue.",
        )

    def handle(self, *args: object, **options: object) -> None:
        action = options["action"]
        if action == "match-eval":
            from coproduce.coordination.matching.evaluation import match_eval_command

            match_eval_command(self, options)
        elif action == "referral-message":
            self._referral_message(options)
        elif action == "reindex":
            from coproduce.coordination.matching.index import index_rebuild_command

            index_rebuild_command(self)
        elif action == "freshen":
            from coproduce.coordination.matching.index import index_freshen_command

            index_freshen_command(self)
        else:
            from coproduce.coordination.services.caseloads import reviews_due_notify_command

            reviews_due_notify_command(self)

    def _referral_message(self, options: dict[str, object]) -> None:
        from coproduce.coordination.selectors.referrals import referral_message_text
        from coproduce.errors import CoproduceError
        from coproduce.people.models import User
        from coproduce.people.permissions import viewer_for

        user = User.objects.filter(email__iexact=str(options["as_email"])).first()
        if user is None:
            raise CommandError(f"No one signs in as {options['as_email']}.")
        try:
            text = referral_message_text(
                viewer=viewer_for(user),
                organisation_slug=str(options["organisation"]),
                reference=str(options["reference"]),
                format=str(options["format"]),
            )
        except CoproduceError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(text)
