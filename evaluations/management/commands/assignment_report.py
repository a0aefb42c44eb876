"""How the automatic assignment split a period's evaluations, and how long it takes.

    python manage.py assignment_report --period "Evaluasi SPBE 2019"          # the stored split
    python manage.py assignment_report --period "Evaluasi SPBE 2019" --rerun  # time a fresh run

With --rerun the period's assignment is cleared and both automatic steps (universities,
then every university's assessors) run again inside a transaction that is rolled back,
so nothing changes; the split printed is that of the fresh run.
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from evaluations.models import AssessorAssignment, Evaluation, EvaluationPeriod
from evaluations.selectors.assessment import assignment_split
from evaluations.services.assignment import auto_assign_assessors, auto_assign_universities
from institutions.models import Role, University, User


class _Rollback(Exception):
    pass


class Command(BaseCommand):
    help = "Print the split of a period's evaluations per university and per assessor."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period", required=True, help="Period name (or id).")
        parser.add_argument(
            "--rerun", action="store_true", help="Time a fresh automatic run (rolled back)."
        )

    def handle(self, *args, period: str, rerun: bool, **options) -> None:
        found = EvaluationPeriod.objects.filter(name=period).first() or (
            EvaluationPeriod.objects.filter(pk=period).first() if period.isdigit() else None
        )
        if found is None:
            raise CommandError(f"No period {period!r}.")
        if not rerun:
            self._print(found)
            return
        admin = User.objects.filter(role=Role.ADMIN).first()
        if admin is None:
            raise CommandError("An admin user is needed to run the assignment.")
        try:
            with transaction.atomic():
                AssessorAssignment.objects.filter(evaluation__period=found).delete()
                Evaluation.objects.filter(period=found).update(
                    university=None, status=Evaluation.Status.SUBMITTED
                )
                started = time.perf_counter()
                run = auto_assign_universities(period=found, by=admin)
                middle = time.perf_counter()
                for university in University.objects.filter(is_active=True).order_by("code"):
                    auto_assign_assessors(
                        period=found, university=university, by=admin, notify=False
                    )
                ended = time.perf_counter()
                self._print(found)
                self.stdout.write(
                    f"fresh run: {run.changed} evaluations to universities in "
                    f"{middle - started:.3f} s, to assessors in {ended - middle:.3f} s "
                    f"(total {ended - started:.3f} s; {len(run.left_out)} left out)"
                )
                raise _Rollback
        except _Rollback:
            self.stdout.write("(rolled back: the stored assignment is unchanged)")

    def _print(self, period) -> None:
        per_university, per_assessor = assignment_split(period)
        self.stdout.write(f"{period.name}: per university")
        for row in per_university:
            self.stdout.write(f"  {row['university__code'] or '(none)':<8} {row['n']:>4}")
        self.stdout.write("per assessor")
        for row in per_assessor:
            code, name = row["assessor__university__code"], row["assessor__username"]
            self.stdout.write(f"  {code:<8} {name:<22} {row['n']:>4}")
