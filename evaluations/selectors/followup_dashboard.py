"""The ministry's follow-up dashboard: how far the institutions have followed up the
recommendations of a released period, by kind, province and indicator, and the
institutions most behind.

Each table is one grouped query over the period's follow-up items; the follow-up rate
and "overdue" are defined once here (`_counts`, `rate_of`) and used by every table,
the chart and the exports.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Case, CharField, Count, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from evaluations.models import EvaluationPeriod, FollowUp
from evaluations.wib import to_wib
from institutions.models import Institution

PENDING = (FollowUp.Status.OPEN, FollowUp.Status.IN_PROGRESS)
# How many institutions the "most behind" table lists.
BEHIND_LIMIT = 15


@dataclass
class Row:
    key: object
    label: str
    total: int
    open: int
    in_progress: int
    done: int
    not_applicable: int
    overdue: int

    @property
    def applicable(self) -> int:
        return self.total - self.not_applicable

    @property
    def pending(self) -> int:
        return self.open + self.in_progress

    @property
    def rate(self) -> Decimal | None:
        return rate_of(self.done, self.applicable)


def rate_of(done: int, applicable: int) -> Decimal | None:
    """The follow-up rate: done items as a percentage of the items that apply (an item
    found not applicable, with its reason, is neither done nor owed). None when no item
    applies. Half-up to one decimal place."""
    if applicable <= 0:
        return None
    return (Decimal(100) * done / applicable).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _counts(today: dt.date) -> dict:
    status = FollowUp.Status
    return {
        "total": Count("pk"),
        "open": Count("pk", filter=Q(status=status.OPEN)),
        "in_progress": Count("pk", filter=Q(status=status.IN_PROGRESS)),
        "done": Count("pk", filter=Q(status=status.DONE)),
        "not_applicable": Count("pk", filter=Q(status=status.NOT_APPLICABLE)),
        # Overdue: still pending after its due date (a WIB calendar day).
        "overdue": Count("pk", filter=Q(status__in=PENDING, due_date__lt=today)),
    }


COUNT_FIELDS = ("total", "open", "in_progress", "done", "not_applicable", "overdue")


def _row(values: dict, key, label) -> Row:
    return Row(key=key, label=label, **{k: values[k] for k in COUNT_FIELDS})


def follow_up_periods() -> list[EvaluationPeriod]:
    """The periods with follow-up items (their results were released), newest first."""
    return list(
        EvaluationPeriod.objects.filter(
            pk__in=FollowUp.objects.values("evaluation__period_id")
        ).order_by("-opens_at")
    )


def pick(periods: list[EvaluationPeriod], raw: str | None) -> EvaluationPeriod | None:
    if raw and raw.isdigit():
        for period in periods:
            if period.pk == int(raw):
                return period
    return periods[0] if periods else None


def _province_label():
    """The province of a regency or city; a province is its own (as in the exports)."""
    return Coalesce(
        F("institution__province__name"),
        Case(
            When(institution__kind=Institution.Kind.PROVINSI, then=F("institution__name")),
            default=Value(""),
            output_field=CharField(),
        ),
    )


def _items(period):
    return FollowUp.objects.filter(evaluation__period=period).order_by()


def by_kind(period, today) -> list[Row]:
    labels = dict(Institution.Kind.choices)
    rows = _items(period).values("institution__kind").annotate(**_counts(today))
    found = {r["institution__kind"]: r for r in rows}
    return [_row(found[k], k, str(labels[k])) for k in labels if k in found]


def by_province(period, today) -> list[Row]:
    rows = (
        _items(period)
        .annotate(province_label=_province_label())
        .values("province_label")
        .annotate(**_counts(today))
        .order_by("province_label")
    )
    return [
        _row(r, r["province_label"], r["province_label"] or _("Central government")) for r in rows
    ]


def by_indicator(period, today) -> list[Row]:
    rows = (
        _items(period)
        .values("indicator__number", "indicator__name")
        .annotate(**_counts(today))
        .order_by("indicator__number")
    )
    return [
        _row(r, r["indicator__number"], f"{r['indicator__number']}. {r['indicator__name']}")
        for r in rows
    ]


def most_behind(period, today, *, limit: int | None = BEHIND_LIMIT) -> list[Row]:
    """Institutions with the most overdue items, then the most still pending, then the
    lowest rate; those with nothing pending are not behind."""
    rows = (
        _items(period)
        .values("institution_id", "institution__name", "institution__kind")
        .annotate(**_counts(today))
        .filter(Q(open__gt=0) | Q(in_progress__gt=0))
        .order_by("-overdue", "-open", "-in_progress", "institution__name")
    )
    if limit:
        rows = rows[:limit]
    return [_row(r, r["institution_id"], r["institution__name"]) for r in rows]


TABLES = {
    "kind": by_kind,
    "province": by_province,
    "indicator": by_indicator,
    "behind": most_behind,
}


def dashboard(period: EvaluationPeriod, *, now=None) -> dict:
    """Every table of the page: four grouped queries whatever the number of items."""
    today = to_wib(now or timezone.now()).date()
    kinds = by_kind(period, today)
    total = Row(
        key=None,
        label=_("All institutions"),
        **{k: sum(getattr(r, k) for r in kinds) for k in COUNT_FIELDS},
    )
    return {
        "today": today,
        "total": total,
        "kinds": kinds,
        "provinces": by_province(period, today),
        "indicators": by_indicator(period, today),
        "behind": most_behind(period, today),
    }


def table_rows(name: str, period: EvaluationPeriod, *, now=None) -> list[Row]:
    """One table for an export (the whole list of institutions behind, not the top)."""
    today = to_wib(now or timezone.now()).date()
    if name == "behind":
        return most_behind(period, today, limit=None)
    return TABLES[name](period, today)
