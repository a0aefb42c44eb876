"""Level criteria: per indicator and level, the evidence that shows the level, stored as
framework data and shown next to the level choice to the institution and the assessor."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from evaluations.models import Evaluation, Framework
from tests import factories as f
from tests.conftest import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def framework_2020(db):
    call_command("load_framework", verbosity=0)
    return Framework.objects.get(code="permenpanrb-59-2020")


def test_every_59_2020_indicator_has_a_criterion_for_each_level(framework_2020):
    indicators = list(framework_2020.indicators.all())
    assert len(indicators) == 47
    for ind in indicators:
        assert sorted(ind.level_criteria) == ["1", "2", "3", "4", "5"], ind.number
        assert all(len(text) > 30 for text in ind.level_criteria.values())
    # The criterion names the indicator's own subject, not a shared sentence.
    first = framework_2020.indicators.get(number=1)
    assert "arsitektur" in first.level_criterion(1).lower()
    assert first.level_criterion(0) == ""


def test_the_institution_and_the_assessor_see_the_criteria(
    client, framework_2020, institution, operator, assessor, university
):
    period = f.EvaluationPeriodFactory(framework=framework_2020, name="Evaluasi SPBE 2024")
    evaluation = f.EvaluationFactory(institution=institution, period=period, university=university)
    f.AssessorAssignmentFactory(evaluation=evaluation, assessor=assessor)
    indicator = framework_2020.indicators.get(number=11)
    own = logged_in(client, operator)
    page = own.get(
        reverse("evaluations:answer-edit", args=[evaluation.pk, indicator.pk])
    ).content.decode()
    assert 'id="criterion-1-4"' in page
    assert indicator.level_criterion(4) in page
    client.logout()
    Evaluation.objects.filter(pk=evaluation.pk).update(status=Evaluation.Status.SUBMITTED)
    scorer = logged_in(client, assessor)
    page = scorer.get(reverse("evaluations:assessment-score", args=[evaluation.pk])).content
    page = page.decode()
    assert page.count('class="level-criteria') == 47
    assert indicator.level_criterion(5) in page
