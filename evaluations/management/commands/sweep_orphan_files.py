"""Delete stored files that no row names (what the nightly beat job does), or list them.

    python manage.py sweep_orphan_files --dry-run   # count what would go, delete nothing
    python manage.py sweep_orphan_files

Files younger than a day are kept: their row may be in a transaction still open.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from evaluations.services.orphans import sweep_orphan_files


class Command(BaseCommand):
    help = "Delete stored evidence and report files that no row names (older than a day)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Count, delete nothing.")

    def handle(self, *args, dry_run: bool, **options) -> None:
        result = sweep_orphan_files(dry_run=dry_run)
        verb = "would delete" if dry_run else "deleted"
        self.stdout.write(
            f"{result.checked} files checked; {verb} {result.deleted} orphaned "
            f"({result.deleted_bytes} bytes); {result.kept_young} younger than a day kept."
        )
