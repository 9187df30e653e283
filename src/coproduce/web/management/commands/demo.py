"""``coproduce demo``: load the demo neighbourhood (once) and serve it."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import import_module
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from coproduce.notifications.services import notifications_settle

DEMO_APPS = ("people", "timebank", "directory", "budgeting", "coordination", "audit", "impact")


class Command(BaseCommand):
    help = "Load the demo neighbourhood (loading twice changes nothing) and serve it."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--port",
            type=int,
            default=int(os.environ.get("PORT", "8000")),
            help="Port to serve on (default: $PORT, else 8000).",
        )
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--no-serve", action="store_true", help="Load the demo data and stop.")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("migrate", interactive=False, verbosity=0)
        started = timezone.now()
        for app in DEMO_APPS:
            try:
                module = import_module(f"coproduce.{app}.demo")
            except ModuleNotFoundError:
                continue
            module.load(stdout=self.stdout)
        notifications_settle(since=started)
        self._print_logins(options["host"], options["port"])
        if options["no_serve"]:
            return
        self._serve(options["host"], options["port"])

    def _print_logins(self, host: str, port: int) -> None:
        from coproduce.people.demo import DEMO_PASSWORD, LOGINS

        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Coproduce demo: http://{host}:{port}/"))
        self.stdout.write(f"Sign in with any of these (password: {DEMO_PASSWORD}):")
        for email, name, role, organisation in LOGINS:
            self.stdout.write(f"  {email:<28} {name:<18} {role} at {organisation}")
        self.stdout.write("")

    def _serve(self, host: str, port: int) -> None:
        from waitress import serve

        from coproduce.wsgi import application

        # Background tasks (imports, reports, notifications) run in a worker beside the server.
        worker = subprocess.Popen(
            [sys.executable, "-m", "coproduce.cli", "db_worker"],
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "coproduce.settings"},
        )
        try:
            serve(application, host=host, port=port, threads=8, ident="coproduce")
        finally:
            worker.terminate()
            worker.wait(timeout=10)
