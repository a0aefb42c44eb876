"""WIB formatting (evaluations.wib and the `wib` template filter): one place for every
time the portal shows."""

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import timezone, translation

from evaluations import exports
from evaluations.selectors import reports as report_selectors
from evaluations.services import selfeval
from evaluations.wib import WIB, format_wib, to_wib

# The last second of 31 October 2019 in WIB, stored in UTC.
LAST_SECOND = dt.datetime(2019, 10, 31, 16, 59, 59, tzinfo=dt.UTC)


def test_to_wib_converts_aware_and_takes_naive_as_wib():
    assert to_wib(LAST_SECOND) == dt.datetime(2019, 10, 31, 23, 59, 59, tzinfo=WIB)
    assert to_wib(LAST_SECOND).utcoffset() == dt.timedelta(hours=7)
    naive = dt.datetime(2019, 10, 31, 23, 59, 59)  # noqa: DTZ001 - naive on purpose
    assert to_wib(naive) == to_wib(LAST_SECOND)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("seconds", "31-10-2019 23:59:59 WIB"),
        ("minute", "31-10-2019 23:59 WIB"),
        ("time", "23:59:59 WIB"),
        ("date", "31-10-2019"),
        ("iso", "2019-10-31 23:59"),
        ("long", "Thursday, 31 October 2019 23:59:59 WIB"),
    ],
)
def test_every_kind(kind, expected):
    with translation.override("en"):
        assert format_wib(LAST_SECOND, kind) == expected


def test_the_day_changes_at_midnight_wib_not_utc():
    # 17:00 UTC is already the next day in Jakarta.
    assert format_wib(LAST_SECOND + dt.timedelta(seconds=1), "date") == "01-11-2019"


def test_long_names_day_and_month_in_the_active_language():
    with translation.override("id"):
        assert format_wib(LAST_SECOND, "long") == "Kamis, 31 Oktober 2019 23:59:59 WIB"


def test_empty_values_and_zone_override():
    assert format_wib(None) == ""
    assert format_wib("") == ""
    assert format_wib(LAST_SECOND, zone=False) == "31-10-2019 23:59:59"
    assert format_wib(dt.date(2019, 10, 31), "date") == "31-10-2019"


def test_an_unknown_kind_fails_loudly():
    with pytest.raises(ValueError, match="seconds"):
        format_wib(LAST_SECOND, "secs")


def test_the_filter_renders_in_wib_whatever_the_active_time_zone():
    template = Template(
        '{% load wib %}{{ t|wib }} | {{ t|wib:"minute" }} | {{ t|wib:"date" }} | {{ none|wib }}'
    )
    with timezone.override(dt.UTC), translation.override("en"):
        html = template.render(Context({"t": LAST_SECOND, "none": None}))
    assert html == "31-10-2019 23:59:59 WIB | 31-10-2019 23:59 WIB | 31-10-2019 | "


def test_the_python_helpers_keep_their_formats():
    assert exports._wib(LAST_SECOND) == "2019-10-31 23:59"
    assert exports._wib(None) == ""
    assert report_selectors.wib(LAST_SECOND) == "31-10-2019 23:59 WIB"
    assert report_selectors.wib(None) == ""
    assert selfeval._wib(LAST_SECOND) == "31-10-2019 23:59:59"


def test_templates_format_times_with_the_filter_only():
    """A page that converts by hand (`|timezone:"Asia/Jakarta"|date:...`) would drift
    from the formats above; every time goes through `wib`."""
    root = Path(settings.BASE_DIR) / "templates"
    by_hand = [
        str(path.relative_to(root))
        for path in root.rglob("*.html")
        if 'timezone:"Asia/Jakarta"' in path.read_text(encoding="utf-8")
    ]
    assert by_hand == []
