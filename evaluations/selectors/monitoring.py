"""Reads for the ministry monitoring screens: dashboard, heatmap, extensions, audit trail.

Every function issues a fixed number of grouped queries whatever the number of
institutions: the dashboard reads one row per institution from the
progress counters the answer services keep on Evaluation, never the answers.

Scope: callers pass `evaluations_visible_to(user)` (or a queryset derived from it);
a coordinator therefore sees the own university's assessments only.

At-risk rule (shown on the dashboard): an evaluation that is not submitted and
either has answered fewer than half of the indicators with less than
AT_RISK_PROGRESS_DAYS days left, or has not started with less than
AT_RISK_NOT_STARTED_DAYS days left (a deadline already passed counts as "left < N").
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from evaluations import deadlines
from evaluations.models import (
    Evaluation,
    EvaluationPeriod,
    Extension,
    Indicator,
    Reminder,
)
from evaluations.scoring import ASSESSOR_PHASES  # noqa: F401 (re-exported for the chart reads)
from institutions.models import Institution, Role, University, User

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
Status = Evaluation.Status

AT_RISK_PROGRESS_DAYS = 7
AT_RISK_PROGRESS_SHARE = 0.5
AT_RISK_NOT_STARTED_DAYS = 14

# Not (or no longer) submitted: still owes the ministry a submission.
NOT_SUBMITTED = (Status.NOT_STARTED, Status.IN_PROGRESS, Status.RETURNED)
# Submitted at least once and not sent back: counts towards "share submitted".
SUBMITTED_OR_LATER = (
    Status.SUBMITTED,
    Status.UNDER_ASSESSMENT,
    Status.ASSESSED,
    Status.APPROVED,
    Status.RELEASED,
)


PAGE_SIZE = 25
HEATMAP_PAGE_SIZE = 40
AUDIT_PAGE_SIZE = 50


# ---------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------


def monitoring_periods() -> list[EvaluationPeriod]:
    """Every period for the picker, newest first (one query)."""
    return list(EvaluationPeriod.objects.select_related("framework").order_by("-opens_at"))


def default_period(periods: list[EvaluationPeriod], now: dt.datetime) -> EvaluationPeriod | None:
    """The current open period, else the latest one that has opened, else the newest."""
    open_now = [p for p in periods if deadlines.is_open_for_writes(p, now)]
    if open_now:
        return open_now[0]
    started = [p for p in periods if p.opens_at <= now]
    return started[0] if started else (periods[0] if periods else None)


def pick_period(periods: list[EvaluationPeriod], raw: str | None, now: dt.datetime):
    """The period named by ?period= (when it exists), else the default one; no query."""
    if raw and raw.isdigit():
        for p in periods:
            if p.pk == int(raw):
                return p
    return default_period(periods, now)


# ---------------------------------------------------------------------------
# Per-evaluation deadline and at-risk, as SQL expressions
# ---------------------------------------------------------------------------


def at_risk_q(*, now: dt.datetime, indicator_total: int) -> Q:
    """The at-risk rule (module docstring) as a filter on an evaluation queryset
    annotated by `deadlines.annotate_deadline`."""
    half = indicator_total * AT_RISK_PROGRESS_SHARE
    little_progress = Q(
        answered_count__lt=half,
        effective_deadline__lt=now + dt.timedelta(days=AT_RISK_PROGRESS_DAYS),
    )
    not_started = Q(
        status=Status.NOT_STARTED,
        effective_deadline__lt=now + dt.timedelta(days=AT_RISK_NOT_STARTED_DAYS),
    )
    return Q(status__in=NOT_SUBMITTED) & (little_progress | not_started)


def with_at_risk(qs: QuerySet[Evaluation], *, now, indicator_total: int) -> QuerySet[Evaluation]:
    return qs.annotate(
        at_risk=Case(
            When(at_risk_q(now=now, indicator_total=indicator_total), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


def indicator_total_for(period: EvaluationPeriod) -> int:
    """How many indicators the period's framework has (one query)."""
    return Indicator.objects.filter(framework_id=period.framework_id).count()


# ---------------------------------------------------------------------------
# Dashboard summary
# ---------------------------------------------------------------------------


@dataclass
class TimeLeft:
    deadline: dt.datetime
    seconds: int

    @property
    def passed(self) -> bool:
        return self.seconds <= 0

    @property
    def days(self) -> int:
        return max(self.seconds, 0) // 86400

    @property
    def hours(self) -> int:
        return (max(self.seconds, 0) % 86400) // 3600

    @property
    def minutes(self) -> int:
        return (max(self.seconds, 0) % 3600) // 60


@dataclass
class StatusCount:
    status: str
    label: str
    count: int
    percent: float


@dataclass
class Summary:
    total: int
    counts: list[StatusCount]
    submitted: int
    submitted_percent: float
    at_risk: int
    extensions: int
    time_left: TimeLeft


def status_counts(qs: QuerySet[Evaluation]) -> dict[str, int]:
    """Evaluations per status (one grouped query); every status present, 0 when none."""
    counts = dict.fromkeys(Status.values, 0)
    for row in qs.order_by().values("status").annotate(n=Count("id")):
        counts[row["status"]] = row["n"]
    return counts


def dashboard_summary(
    qs: QuerySet[Evaluation], *, period: EvaluationPeriod, now: dt.datetime, indicator_total: int
) -> Summary:
    """Counts by status, share submitted, at-risk and extended counts (one query)."""
    row = deadlines.annotate_deadline(qs.order_by()).aggregate(
        **{f"status_{s}": Count("id", filter=Q(status=s)) for s in Status.values},
        at_risk=Count("id", filter=at_risk_q(now=now, indicator_total=indicator_total)),
        extended=Count("id", filter=Q(extended_until__isnull=False)),
    )
    counts = {s: row[f"status_{s}"] for s in Status.values}
    extra = row
    total = sum(counts.values())
    submitted = sum(counts[s] for s in SUBMITTED_OR_LATER)
    return Summary(
        total=total,
        counts=[
            StatusCount(s.value, s.label, counts[s.value], _percent(counts[s.value], total))
            for s in Status
        ],
        submitted=submitted,
        submitted_percent=_percent(submitted, total),
        at_risk=extra["at_risk"],
        extensions=extra["extended"],
        time_left=TimeLeft(
            deadline=period.deadline,
            seconds=int(deadlines.time_left(period, now).total_seconds()),
        ),
    )


def _percent(part: float, whole: float) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


@dataclass
class BreakdownRow:
    key: str
    label: str
    total: int
    not_started: int
    in_progress: int
    submitted: int
    assessed: int
    answered: int
    evidenced: int
    validated: int
    indicator_total: int
    extra: dict = field(default_factory=dict)

    @property
    def submitted_percent(self) -> float:
        return _percent(self.submitted, self.total)

    @property
    def answered_percent(self) -> float:
        return _percent(self.answered, self.total * self.indicator_total)

    @property
    def validated_percent(self) -> float:
        return _percent(self.validated, self.total * self.indicator_total)

    @property
    def assessed_percent(self) -> float:
        return _percent(self.assessed, self.total)


def _breakdown_aggregates() -> dict:
    return {
        "total": Count("id"),
        "not_started": Count("id", filter=Q(status=Status.NOT_STARTED)),
        "in_progress": Count("id", filter=Q(status__in=(Status.IN_PROGRESS, Status.RETURNED))),
        "submitted": Count("id", filter=Q(status__in=SUBMITTED_OR_LATER)),
        "assessed": Count(
            "id", filter=Q(status__in=(Status.ASSESSED, Status.APPROVED, Status.RELEASED))
        ),
        "answered": Coalesce(Sum("answered_count"), 0),
        "evidenced": Coalesce(Sum("evidenced_count"), 0),
        "validated": Coalesce(Sum("validated_count"), 0),
    }


def _rows(values, key: str, label_of, indicator_total: int) -> list[BreakdownRow]:
    return [
        BreakdownRow(
            key=str(v[key] or ""),
            label=label_of(v),
            total=v["total"],
            not_started=v["not_started"],
            in_progress=v["in_progress"],
            submitted=v["submitted"],
            assessed=v["assessed"],
            answered=v["answered"],
            evidenced=v["evidenced"],
            validated=v["validated"],
            indicator_total=indicator_total,
        )
        for v in values
    ]


def breakdown_by_kind(qs: QuerySet[Evaluation], *, indicator_total: int) -> list[BreakdownRow]:
    """Progress per kind of institution (one grouped query), in the Kind order."""
    values = {
        v["institution__kind"]: v
        for v in qs.order_by().values("institution__kind").annotate(**_breakdown_aggregates())
    }
    ordered = [values[k] for k in Institution.Kind.values if k in values]
    labels = dict(Institution.Kind.choices)
    return _rows(
        ordered, "institution__kind", lambda v: labels[v["institution__kind"]], indicator_total
    )


def breakdown_by_province(qs: QuerySet[Evaluation], *, indicator_total: int) -> list[BreakdownRow]:
    """Progress per province (one grouped query): a province with its regencies and
    cities; central institutions are one group of their own, listed last."""
    region = Case(
        When(institution__kind=Institution.Kind.PROVINSI, then=F("institution__name")),
        default=F("institution__province__name"),
        output_field=CharField(),
    )
    values = list(
        qs.order_by()
        .annotate(region=region)
        .values("region")
        .annotate(**_breakdown_aggregates())
        .order_by(F("region").asc(nulls_last=True))
    )
    central = _("Central government")
    return _rows(values, "region", lambda v: v["region"] or str(central), indicator_total)


def breakdown_by_university(
    qs: QuerySet[Evaluation], *, indicator_total: int
) -> list[BreakdownRow]:
    """Assessment progress per assessing university (one grouped query)."""
    values = list(
        qs.order_by()
        .values("university_id", "university__short_name", "university__name")
        .annotate(
            **_breakdown_aggregates(),
            under_assessment=Count("id", filter=Q(status=Status.UNDER_ASSESSMENT)),
            approved=Count("id", filter=Q(status__in=(Status.APPROVED, Status.RELEASED))),
        )
        .order_by(F("university__name").asc(nulls_last=True))
    )
    rows = _rows(
        values,
        "university_id",
        lambda v: v["university__short_name"] or str(_("Not assigned")),
        indicator_total,
    )
    for row, v in zip(rows, values, strict=True):
        row.extra = {"under_assessment": v["under_assessment"], "approved": v["approved"]}
    return rows


# ---------------------------------------------------------------------------
# The institution list
# ---------------------------------------------------------------------------


def list_queryset(qs: QuerySet[Evaluation], *, now, indicator_total: int) -> QuerySet[Evaluation]:
    """The dashboard list's rows before filtering: with the deadline and at-risk
    annotations that `filters.MonitoringListFilter` filters and sorts on (no query)."""
    return with_at_risk(deadlines.annotate_deadline(qs), now=now, indicator_total=indicator_total)


def _supervisor(field_name: str) -> Subquery:
    return Subquery(
        User.objects.filter(
            institution_id=OuterRef("institution_id"), role=Role.SUPERVISOR, is_active=True
        )
        .order_by("pk")
        .values(field_name)[:1]
    )


def institution_rows(qs: QuerySet[Evaluation], *, now, indicator_total: int, page) -> Page:
    """One page of the institution list, from `list_queryset` filtered and sorted:
    status, progress, last activity, deadline, at-risk flag, supervisor contact and
    last reminder (a count and a page query)."""
    qs = (
        qs.select_related("institution", "institution__province", "university")
        # Only what the list shows: fewer columns to fetch and convert per row.
        .only(
            "status",
            "institution_id",
            "period_id",
            "university_id",
            "answered_count",
            "evidenced_count",
            "validated_count",
            "last_activity_at",
            "institution__code",
            "institution__name",
            "institution__short_name",
            "institution__kind",
            "institution__province_id",
            "institution__province__name",
            "university__short_name",
        )
        .annotate(
            supervisor_name=Coalesce(
                _supervisor("first_name"), Value(""), output_field=CharField()
            ),
            supervisor_last_name=_supervisor("last_name"),
            supervisor_email=_supervisor("email"),
            supervisor_phone=_supervisor("phone"),
            last_reminder_at=Subquery(
                Reminder.objects.filter(evaluation_id=OuterRef("pk"), sent_at__isnull=False)
                .order_by("-sent_at")
                .values("sent_at")[:1]
            ),
        )
    )
    page_obj = Paginator(qs, PAGE_SIZE).get_page(page)
    for ev in page_obj.object_list:
        ev.time_left = TimeLeft(
            deadline=ev.effective_deadline,
            seconds=int((ev.effective_cutoff - now).total_seconds()),
        )
        ev.answered_percent = _percent(ev.answered_count, indicator_total)
        ev.evidenced_percent = _percent(ev.evidenced_count, indicator_total)
        ev.not_submitted = ev.status in NOT_SUBMITTED
    return page_obj


def provinces_for_filter() -> list[tuple[int, str]]:
    """(pk, name) of the provinces for the filter select (one query, no model instances)."""
    return list(
        Institution.objects.filter(kind=Institution.Kind.PROVINSI)
        .order_by("name")
        .values_list("pk", "name")
    )


def universities_for_filter() -> list[tuple[int, str]]:
    """(pk, short name) of the universities for the filter select (one query)."""
    return list(University.objects.order_by("name").values_list("pk", "short_name"))


# ---------------------------------------------------------------------------
# Extensions and audit trail
# ---------------------------------------------------------------------------


def extensions_for_period(period: EvaluationPeriod) -> list[Extension]:
    """Every extension of a period, active first (one query)."""
    return list(
        Extension.objects.filter(period=period)
        .select_related("institution", "granted_by")
        .order_by(F("revoked_at").desc(nulls_first=True), "institution__name", "-granted_at")
    )
