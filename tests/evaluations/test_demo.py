"""The synthetic closed campaign (evaluations/demo/): complete, released, idempotent."""

import io

import pytest
from django.db.models import F
from pypdf import PdfReader

from evaluations.demo import seed_closed_campaign, tiny_pdf
from evaluations.models import (
    Answer,
    AssessorAssignment,
    CalibrationAnswer,
    CalibrationItem,
    Evaluation,
    EvidenceLink,
    Extension,
    Phase,
)
from evaluations.selectors.calibration import calibration_agreement
from evaluations.selectors.selfeval import progress_for
from evaluations.services.selfeval import submission_content_hash
from institutions.models import Institution, Role, User
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_tiny_pdf_is_a_valid_one_page_pdf():
    reader = PdfReader(io.BytesIO(tiny_pdf("Kota Denpasar (Bali)")))
    assert len(reader.pages) == 1
    assert "Kota Denpasar" in reader.pages[0].extract_text()


def test_seed_closed_campaign_fills_and_releases_once(
    framework_2018, django_assert_max_num_queries
):
    period = f.EvaluationPeriodFactory(framework=framework_2018)
    universities = [f.UniversityFactory(code=f"u{i}") for i in range(5)]
    for _ in range(30):
        f.InstitutionFactory()
    f.MinistryFactory()
    changes = seed_closed_campaign(period=period)
    assert changes and "released" in changes[0]
    evaluations = Evaluation.objects.filter(period=period)
    total = Institution.objects.active().count()
    assert evaluations.count() == total
    assert set(evaluations.values_list("status", flat=True)) == {Evaluation.Status.RELEASED}
    assert not evaluations.filter(final_index__isnull=True).exists()
    assert evaluations.filter(final_index__lt=models_field("self_index")).exists()
    period.refresh_from_db()
    assert period.results_released_at is not None
    # Every evaluation scored on all 37 entries, in both phases, with evidence linked.
    assert (
        Answer.objects.filter(evaluation__period=period, phase=Phase.DOCUMENT).count() == 37 * total
    )
    assert Answer.objects.filter(evaluation__period=period, phase=Phase.SELF).count() == 37 * total
    assert EvidenceLink.objects.filter(answer__evaluation__period=period).exists()
    # Assigned with the automatic services: balanced over universities and assessors.
    per_university = [evaluations.filter(university=u).count() for u in universities]
    assert max(per_university) - min(per_university) <= 1
    assert User.objects.filter(role=Role.ASSESSOR, username__startswith="asesor-").count() == 25
    assert AssessorAssignment.objects.filter(evaluation__period=period).count() == total
    # Each submission carries the content hash a real one records (shown on receipts).
    sample = evaluations.order_by("pk").first()
    assert sample.submission_hash == submission_content_hash(sample)
    assert len(sample.submission_hash) == 64
    late = evaluations.filter(submitted_at__gt=period.deadline)
    assert Extension.objects.filter(period=period).count() == late.count()
    # The progress counters are what the completeness rules count from the answers:
    # "with evidence" only where a file is linked, so not every indicator.
    for ev in evaluations.select_related("period__framework"):
        assert (ev.answered_count, ev.evidenced_count) == progress_for(ev)
    assert evaluations.filter(evidenced_count__lt=F("answered_count")).exists()
    # A 10 % calibration sample, every validated entry of it scored a second time by an
    # assessor of another university; the first levels are the assigned assessors'.
    items = CalibrationItem.objects.filter(sample__period=period).select_related("evaluation")
    assert 0 < items.count() < total
    assert all(i.second_assessor.university_id != i.evaluation.university_id for i in items)
    assert CalibrationAnswer.objects.filter(item__in=items).count() == 37 * items.count()
    assert not Answer.objects.filter(
        evaluation__period=period, phase=Phase.DOCUMENT, updated_by__role=Role.ADMIN
    ).exists()
    assert calibration_agreement(period)["overall"].n == 37 * items.count()
    # Idempotent: a second run changes nothing.
    with django_assert_max_num_queries(2):
        assert seed_closed_campaign(period=period) == []


def models_field(name):
    from django.db.models import F

    return F(name)
