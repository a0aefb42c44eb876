"""Reads for opening and running a period: who takes part, and what opening will create."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from evaluations.models import Evaluation, EvaluationPeriod
from evaluations.selectors.people import institution_mail_recipients
from institutions.models import Institution

SCOPE_ALL = "all"
SCOPE_FILTER = "filter"
SCOPE_LIST = "list"

PREVIEW_NAMES = 20  # institutions named in the preview; the rest are counted

WINDOW_FIELDS = (
    "opens_at",
    "deadline",
    "document_deadline",
    "clarification_closes_at",
    "interview_opens_at",
    "interview_closes_at",
    "visit_opens_at",
    "visit_closes_at",
    "review_opens_at",
    "review_closes_at",
)


@dataclass(frozen=True)
class Selection:
    """Which active institutions take part: all, those of some kinds and provinces, or a
    list of codes. Stored on the period (as a dict) so the next one can start from it."""

    scope: str = SCOPE_ALL
    kinds: tuple[str, ...] = ()
    province_codes: tuple[str, ...] = ()
    codes: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {
            "scope": self.scope,
            "kinds": list(self.kinds),
            "province_codes": list(self.province_codes),
            "codes": list(self.codes),
        }

    @classmethod
    def from_dict(cls, data: dict | None) -> Selection:
        data = data or {}
        return cls(
            scope=data.get("scope") or SCOPE_ALL,
            kinds=tuple(data.get("kinds") or ()),
            province_codes=tuple(data.get("province_codes") or ()),
            codes=tuple(data.get("codes") or ()),
        )


def participants(selection: Selection) -> QuerySet[Institution]:
    """The active institutions the selection names (one query when evaluated).

    A province filter takes the province's own government and its regencies and cities.
    """
    qs = Institution.objects.active()
    if selection.scope == SCOPE_LIST:
        return qs.filter(code__in=selection.codes)
    if selection.scope == SCOPE_FILTER:
        if selection.kinds:
            qs = qs.filter(kind__in=selection.kinds)
        if selection.province_codes:
            qs = qs.filter(
                Q(province__code__in=selection.province_codes)
                | Q(kind=Institution.Kind.PROVINSI, code__in=selection.province_codes)
            )
    return qs


@dataclass
class OpeningPreview:
    count: int
    by_kind: list[tuple[str, int]]
    names: list[str]
    staff_emails: int
    without_staff: int


def opening_preview(selection: Selection) -> OpeningPreview:
    """What opening a period with this selection creates (three queries)."""
    qs = participants(selection)
    labels = dict(Institution.Kind.choices)
    rows = list(qs.values("kind").annotate(n=Count("pk")).order_by("kind"))
    by_kind = [(labels.get(r["kind"], r["kind"]), r["n"]) for r in rows]
    count = sum(r["n"] for r in rows)
    names = list(qs.order_by("kind", "name").values_list("name", flat=True)[:PREVIEW_NAMES])
    staffed = (
        institution_mail_recipients()
        .filter(institution__in=qs)
        .aggregate(emails=Count("pk"), institutions=Count("institution", distinct=True))
    )
    return OpeningPreview(
        count=count,
        by_kind=by_kind,
        names=names,
        staff_emails=staffed["emails"],
        without_staff=count - staffed["institutions"],
    )


def period_list() -> QuerySet[EvaluationPeriod]:
    """Every period with its framework and the number of participating institutions."""
    return EvaluationPeriod.objects.select_related("framework").annotate(
        participant_count=Count("evaluations")
    )


def period_participants_by_kind(period: EvaluationPeriod) -> list[tuple[str, int]]:
    labels = dict(Institution.Kind.choices)
    rows = (
        Evaluation.objects.filter(period=period)
        .values("institution__kind")
        .annotate(n=Count("pk"))
        .order_by("institution__kind")
    )
    return [(labels.get(r["institution__kind"], ""), r["n"]) for r in rows]


def institutions_not_in(period: EvaluationPeriod) -> QuerySet[Institution]:
    """Active institutions without an evaluation in the period (candidates to add)."""
    return Institution.objects.active().exclude(evaluations__period=period).order_by("kind", "name")


def withdrawable_evaluations(period: EvaluationPeriod) -> QuerySet[Evaluation]:
    """The period's evaluations not started yet: the ones that can be withdrawn."""
    return (
        Evaluation.objects.filter(period=period, status=Evaluation.Status.NOT_STARTED)
        .select_related("institution")
        .order_by("institution__kind", "institution__name")
    )


def _next_year(value: dt.datetime | None, years: int) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return value.replace(year=value.year + years)
    except ValueError:  # 29 February in a year that has none
        return value.replace(year=value.year + years, day=28)


def settings_from_last_period(*, today: dt.date) -> dict | None:
    """The latest period's settings for a new period, its dates moved on by whole years
    so that the self-assessment opens this year or later. None when there is no period."""
    last = EvaluationPeriod.objects.select_related("framework").order_by("-opens_at").first()
    if last is None:
        return None
    years = max(1, today.year - last.opens_at.year)
    year = last.year + years
    initial = {
        "name": last.name.replace(str(last.year), str(year))
        if str(last.year) in last.name
        else f"{last.name} {year}",
        "year": year,
        "framework": last.framework,
        "mode": last.mode,
        "grace_minutes": last.grace_minutes,
        "reminder_offsets": ", ".join(str(d) for d in last.default_reminder_offsets),
    }
    for name in WINDOW_FIELDS:
        initial[name] = _next_year(getattr(last, name), years)
    selection = Selection.from_dict(last.participation)
    initial.update(
        scope=selection.scope,
        kinds=list(selection.kinds),
        provinces=list(
            Institution.objects.filter(
                kind=Institution.Kind.PROVINSI, code__in=selection.province_codes
            )
        ),
        codes="\n".join(selection.codes),
    )
    return initial
