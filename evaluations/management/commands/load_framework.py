"""Load the SPBE evaluation frameworks from the JSON files in the repository.

Why: the frameworks (PermenPANRB 5/2018 and 59/2020: domains, aspects, indicators with
their weights and level meanings, predicate bands) are data, not code, so a corrected
weight or text is a reviewed change to a fixture file followed by this command. The
command is re-runnable: it matches rows by natural keys, updates what changed and
reports "nothing changed" when the database already matches the files. All files are
loaded in one transaction; a malformed file, or one whose indicator weights do not sum
to 100, is refused and nothing is written.

    python manage.py load_framework                  # both bundled frameworks
    python manage.py load_framework path/to/fw.json  # specific files
    python manage.py load_framework --dry-run        # report only, write nothing
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from evaluations.services.framework import LoadSummary, load_framework_data

FIXTURE_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "frameworks"
KINDS = ["framework", "predicate bands", "domains", "aspects", "indicators"]


def _counts(bucket: dict[str, int]) -> str:
    return ", ".join(f"{bucket[kind]} {kind}" for kind in KINDS if bucket.get(kind))


class Command(BaseCommand):
    help = "Load the SPBE frameworks (domains, aspects, indicators, predicates) from JSON files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "files",
            nargs="*",
            type=Path,
            help=f"Framework JSON files (default: every *.json in {FIXTURE_DIR}).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Report what would change without writing anything.",
        )

    def handle(self, *args: Any, files: list[Path], dry_run: bool, **options: Any) -> None:
        paths = files or sorted(FIXTURE_DIR.glob("*.json"))
        if not paths:
            raise CommandError(_("No framework files found in %(dir)s.") % {"dir": FIXTURE_DIR})
        documents = [(path, self._read(path)) for path in paths]

        summaries: list[LoadSummary] = []
        with transaction.atomic():
            for path, data in documents:
                try:
                    summaries.append(load_framework_data(data=data, dry_run=dry_run))
                except ValidationError as exc:
                    raise CommandError(
                        _("%(file)s refused, nothing was written: %(why)s")
                        % {"file": path.name, "why": " ".join(exc.messages)}
                    ) from exc

        verbosity = options.get("verbosity", 1)
        for summary in summaries:
            self._report(summary, verbosity)
        if dry_run and verbosity:
            self.stdout.write(self.style.WARNING(_("Dry run: nothing was written.")))

    def _read(self, path: Path) -> Any:
        try:
            return json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
        except OSError as exc:
            raise CommandError(
                _("Cannot read %(file)s: %(why)s") % {"file": path, "why": exc.strerror}
            ) from exc
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise CommandError(
                _("%(file)s refused, nothing was written: not valid JSON (%(why)s).")
                % {"file": path.name, "why": exc}
            ) from exc

    def _report(self, summary: LoadSummary, verbosity: int) -> None:
        if verbosity < 1:
            return
        title = f"{summary.name} [{summary.code}]"
        if not summary.changed:
            self.stdout.write(
                self.style.SUCCESS(
                    _("%(title)s: nothing changed (%(unchanged)s unchanged).")
                    % {"title": title, "unchanged": _counts(summary.unchanged)}
                )
            )
        else:
            parts = []
            if summary.created:
                parts.append(_("created %(counts)s") % {"counts": _counts(summary.created)})
            if summary.updated:
                parts.append(_("updated %(counts)s") % {"counts": _counts(summary.updated)})
            if summary.deleted:
                parts.append(_("deleted %(counts)s") % {"counts": _counts(summary.deleted)})
            if summary.unchanged:
                parts.append(
                    _("left %(counts)s unchanged") % {"counts": _counts(summary.unchanged)}
                )
            self.stdout.write(self.style.SUCCESS(f"{title}: {'; '.join(parts)}."))
        if summary.stale:
            self.stdout.write(
                self.style.WARNING(
                    _("%(title)s: indicators %(numbers)s are not in the file; kept.")
                    % {"title": title, "numbers": ", ".join(map(str, summary.stale))}
                )
            )
