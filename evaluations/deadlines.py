"""Deadline arithmetic for the self-evaluation, pure: no queries beyond what is passed.

The rule, exact to the second (issue 3):

- A deadline is the *last second* on which a write is accepted, e.g. 31 October
  23:59:59 WIB. A write is accepted while ``now < deadline + grace + 1 second``:
  a save at 23:59:59.999 WIB succeeds, one at 00:00:00.000 the next day does not.
- ``closes_at`` is ``deadline + grace minutes`` (the last accepted second);
  ``cutoff`` is one second later, the first refused instant.
- An active (not revoked) extension moves the deadline later, never earlier: if the
  period's own deadline is moved past it, the later one applies. The grace minutes
  still apply on top of it.
- Before the period opens nothing is accepted either.

Everything here takes ``now`` from the caller (server clock, ``timezone.now()``):
the browser's countdown is only a help.
"""

from __future__ import annotations

import datetime as dt

ONE_SECOND = dt.timedelta(seconds=1)


def _active(extension):
    if extension is None or getattr(extension, "revoked_at", None) is not None:
        return None
    return extension


def deadline_for(period, extension=None) -> dt.datetime:
    """The deadline that applies: the later of the period's and the active extension's."""
    extension = _active(extension)
    if extension is None:
        return period.deadline
    return max(period.deadline, extension.new_deadline)


def closes_at(period, extension=None) -> dt.datetime:
    """The last accepted second: the deadline plus the period's grace minutes."""
    return deadline_for(period, extension) + dt.timedelta(minutes=period.grace_minutes or 0)


def cutoff(period, extension=None) -> dt.datetime:
    """The first refused instant: one second after `closes_at`."""
    return closes_at(period, extension) + ONE_SECOND


def is_open_for_writes(period, now: dt.datetime, extension=None) -> bool:
    """True while the institution may write: opens_at <= now < closes_at + 1 s."""
    return period.opens_at <= now < cutoff(period, extension)


def time_left(period, now: dt.datetime, extension=None) -> dt.timedelta:
    """Time until writes are refused (never negative); zero once closed."""
    return max(cutoff(period, extension) - now, dt.timedelta(0))


def is_before_cutoff(moment: dt.datetime, now: dt.datetime) -> bool:
    """Same second rule for any other "last second" moment (a reopening's due_at)."""
    return now < moment + ONE_SECOND
