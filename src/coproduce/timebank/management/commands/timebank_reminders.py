"""``coproduce timebank_reminders``: remind people to confirm exchanges claimed days ago."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from coproduce.timebank.services import exchange_reminders_send


class Command(BaseCommand):
    help = "Email the other party of each exchange claimed over three days ago."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = exchange_reminders_send()
        self.stdout.write(f"Sent {sent} reminder(s).")
