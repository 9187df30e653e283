"""``coproduce token create --user EMAIL [--name NAME]``: a personal API token."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from coproduce.errors import CoproduceError
from coproduce.people import services
from coproduce.people.models import User


class Command(BaseCommand):
    help = "Create or revoke personal API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Create a token and print it once.")
        create.add_argument("--user", required=True, help="Email address of the user.")
        create.add_argument("--name", default="command line", help="What the token is for.")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["user"]).first()
        if user is None:
            raise CommandError(f"No user has the email address {options['user']}.")
        try:
            token, secret = services.api_token_create(user=user, name=options["name"])
        except CoproduceError as error:
            raise CommandError(error.message) from error
        self.stdout.write(secret)
        self.stderr.write(f"Token “{token.name}” created for {user.email}; it is shown only once.")
