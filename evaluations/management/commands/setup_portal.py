"""The one command that makes an empty database ready for a real cycle: the frameworks,
the institutions and universities of the roster, and the first ministry admin.

    python manage.py setup_portal --username admin --email admin@menpan.go.id

The password is asked twice (or read from the environment variable named by
--password-env, for scripts). Running it again changes nothing that is already there.
"""

from __future__ import annotations

import getpass
import os

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from institutions.models import Role, User


class Command(BaseCommand):
    help = "Load the frameworks and the roster and create the first ministry admin."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True)
        parser.add_argument("--email", required=True)
        parser.add_argument(
            "--password-env",
            metavar="VAR",
            help="Read the admin's password from this environment variable (no prompt).",
        )

    def _password(self, options, user: User) -> str:
        if options["password_env"]:
            password = os.environ.get(options["password_env"], "")
            if not password:
                raise CommandError(f"The environment variable {options['password_env']} is empty.")
        else:
            password = getpass.getpass("Password for the ministry admin: ")
            if password != getpass.getpass("Password (again): "):
                raise CommandError("The two passwords differ.")
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        return password

    def handle(self, *args, **options):
        for loader in ("load_framework", "load_institutions"):
            call_command(loader, verbosity=options["verbosity"], stdout=self.stdout)
        username = options["username"].strip()
        existing = User.objects.filter(username=username).first()
        if existing is not None:
            if existing.role != Role.ADMIN:
                raise CommandError(f"{username!r} exists and is not a ministry admin.")
            self.stdout.write(f"The ministry admin {username!r} already exists: unchanged.")
            return
        user = User(
            username=username,
            email=options["email"].strip(),
            role=Role.ADMIN,
            is_staff=True,
            is_superuser=True,
        )
        user.set_password(self._password(options, user))
        with transaction.atomic():
            user.save()
        self.stdout.write(
            self.style.SUCCESS(
                f"Ministry admin {username!r} created. Sign in, then open a period under "
                "“Periods” and import the people under “People”."
            )
        )
