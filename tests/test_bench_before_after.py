"""bench/before_after.py reads its two campaign runs from the report bench/sections.py
prints: if that report's wording changes, the comparison must stop, not read zeros."""

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench import sections  # noqa: E402

_spec = importlib.util.spec_from_file_location("bench_ba", ROOT / "bench" / "before_after.py")
before_after = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(before_after)

STATS = {
    "submit": {"n": 80, "fail": 0, "rps": 0.3, "p50": "2000", "p95": "3000", "p99": "3500"},
}


def _report(seconds: float, submitted: int, problems: int, cpu: dict) -> str:
    result = {"stats": STATS, "seconds": seconds, "cpu": cpu}
    checked = {
        "saves_acknowledged": 10,
        "answers_checked": 5,
        "uploads_acknowledged": 2,
        "upload_bytes": 2_000_000,
        "links_acknowledged": 3,
        "submissions_acknowledged": submitted,
        "problems": problems,
        "first_problems": ["save lost"] * problems,
    }
    return sections.rush([(200, result, checked, True)], {}, ({}, {}))


def test_a_campaign_report_gives_its_time_losses_and_cpu_per_institution():
    text = _report(270.4, 80, 0, {"application servers (gunicorn)": 338.0, "PostgreSQL": 133.0})
    found = before_after.parse(text)
    assert found["seconds"] == 270
    assert found["submitted"] == 80
    assert found["lost"] == 0
    assert found["cpu"]["application servers (gunicorn)"] == (338.0, 4.22)
    assert found["cpu"]["PostgreSQL"] == (133.0, 1.66)
    assert found["cpu"]["all"] == (471.0, 5.89)


def test_lost_writes_are_counted():
    found = before_after.parse(_report(84, 80, 3, {"PostgreSQL": 25.0}))
    assert found["lost"] == 3


@pytest.mark.parametrize(
    "text", ["", "Time to absorb the campaign: 84 s", "**Lost or duplicated: 0**"]
)
def test_a_report_without_the_campaign_time_or_the_check_is_not_read(text):
    assert before_after.parse(text) is None


def test_the_table_gives_after_over_before():
    before = before_after.parse(_report(270, 80, 0, {"PostgreSQL": 133.0}))
    after = before_after.parse(_report(84, 80, 0, {"PostgreSQL": 25.0}))
    before["speed"] = (26.1, 27.0)
    after["speed"] = (26.5, 26.9)
    text = before_after.table(before, after, "8b84b78a3a00", "b6a28a7ad200", 80, 200)
    assert "**After / before = 0.31**" in text
    assert "| time to absorb the campaign (s) | 270 | 84 |" in text
    assert "| CPU per institution (s): PostgreSQL | 1.66 | 0.31 |" in text
