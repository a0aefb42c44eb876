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
