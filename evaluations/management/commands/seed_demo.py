"""Fill a development or demo database with everything needed to click through the portal.

`make run` calls it after `migrate`. It loads the reference data through the loaders
(`load_framework`, `load_institutions`), then adds an open evaluation period, the closed
2019 period, every active institution's evaluation for both, and one account per role
sharing one password. Idempotent (natural keys, update only what differs): a second run
changes nothing and says so. Refuses to run when DEBUG is off, so it can never touch
production.
"""

from __future__ import annotations

import datetime as dt
import io
import zoneinfo
from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from evaluations.models import Evaluation, EvaluationPeriod, Framework
from evaluations.services.core import create_evaluations_for_period
from institutions.models import Institution, Role, University, User

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
FRAMEWORK_CODE = "permenpanrb-5-2018"
DEFAULT_PASSWORD = "spbe-demo-2019"  # noqa: S105 - demo only; the command refuses DEBUG off
# The demo accounts' authenticator key (development only, like the password): the RFC 6238
# test key "12345678901234567890", in base32 for an authenticator app.
DEMO_TOTP_KEY_HEX = "3132333435363738393031323334353637383930"
DEMO_TOTP_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # noqa: S105 - demo only, as above
REMINDER_OFFSETS = [14, 7, 3, 1]
# The demo institution: Kota Denpasar (Kemendagri code 51.71) when the roster has it.
DEMO_INSTITUTION_CODES = ("5171", "51.71")
DEMO_UNIVERSITY_CODE = "ui"
# How long before "now" a freshly created open period opened.
OPEN_PERIOD_OPENED_WEEKS_AGO = 4


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    first_name: str
    last_name: str


DEMO_ACCOUNTS = (
    DemoAccount("demo-operator", Role.OPERATOR, "Operator", "Demo"),
    DemoAccount("demo-supervisor", Role.SUPERVISOR, "Penanggung Jawab", "Demo"),
    DemoAccount("demo-assessor", Role.ASSESSOR, "Asesor", "Demo"),
    DemoAccount("demo-coordinator", Role.COORDINATOR, "Koordinator", "Demo"),
    DemoAccount("demo-admin", Role.ADMIN, "Admin Kementerian", "Demo"),
)


def next_october_deadline(now: dt.datetime) -> dt.datetime:
    """The next 31 October 23:59:59 WIB at or after `now` (this year's, else next year's)."""
    local = now.astimezone(WIB)
    deadline = dt.datetime(local.year, 10, 31, 23, 59, 59, tzinfo=WIB)
    if local > deadline:
        deadline = dt.datetime(local.year + 1, 10, 31, 23, 59, 59, tzinfo=WIB)
    return deadline


class Command(BaseCommand):
    help = (
        "Seed a development/demo database: frameworks, the 623 institutions, the five "
        "universities, an open and the closed 2019 period with their evaluations, and one "
        "demo account per role. Idempotent; refuses when DEBUG is off."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help=f"Password of every demo account (default: {DEFAULT_PASSWORD}).",
        )

    def handle(self, *args, password: str, verbosity: int = 1, **options) -> None:
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo refuses to run with DEBUG off: demo accounts with a printed "
                "password must never reach a production database."
            )
        self.verbosity = verbosity
        self.changes: list[str] = []

        # Reference data: each loader is idempotent and reports its own changes.
        for loader in ("load_framework", "load_institutions"):
            out = io.StringIO()
            call_command(loader, verbosity=verbosity, stdout=out)
            self._info(out.getvalue().rstrip())

        with transaction.atomic():
            open_period, closed_period = self._seed_periods()
            for period in (open_period, closed_period):
                created = create_evaluations_for_period(period=period)
                if created:
                    self.changes.append(f"{created} evaluations created for {period.name}")
            accounts = self._seed_accounts(password=password)
            self._enrol_second_factor(accounts)

        # --- DEMO CAMPAIGN HOOK ------------------------------------------------------
        # The closed 2019 period gets a complete synthetic campaign (evaluations/demo/):
        # demo assessors per university, submitted, assigned, scored, approved, released.
        # Idempotent: a released period is left alone.
        # -----------------------------------------------------------------------------
        from evaluations.demo import (
            ensure_demo_assessors,
            seed_closed_campaign,
            seed_staged_campaign,
        )

        created = ensure_demo_assessors(password=password)
        if created:
            self.changes.append(f"{len(created)} demo assessors created (asesor-<university>-<n>)")
        self.changes.extend(seed_closed_campaign(period=closed_period, stdout=self.stdout))
        # A period in evaluation mode on 59/2020 part-way through its stages, assessed by
        # the demo university and the demo assessor, so the staged screens have content.
        self.changes.extend(
            seed_staged_campaign(
                demo_institution=self._demo_institution(),
                university=self._demo_university(),
                assessor=next(u for u in accounts if u.role == Role.ASSESSOR),
                stdout=self.stdout,
            )
        )

        self._report(open_period, closed_period, accounts, password)

    # --- periods ------------------------------------------------------------------

    def _seed_periods(self) -> tuple[EvaluationPeriod, EvaluationPeriod]:
        try:
            framework = Framework.objects.get(code=FRAMEWORK_CODE)
        except Framework.DoesNotExist as exc:
            raise CommandError(
                f"Framework {FRAMEWORK_CODE} is missing after load_framework."
            ) from exc

        now = timezone.now()
        deadline = next_october_deadline(now)
        open_period = self._upsert_period(
            name=f"Evaluasi SPBE {deadline.year}",
            framework=framework,
            year=deadline.year,
            opens_at=(now - dt.timedelta(weeks=OPEN_PERIOD_OPENED_WEEKS_AGO))
            .astimezone(WIB)
            .replace(hour=0, minute=0, second=0, microsecond=0),
            deadline=deadline,
            document_deadline=deadline + dt.timedelta(days=30),
            keep_past_opens_at=True,
        )
        closed_period = self._upsert_period(
            name="Evaluasi SPBE 2019",
            framework=framework,
            year=2019,
            opens_at=dt.datetime(2019, 8, 1, 0, 0, 0, tzinfo=WIB),
            deadline=dt.datetime(2019, 10, 31, 23, 59, 59, tzinfo=WIB),
            document_deadline=dt.datetime(2019, 11, 30, 23, 59, 59, tzinfo=WIB),
        )
        return open_period, closed_period

    def _upsert_period(
        self,
        *,
        name: str,
        framework: Framework,
        year: int,
        opens_at: dt.datetime,
        deadline: dt.datetime,
        document_deadline: dt.datetime,
        keep_past_opens_at: bool = False,
    ) -> EvaluationPeriod:
        """Create the period named `name`, or bring an existing one back to these values.

        With `keep_past_opens_at`, an existing period that has already opened keeps its
        opening moment, so that a rerun on another day is not a change.
        """
        wanted = {
            "framework": framework,
            "year": year,
            "opens_at": opens_at,
            "deadline": deadline,
            "grace_minutes": 0,
            "document_deadline": document_deadline,
            "reminder_offsets_days": REMINDER_OFFSETS,
        }
        period = EvaluationPeriod.objects.filter(name=name).first()
        if period is None:
            period = EvaluationPeriod(name=name, **wanted)
            period.full_clean()
            period.save()
            self.changes.append(f"period created: {name}")
            return period
        if keep_past_opens_at and period.opens_at <= timezone.now():
            wanted["opens_at"] = period.opens_at
        changed = [field for field, value in wanted.items() if getattr(period, field) != value]
        if changed:
            for field in changed:
                setattr(period, field, wanted[field])
            period.full_clean()
            period.save()
            self.changes.append(f"period updated: {name} ({', '.join(changed)})")
        return period

    # --- accounts -----------------------------------------------------------------

    def _demo_institution(self) -> Institution:
        institution = (
            Institution.objects.active().filter(code__in=DEMO_INSTITUTION_CODES).first()
            or Institution.objects.active().filter(name__iexact="Kota Denpasar").first()
            or Institution.objects.active().filter(kind=Institution.Kind.KOTA).first()
            or Institution.objects.active().first()
        )
        if institution is None:
            raise CommandError("No active institution after load_institutions.")
        return institution

    def _demo_university(self) -> University:
        university = (
            University.objects.filter(code=DEMO_UNIVERSITY_CODE).first()
            or University.objects.filter(is_active=True).first()
        )
        if university is None:
            raise CommandError("No university after load_institutions.")
        return university

    def _seed_accounts(self, *, password: str) -> list[User]:
        institution = self._demo_institution()
        university = self._demo_university()
        users = []
        for account in DEMO_ACCOUNTS:
            wanted = {
                "role": account.role,
                "first_name": account.first_name,
                "last_name": account.last_name,
                "email": f"{account.username}@spbe.local",
                "institution": institution
                if account.role in (Role.OPERATOR, Role.SUPERVISOR)
                else None,
                "university": university
                if account.role in (Role.ASSESSOR, Role.COORDINATOR)
                else None,
                "is_staff": account.role == Role.ADMIN,
                "is_superuser": account.role == Role.ADMIN,
                "is_active": True,
            }
            user = User.objects.filter(username=account.username).first()
            if user is None:
                user = User(username=account.username, **wanted)
                user.set_password(password)
                user.save()
                self.changes.append(f"account created: {account.username}")
            else:
                changed = [f for f, v in wanted.items() if getattr(user, f) != v]
                for field in changed:
                    setattr(user, field, wanted[field])
                if not user.check_password(password):
                    user.set_password(password)
                    changed.append("password")
                if changed:
                    user.save()
                    self.changes.append(
                        f"account updated: {account.username} ({', '.join(changed)})"
                    )
            users.append(user)
        return users

    def _enrol_second_factor(self, users: list[User]) -> None:
        """Each demo account has a confirmed authenticator with the fixed demo key."""
        from django_otp.plugins.otp_totp.models import TOTPDevice

        for user in users:
            device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
            if device is None:
                TOTPDevice.objects.create(
                    user=user, name="authenticator", key=DEMO_TOTP_KEY_HEX, confirmed=True
                )
                self.changes.append(f"authenticator enrolled: {user.username}")
            elif device.key != DEMO_TOTP_KEY_HEX:
                device.key = DEMO_TOTP_KEY_HEX
                device.save(update_fields=["key"])
                self.changes.append(f"authenticator key reset: {user.username}")

    # --- output -------------------------------------------------------------------

    def _info(self, text: str) -> None:
        if text and self.verbosity >= 1:
            self.stdout.write(text)

    def _report(self, open_period, closed_period, accounts, password: str) -> None:
        if self.verbosity < 1:
            return
        for change in self.changes:
            self.stdout.write(f"  {change}")
        if self.changes:
            self.stdout.write(self.style.SUCCESS(f"Demo data seeded: {len(self.changes)} changes."))
        else:
            self.stdout.write(self.style.SUCCESS("Demo data already up to date: nothing changed."))

        self.stdout.write(
            f"Institutions: {Institution.objects.active().count()} active · "
            f"universities: {University.objects.count()} · "
            f"frameworks: {Framework.objects.count()}"
        )
        from evaluations.demo import STAGED_NAME

        staged = EvaluationPeriod.objects.filter(name=STAGED_NAME).first()
        for period in (open_period, closed_period, *([staged] if staged else [])):
            self.stdout.write(
                f"{period.name}: deadline "
                f"{period.deadline.astimezone(WIB):%Y-%m-%d %H:%M:%S} WIB, "
                f"{Evaluation.objects.filter(period=period).count()} evaluations"
            )
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (password for all: {password})")
        self.stdout.write(f"Authenticator key for all (TOTP, 6 digits, 30 s): {DEMO_TOTP_SECRET}")
        header = f"  {'username':<18} {'role':<24} belongs to"
        self.stdout.write(header)
        self.stdout.write("  " + "-" * (len(header) + 20))
        for user in accounts:
            belongs = user.institution or user.university or "KemenPANRB"
            self.stdout.write(f"  {user.username:<18} {user.get_role_display()!s:<24} {belongs}")
