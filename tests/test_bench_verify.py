"""bench/verify.py finds lost, changed and duplicated writes (the benchmark's safety net)."""

import hashlib
import importlib.util
from pathlib import Path

import pytest
from django.core.files.base import ContentFile

from evaluations.models import Evaluation
from tests import factories as f

_spec = importlib.util.spec_from_file_location(
    "bench_verify", Path(__file__).resolve().parent.parent / "bench" / "verify.py"
)
verify_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(verify_module)
verify = verify_module.verify


@pytest.fixture
def answer(evaluation):
    indicator = f.IndicatorFactory(framework=evaluation.period.framework)
    return f.AnswerFactory(
        evaluation=evaluation, indicator=indicator, level=3, note="ok", version=2
    )


def _save(answer, **overrides):
    row = {
        "kind": "save",
        "evaluation": answer.evaluation_id,
        "indicator": answer.indicator_id,
        "entry": 1,
        "level": 3,
        "note": "ok",
        "version": 2,
    }
    return {**row, **overrides}


@pytest.mark.django_db
def test_verify_accepts_what_was_kept(answer):
    assert verify([_save(answer)])["problems"] == 0


@pytest.mark.django_db
def test_verify_reports_changed_content(answer):
    result = verify([_save(answer, level=4)])
    assert result["problems"] == 1
    assert result["first_problems"][0].startswith("save content differs")


@pytest.mark.django_db
def test_verify_reports_a_lost_save(answer):
    result = verify([_save(answer, indicator=answer.indicator_id + 999)])
    assert result["first_problems"][0].startswith("save lost")


@pytest.mark.django_db
def test_verify_counts_later_unacknowledged_write_apart(answer):
    result = verify([_save(answer, version=1, note="older")])
    assert result["problems"] == 0
    assert result["answers_with_later_unacknowledged_write"] == 1


@pytest.mark.django_db
def test_verify_checks_uploaded_bytes_on_disk(evaluation):
    data = b"%PDF-1.4 bench"
    sha = hashlib.sha256(data).hexdigest()
    evidence = f.EvidenceFileFactory(evaluation=evaluation, sha256=sha, size=len(data))
    evidence.file.save("x.pdf", ContentFile(b"%PDF-1.4 other!"))
    upload = {"kind": "upload", "evaluation": evaluation.pk, "sha256": sha, "size": len(data)}
    result = verify([upload])
    assert result["first_problems"] == [f"upload corrupted on disk: {evidence.file.name}"]
    missing = {**upload, "sha256": "0" * 64}
    assert verify([missing])["first_problems"][0].startswith("upload lost")


@pytest.mark.django_db
def test_verify_reports_lost_and_duplicated_submissions(evaluation, supervisor):
    submit = {"kind": "submit", "evaluation": evaluation.pk}
    assert verify([submit])["first_problems"] == [f"submission lost: evaluation {evaluation.pk}"]
    Evaluation.objects.filter(pk=evaluation.pk).update(
        status=Evaluation.Status.SUBMITTED,
        submitted_at=evaluation.period.opens_at,
        submitted_by=supervisor,
        submission_count=2,
    )
    result = verify([submit])
    assert result["first_problems"][0].startswith("submission duplicated")
