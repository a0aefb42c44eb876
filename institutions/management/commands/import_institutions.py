"""Import a roster file handed over by the ministry (CSV or XLSX)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from institutions.services import RosterChange, apply_roster, parse_roster


class Command(BaseCommand):
    help = _(
        "Import institutions from a .csv or .xlsx file whose first row is the header. "
        "Columns: code (required; Kemendagri code for local governments), name (required; "
        "official name), kind (required; kementerian, lembaga, provinsi, kabupaten or kota), "
        "short_name (optional), province_code (the province's code, required for a kabupaten "
        "or kota and empty for any other kind; the province may be in the portal already or "
        "in the same file), is_active (optional; 1/0, yes/no, true/false, ya/tidak; empty "
        "keeps the current value). Existing institutions are matched by code and updated. "
        "The whole file is checked first: if any row is bad, every bad row is reported and "
        "nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("Path of the .csv or .xlsx file."))
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("Show what would change and write nothing."),
        )

    def handle(self, *args, **options):
        plan = parse_roster(path=options["file"])
        if not plan.is_valid:
            for error in plan.errors:
                self.stderr.write(str(error))
            raise CommandError(
                _("%(n)d problem(s) found; nothing was written.") % {"n": len(plan.errors)}
            )
        if not options["dry_run"]:
            try:
                plan = apply_roster(plan=plan)
            except ValidationError as exc:
                raise CommandError("\n".join(exc.messages)) from exc
        self._report(plan, verbosity=options["verbosity"])
        totals = plan.totals()
        summary = _("%(created)d created, %(updated)d updated, %(unchanged)d unchanged.") % {
            "created": totals[RosterChange.CREATE],
            "updated": totals[RosterChange.UPDATE],
            "unchanged": totals[RosterChange.UNCHANGED],
        }
        if options["dry_run"]:
            self.stdout.write(self.style.WARNING(_("Dry run, nothing written: %s") % summary))
        else:
            self.stdout.write(self.style.SUCCESS(summary))

    def _report(self, plan, *, verbosity):
        for change in plan.changes:
            entry = change.entry
            if change.action == RosterChange.CREATE:
                self.stdout.write(f"+ {entry.code}  {entry.name} ({entry.kind})")
            elif change.action == RosterChange.UPDATE:
                self.stdout.write(f"~ {entry.code}  {entry.name}")
                for name, old, new in change.fields:
                    self.stdout.write(f"    {name}: {old!r} -> {new!r}")
            elif verbosity > 1:
                self.stdout.write(f"= {entry.code}  {entry.name}")
