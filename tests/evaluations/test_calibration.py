"""Calibration sample: stratified by kind and university, reproducible from the recorded
seed, drawn once per period (audited); the second assessor comes from another
university; agreement per university and assessor pair; disagreements over one level."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from evaluations.models import AuditEvent, CalibrationItem, CalibrationSample, Evaluation, Phase
from evaluations.scoring import final_levels
from evaluations.selectors.calibration import calibration_agreement
from evaluations.services import calibration as svc
from institutions.models import Institution, Role
from tests import factories as f
from tests.conftest import logged_in
from tests.evaluations.assessment_helpers import set_status, small_framework

pytestmark = pytest.mark.django_db


@pytest.fixture
def population(period, university, other_university):
    """12 kota and 6 kabupaten assessed by UI, 8 kota by UGM."""
    plan = [(Institution.Kind.KOTA, university, 12), (Institution.Kind.KABUPATEN, university, 6)]
    plan.append((Institution.Kind.KOTA, other_university, 8))
    evaluations = []
    for kind, uni, count in plan:
        for _ in range(count):
            institution = f.InstitutionFactory(kind=kind)
            evaluations.append(
                f.EvaluationFactory(period=period, institution=institution, university=uni)
            )
    f.EvaluationFactory(period=period)  # no university yet: not in any stratum
    return evaluations


def _strata(sample):
    counts = {}
    for item in sample.items.select_related("evaluation__institution"):
        key = (item.evaluation.institution.kind, item.evaluation.university_id)
        counts[key] = counts.get(key, 0) + 1
    return counts


def test_draw_is_stratified_reproducible_and_audited(
    population, period, admin_user, university, other_university
):
    sample = svc.draw_calibration_sample(period=period, share=Decimal("0.25"), by=admin_user)
    # 25 % of 12, 6 and 8, rounded half up: 3, 2 (1.5), 2.
    assert _strata(sample) == {
        (Institution.Kind.KOTA, university.pk): 3,
        (Institution.Kind.KABUPATEN, university.pk): 2,
        (Institution.Kind.KOTA, other_university.pk): 2,
    }
    drawn = sorted(sample.items.values_list("evaluation_id", flat=True))
    # The recorded seed gives the same sample again.
    again = svc.stratified_draw(population, share=Decimal("0.25"), seed=sample.seed)
    assert [e.pk for e in again] == drawn
    other_seed = svc.stratified_draw(population, share=Decimal("0.25"), seed=sample.seed + 1)
    assert [e.pk for e in other_seed] != drawn
    event = AuditEvent.objects.get(action=AuditEvent.Action.CALIBRATION_DRAWN)
    assert event.changes["seed"] == [None, sample.seed] and event.changes["size"] == [None, 7]
    with pytest.raises(ValidationError):
        svc.draw_calibration_sample(period=period, share=Decimal("0.1"), by=admin_user)


def test_small_stratum_gets_at_least_one(population, period, admin_user):
    sample = svc.draw_calibration_sample(
        period=period, share=Decimal("0.01"), by=admin_user, seed=5
    )
    assert sample.items.count() == 3  # one per stratum


def test_only_admin_draws(population, period, coordinator):
    with pytest.raises(PermissionDenied):
        svc.draw_calibration_sample(period=period, share=Decimal("0.1"), by=coordinator)
    assert not CalibrationSample.objects.exists()


def test_second_assessor_from_another_university(
    population, period, admin_user, assessor, other_university
):
    sample = svc.draw_calibration_sample(period=period, share=Decimal("0.1"), by=admin_user)
    item = sample.items.select_related("evaluation").get(
        evaluation__university_id=assessor.university_id,
        evaluation__institution__kind=Institution.Kind.KABUPATEN,
    )
    with pytest.raises(ValidationError):
        svc.assign_second_assessor(item=item, assessor=assessor, by=admin_user)
    outsider = f.UserFactory(role=Role.ASSESSOR, university=other_university)
    svc.assign_second_assessor(item=item, assessor=outsider, by=admin_user)
    item.refresh_from_db()
    assert item.second_assessor == outsider


def _allow_zero(period):
    """Levels 0-5, as the worked examples use level 0."""
    period.framework.allow_zero_validated = True
    period.framework.save(update_fields=["allow_zero_validated"])


def test_agreement_per_university_and_pair(period, admin_user, university, other_university):
    indicators = small_framework(period.framework, n=3)
    _allow_zero(period)
    first = f.UserFactory(
        role=Role.ASSESSOR, university=university, first_name="Ani", last_name="A"
    )
    second = f.UserFactory(
        role=Role.ASSESSOR, university=other_university, first_name="Budi", last_name="B"
    )
    # Under assessment: the second assessor scores from submission until approval.
    evaluations = [
        f.EvaluationFactory(
            period=period, university=university, status=Evaluation.Status.UNDER_ASSESSMENT
        )
        for _ in range(3)
    ]
    sample = svc.draw_calibration_sample(period=period, share=Decimal("1"), by=admin_user)
    first_levels = [(1, 2, 3), (2, 2, 4), (0, 5, 3)]
    second_levels = [(1, 2, 3), (2, 3, 1), (0, 5, 3)]
    for ev, mine, theirs in zip(evaluations, first_levels, second_levels, strict=True):
        item = CalibrationItem.objects.get(evaluation=ev)
        svc.assign_second_assessor(item=item, assessor=second, by=admin_user)
        for indicator, a, b in zip(indicators, mine, theirs, strict=True):
            f.AnswerFactory(
                evaluation=ev, indicator=indicator, phase=Phase.DOCUMENT, level=a, updated_by=first
            )
            svc.save_second_level(item=item, indicator=indicator, entry=1, level=b, by=second)
    with pytest.raises(PermissionDenied):
        svc.save_second_level(item=item, indicator=indicators[0], entry=1, level=1, by=first)
    result = calibration_agreement(period)
    assert sample.items.count() == 3
    assert result["overall"].n == 9
    assert result["overall"].exact.value == pytest.approx(7 / 9)
    assert result["overall"].mean_abs_diff.value == pytest.approx(4 / 9)
    assert [r.label for r in result["by_university"]] == [university.short_name]
    assert [r.label for r in result["by_pair"]] == ["Ani A / Budi B"]
    (gap,) = result["disagreements"]
    assert (gap.evaluation_id, gap.first, gap.second) == (evaluations[1].pk, 4, 1)


def _scored_sample(period, admin_user, university, other_university, count):
    indicators = small_framework(period.framework, n=3)
    _allow_zero(period)
    second = f.UserFactory(role=Role.ASSESSOR, university=other_university)
    for _ in range(count):
        first = f.UserFactory(role=Role.ASSESSOR, university=university)
        ev = f.EvaluationFactory(
            period=period, university=university, status=Evaluation.Status.UNDER_ASSESSMENT
        )
        for indicator in indicators:
            f.AnswerFactory(
                evaluation=ev, indicator=indicator, phase=Phase.DOCUMENT, level=3, updated_by=first
            )
    svc.draw_calibration_sample(period=period, share=Decimal("1"), by=admin_user, seed=1)
    for n, item in enumerate(CalibrationItem.objects.filter(sample__period=period)):
        svc.assign_second_assessor(item=item, assessor=second, by=admin_user)
        for indicator in indicators:
            level = 0 if (n == 0 and indicator.number == 1) else 3 + (indicator.number % 2)
            svc.save_second_level(item=item, indicator=indicator, entry=1, level=level, by=second)


@pytest.mark.parametrize("count", [1, 12])
def test_page_tables_and_query_count(
    client, period, admin_user, university, other_university, count, django_assert_max_num_queries
):
    _scored_sample(period, admin_user, university, other_university, count)
    logged_in(client, admin_user)
    # The same bound at 1 and 12: the agreement, the sample with its second assessors,
    # the assessors to choose from and the indicator numbers of the differences.
    with django_assert_max_num_queries(17):
        page = client.get(reverse("evaluations:calibration", args=[period.pk]))
    html = page.content.decode()
    assert page.status_code == 200
    assert page.context["size"] == count
    assert page.context["overall"].n == 3 * count
    assert len(page.context["by_pair"]) == count  # every first assessor is another person
    assert "small sample" in html or "sampel kecil" in html
    assert len(page.context["disagreements"]) == 1  # the 3 against 0 of the first item


def test_consensus_decides_the_level_that_counts(
    period, admin_user, university, other_university, coordinator, other_coordinator
):
    _scored_sample(period, admin_user, university, other_university, 1)
    item = CalibrationItem.objects.select_related("evaluation").get()
    evaluation = set_status(item.evaluation, Evaluation.Status.ASSESSED)
    one, two = period.framework.indicators.order_by("number")[:2]
    decide = svc.decide_consensus
    # Indicator 2: 3 against 3, no consensus needed.
    with pytest.raises(ValidationError):
        decide(item=item, indicator=two, entry=1, level=3, reason="-", by=coordinator)
    with pytest.raises(PermissionDenied):  # another university's coordinator
        decide(item=item, indicator=one, entry=1, level=2, reason="x", by=other_coordinator)
    with pytest.raises(ValidationError):
        decide(item=item, indicator=one, entry=1, level=2, reason=" ", by=coordinator)
    decide(
        item=item, indicator=one, entry=1, level=1, reason="Bukti tidak lengkap.", by=coordinator
    )
    assert final_levels(evaluation.answers.all())[one.pk] == [1]
    event = AuditEvent.objects.get(action=AuditEvent.Action.CALIBRATION_CONSENSUS)
    assert event.changes["level"] == [3, 1] and event.changes["second"] == [None, 0]
    set_status(evaluation, Evaluation.Status.APPROVED)
    with pytest.raises(ValidationError):
        decide(item=item, indicator=one, entry=1, level=2, reason="Lagi.", by=coordinator)
