"""The self-evaluation deadline: the one rule, in Python and as one SQL expression.

The rule, exact to the second:

- A deadline is the *last second* on which a write is accepted, e.g. 31 October
  23:59:59 WIB. A write is accepted while ``now < deadline + grace + 1 second``:
  a save at 23:59:59.999 WIB succeeds, one at 00:00:00.000 the next day does not.
- ``closes_at`` is ``deadline + grace minutes`` (the last accepted second);
  ``cutoff`` is one second later, the first refused instant.
- An active (not revoked) extension moves the deadline later, never earlier: if the
  period's own deadline is moved past it, the later one applies. The grace minutes
  still apply on top of it.
- A return to the institution (a reopening) with its own answer-by moment (`due_at`)
  replaces the deadline while it is open; `due_at` is a last second too, without grace.
- Before the period opens nothing is accepted either.

Everything here takes ``now`` from the caller (server clock, ``timezone.now()``): the
browser's countdown is only a help. `annotate_deadline` builds the same rule as SQL
for the dashboard, the reminders and the exports, from the same constants; the table
test in tests/evaluations/test_deadlines.py checks that both agree.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import (
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    FilteredRelation,
    Func,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Coalesce, Greatest

ONE_SECOND = dt.timedelta(seconds=1)
ONE_MINUTE = dt.timedelta(minutes=1)


def _active(extension):
    if extension is None or getattr(extension, "revoked_at", None) is not None:
        return None
    return extension


def _due(reopening):
    if reopening is None or getattr(reopening, "closed_at", None) is not None:
        return None
    return reopening.due_at


def deadline_for(period, extension=None, reopening=None) -> dt.datetime:
    """The deadline that applies: an open reopening's due time, else the later of the
    period's and the active extension's."""
    due = _due(reopening)
    if due is not None:
        return due
    extension = _active(extension)
    if extension is None:
        return period.deadline
    return max(period.deadline, extension.new_deadline)


def closes_at(period, extension=None, reopening=None) -> dt.datetime:
    """The last accepted second: the deadline plus the period's grace minutes (a
    reopening's own due time has no grace)."""
    if _due(reopening) is not None:
        return _due(reopening)
    return deadline_for(period, extension) + (period.grace_minutes or 0) * ONE_MINUTE


def cutoff(period, extension=None, reopening=None) -> dt.datetime:
    """The first refused instant: one second after `closes_at`."""
    return closes_at(period, extension, reopening) + ONE_SECOND


def is_open_for_writes(period, now: dt.datetime, extension=None, reopening=None) -> bool:
    """True while the institution may write: opens_at <= now < closes_at + 1 s."""
    return period.opens_at <= now < cutoff(period, extension, reopening)


def is_on_time(moment: dt.datetime, period, extension=None) -> bool:
    """Whether a write (a submission) made at `moment` was within the deadline."""
    return moment < cutoff(period, extension)


def time_left(period, now: dt.datetime, extension=None, reopening=None) -> dt.timedelta:
    """Time until writes are refused (never negative); zero once closed."""
    return max(cutoff(period, extension, reopening) - now, dt.timedelta(0))


# How near a deadline is, for the deadline box: amber within a week, red within a day.
SOON = dt.timedelta(days=7)
URGENT = dt.timedelta(hours=24)


def urgency(left: dt.timedelta) -> str:
    """ "closed", "urgent" (< 24 h), "soon" (< 7 days) or "" for `left` = `time_left(...)`."""
    if left <= dt.timedelta(0):
        return "closed"
    if left < URGENT:
        return "urgent"
    if left < SOON:
        return "soon"
    return ""


# --- The same rule in SQL ---------------------------------------------------------------


class _Minutes(Func):
    """An integer number of minutes as an interval (PostgreSQL) or a duration in
    microseconds (SQLite, where Django stores durations as integers): neither database
    multiplies an integer by an interval the way the other does."""

    output_field = DurationField()

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="make_interval(mins => %(expressions)s)")

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(%(expressions)s * 60000000)")


def annotate_deadline(qs: QuerySet) -> QuerySet:
    """Annotate an Evaluation queryset with the rule above, per row:

    - `extended_until`: the active extension's deadline, else NULL;
    - `effective_deadline`: an open reopening's due time, else the later of the
      extension's and the period's deadline (as `deadline_for`);
    - `grace_minutes`: the period's grace;
    - `effective_cutoff`: the first refused instant (as `cutoff`).

    The extension and the open reopening are LEFT JOINs rather than correlated
    subqueries: partial unique constraints (one active extension per institution and
    period, one open reopening per evaluation) keep each to one row per evaluation, and
    the expressions are used up to five times per row (list, filter, at-risk, sort,
    aggregate), which with subqueries PostgreSQL would run that many times per row.
    """
    extended = Greatest(
        Coalesce(F("active_extension__new_deadline"), F("period__deadline")),
        F("period__deadline"),
    )
    grace = _Minutes(F("period__grace_minutes"))
    return (
        qs.annotate(
            active_extension=FilteredRelation(
                "institution__extensions",
                condition=Q(
                    institution__extensions__period=F("period"),
                    institution__extensions__revoked_at__isnull=True,
                ),
            ),
            open_reopening=FilteredRelation(
                "reopenings", condition=Q(reopenings__closed_at__isnull=True)
            ),
        )
        .annotate(open_due_at=F("open_reopening__due_at"))
        .annotate(
            extended_until=F("active_extension__new_deadline"),
            effective_deadline=Coalesce(F("open_due_at"), extended),
            grace_minutes=F("period__grace_minutes"),
        )
        .annotate(
            effective_cutoff=Coalesce(
                ExpressionWrapper(F("open_due_at") + Value(ONE_SECOND), DateTimeField()),
                ExpressionWrapper(extended + grace + Value(ONE_SECOND), DateTimeField()),
            )
        )
    )


def open_for_writes_q(now: dt.datetime) -> Q:
    """`is_open_for_writes` as a filter on a queryset annotated by `annotate_deadline`."""
    return Q(period__opens_at__lte=now, effective_cutoff__gt=now)


# --- The assessor stages' windows -------------------------------------------------------
#
# Each assessor stage (document, interview, site visit) is written to only inside its
# window, read from `EvaluationPeriod.stage_window`. The window's end is a last second,
# as for the self-evaluation deadline: a write is accepted while
# ``opens <= now < closes + 1 second``; the assessor stages have no grace minutes.
#
# - The document stage opens with the institution's submission (the service checks the
#   status), not at the self-evaluation deadline: an institution that submits early is
#   scored early, as the 2019 cycle did. Without a document deadline it never closes.
# - The interview, the site visit and the ministry review are held only where the period
#   sets both ends of their windows (never an interview or visit in a monitoring
#   period); otherwise they are "not held".

STAGE_OPEN = "open"
STAGE_NOT_HELD = "not_held"
STAGE_NOT_YET = "not_yet"
STAGE_CLOSED = "closed"

ASSESSOR_STAGES = ("document", "interview", "visit")
# The ministry review has a window by the same rule, held where the period sets it; so
# has the clarification window after the document stage, in which the institution
# answers its provisional result (`EvaluationPeriod.stage_window` gives its default).
WINDOWED_STAGES = (*ASSESSOR_STAGES, "clarification", "review")


def holds_stage(period, stage: str) -> bool:
    """Whether the period holds a stage after the document assessment: both ends of its
    window set."""
    opens, closes = period.stage_window(stage)
    return opens is not None and closes is not None


def stage_state(period, stage: str, now: dt.datetime) -> str:
    """Whether `stage` of `period` may be written to at `now`: one of STAGE_OPEN,
    STAGE_NOT_HELD, STAGE_NOT_YET, STAGE_CLOSED."""
    if stage not in WINDOWED_STAGES:
        raise ValueError(f"not a stage with a window: {stage!r}")
    opens, closes = period.stage_window(stage)
    if stage == "document":
        opens = None
    elif not holds_stage(period, stage):
        return STAGE_NOT_HELD
    if opens is not None and now < opens:
        return STAGE_NOT_YET
    if closes is not None and now >= closes + ONE_SECOND:
        return STAGE_CLOSED
    return STAGE_OPEN


def is_stage_open(period, stage: str, now: dt.datetime) -> bool:
    return stage_state(period, stage, now) == STAGE_OPEN
