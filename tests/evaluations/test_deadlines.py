"""The deadline rule, exact to the second in WIB (evaluations.deadlines)."""

import datetime as dt
from types import SimpleNamespace

from evaluations import deadlines

WIB = dt.timezone(dt.timedelta(hours=7))
DEADLINE = dt.datetime(2019, 10, 31, 23, 59, 59, tzinfo=WIB)


def period(grace=0):
    return SimpleNamespace(
        opens_at=dt.datetime(2019, 8, 1, tzinfo=WIB), deadline=DEADLINE, grace_minutes=grace
    )


def test_deadline_last_second_accepted_next_midnight_refused():
    p = period()
    assert deadlines.is_open_for_writes(p, dt.datetime(2019, 10, 31, 23, 59, 59, tzinfo=WIB))
    assert deadlines.is_open_for_writes(
        p, dt.datetime(2019, 10, 31, 23, 59, 59, 999999, tzinfo=WIB)
    )
    assert not deadlines.is_open_for_writes(p, dt.datetime(2019, 11, 1, 0, 0, 0, tzinfo=WIB))


def test_deadline_same_instant_in_utc_is_same_answer():
    p = period()
    assert not deadlines.is_open_for_writes(p, dt.datetime(2019, 10, 31, 17, 0, 0, tzinfo=dt.UTC))
    assert deadlines.is_open_for_writes(p, dt.datetime(2019, 10, 31, 16, 59, 59, tzinfo=dt.UTC))


def test_deadline_grace_minutes_extend_close():
    p = period(grace=15)
    assert deadlines.closes_at(p) == DEADLINE + dt.timedelta(minutes=15)
    assert deadlines.is_open_for_writes(p, dt.datetime(2019, 11, 1, 0, 14, 59, tzinfo=WIB))
    assert not deadlines.is_open_for_writes(p, dt.datetime(2019, 11, 1, 0, 15, 0, tzinfo=WIB))


def test_deadline_active_extension_replaces_period_deadline():
    p = period(grace=5)
    ext = SimpleNamespace(new_deadline=DEADLINE + dt.timedelta(days=3), revoked_at=None)
    assert deadlines.deadline_for(p, ext) == ext.new_deadline
    assert deadlines.closes_at(p, ext) == ext.new_deadline + dt.timedelta(minutes=5)
    assert deadlines.is_open_for_writes(p, DEADLINE + dt.timedelta(days=1), ext)


def test_deadline_revoked_extension_is_ignored():
    p = period()
    ext = SimpleNamespace(new_deadline=DEADLINE + dt.timedelta(days=3), revoked_at=DEADLINE)
    assert deadlines.deadline_for(p, ext) == DEADLINE
    assert not deadlines.is_open_for_writes(p, DEADLINE + dt.timedelta(days=1), ext)


def test_deadline_closed_before_period_opens():
    assert not deadlines.is_open_for_writes(period(), dt.datetime(2019, 7, 31, tzinfo=WIB))


def test_time_left_counts_to_cutoff_and_never_negative():
    p = period()
    now = dt.datetime(2019, 10, 31, 23, 0, 0, tzinfo=WIB)
    assert deadlines.time_left(p, now) == dt.timedelta(hours=1)
    assert deadlines.time_left(p, DEADLINE + dt.timedelta(days=1)) == dt.timedelta(0)


def test_deadline_extension_never_shortens_a_period_moved_later():
    """The period's own deadline moved past an extension: the later one applies."""
    p = period()
    p.deadline = DEADLINE + dt.timedelta(days=10)
    extension = SimpleNamespace(new_deadline=DEADLINE + dt.timedelta(days=3), revoked_at=None)
    assert deadlines.deadline_for(p, extension) == DEADLINE + dt.timedelta(days=10)
    moment = DEADLINE + dt.timedelta(days=5)
    assert deadlines.is_open_for_writes(p, moment, extension)


# --- One rule, two implementations: the Python functions and the SQL annotation agree ----

import pytest  # noqa: E402

from evaluations.models import Evaluation, Reopening  # noqa: E402
from institutions.models import Role  # noqa: E402
from tests import factories as f  # noqa: E402

S = dt.timedelta(seconds=1)
MS = dt.timedelta(microseconds=1000)
DAY = dt.timedelta(days=1)

# (case, grace minutes, extension offset from the deadline or None, reopening due offset
#  or None, moment offset from the deadline, open?)
CASES = [
    ("a second before the last second", 0, None, None, -S, True),
    ("the last second itself", 0, None, None, dt.timedelta(0), True),
    ("the last millisecond of the last second", 0, None, None, S - MS, True),
    ("the next second (midnight)", 0, None, None, S, False),
    ("grace: last second of the grace", 15, None, None, 15 * 60 * S, True),
    ("grace: first second after the grace", 15, None, None, 15 * 60 * S + S, False),
    ("extension later: open after the deadline", 0, 3 * DAY, None, DAY, True),
    ("extension later: its last second", 0, 3 * DAY, None, 3 * DAY, True),
    ("extension later: after it", 0, 3 * DAY, None, 3 * DAY + S, False),
    ("extension later with grace", 10, 3 * DAY, None, 3 * DAY + 10 * 60 * S, True),
    ("extension earlier is ignored: period still open", 0, -3 * DAY, None, -DAY, True),
    (
        "extension earlier is ignored: period's last second",
        0,
        -3 * DAY,
        None,
        dt.timedelta(0),
        True,
    ),
    ("extension earlier is ignored: after the period", 0, -3 * DAY, None, S, False),
    ("reopening's own due time, past the deadline", 0, None, 5 * DAY, 4 * DAY, True),
    ("reopening's due time: its last second", 30, None, 5 * DAY, 5 * DAY, True),
    ("reopening's due time has no grace", 30, None, 5 * DAY, 5 * DAY + S, False),
    ("reopening's due time before the deadline wins", 0, 3 * DAY, -DAY, -DAY + S, False),
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("case", "grace", "ext", "due", "offset", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_python_rule_and_sql_expression_agree(case, grace, ext, due, offset, expected):
    period = f.EvaluationPeriodFactory(
        opens_at=DEADLINE - 60 * DAY, deadline=DEADLINE, grace_minutes=grace
    )
    evaluation = f.EvaluationFactory(period=period)
    extension = reopening = None
    if ext is not None:
        extension = f.ExtensionFactory(
            period=period, institution=evaluation.institution, new_deadline=DEADLINE + ext
        )
    if due is not None:
        reopening = Reopening.objects.create(
            evaluation=evaluation,
            kind=Reopening.Kind.RETURN,
            whole=True,
            reason="Perbaiki",
            due_at=DEADLINE + due,
            requested_by=f.UserFactory(role=Role.ADMIN),
        )
    now = DEADLINE + offset

    python_open = deadlines.is_open_for_writes(period, now, extension, reopening)
    row = deadlines.annotate_deadline(Evaluation.objects.filter(pk=evaluation.pk)).get()
    sql_open = Evaluation.objects.filter(
        pk__in=deadlines.annotate_deadline(Evaluation.objects.filter(pk=evaluation.pk))
        .filter(deadlines.open_for_writes_q(now))
        .values("pk")
    ).exists()

    assert python_open is expected, case
    assert sql_open is expected, case
    assert row.effective_deadline == deadlines.deadline_for(period, extension, reopening)
    assert row.effective_cutoff == deadlines.cutoff(period, extension, reopening)


def test_on_time_uses_the_same_last_second():
    p = period()
    assert deadlines.is_on_time(DEADLINE + S - MS, p)
    assert not deadlines.is_on_time(DEADLINE + S, p)
    earlier = SimpleNamespace(new_deadline=DEADLINE - DAY, revoked_at=None)
    assert deadlines.is_on_time(DEADLINE, p, earlier)
