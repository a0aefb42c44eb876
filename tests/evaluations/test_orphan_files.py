"""Files that a rolled-back upload left in storage are swept; nothing in use is touched."""

import datetime as dt

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from evaluations.models import EvidenceFile
from evaluations.services import evidence as evidence_svc
from evaluations.services.orphans import ORPHAN_GRACE, sweep_orphan_files
from evaluations.tasks.ops import sweep_orphan_files_task
from spbe_portal.celery import app
from tests import factories as f
from tests.evaluations.selfeval_helpers import make_pdf, small_framework, upload

pytestmark = pytest.mark.django_db

LATER = ORPHAN_GRACE + dt.timedelta(minutes=1)


class _Boom(Exception):
    pass


def _rolled_back_upload(evaluation, operator, marker="x") -> str:
    """An upload whose transaction fails after the file was stored (a database error
    after the upload, in the same transaction): the row goes, the bytes stay."""
    with pytest.raises(_Boom), transaction.atomic():
        evidence = evidence_svc.upload_evidence(
            evaluation=evaluation, by=operator, uploaded_file=upload(make_pdf(marker=marker))
        )
        name = evidence.file.name
        raise _Boom
    return name


def test_a_rolled_back_upload_leaves_bytes_that_the_sweep_removes_after_a_day(evaluation, operator):
    small_framework(evaluation.period)
    orphan = _rolled_back_upload(evaluation, operator)
    assert not EvidenceFile.objects.exists()
    assert default_storage.exists(orphan)

    # Within the grace period the file may belong to an upload still in progress.
    young = sweep_orphan_files()
    assert (young.deleted, young.kept_young) == (0, 1)
    assert default_storage.exists(orphan)

    swept = sweep_orphan_files(now=timezone.now() + LATER)
    assert swept.deleted == 1
    assert swept.deleted_bytes > 0
    assert not default_storage.exists(orphan)


def test_files_that_rows_name_are_kept_however_old(evaluation, operator):
    small_framework(evaluation.period)
    kept = evidence_svc.upload_evidence(
        evaluation=evaluation, by=operator, uploaded_file=upload(make_pdf(marker="kept"))
    )
    report = f.ReportFactory(evaluation=evaluation)
    report.file.save("r.pdf", ContentFile(b"%PDF-1.7 report"), save=True)
    stray_report = default_storage.save("reports/institution/stray.pdf", ContentFile(b"x" * 10))
    orphan = _rolled_back_upload(evaluation, operator, marker="orphan")

    result = sweep_orphan_files(now=timezone.now() + LATER)

    assert result.checked == 4
    assert result.deleted == 2
    assert default_storage.exists(kept.file.name)
    assert default_storage.exists(report.file.name)
    assert not default_storage.exists(stray_report)
    assert not default_storage.exists(orphan)


def test_a_dry_run_counts_and_deletes_nothing(evaluation, operator, capsys):
    small_framework(evaluation.period)
    orphan = _rolled_back_upload(evaluation, operator)

    dry = sweep_orphan_files(now=timezone.now() + LATER, dry_run=True)
    assert dry.deleted == 1
    assert default_storage.exists(orphan)

    call_command("sweep_orphan_files", "--dry-run")
    assert "would delete 0 orphaned" in capsys.readouterr().out  # younger than a day
    assert default_storage.exists(orphan)


def test_the_nightly_job_runs_the_sweep_on_the_bulk_queue(evaluation, operator, settings):
    small_framework(evaluation.period)
    _rolled_back_upload(evaluation, operator)
    entry = app.conf.beat_schedule["sweep-orphan-files"]
    assert entry["task"] == sweep_orphan_files_task.name
    assert settings.CELERY_TASK_ROUTES[entry["task"]]["queue"] == settings.BULK_QUEUE
    assert sweep_orphan_files_task() == 0  # the file is younger than the grace period
