"""Times as the portal shows them: in WIB (Asia/Jakarta), whatever the server or browser.

Every deadline of the SPBE evaluation is a WIB wall-clock time (31-10-2019 23:59:59 WIB),
so every page, document, message and export writes times in WIB with one of the formats
below; templates use the `wib` filter (`{% load wib %}`), Python calls `format_wib`.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.utils import dateformat, timezone
from django.utils.translation import gettext

WIB = zoneinfo.ZoneInfo("Asia/Jakarta")
ZONE_NAME = "WIB"

# kind -> Django date format (the `date` filter's letters: names of days and months
# follow the active language).
FORMATS = {
    "seconds": "d-m-Y H:i:s",  # deadlines and submissions: the rule is exact to the second
    "minute": "d-m-Y H:i",  # events in lists and documents
    "long": "l, d F Y H:i:s",  # the deadline box: day and month by name
    "time": "H:i:s",  # within one screen of the same day (an edit conflict)
    "date": "d-m-Y",  # a calendar day
    "iso": "Y-m-d H:i",  # spreadsheet cells: sorts as text; the column header names the zone
}
# Kinds written without the zone name: a day has none; a spreadsheet column's header
# names the zone once.
WITHOUT_ZONE = frozenset({"date", "iso"})


def to_wib(value: dt.datetime) -> dt.datetime:
    """`value` in WIB. A naive datetime is taken to be WIB already (the project's
    TIME_ZONE), as Django's `timezone` template filter does."""
    if timezone.is_naive(value):
        return timezone.make_aware(value, WIB)
    return value.astimezone(WIB)


def format_wib(value: dt.datetime | dt.date | None, kind: str = "seconds", *, zone=None) -> str:
    """`value` as text in WIB: "31-10-2019 23:59:59 WIB" for the default kind.

    `kind` is one of FORMATS; the zone name follows unless the kind is in WITHOUT_ZONE,
    or `zone=False` is given for a sentence that writes "WIB" itself (a translated
    message with "%(deadline)s WIB"). None (or "") gives "".
    Raises ValueError for an unknown kind, so that a typo fails in the tests.
    """
    if kind not in FORMATS:
        raise ValueError(f"Unknown WIB format {kind!r}; one of {', '.join(FORMATS)}.")
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = to_wib(value)
    text = dateformat.format(value, FORMATS[kind])
    if zone is None:
        zone = kind not in WITHOUT_ZONE
    return f"{text} {ZONE_NAME}" if zone else text


def time_left_format() -> str:
    """The one way a time left is written, "{days} hari {hms}" in Indonesian: the pages
    write it with `format_time_left` and the countdown script ticks in the same shape."""
    return gettext("%(days)s d %(hms)s") % {"days": "{days}", "hms": "{hms}"}


def format_time_left(left: dt.timedelta | int) -> str:
    """A time left (a timedelta or seconds, never negative) as "334 hari 05:03:09"."""
    seconds = max(int(left.total_seconds() if isinstance(left, dt.timedelta) else left), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    hms = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    return time_left_format().replace("{days}", str(days)).replace("{hms}", hms)
