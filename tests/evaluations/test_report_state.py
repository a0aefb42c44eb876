"""The shared life cycle of generated files: claim once, reclaim after a dead worker,
finish without losing the progress written meanwhile."""

import datetime as dt

import pytest
from django.utils import timezone

from evaluations.models import Report
from evaluations.services import report_state as rs
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_claim_report_only_once():
    report = f.ReportFactory()
    assert rs.claim_report(report_id=report.pk) is not None
    assert rs.claim_report(report_id=report.pk) is None
    report.refresh_from_db()
    assert report.status == Report.Status.RENDERING and report.attempts == 1


def test_claim_report_reclaims_a_dead_workers_row():
    report = f.ReportFactory()
    rs.claim_report(report_id=report.pk, now=timezone.now() - dt.timedelta(hours=1))
    reclaimed = rs.claim_report(report_id=report.pk)
    assert reclaimed is not None and reclaimed.attempts == 2


def test_finish_report_keeps_progress_written_by_others():
    report = f.ReportFactory()
    stale_copy = rs.claim_report(report_id=report.pk)
    rs.set_report_progress(report_id=report.pk, done=400, total=623)
    done = rs.finish_report(report=stale_copy, content=b"PK zip", filename="all.zip")
    report.refresh_from_db()
    assert (report.status, report.progress_done, report.progress_total) == ("ready", 623, 623)
    assert done.progress_percent == 100
    assert report.file.read() == b"PK zip"


def test_fail_report_records_the_error():
    report = f.ReportFactory()
    rs.fail_report(report_id=report.pk, error="Template error")
    report.refresh_from_db()
    assert (report.status, report.error) == (Report.Status.FAILED, "Template error")
