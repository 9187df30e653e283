"""``coproduce notifications digest``: send the weekly digests (run it once a week)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from coproduce.notifications.services import digest_due
from coproduce.notifications.tasks import digest_send


class Command(BaseCommand):
    help = "Send the weekly notification digests."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("digest", help="Email each person their week's weekly notifications.")

    def handle(self, *args: Any, **options: Any) -> None:
        sent = digest_send(digest_due())
        self.stdout.write(f"Sent {sent} digest{'s' if sent != 1 else ''}.")
